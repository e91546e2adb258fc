package ipopt

import (
	"encoding/binary"
	"math/bits"
	"net/netip"
)

// Header is a view of an IPv4 header (RFC 791 §3.1) in the style of
// gVisor's header.IPv4: the bytes themselves, with an accessor for every
// field, and [Header.Encode] to write them all from [HeaderFields].
// [ParseHeader] checks the header once and returns a Header exactly as
// long as the header (IHL*4 octets, options included), so the accessors
// need no further checks.
//
// A Header shorter than the 20-octet base header (one not made by
// ParseHeader) is never indexed out of range: its getters return zero
// values and [Header.SetChecksum] does nothing.
type Header []byte

// Octet offsets of the base-header fields.
const (
	hdrVersionIHL = 0
	hdrTOS        = 1
	hdrTotalLen   = 2
	hdrID         = 4
	hdrFlagsFrag  = 6
	hdrTTL        = 8
	hdrProtocol   = 9
	hdrChecksum   = 10
	hdrSrc        = 12
	hdrDst        = 16
)

var (
	// A header cut short has no octet at fault and no ICMP pointer: Linux's
	// ip_rcv_core drops it (pskb_may_pull fails) without an answer.
	errHdrShort    = NewErrorKind(ErrTruncated, "header shorter than 20 octets", Malformed, KindOptions{NoOffset: true}).At(0)
	errHdrVersion  = NewErrorKind(ErrBadHeader, "version", Malformed)
	errHdrIHL      = NewErrorKind(ErrBadHeader, "ihl", Malformed)
	errHdrOptTrunc = NewErrorKind(ErrTruncated, "header shorter than its IHL says", Malformed, KindOptions{NoOffset: true}).At(0)
	errHdrTotalLen = NewErrorKind(ErrTotalLength, "total length", Malformed)
	errHdrAddr     = NewErrorKind(ErrBadValue, "address", Malformed)
	errHdrRoom     = NewErrorKind(ErrNoRoom, "buffer shorter than the header", Limit, KindOptions{NoOffset: true}).At(0)
)

// ParseHeader checks that b starts with an IPv4 header and returns the
// header, b[:IHL*4] with its capacity cut to its length. The checks are
// those Linux's ip_rcv_core makes before any option is looked at
// (RULES.md §2):
//
//   - at least 20 octets: ErrTruncated, without an offset;
//   - version 4: ErrBadHeader ("version") at header octet 0;
//   - IHL at least 5: ErrBadHeader ("ihl") at header octet 0;
//   - the whole header present, len(b) >= IHL*4: ErrTruncated ("header
//     shorter than its IHL says"), without an offset;
//   - total length at least IHL*4: ErrTotalLength at header octet 2.
//
// A header cut short has no octet to point at, so its error has no offset
// and no pointer ([Error.HeaderOffset] and [Error.Pointer] are -1), as
// Linux sends no ICMP for it. The payload is not required to be present in
// b (a quoted header in an ICMP error, or a truncated capture, still
// parses), and the checksum is not checked here (see
// [Header.VerifyChecksum]). The errors at a header octet are not in the
// options field ([Error.Offset] is -1); [Error.HeaderOffset] and
// [Error.Pointer] give the octet.
func ParseHeader(b []byte) (Header, error) {
	if len(b) < BaseHeaderLen {
		return nil, errHdrShort
	}
	if b[hdrVersionIHL]>>4 != 4 {
		return nil, errHdrVersion.HeaderAt(hdrVersionIHL)
	}
	hl := int(b[hdrVersionIHL]&0x0f) * 4
	if hl < BaseHeaderLen {
		return nil, errHdrIHL.HeaderAt(hdrVersionIHL)
	}
	if len(b) < hl {
		return nil, errHdrOptTrunc
	}
	if int(binary.BigEndian.Uint16(b[hdrTotalLen:])) < hl {
		return nil, errHdrTotalLen.HeaderAt(hdrTotalLen)
	}
	return Header(b[:hl:hl]), nil
}

func (h Header) ok() bool { return len(h) >= BaseHeaderLen }

// Version is the IP version, 4 for IPv4.
func (h Header) Version() uint8 {
	if !h.ok() {
		return 0
	}
	return h[hdrVersionIHL] >> 4
}

// IHL is the header length in 32-bit words, 5 to 15.
func (h Header) IHL() uint8 {
	if !h.ok() {
		return 0
	}
	return h[hdrVersionIHL] & 0x0f
}

// HeaderLen is the header length in octets, IHL*4.
func (h Header) HeaderLen() int { return int(h.IHL()) * 4 }

// TOS is the type-of-service octet (DSCP and ECN).
func (h Header) TOS() uint8 {
	if !h.ok() {
		return 0
	}
	return h[hdrTOS]
}

// TotalLen is the datagram length in octets, header and payload.
func (h Header) TotalLen() uint16 { return h.u16(hdrTotalLen) }

// ID is the identification field.
func (h Header) ID() uint16 { return h.u16(hdrID) }

// Flags is the three flag bits: 0x4 reserved, 0x2 don't fragment (DF),
// 0x1 more fragments (MF).
func (h Header) Flags() uint8 { return uint8(h.u16(hdrFlagsFrag) >> 13) }

// DontFragment reports the DF flag.
func (h Header) DontFragment() bool { return h.Flags()&0x2 != 0 }

// MoreFragments reports the MF flag.
func (h Header) MoreFragments() bool { return h.Flags()&0x1 != 0 }

// FragmentOffset is the fragment's position in the original datagram's
// payload, in octets (the 13-bit field times 8).
func (h Header) FragmentOffset() int { return int(h.u16(hdrFlagsFrag)&0x1fff) * 8 }

// TTL is the time-to-live octet.
func (h Header) TTL() uint8 {
	if !h.ok() {
		return 0
	}
	return h[hdrTTL]
}

// Protocol is the payload's protocol number (6 TCP, 17 UDP, ...).
func (h Header) Protocol() uint8 {
	if !h.ok() {
		return 0
	}
	return h[hdrProtocol]
}

// ChecksumField is the header checksum as stored in the header. See
// [Header.Checksum] for the value it should hold.
func (h Header) ChecksumField() uint16 { return h.u16(hdrChecksum) }

// Src is the source address. It does not allocate.
func (h Header) Src() netip.Addr {
	if !h.ok() {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(h[hdrSrc : hdrSrc+4]))
}

// Dst is the destination address. It does not allocate.
func (h Header) Dst() netip.Addr {
	if !h.ok() {
		return netip.Addr{}
	}
	return netip.AddrFrom4([4]byte(h[hdrDst : hdrDst+4]))
}

// Options is the options field, h[20:IHL*4] (cut short if h is), aliasing
// h.
func (h Header) Options() []byte {
	n := min(h.HeaderLen(), len(h))
	if n <= BaseHeaderLen {
		return nil
	}
	return h[BaseHeaderLen:n:n]
}

func (h Header) u16(off int) uint16 {
	if !h.ok() {
		return 0
	}
	return binary.BigEndian.Uint16(h[off:])
}

func (h Header) put16(off int, v uint16) {
	if h.ok() {
		binary.BigEndian.PutUint16(h[off:], v)
	}
}

// setIHL sets the header length in 32-bit words (the low 4 bits of ihl).
func (h Header) setIHL(ihl uint8) {
	if h.ok() {
		h[hdrVersionIHL] = h[hdrVersionIHL]&0xf0 | ihl&0x0f
	}
}

// setTotalLen sets the total length.
func (h Header) setTotalLen(v uint16) { h.put16(hdrTotalLen, v) }

// setChecksumField stores v in the checksum field as it is.
func (h Header) setChecksumField(v uint16) { h.put16(hdrChecksum, v) }

// HeaderFields are the fields of an IPv4 header (RFC 791 §3.1) that
// [Header.Encode] writes, in the style of gVisor's header.IPv4Fields. The
// version (4), the IHL and the checksum follow from them.
type HeaderFields struct {
	TOS      uint8  // type of service (DSCP and ECN)
	TotalLen uint16 // header and payload, in octets
	ID       uint16 // identification
	// Flags is the three flag bits, as [Header.Flags] gives them: 0x4
	// reserved, 0x2 don't fragment (DF), 0x1 more fragments (MF).
	Flags uint8
	// FragmentOffset is the fragment's position in the original
	// datagram's payload in octets, as [Header.FragmentOffset] gives it:
	// a multiple of 8, at most 65,528.
	FragmentOffset int
	TTL            uint8 // time to live
	Protocol       uint8 // the payload's protocol (6 TCP, 17 UDP, ...)
	// Src and Dst are the addresses: IPv4, or IPv4-mapped IPv6.
	Src, Dst netip.Addr
	// Options is the options field, at most 40 octets, written as it is
	// (a [Builder] makes a well-framed one) and padded with EOL (0x00) to
	// a multiple of 4.
	Options []byte
}

var (
	errHdrFlags    = NewErrorKind(ErrBadValue, "flags", Malformed)
	errHdrFragment = NewErrorKind(ErrBadValue, "fragment offset", Malformed)
)

// Encode writes the header of f over the start of h: version 4, the IHL
// of the padded options, the fields of f, the options and the header
// checksum ([Header.SetChecksum]); the header is then
// h[:h.HeaderLen()]. It does not allocate.
//
// Errors, with h unchanged: ErrBadValue at header octet 6 for flags over
// 7 or a fragment offset that is not a multiple of 8 from 0 to 65,528;
// ErrBadValue at header octet 12 (Src) or 16 (Dst) for an address that
// is neither IPv4 nor IPv4-mapped IPv6; ErrHeaderTooLong (class Limit,
// no offset) for options over 40 octets; ErrNoRoom (class Limit, no
// offset) when h is shorter than the header.
func (h Header) Encode(f HeaderFields) error {
	switch {
	case f.Flags > 7:
		return errHdrFlags.HeaderAt(hdrFlagsFrag)
	case f.FragmentOffset < 0 || f.FragmentOffset > 0x1fff*8 || f.FragmentOffset%8 != 0:
		return errHdrFragment.HeaderAt(hdrFlagsFrag)
	case !f.Src.Is4() && !f.Src.Is4In6():
		return errHdrAddr.HeaderAt(hdrSrc)
	case !f.Dst.Is4() && !f.Dst.Is4In6():
		return errHdrAddr.HeaderAt(hdrDst)
	case len(f.Options) > MaxOptionsLen:
		return errPktHdrLong
	}
	n := BaseHeaderLen + PaddedLen(len(f.Options))
	if len(h) < n {
		return errHdrRoom
	}
	h[hdrVersionIHL] = 4<<4 | uint8(n/4)
	h[hdrTOS] = f.TOS
	binary.BigEndian.PutUint16(h[hdrTotalLen:], f.TotalLen)
	binary.BigEndian.PutUint16(h[hdrID:], f.ID)
	binary.BigEndian.PutUint16(h[hdrFlagsFrag:], uint16(f.Flags)<<13|uint16(f.FragmentOffset/8))
	h[hdrTTL] = f.TTL
	h[hdrProtocol] = f.Protocol
	src, dst := f.Src.As4(), f.Dst.As4()
	copy(h[hdrSrc:hdrSrc+4], src[:])
	copy(h[hdrDst:hdrDst+4], dst[:])
	clear(h[BaseHeaderLen+copy(h[BaseHeaderLen:n], f.Options) : n])
	h.SetChecksum()
	return nil
}

// Checksum computes the header checksum (RFC 791 §3.1): the one's
// complement of the one's-complement sum of the header's 16-bit words,
// options included, with the checksum field taken as zero. It covers
// IHL*4 octets, or all of h if h is shorter. Linux computes the same value
// (ip_send_check) after every label change (RULES.md §5, §7).
func (h Header) Checksum() uint16 {
	n := min(h.HeaderLen(), len(h))
	if n < BaseHeaderLen {
		return 0
	}
	// The whole header's sum, less the stored field: adding its one's
	// complement subtracts it. (Only an all-zero header, which has no
	// IHL, would tell the two zeros apart.)
	s := swappedSum(h[:n]) + uint64(^binary.LittleEndian.Uint16(h[hdrChecksum:]))
	return ^bits.ReverseBytes16(foldSum(s))
}

// VerifyChecksum reports whether the stored checksum is right: the
// one's-complement sum of every header word, checksum included, is 0xFFFF.
func (h Header) VerifyChecksum() bool {
	n := min(h.HeaderLen(), len(h))
	if n < BaseHeaderLen {
		return false
	}
	// 0xFFFF is its own byte swap.
	return foldSum(swappedSum(h[:n])) == 0xffff
}

// SetChecksum computes the header checksum and stores it.
func (h Header) SetChecksum() { h.setChecksumField(h.Checksum()) }

// swappedSum is the one's-complement sum of the big-endian 16-bit words
// of b (an odd final octet is the high half of a word), byte-swapped and
// not folded: foldSum(swappedSum(b)) is that sum with its two octets
// exchanged. It adds b as little-endian 64-bit words with the carries
// kept, which is the same sum: 2^16, 2^32 and 2^48 are 1 modulo 0xFFFF,
// so any grouping of the words gives the same one's-complement sum, and a
// sum of byte-swapped words is the byte-swapped sum (RFC 1071 §2 (A), (B)).
// The carries are counted once per block of words, as gVisor's checksum
// package does; for anything near a header's size the result is below
// 2^33.
func swappedSum(b []byte) uint64 {
	var s, c, k uint64
	for len(b) >= 32 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), 0)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[16:]), c)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[24:]), c)
		k += c
		b = b[32:]
	}
	if len(b) >= 16 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), 0)
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b[8:]), c)
		k += c
		b = b[16:]
	}
	if len(b) >= 8 {
		s, c = bits.Add64(s, binary.LittleEndian.Uint64(b), 0)
		k += c
		b = b[8:]
	}
	// The tail and the carries go into the 32-bit halves, which cannot
	// overflow.
	t := s>>32 + s&0xffffffff + k
	if len(b) >= 4 {
		t += uint64(binary.LittleEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		t += uint64(binary.LittleEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		t += uint64(b[0])
	}
	return t
}

// foldSum is fold for a sum below 2^34, such as swappedSum's for a
// header: three 16-bit end-around folds are enough.
func foldSum(s uint64) uint16 {
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}

// fold reduces a running sum to 16 bits with end-around carry.
func fold(s uint64) uint16 {
	s = s>>32 + s&0xffffffff
	s = s>>32 + s&0xffffffff
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return uint16(s)
}

// updateChecksum returns the header checksum after one 16-bit word of the
// header changed from oldWord to newWord, given the checksum old before
// the change: RFC 1624 Eqn. 3, HC' = ~(~HC + ~m + m') in one's-complement
// arithmetic. Eqn. 2 is wrong when the result should be -0; Eqn. 3 is not.
//
// Apply it only to words that changed (RFC 1624 erratum 4782: with
// m == m' and HC == 0 Eqn. 3 gives 0xFFFF); updateChecksum returns old
// unchanged when oldWord == newWord. The word must sit at an even offset
// of the header, as every 16-bit field does.
func updateChecksum(old, oldWord, newWord uint16) uint16 {
	if oldWord == newWord {
		return old
	}
	s := uint64(^old) + uint64(^oldWord) + uint64(newWord)
	return ^fold(s)
}
