package ipopt

// Packet is a small sk_buff-like buffer for rewriting the options of an
// IPv4 datagram in place: one backing buffer, owned by the caller, holding
// a data window with headroom before it and tailroom after it, and the
// offset of the IPv4 header (the network header) in that buffer.
//
//	buf:  [ headroom | data window ............................ | tailroom ]
//	                 [ link hdr? | IPv4 header | payload ...... ]
//	                             ^ network header
//
// The window moves as sk_buff's does ([Packet.Push], [Packet.Pull],
// [Packet.Put], [Packet.Trim]); the network header stays where it is
// until a rewrite moves it.
//
// The option rewrites ([Packet.InsertOption], [Packet.ReplaceOption],
// [Packet.RemoveOption], [Packet.SetOption]) follow one rule set:
//
//   - The existing options field must frame cleanly ([Iter]); a framing
//     error is returned unchanged.
//   - Its content is the octets from its start to the end of the last
//     option that is neither NOP nor EOL, walking up to the first EOL.
//     Everything after the content is padding and is dropped: NOPs that
//     only trail the last option, the EOL, and every octet after the EOL
//     (which RFC 791 calls padding and Linux zeroes on receive). This is
//     how Linux measures the options it keeps (cipso_v4_get_actual_opt_len,
//     2024; RULES.md §5). Options found only after an EOL are padding too:
//     they are neither found nor kept.
//   - The change is made to the content; every other content octet is kept,
//     byte for byte and in order (NOPs between or before options included).
//   - The result is padded with EOL (0x00) to a multiple of 4, the header
//     length (IHL), the total length and the header checksum are set, and
//     the checksum is recomputed in full, as Linux's ip_send_check does.
//   - A header over 60 octets is refused (ErrHeaderTooLong, class Limit),
//     so is a total length over 65,535 (ErrTotalLength, class Limit).
//     These errors, and the ErrNoRoom and ErrNotFound below, point at no
//     octet of the datagram: they have no offset ([Error.HeaderOffset] is
//     -1) and their text says what would not fit, for instance
//     "ipopt: header over 60 octets: the options would exceed 40 octets
//     (IHL 15)".
//   - A header that grows moves left into the headroom: only the octets
//     from the start of the data window to the end of the base header move
//     (a link-layer header pushed in front of the IP header moves with it),
//     and the payload stays where it is. When the headroom is too small
//     for the growth but the tailroom is not, the header stays and the
//     payload (everything after the header up to the end of the window)
//     moves right into the tailroom instead. When neither fits, the rewrite
//     fails with ErrNoRoom (class Limit). A header that shrinks moves right,
//     toward the payload, and the headroom grows; the payload stays.
//   - The rewrite is atomic: every check is made before the first octet is
//     written, and on any error the buffer and the Packet are unchanged.
//     Nothing panics, whatever the buffer holds, and nothing is allocated.
//
// The option given to a rewrite is copied before the packet is touched, so
// it may alias the packet's own buffer (an option read from the packet).
//
// The zero Packet has no buffer; every rewrite on it fails.
type Packet struct {
	buf  []byte
	data int // first octet of the data window
	tail int // one past the last octet of the window
	nh   int // first octet of the IPv4 header
}

// The buffer, window and size failures of a Packet are at no octet of the
// datagram, so they have no offset (KindOptions.NoOffset): their text says
// what does not fit rather than pointing into the header.
var (
	errPktRoom     = NewErrorKind(ErrNoRoom, "not enough headroom", Limit, KindOptions{NoOffset: true}).At(0)
	errPktTailroom = NewErrorKind(ErrNoRoom, "not enough tailroom", Limit, KindOptions{NoOffset: true}).At(0)
	errPktData     = NewErrorKind(ErrNoRoom, "beyond the data window", Limit, KindOptions{NoOffset: true}).At(0)
	errPktGrow     = NewErrorKind(ErrNoRoom, "neither headroom nor tailroom takes the longer header", Limit, KindOptions{NoOffset: true}).At(0)
	errPktNH       = NewErrorKind(ErrBadHeader, "network header outside the data window", Malformed, KindOptions{NoOffset: true}).At(0)
	errPktHdrLong  = NewErrorKind(ErrHeaderTooLong, "the options would exceed 40 octets (IHL 15)", Limit, KindOptions{NoOffset: true}).At(0)
	errPktTotal    = NewErrorKind(ErrTotalLength, "the datagram would exceed 65,535 octets", Limit, KindOptions{NoOffset: true}).At(0)
	errPktNotFound = NewErrorKind(ErrNotFound, "no option of that type", Missing, KindOptions{NoOffset: true}).At(0)
	errPktAt       = NewErrorKind(ErrBadValue, "insert offset", Malformed)
	errPktDup      = NewErrorKind(ErrDuplicate, "second option of the type to set", Malformed)
)

// FromBytes makes a Packet over all of buf whose data window is the length
// octets at buf[headroom:], with the network header at its start: a
// datagram already in place, or none (length 0: add the datagram with
// [Packet.Put]). A window outside buf is refused with ErrNoRoom.
//
// 40 octets of headroom are enough for any option rewrite: the options
// field never holds more.
func FromBytes(buf []byte, headroom, length int) (Packet, error) {
	if headroom < 0 || headroom > len(buf) {
		return Packet{}, errPktRoom
	}
	if length < 0 || length > len(buf)-headroom {
		return Packet{}, errPktTailroom
	}
	return Packet{buf: buf, data: headroom, tail: headroom + length, nh: headroom}, nil
}

// Headroom is the number of octets before the data window.
func (p *Packet) Headroom() int { return p.data }

// Tailroom is the number of octets after the data window.
func (p *Packet) Tailroom() int { return len(p.buf) - p.tail }

// Len is the length of the data window.
func (p *Packet) Len() int { return p.tail - p.data }

// Bytes is the data window. Its capacity ends with the window, so an
// append to it cannot overwrite the tailroom.
func (p *Packet) Bytes() []byte { return p.buf[p.data:p.tail:p.tail] }

// Buffer is the whole backing buffer, headroom and tailroom included.
func (p *Packet) Buffer() []byte { return p.buf }

// Push extends the data window n octets to the front (skb_push) and
// returns them, for a header to be written there. Too little headroom, or
// n < 0, gives ErrNoRoom and changes nothing.
func (p *Packet) Push(n int) ([]byte, error) {
	if n < 0 || n > p.data {
		return nil, errPktRoom
	}
	p.data -= n
	return p.buf[p.data : p.data+n : p.data+n], nil
}

// Pull removes n octets from the front of the data window (skb_pull) and
// returns them. More than the window holds, or n < 0, gives ErrNoRoom and
// changes nothing.
func (p *Packet) Pull(n int) ([]byte, error) {
	if n < 0 || n > p.Len() {
		return nil, errPktData
	}
	p.data += n
	return p.buf[p.data-n : p.data : p.data], nil
}

// Put extends the data window n octets at the end (skb_put) and returns
// them, for data to be written there. Too little tailroom, or n < 0, gives
// ErrNoRoom and changes nothing.
func (p *Packet) Put(n int) ([]byte, error) {
	if n < 0 || n > p.Tailroom() {
		return nil, errPktTailroom
	}
	p.tail += n
	return p.buf[p.tail-n : p.tail : p.tail], nil
}

// Trim cuts the data window to its first n octets (skb_trim). An n larger
// than the window, or negative, gives ErrNoRoom and changes nothing.
func (p *Packet) Trim(n int) error {
	if n < 0 || n > p.Len() {
		return errPktData
	}
	p.tail = p.data + n
	return nil
}

// NetworkOffset is the offset of the IPv4 header from the start of the
// data window (negative after a Pull past it).
func (p *Packet) NetworkOffset() int { return p.nh - p.data }

// SetNetworkOffset puts the network header off octets into the data window
// (skb_set_network_header). An offset outside the window gives ErrNoRoom.
func (p *Packet) SetNetworkOffset(off int) error {
	if off < 0 || off > p.Len() {
		return errPktData
	}
	p.nh = p.data + off
	return nil
}

// Header returns the IPv4 header at the network offset, checked by
// [ParseHeader] against the octets from there to the end of the window.
func (p *Packet) Header() (Header, error) {
	if p.nh < 0 || p.nh > p.tail || p.tail > len(p.buf) {
		return nil, errPktNH
	}
	return ParseHeader(p.buf[p.nh:p.tail])
}

// Network is the datagram from the network header to the end of the data
// window, or nil if the network header is outside the buffer.
func (p *Packet) Network() []byte {
	if p.nh < 0 || p.nh > p.tail || p.tail > len(p.buf) {
		return nil
	}
	return p.buf[p.nh:p.tail:p.tail]
}

// InsertOption inserts opt, one option, into the options field before the
// option that starts at offset at of the field, or after the last option
// when at is -1 (before the padding). at must be the offset of an option
// of the content (see [Packet]) or the content's end; other values give
// ErrBadValue. opt must be one whole option: a NOP, or type, length equal
// to len(opt) and body; EOL is refused (it would end the list). Other
// options of the same type are not looked at: use [Packet.SetOption] to
// keep one label.
func (p *Packet) InsertOption(at int, opt []byte) error {
	h, sc, err := p.scan(0, false)
	if err != nil {
		return err
	}
	switch {
	case at == -1:
		at = sc.end
	case at < 0 || at > sc.end || at < sc.end && !sc.boundary(h.Options(), at):
		return errPktAt.At(min(max(at, 0), MaxOptionsLen))
	}
	return p.splice(h, sc, at, at, opt, true)
}

// ReplaceOption replaces the first option of type t in the content with
// opt (which may be of another type). ErrNotFound (class Missing) if there
// is none. When t is a type a datagram carries once (CIPSO, BSO, a route,
// Record Route, Timestamp: Linux's __ip_options_compile refuses a second
// of all but the BSO, which RFC 1108 §2 allows once) and the content holds
// two, it fails with ErrDuplicate (class Malformed) at the second: replacing
// one would leave the other behind.
func (p *Packet) ReplaceOption(t Type, opt []byte) error {
	h, sc, err := p.scan(t, true)
	if err != nil {
		return err
	}
	if sc.found < 0 {
		return errPktNotFound
	}
	if sc.second >= 0 {
		return errPktDup.At(sc.second)
	}
	return p.splice(h, sc, sc.found, sc.found+sc.foundLen, opt, true)
}

// RemoveOption cuts the first option of type t out of the content; the
// options after it move up and the header shrinks when it can, as Linux
// removes a CIPSO option since 2024 (cipso_v4_skbuff_delattr; earlier
// kernels left NOPs). ErrNotFound (class Missing) if there is none.
func (p *Packet) RemoveOption(t Type) error {
	h, sc, err := p.scan(t, true)
	if err != nil {
		return err
	}
	if sc.found < 0 {
		return errPktNotFound
	}
	return p.splice(h, sc, sc.found, sc.found+sc.foundLen, nil, false)
}

// SetOption sets the option of opt's type: it replaces the option of that
// type in the content, or inserts opt first in the field when there is
// none (labels go first, as Linux's cipso_v4_skbuff_setattr places them;
// unlike Linux, the other options are kept). opt must be one whole option,
// not EOL. A content with two options of a type carried once is refused
// with ErrDuplicate, as in [Packet.ReplaceOption], so that a packet never
// leaves with two labels.
func (p *Packet) SetOption(opt []byte) error {
	var t Type
	if len(opt) > 0 {
		t = Type(opt[0])
	}
	h, sc, err := p.scan(t, len(opt) > 0)
	if err != nil {
		return err
	}
	if len(opt) == 0 {
		return KindTruncated.At(0)
	}
	if sc.found < 0 {
		return p.splice(h, sc, 0, 0, opt, true)
	}
	if sc.second >= 0 {
		return errPktDup.At(sc.second)
	}
	return p.splice(h, sc, sc.found, sc.found+sc.foundLen, opt, true)
}

// scanResult is what a rewrite needs to know about the options field.
type scanResult struct {
	end      int // end of the content
	found    int // offset of the first option of the wanted type, or -1
	foundLen int
	second   int // offset of the second option of the wanted type if that type may appear once, or -1
}

// boundary reports whether an option of the content starts at off.
func (sc scanResult) boundary(opts []byte, off int) bool {
	it := NewIter(opts)
	for it.Next() && it.Option().Offset <= off {
		if it.Option().Offset == off {
			return true
		}
	}
	return false
}

// scan checks that the packet's header can be rewritten and measures its
// options: the content's end, and (when want) the first and second
// options of type t in the content.
func (p *Packet) scan(t Type, want bool) (Header, scanResult, error) {
	sc := scanResult{found: -1, second: -1}
	if p.data > p.nh {
		return nil, sc, errPktNH
	}
	h, err := p.Header()
	if err != nil {
		return nil, sc, err
	}
	// The walk of Iter.Next written out, as in Find: a rewrite runs on
	// every labelled packet, and a call per option costs more than the
	// checks (measured: 18 ns of a 47 ns insert into a header without
	// options went to the Iter walk; Go 1.26, amd64).
	opts := h.Options()
	firstNOP := -1
	for i := 0; i < len(opts); {
		c := Type(opts[i])
		if c == EOL {
			break
		}
		if c == NOP {
			if firstNOP < 0 {
				firstNOP = i
			}
			i++
			continue
		}
		if i+1 >= len(opts) {
			return nil, sc, KindTruncated.At(i)
		}
		n := int(opts[i+1])
		if n < 2 || n > len(opts)-i {
			return nil, sc, KindBadLength.At(i)
		}
		if want && c == t {
			if sc.found < 0 {
				sc.found, sc.foundLen = i, n
			} else if sc.second < 0 && once(t) {
				sc.second = i
			}
		}
		i += n
		sc.end = i
	}
	if want && t == NOP && firstNOP >= 0 && firstNOP < sc.end {
		// A NOP counts only inside the content.
		sc.found, sc.foundLen = firstNOP, 1
	}
	return h, sc, nil
}

// splice replaces the content octets [rs, re) with opt (with nothing when
// !insert), re-pads, and fixes the header, all or nothing.
func (p *Packet) splice(h Header, sc scanResult, rs, re int, opt []byte, insert bool) error {
	if insert {
		if err := checkOne(opt, rs); err != nil {
			return err
		}
	}
	old := h.Options()
	newLen := sc.end - (re - rs) + len(opt)
	padded := PaddedLen(newLen)
	if padded > MaxOptionsLen {
		return errPktHdrLong
	}
	delta := padded - len(old)
	total := int(h.TotalLen()) + delta
	if total > 0xffff {
		return errPktTotal
	}
	grow := 0 // 1: into headroom, 2: payload into tailroom
	if delta > 0 {
		switch {
		case delta <= p.data:
			grow = 1
		case delta <= p.Tailroom():
			grow = 2
		default:
			return errPktGrow
		}
	}

	// Build the new options field before anything moves.
	var nb [MaxOptionsLen]byte
	n := copy(nb[:], old[:rs])
	n += copy(nb[n:], opt)
	n += copy(nb[n:], old[re:sc.end])
	clear(nb[n:padded])

	hl := len(old) + BaseHeaderLen
	switch {
	case grow == 1:
		copy(p.buf[p.data-delta:], p.buf[p.data:p.nh+BaseHeaderLen])
		p.data -= delta
		p.nh -= delta
	case grow == 2:
		copy(p.buf[p.nh+hl+delta:p.tail+delta], p.buf[p.nh+hl:p.tail])
		p.tail += delta
	case delta < 0:
		copy(p.buf[p.data-delta:], p.buf[p.data:p.nh+BaseHeaderLen])
		p.data -= delta
		p.nh -= delta
	}
	nh := Header(p.buf[p.nh : p.nh+BaseHeaderLen+padded])
	copy(nh[BaseHeaderLen:], nb[:padded])
	nh.setIHL(uint8((BaseHeaderLen + padded) / 4))
	nh.setTotalLen(uint16(total))
	nh.SetChecksum()
	return nil
}
