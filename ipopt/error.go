package ipopt

import (
	"encoding"
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
// ipopt.Error; errors.As(err, &e)), or with [AsError], which allocates
// nothing, and classify it with errors.Is and the sentinels
// ([ErrTruncated], cipso.ErrUnknownDOI, ...).
//
// Where the error is (RULES.md §10): an error is either at an octet of
// the input or at none ([Error.HeaderOffset] is -1). Every kind belongs to
// IPv4 (a fixed header of 20 octets, the kinds of [NewErrorKind] and its
// variants) or to IPv6 (40 octets, [KindOptions.IPv6]). An error after the
// fixed header (in the IPv4 options field, or in the IPv6 extension
// headers) has its [Error.Offset], never negative, counted from the first
// octet after the fixed header and its [Error.Pointer], the value for the
// ICMP Parameter Problem pointer, counted from the first octet of the IP
// header (Offset+20 for the IPv4 Linux and strict profiles, Offset+40 for
// IPv6). An error in a field of the fixed header (version, IHL, total or
// payload length, addresses) is not in the options: its Offset is -1 and
// [Error.HeaderOffset] names its octet (0 for the version). HeaderOffset
// counts from the first octet of the IP header for every error with an
// offset. Without an offset (a rewrite whose result would not fit, a
// buffer or argument out of range, a header cut short before its IHL)
// Offset, HeaderOffset and Pointer are -1: -1 means "no such position"
// and is the only negative number an accessor returns.
//
// The text names the position the way the input has it: "<sentinel>:
// <field> at offset N (pointer P)" after the fixed header, "<sentinel>:
// <field> at header octet N" in the fixed header, "<sentinel>: <field>"
// without an offset ("ipopt: header over 60 octets: the options would
// exceed 40 octets (IHL 15)").
//
// An Error is one pointer into a static table of every kind at every
// offset: for IPv4 kinds the 60 octets of a header and a few more, for
// IPv6 kinds the fixed header and the 2048 octets after it (the longest
// Hop-by-Hop or Destination Options header). Making one, returning it as
// an error, comparing it (==, errors.Is) and reading it allocate nothing.
// Only an offset outside that window, or a program that makes more than
// 1023 kinds (255 of them IPv6), gets an error that is allocated; such
// errors are equal only to themselves (compare Kind and Offset instead).
// The zero Error is made by no function of this module; its methods
// return zero values, -1 for the positions, and its text is "ipopt: zero
// Error".
type Error struct {
	// p is &errSlots[i], &errSlots6[i] or an *errBox, converted to
	// unsafe.Pointer (see locate).
	p unsafe.Pointer
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
	err    error
	field  string
	base   uint16 // 0 to maxPointerBase
	row    uint16 // the kind's row in errSlots6 (IPv6 kinds; 0: none)
	class  Class
	rule   pointerRule
	hdrLen uint8 // the fixed header: BaseHeaderLen or ipv6HeaderLen
}

// ipv6HeaderLen is the fixed IPv6 header (RFC 8200 §3), which package
// ipv6 calls HeaderLen.
const ipv6HeaderLen = 40

// Limits of positions. maxPointerBase is the largest base or fixed pointer
// a kind may have: every IP pointer counts octets of a datagram of at most
// 65,535 octets (RULES.md §10). maxOffset bounds the offsets an error may
// have, so that offset+base never overflows an int.
const (
	maxPointerBase = 1<<16 - 1
	maxOffset      = 1<<31 - 1 - maxPointerBase
	// noPos is the offset of an error at no octet.
	noPos = -1 << 31
)

// The windows of offsets for which errors need no allocation. IPv4: every
// field of a 60-octet header, with room for a few octets of slack. IPv6:
// the fixed header and 2048 octets after it (a Hop-by-Hop header of Hdr
// Ext Len 255). Each row of a table has one more slot, the kind's error
// at no octet.
const (
	minErrOffset = -BaseHeaderLen
	maxErrOffset = MaxOptionsLen + 24
	errSpan      = maxErrOffset - minErrOffset + 2

	minErrOffset6 = -ipv6HeaderLen
	maxErrOffset6 = 2047
	errSpan6      = maxErrOffset6 - minErrOffset6 + 2

	// maxKinds bounds the kinds held in the static registry; the module
	// declares about 190. Kind 0 is the zero ErrorKind. maxKinds6 bounds
	// the IPv6 kinds among them that have a row of errSlots6 (the module
	// declares about 30); row 0 is unused.
	maxKinds  = 1024
	maxKinds6 = 256
)

var (
	// errSlots and errSlots6 give every (kind, offset) pair an address:
	// the error of IPv4 kind k at offset off is
	// &errSlots[k*errSpan+off-minErrOffset], the error of the IPv6 kind
	// of row r is &errSlots6[r*errSpan6+off-minErrOffset6], and the last
	// slot of a row is the kind's error at no octet. Their contents are
	// never read or written; they are zeroed, pointer-free static memory
	// (no heap, nothing for the collector to scan, no page touched).
	errSlots  [maxKinds * errSpan]byte
	errSlots6 [maxKinds6 * errSpan6]byte

	// kinds is the registry of kinds. Entries of static and ids6 are
	// written once, under the lock, before the ErrorKind that names them
	// exists, and only read afterwards, so readers need no lock; extra
	// (kinds from maxKinds on) grows and is read under the lock.
	kinds struct {
		sync.Mutex
		n      uint32
		n6     uint16
		static [maxKinds]kindInfo
		ids6   [maxKinds6]uint32 // the kind of each row of errSlots6
		extra  []*kindInfo
	}
)

// errBox is an error that has no slot: an offset outside the window or a
// kind beyond the tables. Error.p is the box's own pointer.
type errBox struct {
	id   uint32
	off  int
	info *kindInfo
}

// The Errors that the package makes. With locate, these are the only code
// that uses package unsafe: p holds either the address of an octet of a
// slot table or a *errBox, each converted to unsafe.Pointer and, for the
// box, converted back to the same type (rule (1) of package unsafe).
func slotError(slot *byte) Error { return Error{unsafe.Pointer(slot)} }
func boxError(b *errBox) Error   { return Error{unsafe.Pointer(b)} }
func (e Error) boxed() *errBox   { return (*errBox)(e.p) }
func distance(p unsafe.Pointer, table *byte) uintptr {
	return uintptr(p) - uintptr(unsafe.Pointer(table))
}

// locate returns the kind (its registry entry and id) and the offset that
// e stands for (noPos at no octet); info is nil for the zero Error. An
// address inside a slot table is decoded from its distance to the table's
// first octet (which never converts a number back to a pointer); any
// other non-nil p is an *errBox.
func (e Error) locate() (info *kindInfo, id uint32, off int) {
	if e.p == nil {
		return nil, 0, 0
	}
	if d := distance(e.p, &errSlots[0]); d < uintptr(len(errSlots)) {
		i := int(d)
		id = uint32(i / errSpan)
		return &kinds.static[id], id, slotOffset(i%errSpan, minErrOffset, errSpan)
	}
	if d := distance(e.p, &errSlots6[0]); d < uintptr(len(errSlots6)) {
		i := int(d)
		id = kinds.ids6[i/errSpan6]
		return &kinds.static[id], id, slotOffset(i%errSpan6, minErrOffset6, errSpan6)
	}
	b := e.boxed()
	return b.info, b.id, b.off
}

// slotOffset is the offset of slot i of a row; slotIndex is its inverse,
// false for an offset outside the window.
func slotOffset(i, min, span int) int {
	if i == span-1 {
		return noPos
	}
	return i + min
}

func slotIndex(off, min, span int) (int, bool) {
	if off == noPos {
		return span - 1, true
	}
	i := off - min
	return i, off >= min && i < span-1
}

// valid reports whether an error of this kind at off is at an octet: off
// is in the fixed header or after it, and the pointer rule gives a
// pointer of 0 or more there (RULES.md §10).
func (info *kindInfo) valid(off int) bool {
	if info.rule == ruleNone || off < -int(info.hdrLen) || off > maxOffset {
		return false
	}
	return info.rule != ruleBase || off+int(info.base) >= 0
}

// position returns e's kind and its offset when e is at an octet of the
// input or of the fixed header before it.
func (e Error) position() (info *kindInfo, off int, ok bool) {
	info, _, off = e.locate()
	return info, off, info != nil && info.valid(off)
}

// ipv6 reports whether e is of an IPv6 kind ([KindOptions.IPv6]).
func (e Error) ipv6() bool {
	info, _, _ := e.locate()
	return info != nil && info.hdrLen == ipv6HeaderLen
}

// Offset is the octet offset of the faulty field after the fixed header
// (in the IPv4 options field; for IPv6 from the first octet after the
// 40-octet header), or -1 when the error is not there (a fixed-header
// field, or no offset at all): Offset() >= 0 says the error is in the
// options.
func (e Error) Offset() int {
	if _, off, ok := e.position(); ok && off >= 0 {
		return off
	}
	return -1
}

// HeaderOffset is the octet of the faulty field counted from the first
// octet of the IP header (Offset+20 for the IPv4 options field, Offset+40
// after the IPv6 fixed header; 0 for the version), or -1 when the error
// has no offset: HeaderOffset() >= 0 says the error is at an octet of the
// IP header. An error without an offset (a kind of
// [KindOptions.NoOffset]: a result that would not fit, an argument out of
// range, a header cut short) has no ICMP Parameter Problem pointer either.
func (e Error) HeaderOffset() int {
	if info, off, ok := e.position(); ok {
		return off + int(info.hdrLen)
	}
	return -1
}

// Pointer is the ICMP Parameter Problem pointer: octets from the start of
// the IP header, as Linux's ip_options_compile reports it, or as the
// kind's pointer rule says ([KindOptions.PointerBase],
// [KindOptions.FixedPointer]); -1 when the error has no offset
// ([Error.HeaderOffset] is -1), for which no pointer exists. It is never negative
// for an error with an offset.
func (e Error) Pointer() int {
	info, off, ok := e.position()
	if !ok {
		return -1
	}
	return info.pointer(off)
}

// pointer is the Pointer of the error of this kind at off, an offset for
// which valid holds.
func (info *kindInfo) pointer(off int) int {
	if info.rule == ruleFixed {
		return int(info.base)
	}
	return off + int(info.base)
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
// for a field after the fixed header, "<sentinel>: <field> at header
// octet N" for a field of the fixed header, "<sentinel>: <field>" for an
// error without an offset.
func (e Error) Error() string { return string(e.appendText(nil)) }

// AppendText implements [encoding.TextAppender]: it appends the text of
// Error to b without allocating (beyond growing b), for logs and JSON
// written on a hot path. The error is always nil.
func (e Error) AppendText(b []byte) ([]byte, error) { return e.appendText(b), nil }

var _ encoding.TextAppender = Error{}

func (e Error) appendText(b []byte) []byte {
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
	case !info.valid(off):
		return b
	case off < 0:
		b = append(b, " at header octet "...)
		return strconv.AppendInt(b, int64(off+int(info.hdrLen)), 10)
	}
	b = append(b, " at offset "...)
	b = strconv.AppendInt(b, int64(off), 10)
	b = append(b, " (pointer "...)
	b = strconv.AppendInt(b, int64(info.pointer(off)), 10)
	return append(b, ')')
}

// AsError is errors.As(err, &e) for e of type Error, without the
// allocation errors.As makes for its target: it finds the first Error in
// err's tree (Unwrap() error and Unwrap() []error, depth first), and
// falls back to errors.As only at an error that has an As method.
func AsError(err error) (Error, bool) {
	if e, ok := err.(Error); ok {
		return e, true
	}
	return asErrorTree(err)
}

// asErrorTree is the walk of AsError past its first error.
func asErrorTree(err error) (Error, bool) {
	for err != nil {
		if e, ok := err.(Error); ok {
			return e, true
		}
		if _, ok := err.(interface{ As(any) bool }); ok {
			if e, ok := asMethod(err); ok {
				return e, true
			}
		}
		switch x := err.(type) {
		case interface{ Unwrap() error }:
			err = x.Unwrap()
		case interface{ Unwrap() []error }:
			for _, err := range x.Unwrap() {
				if e, ok := asErrorTree(err); ok {
					return e, true
				}
			}
			return Error{}, false
		default:
			return Error{}, false
		}
	}
	return Error{}, false
}

// asMethod asks err's own As method (errors.As on err alone). It is not
// inlined so that only this call, rare, moves its target to the heap.
//
//go:noinline
func asMethod(err error) (Error, bool) {
	var e Error
	ok := err.(interface{ As(any) bool }).As(&e)
	return e, ok
}

// ErrorKind is one failure (a sentinel, a field name, a class, how the
// pointer is counted and the IP version whose header it is in) ready at
// every offset, so that reporting it never allocates. Packages declare
// their kinds once, at package level, with [NewErrorKind] and its
// variants; a kind is a small comparable value. The zero ErrorKind is no
// failure: its At returns the zero [Error].
type ErrorKind struct{ id uint32 }

// NewErrorKind makes the failure of sentinel err in field, of class
// class. Without options it is an IPv4 failure with Pointer = Offset + 20
// (the IP-header-relative pointer Linux sends); opts (at most one is
// read) give the other kinds: see [KindOptions].
func NewErrorKind(err error, field string, class Class, opts ...KindOptions) ErrorKind {
	var o KindOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	info := kindInfo{err: err, field: field, class: class, hdrLen: BaseHeaderLen}
	if o.IPv6 {
		info.hdrLen = ipv6HeaderLen
	}
	rule, base := ruleBase, int(info.hdrLen)
	switch {
	case o.NoOffset:
		rule, base = ruleNone, 0
	case o.FixedPointer:
		rule, base = ruleFixed, o.Pointer
	case o.PointerBase:
		base = o.Pointer
	}
	return newKind(info, rule, base)
}

// KindOptions are the variants of [NewErrorKind]; the zero value is the
// IPv4 kind whose Pointer is Offset + 20.
type KindOptions struct {
	// IPv6 makes an IPv6 failure: offsets count from the first octet
	// after the 40-octet fixed header (At), or from the header's first
	// octet for a field of the fixed header (HeaderAt), and Pointer =
	// Offset + 40, the ICMPv6 Parameter Problem pointer (RFC 4443 §3.4).
	// Its errors allocate nothing up to offset 2047, the end of the
	// longest Hop-by-Hop or Destination Options header, and [ICMP] gives
	// them no ICMPv4 answer (RULES.md §10).
	IPv6 bool
	// NoOffset makes a failure at no octet of the input (a result that
	// would not fit, an argument out of range, a header cut short), so
	// it has no ICMP pointer: Offset, HeaderOffset and Pointer are -1,
	// and At returns the same error whatever the offset
	// it is given. The field then says what is wrong; it follows the
	// sentinel's text in the message.
	NoOffset bool
	// PointerBase makes Pointer = Offset + Pointer, for protocols whose
	// pointer is counted differently (DSM counts from the option,
	// one-based: base 1). An error of the kind at an offset where the
	// pointer would be negative (a base-1 kind at a header octet) has no
	// offset (RULES.md §10).
	PointerBase bool
	// FixedPointer gives every error of the kind the same Pointer (DSM
	// reports 0 for a bad length; CIPSO draft §5.1.2 uses 134 for a
	// missing option).
	FixedPointer bool
	// Pointer is the base or the fixed pointer, 0 to 65535; a kind made
	// with any other has no offset, as with NoOffset.
	Pointer int
}

// newKind registers info with its pointer rule; a base out of range gives
// a kind at no octet. It is safe to call from several goroutines.
func newKind(info kindInfo, rule pointerRule, base int) ErrorKind {
	info.rule = rule
	if rule == ruleNone || base < 0 || base > maxPointerBase {
		info.rule, base = ruleNone, 0
	}
	info.base = uint16(base)
	kinds.Lock()
	defer kinds.Unlock()
	if kinds.n == ^uint32(0) {
		// Four billion kinds: give the last one again rather than wrap.
		return ErrorKind{kinds.n}
	}
	kinds.n++
	if kinds.n < maxKinds {
		if info.hdrLen == ipv6HeaderLen && kinds.n6 < maxKinds6-1 {
			kinds.n6++
			info.row = kinds.n6
			kinds.ids6[kinds.n6] = kinds.n
		}
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

// At returns the error at offset off after the fixed header: of the IPv4
// options field, or from the first octet after the IPv6 fixed header for
// a kind of [KindOptions.IPv6]. Offsets outside the kind's window allocate a
// fresh error. A kind made by [KindOptions.NoOffset] ignores off, and an
// offset where the kind's pointer would be negative gives the kind's
// error at no octet. Use [ErrorKind.HeaderAt] for a field of the fixed
// header.
func (k ErrorKind) At(off int) Error {
	if k.id == 0 || k.id >= maxKinds {
		return k.box(off)
	}
	info := &kinds.static[k.id]
	if off >= -int(info.hdrLen) && !info.valid(off) {
		off = noPos
	}
	if info.hdrLen == BaseHeaderLen {
		if i, ok := slotIndex(off, minErrOffset, errSpan); ok {
			return slotError(&errSlots[int(k.id)*errSpan+i])
		}
	} else if info.row != 0 {
		if i, ok := slotIndex(off, minErrOffset6, errSpan6); ok {
			return slotError(&errSlots6[int(info.row)*errSpan6+i])
		}
	}
	return k.box(off)
}

// HeaderAt returns the error at octet octet of the IP header (IPv4: 0 for
// the version and IHL, 2 for the total length; IPv6: 0 for the version, 4
// for the payload length, ...): the error of a fixed-header field, whose
// Offset is -1 and whose HeaderOffset is octet.
func (k ErrorKind) HeaderAt(octet int) Error {
	if k.id == 0 {
		return Error{}
	}
	return k.At(octet - int(k.info().hdrLen))
}

// box makes the allocated error of k at off.
func (k ErrorKind) box(off int) Error {
	if k.id == 0 {
		return Error{}
	}
	info := k.info()
	if off >= -int(info.hdrLen) && !info.valid(off) {
		off = noPos
	}
	return boxError(&errBox{id: k.id, off: off, info: info})
}

// Shift returns the same failure moved by delta octets: a codec that checks
// one option reports offsets from the option's type octet, and the caller
// that knows where the option sits shifts them into the options field.
// Errors that are not an [Error], and errors without an offset, are
// returned unchanged. Shift does not allocate within the kind's window.
func Shift(err error, delta int) error {
	e, ok := err.(Error)
	if !ok || delta == 0 {
		return err
	}
	info, id, off := e.locate()
	if info == nil || !info.valid(off) {
		return err
	}
	n := off + delta
	if delta > 0 && n < off || delta < 0 && n > off {
		n = noPos // moved past the ends of int: no octet
	}
	return ErrorKind{id}.At(n)
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
