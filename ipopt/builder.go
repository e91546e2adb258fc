package ipopt

// Builder appends an IPv4 options field to a caller's buffer, one option at
// a time, in the style of dnsmessage.Builder: the field grows at the end of
// the slice given to [NewBuilder], and [Builder.Finish] pads it with EOL
// (0x00) to a multiple of 4 octets, as Linux pads the options it generates
// (cipso_v4_sock_setattr: opt_len = (len+3)&~3 over zeroed memory;
// RULES.md §5).
//
// Every add checks that the field stays within 40 octets (RFC 791: IHL 15)
// and, on error, leaves the field as it was. Once an EOL is in the field
// only more EOL octets may follow: RFC 791 makes every later octet padding,
// which Linux zeroes on receive (__ip_options_compile), so an option there
// would be lost.
//
// Nothing is allocated when dst has the capacity for the field (at most
// 40 more octets); otherwise append grows it.
type Builder struct {
	buf   []byte
	start int  // len(dst) at NewBuilder: where the field begins
	eol   bool // an EOL is in the field
}

var (
	errBuildAfterEOL = NewErrorKind(ErrBadValue, "after eol", Malformed)
	errOptType       = NewErrorKind(ErrBadValue, "type", Malformed)
)

// NewBuilder starts an options field at the end of dst.
func NewBuilder(dst []byte) Builder {
	return Builder{buf: dst, start: len(dst)}
}

// Len is the number of octets in the field so far (padding not included
// until Finish).
func (b *Builder) Len() int { return len(b.buf) - b.start }

// Option adds an option of type t with the given body: type octet, length
// octet (2+len(body)) and body. For EOL and NOP, which are single octets
// (RFC 791 "case 1"), body must be empty: Option(NOP, nil) adds a No
// Operation octet (0x01), used to align the next option, and
// Option(EOL, nil) an End of Option List octet (0x00), after which only
// EOL may follow.
//
// Errors: ErrBadValue (body given with EOL or NOP; an option after EOL),
// ErrTooLong (class Limit) at the offset where the option would start.
func (b *Builder) Option(t Type, body []byte) error {
	off := b.Len()
	if t.SingleOctet() {
		if len(body) != 0 {
			return errOptType.At(off)
		}
		return b.single(t)
	}
	if b.eol {
		return errBuildAfterEOL.At(off)
	}
	if len(body) > MaxOptionsLen-2-off {
		return KindTooLong.At(off)
	}
	b.buf = append(b.buf, byte(t), byte(2+len(body)))
	b.buf = append(b.buf, body...)
	return nil
}

// Raw adds octets that are already options, verbatim. They must frame
// cleanly as [Iter] walks them ([Check]); an EOL among them makes the
// octets after it padding, which Raw keeps byte for byte, so a received
// field can be rebuilt exactly.
//
// Errors: the framing error (offsets in the field being built),
// ErrBadValue when the field already ended with EOL and opts starts with
// anything but EOL octets, ErrTooLong (class Limit).
func (b *Builder) Raw(opts []byte) error {
	off := b.Len()
	if len(opts) > MaxOptionsLen-off {
		return KindTooLong.At(off)
	}
	it := NewIter(opts)
	for it.Next() {
		if b.eol && it.Option().Type != EOL {
			return errBuildAfterEOL.At(off + it.Option().Offset)
		}
		if it.EOL() {
			break
		}
	}
	if err := it.Err(); err != nil {
		return Shift(err, off)
	}
	if it.EOL() {
		b.eol = true
	}
	b.buf = append(b.buf, opts...)
	return nil
}

func (b *Builder) single(t Type) error {
	off := b.Len()
	if off >= MaxOptionsLen {
		return KindTooLong.At(off)
	}
	if b.eol && t != EOL {
		return errBuildAfterEOL.At(off)
	}
	if t == EOL {
		b.eol = true
	}
	b.buf = append(b.buf, byte(t))
	return nil
}

// Finish pads the field with EOL octets to a multiple of 4 and returns dst
// with the field appended. A field of more than 40 octets is refused with
// ErrTooLong (class Limit) at offset 40 and dst is returned unchanged.
// The padding is EOL, so once Finish has padded, the Builder refuses
// further options as it does after any EOL; start a new field with
// [NewBuilder].
func (b *Builder) Finish() ([]byte, error) {
	n := b.Len()
	if n > MaxOptionsLen {
		return b.buf[:b.start], KindTooLong.At(MaxOptionsLen)
	}
	if PaddedLen(n) > n {
		b.buf = appendPadding(b.buf, n)
		b.eol = true
	}
	return b.buf, nil
}

// AppendOption appends one option, type t with body, to dst: the type
// octet, the length octet (2+len(body)) and the body; for EOL and NOP the
// single type octet, with body empty. It does not pad.
//
// Errors, with dst returned unchanged: ErrBadValue at offset 0 for a body
// given with EOL or NOP; ErrTooLong (class Limit) at offset 0 for an option
// longer than 40 octets, which no IPv4 header can carry.
func AppendOption(dst []byte, t Type, body []byte) ([]byte, error) {
	if t.SingleOctet() {
		if len(body) != 0 {
			return dst, errOptType.At(0)
		}
		return append(dst, byte(t)), nil
	}
	if len(body) > MaxOptionsLen-2 {
		return dst, KindTooLong.At(0)
	}
	dst = append(dst, byte(t), byte(2+len(body)))
	return append(dst, body...), nil
}

// PaddedLen is n rounded up to a multiple of 4: the options-field length
// that holds n octets of options (IHL counts 32-bit words). Negative n
// gives 0.
func PaddedLen(n int) int { return max(n+3, 0) &^ 3 }

// appendPadding appends EOL octets to dst until the n octets of options
// that end it fill [PaddedLen](n), and returns dst.
func appendPadding(dst []byte, n int) []byte {
	for i := n; i < PaddedLen(n); i++ {
		dst = append(dst, byte(EOL))
	}
	return dst
}

// checkOne reports whether opt is exactly one option that can be placed in
// an options field ahead of others: not EOL (which would end the list), a
// lone NOP, or type, length == len(opt) and body. Errors are reported as if
// opt started at offset off of the options field.
func checkOne(opt []byte, off int) error {
	if len(opt) == 0 {
		return KindTruncated.At(off)
	}
	switch Type(opt[0]) {
	case EOL:
		return errOptType.At(off)
	case NOP:
		if len(opt) != 1 {
			return KindBadLength.At(off + 1)
		}
		return nil
	}
	if len(opt) < 2 {
		return KindTruncated.At(off)
	}
	if int(opt[1]) != len(opt) {
		return KindBadLength.At(off + 1)
	}
	return nil
}
