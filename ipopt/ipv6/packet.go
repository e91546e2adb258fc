package ipv6

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/ipopt"
)

// MaxExtLen is the longest Hop-by-Hop or Destination Options header: Hdr
// Ext Len 255, 2048 octets.
const MaxExtLen = 256 * 8

// The failures of a Hop-by-Hop rewrite that point at no octet of the
// packet (RULES.md §7): what would not fit, or what the Packet does not
// hold.
var (
	kindNoRoom     = ipopt.NewErrorKind(ipopt.ErrNoRoom, "neither headroom nor tailroom takes the longer header", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindNoNetwork  = ipopt.NewErrorKind(ErrBadHeader, "network header outside the data window", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindPayloadMax = ipopt.NewErrorKind(ipopt.ErrTotalLength, "the payload would exceed 65,535 octets", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindNewHdr     = ipopt.NewErrorKind(ipopt.ErrBadLength, "the new Hop-by-Hop header is not a whole options header", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindJumbogram  = kind(ErrBadHeader, "payload length") // HeaderAt(4): 0 with a Hop-by-Hop header
)

// FindHopByHop returns the Hop-by-Hop header of pkt, an IPv6 packet from
// its fixed header on, and found false when the fixed header names
// another header first. It checks what a rewrite needs (RULES.md §7): a
// fixed header of version 6, a payload length not 0 (a jumbogram) before
// a Hop-by-Hop header, a header inside the payload length and inside
// pkt, and options that frame cleanly ([Iter]). pkt may end before the
// payload length says (a packet captured short): only the header must be
// there. Error offsets count after the fixed header (RULES.md §1), which
// is also from the Hop-by-Hop header's first octet.
func FindHopByHop(pkt []byte) (hdr ExtHeader, found bool, err error) {
	h, err := ParseHeader(pkt)
	if err != nil {
		return nil, false, err
	}
	if h.NextHeader() != HopByHop {
		return nil, false, nil
	}
	pl := h.PayloadLen()
	if pl == 0 {
		return nil, false, kindJumbogram.HeaderAt(4)
	}
	hdr, err = ParseExtHeader(pkt[HeaderLen:min(HeaderLen+pl, len(pkt))])
	if err != nil {
		return nil, false, err
	}
	it := NewIter(hdr)
	for it.Next() {
	}
	if err := it.Err(); err != nil {
		return nil, false, err
	}
	return hdr, true, nil
}

// SetHopByHop replaces the Hop-by-Hop header of the IPv6 packet at p's
// network header with hdr, a whole options header, inserting one when the
// packet has none; an empty hdr removes the header. It is the IPv6 twin
// of ipopt.Packet's option rewrites (RULES.md §7):
//
//   - The packet must pass [FindHopByHop]; its errors are returned as
//     they are.
//   - hdr must be 8 to 2048 octets, a multiple of 8, with a Hdr Ext Len
//     that says so and options that frame cleanly. Its Next Header octet
//     is not read: it is set to what followed the old header (or the
//     fixed header), and the fixed header's Next Header becomes 0; a
//     removed header gives its Next Header back to the fixed header.
//   - The payload length grows or shrinks by the change in length; a
//     payload over 65,535 octets is refused (ipopt.ErrTotalLength).
//   - A header that grows moves the octets from the start of the data
//     window to the end of the fixed header left into the headroom (a
//     link-layer header moves with them); when the headroom is too small
//     and the tailroom is not, the payload moves right into the tailroom
//     instead; else ipopt.ErrNoRoom. A header that shrinks moves the
//     front right. The payload is kept byte for byte.
//   - The rewrite is atomic: every check is made before the first octet
//     is written, and on error the buffer and the Packet are unchanged.
//     hdr is copied first, so it may alias the packet. Nothing allocates.
func SetHopByHop(p *ipopt.Packet, hdr []byte) error {
	if len(hdr) != 0 {
		if len(hdr) < 8 || len(hdr) > MaxExtLen || len(hdr)%8 != 0 || ExtLen(hdr[1]) != len(hdr) {
			return kindNewHdr.At(0)
		}
		it := NewIter(hdr)
		for it.Next() {
		}
		if it.Err() != nil {
			return kindNewHdr.At(0)
		}
	}
	var nb [MaxExtLen]byte
	n := copy(nb[:], hdr)
	return setHopByHop(p, nb[:n])
}

// setHopByHop is SetHopByHop with hdr checked and not aliasing p.
func setHopByHop(p *ipopt.Packet, hdr []byte) error {
	netOff := p.NetworkOffset()
	if netOff < 0 {
		return kindNoNetwork.At(0)
	}
	pkt := p.Network()
	old, found, err := FindHopByHop(pkt)
	if err != nil {
		return err
	}
	if !found && len(hdr) == 0 {
		return nil
	}
	delta := len(hdr) - len(old)
	payload := Header(pkt).PayloadLen() + delta
	if payload > 0xffff {
		return kindPayloadMax.At(0)
	}
	left := delta <= 0 || delta <= p.Headroom()
	if !left && delta > p.Tailroom() {
		return kindNoRoom.At(0)
	}

	next := pkt[6]
	if found {
		next = old[0]
	}
	buf := p.Buffer()
	data := p.Headroom()
	nh := data + netOff
	if left {
		// Move the front (link header and fixed header) by delta; the old
		// header's end stays where it is.
		copy(buf[data-delta:], buf[data:nh+HeaderLen])
		switch {
		case delta > 0:
			_, _ = p.Push(delta) // checked: delta <= headroom
		case delta < 0:
			_, _ = p.Pull(-delta) // the old header is inside the window
		}
		_ = p.SetNetworkOffset(netOff) // the same distance from the window's start
		nh -= delta
	} else {
		tail := data + p.Len()
		at := nh + HeaderLen + len(old)
		copy(buf[at+delta:tail+delta], buf[at:tail])
		_, _ = p.Put(delta) // checked: delta <= tailroom
	}
	fixed := Header(buf[nh : nh+HeaderLen])
	if len(hdr) == 0 {
		fixed[6] = next
	} else {
		fixed[6] = HopByHop
		copy(buf[nh+HeaderLen:], hdr)
		buf[nh+HeaderLen] = next
	}
	binary.BigEndian.PutUint16(fixed[4:6], uint16(payload))
	return nil
}
