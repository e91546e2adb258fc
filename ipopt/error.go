package ipopt

import "strconv"

// Class separates the outcomes a receiver must answer differently.
type Class uint8

const (
	// Malformed: the octets break a framing or encoding rule. A receiver
	// discards the datagram and sends ICMP Parameter Problem (type 12, code 0)
	// with the error's pointer (RFC 792; CIPSO draft §5.1).
	Malformed Class = iota
	// Policy: the label is well formed but not acceptable to the receiver.
	// Linux answers with ICMP Destination Unreachable code 10 (host) or 9
	// (net), "communication administratively prohibited" (cipso_v4_error;
	// CIPSO draft §5.1).
	Policy
	// Limit: a build or rewrite does not fit (40-octet options field,
	// 60-octet header, 65,535-octet datagram, buffer capacity). Nothing was
	// received, so there is no ICMP answer; senders drop or report.
	Limit
	// Missing: a required option is absent: ICMP Parameter Problem code 1
	// (RFC 1122 §3.2.2.5; CIPSO draft §5.1.2).
	Missing
)

// String implements fmt.Stringer.
func (c Class) String() string {
	switch c {
	case Malformed:
		return "malformed"
	case Policy:
		return "policy"
	case Limit:
		return "limit"
	case Missing:
		return "missing"
	}
	return "class(" + strconv.Itoa(int(c)) + ")"
}

// BaseHeaderLen is the length of the IPv4 header without options.
const BaseHeaderLen = 20

// MaxOptionsLen is the largest options field: IHL 15 gives 60 octets of
// header, 40 of them options (RFC 791; Linux MAX_IPOPTLEN).
const MaxOptionsLen = 40

// Error is the error type of every package in this module. It is returned
// as *Error; use errors.As to get it and errors.Is with the sentinels
// (ErrTruncated, cipso.ErrUnknownDOI, ...) to classify it.
//
// Offset is counted from the first octet of the options field; Pointer is
// the value for the ICMP Parameter Problem pointer, counted from the first
// octet of the IP header, which for the Linux and strict profiles is
// Offset+20. Base-header fields have negative offsets (IHL is -20).
//
// Some failures have no octet to point at: a rewrite whose result would
// not fit (the header would exceed 60 octets, the datagram 65,535), a
// buffer or argument out of range, a header cut short before its IHL. Such
// an error has no offset ([Error.HasOffset] is false; Offset and Pointer
// are -1) and its text names no position: "ipopt: header over 60 octets:
// the options would exceed 40 octets (IHL 15)". The text never shows a
// negative offset: a base-header field is named by its header octet
// ("version at header octet 0").
//
// Errors are immutable and preallocated ([NewErrorKind]), so producing one
// does not allocate. Do not modify an *Error.
type Error struct {
	offset  int16
	pointer int16
	class   Class
	none    bool // no offset: the failure is not at an octet of the input
	field   string
	err     error
	kind    *ErrorKind
}

// Offset is the octet offset of the faulty field in the options field, or
// -1 when the error has none ([Error.HasOffset]).
func (e *Error) Offset() int { return int(e.offset) }

// Pointer is the ICMP Parameter Problem pointer: octets from the start of
// the IP header, as Linux's ip_options_compile reports it; -1 when the
// error has no offset ([Error.HasOffset]), for which no pointer exists.
func (e *Error) Pointer() int { return int(e.pointer) }

// HasOffset reports whether the error is at an octet of the input. It is
// false for errors made by a kind of [NewErrorKindNoOffset]: a result that
// would not fit, an argument out of range, a header cut short. Such errors
// have no ICMP Parameter Problem pointer.
func (e *Error) HasOffset() bool { return !e.none }

// Field names the faulty field ("length", "doi", "tag type", ...); for an
// error without an offset it says what is wrong ("the options would
// exceed 40 octets (IHL 15)").
func (e *Error) Field() string { return e.field }

// Class says whether the input was malformed, refused by policy, did not
// fit, or lacked a required option.
func (e *Error) Class() Class { return e.class }

// Unwrap returns the sentinel, for errors.Is.
func (e *Error) Unwrap() error { return e.err }

// The interfaces the types of this file implement, checked at compile time
// (fmt.Stringer spelled out, so that the package does not import fmt).
var (
	_ error                        = (*Error)(nil)
	_ error                        = errorString("")
	_ interface{ String() string } = Class(0)
)

// Error implements error: "<sentinel>: <field> at offset N (pointer P)"
// for a field of the options, "<sentinel>: <field> at header octet N" for
// a field of the base header (negative offsets), "<sentinel>: <field>"
// for an error without an offset.
func (e *Error) Error() string { return string(e.AppendText(nil)) }

// AppendText appends the text of Error to b without allocating (beyond
// growing b), for logs and JSON written on a hot path.
func (e *Error) AppendText(b []byte) []byte {
	b = append(b, e.err.Error()...)
	if e.field != "" {
		b = append(b, ": "...)
		b = append(b, e.field...)
	}
	switch {
	case e.none:
		return b
	case e.offset < 0:
		if hdr := int(e.offset) + BaseHeaderLen; hdr >= 0 {
			b = append(b, " at header octet "...)
			b = strconv.AppendInt(b, int64(hdr), 10)
		}
		return b
	}
	b = append(b, " at offset "...)
	b = strconv.AppendInt(b, int64(e.offset), 10)
	b = append(b, " (pointer "...)
	b = strconv.AppendInt(b, int64(e.pointer), 10)
	return append(b, ')')
}

// Range of offsets for which errors are preallocated: every field of a
// 60-octet header, with room for a few octets of slack.
const (
	minErrOffset = -BaseHeaderLen
	maxErrOffset = MaxOptionsLen + 24
)

// ErrorKind is one failure (a sentinel, a field name and a class) ready at
// every offset, so that reporting it never allocates. Packages declare their
// kinds once, at package level, with [NewErrorKind].
type ErrorKind struct {
	base  int // pointer = offset + base (unless fixed)
	fixed bool
	none  bool // no offset: every At is the one error tbl[0]
	tbl   [maxErrOffset - minErrOffset + 1]Error
}

// NewErrorKind makes the errors for sentinel err in field at every offset,
// with Pointer = Offset + 20 (the IP-header-relative pointer Linux sends).
func NewErrorKind(err error, field string, class Class) *ErrorKind {
	return newKind(err, field, class, BaseHeaderLen, false)
}

// NewErrorKindPointer is NewErrorKind with Pointer = Offset + base, for
// protocols whose pointer is counted differently (DSM counts from the
// option, one-based: base 1).
func NewErrorKindPointer(err error, field string, class Class, base int) *ErrorKind {
	return newKind(err, field, class, base, false)
}

// NewErrorKindFixedPointer is NewErrorKind with a Pointer that is the same
// at every offset (DSM reports 0 for a bad length; CIPSO draft §5.1.2 uses
// 134 for a missing option).
func NewErrorKindFixedPointer(err error, field string, class Class, pointer int) *ErrorKind {
	return newKind(err, field, class, pointer, true)
}

// NewErrorKindNoOffset makes the error for a failure that is at no octet
// of the input (a result that would not fit, an argument out of range, a
// header cut short), so it has no ICMP pointer: [Error.HasOffset] is
// false, Offset and Pointer are -1, and At returns the same error whatever
// the offset it is given. what says what is wrong; it follows the
// sentinel's text in the message.
func NewErrorKindNoOffset(err error, what string, class Class) *ErrorKind {
	k := &ErrorKind{none: true}
	k.tbl[0] = Error{offset: -1, pointer: -1, none: true, err: err, field: what, class: class, kind: k}
	return k
}

func newKind(err error, field string, class Class, base int, fixed bool) *ErrorKind {
	k := &ErrorKind{base: base, fixed: fixed}
	for i := range k.tbl {
		k.tbl[i] = k.make(i + minErrOffset)
		k.tbl[i].err, k.tbl[i].field, k.tbl[i].class, k.tbl[i].kind = err, field, class, k
	}
	return k
}

func (k *ErrorKind) make(off int) Error {
	p := off + k.base
	if k.fixed {
		p = k.base
	}
	return Error{offset: int16(off), pointer: int16(p)}
}

// At returns the error at offset off. Offsets outside the preallocated
// range (impossible for a 60-octet header) allocate a fresh error. A kind
// made by [NewErrorKindNoOffset] ignores off.
func (k *ErrorKind) At(off int) *Error {
	if k.none {
		return &k.tbl[0]
	}
	if i := off - minErrOffset; i >= 0 && i < len(k.tbl) {
		return &k.tbl[i]
	}
	e := k.make(off)
	t := &k.tbl[0]
	e.err, e.field, e.class, e.kind = t.err, t.field, t.class, k
	return &e
}

// Shift returns the same failure moved by delta octets: a codec that checks
// one option reports offsets from the option's type octet, and the caller
// that knows where the option sits shifts them into the options field.
// Errors that are not *Error, and errors without an offset, are returned
// unchanged. Shift does not allocate.
func Shift(err error, delta int) error {
	e, ok := err.(*Error)
	if !ok || delta == 0 || e.kind == nil || e.none {
		return err
	}
	return e.kind.At(int(e.offset) + delta)
}

// Kind returns the ErrorKind e was made from, so a caller can report the
// same failure elsewhere (Kind().At(off)).
func (e *Error) Kind() *ErrorKind { return e.kind }

// Sentinels of this package. Every *Error from ipopt unwraps to one of them.
var (
	// ErrTruncated: an option's type octet is the last octet of the field,
	// so it has no length octet; or a field is cut short.
	ErrTruncated error = errorString("ipopt: truncated option")
	// ErrBadLength: a length octet below 2, one that runs past the end of
	// the options field, or a length the option type does not allow.
	ErrBadLength error = errorString("ipopt: bad option length")
	// ErrBadPointer: a route or timestamp pointer out of range (RFC 791).
	ErrBadPointer error = errorString("ipopt: bad option pointer")
	// ErrDuplicate: an option that may appear once appears again.
	ErrDuplicate error = errorString("ipopt: duplicate option")
	// ErrBadValue: an option field holds a value the rules refuse.
	ErrBadValue error = errorString("ipopt: bad option value")
	// ErrNotPermitted: an option an unprivileged socket may not set
	// (Linux: CAP_NET_RAW), or a tag that is not allowed there.
	ErrNotPermitted error = errorString("ipopt: option not permitted")
	// ErrTooLong: the options would exceed 40 octets.
	ErrTooLong error = errorString("ipopt: options field over 40 octets")
	// ErrHeaderTooLong: the header would exceed 60 octets (IHL 15).
	ErrHeaderTooLong error = errorString("ipopt: header over 60 octets")
	// ErrTotalLength: the datagram would exceed 65,535 octets, or the
	// total-length field disagrees with the buffer.
	ErrTotalLength error = errorString("ipopt: bad total length")
	// ErrBadHeader: a base header that is not IPv4 with IHL >= 5 and a
	// total length covering the header.
	ErrBadHeader error = errorString("ipopt: bad IPv4 header")
	// ErrNoRoom: the destination buffer or the packet's headroom and
	// tailroom cannot take the change.
	ErrNoRoom error = errorString("ipopt: no room in buffer")
	// ErrNotFound: the option to replace or remove is not there.
	ErrNotFound error = errorString("ipopt: option not found")
)

// errorString is the sentinels' dynamic type. The variables are declared as
// error so that passing one to errors.Is does not convert (and allocate).
type errorString string

func (e errorString) Error() string { return string(e) }
