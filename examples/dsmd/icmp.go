package main

import (
	"net"
	"net/netip"

	"github.com/iplabel/iplabel/ipopt"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

// maxICMPQuote is how much of the refused datagram an ICMP error quotes:
// as much as fits in 576 octets with a 20-octet IP header and the 8-octet
// ICMP header (RFC 1812 §4.3.2.3; Linux icmp_send caps the same way).
const maxICMPQuote = 576 - 20 - 8

// DestUnreach builds the ICMP Destination Unreachable code 10 message
// (ICMP header and quote, no IP header) about the refused datagram orig,
// with golang.org/x/net/icmp. ok is false when no error may be sent about
// orig (RFC 1122 §3.2.2; Linux sends cipso_v4_error only for packets that
// are not ICMP): an ICMP packet, a fragment other than the first, a
// source that is not a unicast address, a multicast or limited-broadcast
// destination. It allocates; the sender is rate-limited.
func DestUnreach(orig []byte) (msg []byte, dst netip.Addr, ok bool) {
	h, err := ipopt.ParseHeader(orig)
	if err != nil {
		return nil, netip.Addr{}, false
	}
	src, to := h.Src(), h.Dst()
	if h.Protocol() == protoICMP || h.FragmentOffset() != 0 ||
		!src.IsValid() || src.IsUnspecified() || src.IsMulticast() || src == netip.AddrFrom4([4]byte{255, 255, 255, 255}) ||
		to.IsMulticast() || to == netip.AddrFrom4([4]byte{255, 255, 255, 255}) {
		return nil, netip.Addr{}, false
	}
	q := orig[:min(len(orig), int(h.TotalLen()), maxICMPQuote)]
	m := icmp.Message{
		Type: ipv4.ICMPTypeDestinationUnreachable,
		Code: ipopt.CodeHostProhibited, // what cipso_v4_error sends for a refused label
		Body: &icmp.DstUnreach{Data: q},
	}
	b, err := m.Marshal(nil)
	if err != nil {
		return nil, netip.Addr{}, false
	}
	return b, src, true
}

// icmpSender sends the errors through a raw ICMP socket, rate-limited.
type icmpSender struct {
	conn *icmp.PacketConn
	lim  *rateLimiter
}

// send sends the error about orig if the rate limit allows; it reports
// whether a message went out.
func (s *icmpSender) send(orig []byte, c *Counters, now nowFunc) {
	msg, dst, ok := DestUnreach(orig)
	if !ok {
		return
	}
	if !s.lim.allow(now()) {
		c.ICMPLimited.Add(1)
		return
	}
	if _, err := s.conn.WriteTo(msg, &net.IPAddr{IP: dst.AsSlice()}); err != nil {
		c.Errors.Add(1)
		return
	}
	c.ICMPSent.Add(1)
}
