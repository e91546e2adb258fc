package ipv6

import "github.com/iplabel/iplabel/ipopt"

// Option types with a meaning of their own in Linux's walk (IANA
// "Destination Options and Hop-by-Hop Options").
const (
	Pad1        = 0x00
	PadN        = 0x01
	RouterAlert = 0x05 // RFC 2711
	CALIPSO     = 0x07 // RFC 5570
	IOAM        = 0x31 // RFC 9486
	Jumbo       = 0xC2 // RFC 2675
	HomeAddress = 0xC9 // RFC 6275
)

// Action is what a node that does not recognise an option does with the
// packet, from the two high bits of its type (RFC 8200 §4.2).
type Action uint8

const (
	Skip           Action = iota // 00: skip the option
	Discard                      // 01: discard the packet silently
	DiscardICMP                  // 10: discard, ICMP Parameter Problem code 2
	DiscardICMPUni               // 11: the same, unless the destination is multicast
)

// ActionOf returns the action bits of option type t.
func ActionOf(t uint8) Action { return Action(t >> 6) }

// MayChange reports whether option type t may change en route (the third
// high bit, RFC 8200 §4.2).
func MayChange(t uint8) bool { return t&0x20 != 0 }

// Option is one TLV of an options header. Bytes aliases the walked
// header.
type Option struct {
	// Offset is the option's type octet, counted from the first octet of
	// the options header (the Next Header octet is 0, the first option is
	// at 2).
	Offset int
	// Type is the option type.
	Type uint8
	// Bytes is the whole option: type, length (absent for Pad1) and data.
	Bytes []byte
}

// Data is the option's data, after its type and length octets.
func (o Option) Data() []byte {
	if len(o.Bytes) < 2 {
		return nil
	}
	return o.Bytes[2:]
}

// Iter walks the options of one Hop-by-Hop or Destination Options header
// (RFC 8200 §4.2) one TLV at a time, Pad1 and PadN included, checking
// nothing but the framing: an option whose length octet is missing or
// runs past the header stops the walk with an error (ipopt.ErrTruncated,
// ipopt.ErrBadLength at its type octet). It allocates nothing.
//
//	it := ipv6.NewIter(hdr)
//	for it.Next() {
//		o := it.Option()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
type Iter struct {
	b   []byte
	off int
	// cur and curLen place the current option in b; Option slices b on
	// demand, since a slice of b stored back into the Iter would make
	// every walked buffer escape to the heap.
	cur, curLen int
	// The error is kept as its kind and offset, so that Err's result does
	// not seem to the compiler to hold b (which would move a walked stack
	// buffer to the heap wherever the error escapes).
	errKind ipopt.ErrorKind
	errAt   int
}

// NewIter starts a walk over hdr, a whole options header (its first two
// octets are skipped). Error offsets count from hdr[0].
func NewIter(hdr []byte) Iter { return Iter{b: hdr, off: 2} }

// Next moves to the next option and reports whether there is one.
func (it *Iter) Next() bool {
	if it.errKind != (ipopt.ErrorKind{}) || it.off >= len(it.b) {
		return false
	}
	off := it.off
	t := it.b[off]
	n := 1
	if t != Pad1 {
		if off+1 >= len(it.b) {
			it.errKind, it.errAt = kindOptTruncated, off
			return false
		}
		n = int(it.b[off+1]) + 2
		if off+n > len(it.b) {
			it.errKind, it.errAt = kindOptLength, off
			return false
		}
	}
	it.cur, it.curLen = off, n
	it.off += n
	return true
}

// Option is the current option.
func (it *Iter) Option() Option {
	if it.curLen == 0 {
		return Option{}
	}
	end := it.cur + it.curLen
	return Option{Offset: it.cur, Type: it.b[it.cur], Bytes: it.b[it.cur:end:end]}
}

// Err is the framing error that ended the walk, or nil.
func (it *Iter) Err() error {
	if it.errKind == (ipopt.ErrorKind{}) {
		return nil
	}
	return it.errKind.At(it.errAt)
}

// Find returns the first option of type t in hdr, and false if there is
// none before the end or a framing error.
func Find(hdr []byte, t uint8) (Option, bool) {
	it := NewIter(hdr)
	for it.Next() {
		if o := it.Option(); o.Type == t {
			return o, true
		}
	}
	return Option{}, false
}

// AppendPad appends n octets of padding (0 to 7) as Linux writes it
// (calipso_pad_write, net/ipv6/calipso.c): nothing, a Pad1, or one PadN
// with zero data. RFC 8200 §4.2 allows longer PadN; Linux refuses runs
// over 7 octets (RULES.md §3), so n above 7 is cut to 7.
func AppendPad(b []byte, n int) []byte {
	switch {
	case n <= 0:
		return b
	case n == 1:
		return append(b, Pad1)
	}
	n = min(n, 7)
	b = append(b, PadN, byte(n-2))
	for range n - 2 {
		b = append(b, 0)
	}
	return b
}
