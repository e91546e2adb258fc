package ipopt

// ICMPErrorSuppressed reports whether Linux sends no ICMP error about
// packet whatever its options, for a reason the packet itself shows.
// packet is a received IPv4 datagram from the first octet of its header,
// with its payload or as much of it as a capture kept. Where
// [Linux.Compile] refuses the options, Linux answers with a Parameter
// Problem unless [Compiled.Silent] or ICMPErrorSuppressed is true. The
// reasons, in the order Linux meets them (RULES.md §4, checked on Linux
// 6.18):
//
//   - ip_rcv_core drops the datagram: [ParseHeader] refuses its header or
//     its header checksum is wrong (RULES.md §2);
//   - routing drops it as a martian before the options are looked at
//     (ip_route_input_slow, net/ipv4/route.c): a source in 224.0.0.0/4 or
//     255.255.255.255, a source 0.0.0.0 to a unicast destination, or a
//     destination 0.0.0.0 from another source;
//   - __icmp_send (net/ipv4/icmp.c) gives up: a multicast or broadcast
//     route (a destination in 224.0.0.0/4 or 255.255.255.255, or 0.0.0.0
//     to 0.0.0.0), a fragment other than the first (a non-zero fragment
//     offset), or an ICMP datagram whose type octet (at IHL*4) is past its
//     total length, above 18 (NR_ICMP_TYPES) or an error type of the
//     icmp_pointers table (1 to 7, 9 to 12).
//
// An ICMP type within the total length but missing from packet (a capture
// cut short) is not known, and gives false. Left to the caller, because
// the packet does not show them: a frame that was not for this host at the
// link layer (__icmp_send answers only skb->pkt_type PACKET_HOST, not
// link-layer broadcast or multicast), a destination that is the broadcast
// address of one of the host's subnets, and addresses the host's own
// configuration makes martian (127.0.0.0/8 without route_localnet, its own
// addresses without accept_local, reverse-path filtering). It does not
// allocate.
func ICMPErrorSuppressed(packet []byte) bool {
	h, err := ParseHeader(packet)
	if err != nil || !h.VerifyChecksum() {
		return true
	}
	src := [4]byte(h[hdrSrc : hdrSrc+4])
	dst := [4]byte(h[hdrDst : hdrDst+4])
	switch {
	case src[0]&0xf0 == 224, src == limitedBroadcast, src == [4]byte{}, dst == [4]byte{}:
		return true // a martian, or for 0.0.0.0 a broadcast or multicast route
	case dst[0]&0xf0 == 224, dst == limitedBroadcast:
		return true // RTCF_MULTICAST, RTCF_BROADCAST
	case h.FragmentOffset() != 0:
		return true // IP_OFFSET: not the first fragment
	case h.Protocol() != 1: // IPPROTO_ICMP
		return false
	}
	at := h.HeaderLen()
	switch {
	case int(h.TotalLen()) <= at:
		return true // no type octet
	case len(packet) <= at:
		return false // cut short after the header: the type is not known
	}
	return icmpErrorType(packet[at])
}

var limitedBroadcast = [4]byte{255, 255, 255, 255}

// icmpErrorTypes has bit t set for every ICMP type t that Linux's
// icmp_pointers table (net/ipv4/icmp.c) marks as an error: 1 to 7 and 9
// to 12. 0 (echo reply), 8 (echo) and 13 to 18 are not errors.
const icmpErrorTypes = 1<<1 | 1<<2 | 1<<3 | 1<<4 | 1<<5 | 1<<6 | 1<<7 |
	1<<9 | 1<<10 | 1<<11 | 1<<12

// icmpErrorType reports whether __icmp_send treats an ICMP datagram of
// type t as an error, to which it sends no ICMP error: a type in
// icmpErrorTypes, or one above NR_ICMP_TYPES (18), which it assumes to be
// one.
func icmpErrorType(t byte) bool {
	return t > 18 || icmpErrorTypes>>t&1 != 0
}
