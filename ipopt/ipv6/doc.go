// Package ipv6 reads and checks the extension headers of IPv6 packets
// (RFC 8200 §4) the way Linux's receive path does, for the module's IPv6
// label, CALIPSO (package calipso). The rules, with their sources, are in
// RULES.md next to this file; comments cite them as "RULES.md §N".
//
// To read a packet's headers, [ParseHeader] gives a view of the 40-octet
// fixed header and [NewChain] walks the extension headers after it
// (Hop-by-Hop, Destination Options, Routing, Fragment, AH) up to the
// upper-layer protocol. [ParseExtHeader] gives a view of one Hop-by-Hop or
// Destination Options header, and [NewIter] walks its options one TLV at a
// time, padding included, checking only their framing. [Find] returns the
// first option of a type.
//
// To check a packet as Linux does, use [Linux]: [Linux.CheckPacket] takes
// the packet from its fixed header and checks what ip6_rcv_core and
// ipv6_parse_hopopts check; [Linux.CheckHopByHop] and
// [Linux.CheckDestOptions] check one header with what the walk needs to
// know of the packet around it ([Packet]). They reproduce ip6_parse_tlv
// (net/ipv6/exthdrs.c, RULES.md §3): the padding rules, the action bits of
// unknown options, the option-count and length sysctls ([Sysctls]), Router
// Alert, IOAM, Jumbo Payload, and CALIPSO through a checker the calipso
// package supplies ([OptionChecker]). Their errors are ipopt's error
// values of IPv6 kinds (ipopt.KindOptions.IPv6), unwrapping to this
// package's sentinels or to ipopt's framing ones: their offsets count
// after the fixed header, the version and payload length are header
// octets 0 and 4 (RULES.md §1). [ICMP] says whether Linux answers with an
// ICMPv6 Parameter Problem (code and pointer) or drops the packet
// silently, which it does for most refusals (RULES.md §4); ipopt.ICMP,
// which answers with ICMPv4, refuses these errors.
//
// To build a header, [AppendPad] writes padding as Linux does. To rewrite
// a packet's Hop-by-Hop header in an ipopt.Packet, [FindHopByHop] finds it
// and [SetHopByHop] replaces, inserts or removes it, fixing the Next
// Header chain and the payload length, atomically and without allocating
// (RULES.md §7); package calipso uses them to set and remove its label.
//
// Nothing here allocates on a valid packet, panics on any input, or reads
// outside the slices it is given; errors past octet 2047 after the fixed
// header are the only allocation (RULES.md §1).
package ipv6
