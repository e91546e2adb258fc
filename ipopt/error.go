package ipopt

import (
	"strconv"
	"sync"
	"unsafe"
)

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

// Error is the error type of every package in this module: a small
// comparable value that names a failure ([ErrorKind]) and the octet where
// it happened. Get it with errors.As into a variable of type Error (var e
// ipopt.Error; errors.As(err, &e)) and classify it with errors.Is and the
// sentinels ([ErrTruncated], cipso.ErrUnknownDOI, ...).
//
// Where the error is (RULES.md §10): an error is either at an octet of the
// input or at none ([Error.HasOffset]). An error at an octet of the
// options field ([Error.InOptions]) has its [Error.Offset] counted from
// the first octet of the options field and its [Error.Pointer], the value
// for the ICMP Parameter Problem pointer, counted from the first octet of
// the IP header (Offset+20 for the Linux and strict profiles). An error
// in a field of the base header (version, IHL, total length, addresses)
// is not in the options: its Offset is -1 and [Error.HeaderOffset] names
// its octet (0 for the version and IHL). HeaderOffset counts from the
// first octet of the IP header for every error with an offset. Without an
// offset (a rewrite whose result would not fit, a buffer or argument out
// of range, a header cut short before its IHL) Offset, HeaderOffset and
// Pointer are -1: -1 means "no such position" and is the only negative
// number an accessor returns.
//
// The text names the position the way the input has it: "<sentinel>:
// <field> at offset N (pointer P)" in the options field, "<sentinel>:
// <field> at header octet N" in the base header, "<sentinel>: <field>"
// without an offset ("ipopt: header over 60 octets: the options would
// exceed 40 octets (IHL 15)").
//
// An Error is one pointer into a static table of every kind at every
// offset of a 60-octet header, so making one, returning it as an error,
// comparing it (==, errors.Is) and reading it allocate nothing. Only an
// offset far outside the header, or a program that makes more than 1023
// kinds, gets an error that is allocated; such errors are equal only to
// themselves (compare Kind and Offset instead). The zero Error is made by
// no function of this module; its methods return zero values, -1 for the
// positions, and its text is "ipopt: zero Error".
type Error struct {
	p *byte // into errSlots, or to errBox.first
}

// pointerRule says how an error's Pointer follows from its offset.
type pointerRule uint8

const (
	ruleBase  pointerRule = iota // Pointer = offset + base
	ruleFixed                    // Pointer = base at every offset
	ruleNone                     // the error is at no octet
)

// kindInfo is what an ErrorKind stands for.
type kindInfo struct {
	err   error
	field string
	class Class
	rule  pointerRule
	base  int16
}

// Range of offsets for which errors need no allocation: every field of a
// 60-octet header, with room for a few octets of slack.
const (
	minErrOffset = -BaseHeaderLen
	maxErrOffset = MaxOptionsLen + 24
	errSpan      = maxErrOffset - minErrOffset + 1
	// maxKinds bounds the kinds held in the static tables; the module
	// declares about 160. Kind 0 is the zero ErrorKind.
	maxKinds = 1024
)

var (
	// errSlots gives every (kind, offset) pair an address: the error of
	// kind k at offset off is &errSlots[k*errSpan+off-minErrOffset]. Its
	// contents are never read or written; it is zeroed static memory (no
	// heap).
	errSlots [maxKinds * errSpan]byte

	// kinds is the registry of kinds. Entries of static are written once,
	// under the lock, before the ErrorKind that names them exists, and
	// only read afterwards, so readers need no lock; extra (kinds from
	// maxKinds on) grows and is read under the lock.
	kinds struct {
		sync.Mutex
		n      uint32
		static [maxKinds]kindInfo
		extra  []*kindInfo
	}
)

// errBox is an error that has no slot: an offset outside the window or a
// kind beyond maxKinds. Error.p points to first.
type errBox struct {
	first byte // must stay the first field
	id    uint32
	off   int
	info  *kindInfo
}

// locate returns the kind (its registry entry and id) and the offset that
// e stands for; info is nil for the zero Error. It is the only code that
// uses package unsafe: an address inside errSlots is decoded from its
// distance to the table's first octet (which never converts a number back
// to a pointer); any other non-nil p is &errBox.first, so it is the box.
func (e Error) locate() (info *kindInfo, id uint32, off int) {
	if e.p == nil {
		return nil, 0, 0
	}
	if d := uintptr(unsafe.Pointer(e.p)) - uintptr(unsafe.Pointer(&errSlots[0])); d < uintptr(len(errSlots)) {
		i := int(d)
		id = uint32(i / errSpan)
		return &kinds.static[id], id, i%errSpan + minErrOffset
	}
	b := (*errBox)(unsafe.Pointer(e.p))
	return b.info, b.id, b.off
}

// position returns e's kind and its offset when e is at an octet of the
// input or of the base header before it.
func (e Error) position() (info *kindInfo, off int, ok bool) {
	info, _, off = e.locate()
	return info, off, info != nil && info.rule != ruleNone && off >= minErrOffset
}

// HasOffset reports whether the error is at an octet of the IP header: of
// the options field ([Error.InOptions]) or of the base header. It is false
// for errors made by a kind of [NewErrorKindNoOffset] (a result that would
// not fit, an argument out of range, a header cut short), which have no
// ICMP Parameter Problem pointer.
func (e Error) HasOffset() bool {
	_, _, ok := e.position()
	return ok
}

// InOptions reports whether the error is at an octet of the options field,
// which [Error.Offset] then gives.
func (e Error) InOptions() bool {
	_, off, ok := e.position()
	return ok && off >= 0
}

// Offset is the octet offset of the faulty field in the options field, or
// -1 when the error is not in the options field (a base-header field, or
// no offset at all: [Error.InOptions]).
func (e Error) Offset() int {
	if _, off, ok := e.position(); ok && off >= 0 {
		return off
	}
	return -1
}

// HeaderOffset is the octet of the faulty field counted from the first
// octet of the IP header (Offset+20 for the options field; 0 for the
// version and IHL), or -1 when the error has no offset.
func (e Error) HeaderOffset() int {
	if _, off, ok := e.position(); ok {
		return off + BaseHeaderLen
	}
	return -1
}

// Pointer is the ICMP Parameter Problem pointer: octets from the start of
// the IP header, as Linux's ip_options_compile reports it, or as the
// kind's pointer rule says ([NewErrorKindPointer],
// [NewErrorKindFixedPointer]); -1 when the error has no offset
// ([Error.HasOffset]), for which no pointer exists.
func (e Error) Pointer() int {
	info, off, ok := e.position()
	if !ok {
		return -1
	}
	return info.pointer(off)
}

// pointer is the Pointer of the error of this kind at off (an octet of the
// header or after it).
func (info *kindInfo) pointer(off int) int {
	p := int(info.base)
	if info.rule != ruleFixed {
		p += off
	}
	return max(p, -1)
}

// Field names the faulty field ("length", "doi", "tag type", ...); for an
// error without an offset it says what is wrong ("the options would
// exceed 40 octets (IHL 15)").
func (e Error) Field() string {
	if info, _, _ := e.locate(); info != nil {
		return info.field
	}
	return ""
}

// Class says whether the input was malformed, refused by policy, did not
// fit, or lacked a required option.
func (e Error) Class() Class {
	if info, _, _ := e.locate(); info != nil {
		return info.class
	}
	return Malformed
}

// Unwrap returns the sentinel, for errors.Is.
func (e Error) Unwrap() error {
	if info, _, _ := e.locate(); info != nil {
		return info.err
	}
	return nil
}

// Kind returns the ErrorKind e was made from, so a caller can report the
// same failure elsewhere (Kind().At(off)).
func (e Error) Kind() ErrorKind {
	_, id, _ := e.locate()
	return ErrorKind{id}
}

// The interfaces the types of this file implement, checked at compile time
// (fmt.Stringer spelled out, so that the package does not import fmt).
var (
	_ error                        = Error{}
	_ error                        = errorString("")
	_ interface{ String() string } = Class(0)
)

// Error implements error: "<sentinel>: <field> at offset N (pointer P)"
// for a field of the options, "<sentinel>: <field> at header octet N" for
// a field of the base header, "<sentinel>: <field>" for an error without
// an offset.
func (e Error) Error() string { return string(e.AppendText(nil)) }

// AppendText appends the text of Error to b without allocating (beyond
// growing b), for logs and JSON written on a hot path.
func (e Error) AppendText(b []byte) []byte {
	info, _, off := e.locate()
	if info == nil || info.err == nil {
		return append(b, "ipopt: zero Error"...)
	}
	b = append(b, info.err.Error()...)
	if info.field != "" {
		b = append(b, ": "...)
		b = append(b, info.field...)
	}
	switch {
	case info.rule == ruleNone || off < minErrOffset:
		return b
	case off < 0:
		b = append(b, " at header octet "...)
		return strconv.AppendInt(b, int64(off+BaseHeaderLen), 10)
	}
	b = append(b, " at offset "...)
	b = strconv.AppendInt(b, int64(off), 10)
	b = append(b, " (pointer "...)
	b = strconv.AppendInt(b, int64(info.pointer(off)), 10)
	return append(b, ')')
}

// ErrorKind is one failure (a sentinel, a field name, a class and how the
// pointer is counted) ready at every offset, so that reporting it never
// allocates. Packages declare their kinds once, at package level, with
// [NewErrorKind] and its variants; a kind is a small comparable value. The
// zero ErrorKind is no failure: its At returns the zero [Error].
type ErrorKind struct{ id uint32 }

// NewErrorKind makes the failure of sentinel err in field, with Pointer =
// Offset + 20 (the IP-header-relative pointer Linux sends).
func NewErrorKind(err error, field string, class Class) ErrorKind {
	return newKind(kindInfo{err: err, field: field, class: class, rule: ruleBase, base: BaseHeaderLen})
}

// NewErrorKindPointer is NewErrorKind with Pointer = Offset + base, for
// protocols whose pointer is counted differently (DSM counts from the
// option, one-based: base 1).
func NewErrorKindPointer(err error, field string, class Class, base int) ErrorKind {
	return newKind(kindInfo{err: err, field: field, class: class, rule: ruleBase, base: int16(base)})
}

// NewErrorKindFixedPointer is NewErrorKind with a Pointer that is the same
// at every offset (DSM reports 0 for a bad length; CIPSO draft §5.1.2 uses
// 134 for a missing option).
func NewErrorKindFixedPointer(err error, field string, class Class, pointer int) ErrorKind {
	return newKind(kindInfo{err: err, field: field, class: class, rule: ruleFixed, base: int16(pointer)})
}

// NewErrorKindNoOffset makes the failure that is at no octet of the input
// (a result that would not fit, an argument out of range, a header cut
// short), so it has no ICMP pointer: [Error.HasOffset] is false, Offset
// and Pointer are -1, and At returns the same error whatever the offset
// it is given. what says what is wrong; it follows the sentinel's text in
// the message.
func NewErrorKindNoOffset(err error, what string, class Class) ErrorKind {
	return newKind(kindInfo{err: err, field: what, class: class, rule: ruleNone})
}

// newKind registers info. It is safe to call from several goroutines.
func newKind(info kindInfo) ErrorKind {
	kinds.Lock()
	defer kinds.Unlock()
	if kinds.n == ^uint32(0) {
		// Four billion kinds: give the last one again rather than wrap.
		return ErrorKind{kinds.n}
	}
	kinds.n++
	if kinds.n < maxKinds {
		kinds.static[kinds.n] = info
	} else {
		kinds.extra = append(kinds.extra, &info)
	}
	return ErrorKind{kinds.n}
}

// info returns the registry entry of k (the zero entry for the zero kind).
func (k ErrorKind) info() *kindInfo {
	if k.id < maxKinds {
		return &kinds.static[k.id]
	}
	kinds.Lock()
	defer kinds.Unlock()
	return kinds.extra[k.id-maxKinds]
}

// At returns the error at offset off of the options field. Offsets outside
// the window of a 60-octet header allocate a fresh error. A kind made by
// [NewErrorKindNoOffset] ignores off. Use [ErrorKind.HeaderAt] for a field
// of the base header.
func (k ErrorKind) At(off int) Error {
	if k.id < maxKinds && k.id != 0 {
		if kinds.static[k.id].rule == ruleNone {
			off = 0
		}
		if i := off - minErrOffset; uint(i) < errSpan {
			return Error{&errSlots[int(k.id)*errSpan+i]}
		}
	}
	return k.box(off)
}

// HeaderAt returns the error at octet octet of the IP header (0 for the
// version and IHL, 2 for the total length, ...): the error of a
// base-header field, whose Offset is -1 and whose HeaderOffset is octet.
func (k ErrorKind) HeaderAt(octet int) Error { return k.At(octet - BaseHeaderLen) }

// box makes the allocated error of k at off.
func (k ErrorKind) box(off int) Error {
	if k.id == 0 {
		return Error{}
	}
	info := k.info()
	if info.rule == ruleNone {
		off = 0
	}
	b := &errBox{id: k.id, off: off, info: info}
	return Error{&b.first}
}

// Shift returns the same failure moved by delta octets: a codec that checks
// one option reports offsets from the option's type octet, and the caller
// that knows where the option sits shifts them into the options field.
// Errors that are not an [Error], and errors without an offset, are
// returned unchanged. Shift does not allocate.
func Shift(err error, delta int) error {
	e, ok := err.(Error)
	if !ok || delta == 0 {
		return err
	}
	info, id, off := e.locate()
	if info == nil || info.rule == ruleNone {
		return err
	}
	return ErrorKind{id}.At(off + delta)
}

// Sentinels of this package. Every Error from ipopt unwraps to one of them.
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
