package main

import (
	"net/netip"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// appendIPv6 appends the line of an IPv6 packet (ip, from its fixed
// header): its CALIPSO label and other Hop-by-Hop options, and the
// verdict of Linux's receive path on them. Validity is ipv6.Linux's
// CheckPacket (ip6_rcv_core's version and payload length checks, then
// ip6_parse_tlv on the Hop-by-Hop header with calipso_validate over the
// --doi-config CALIPSO DOIs); Destination Options and what ip6_rcv_core
// checks of the addresses are not judged. The pointer is that of the
// ICMPv6 Parameter Problem Linux sends, or null when it sends none
// (icmp6Silent).
//
// Text: "N  SRC > DST  PROTO  LABELS  VERDICT", as for IPv4. JSON:
// {"packet":N,"version":6,"src":...,"dst":...,"options":[...],
// "valid":B,"pointer":P|null}, "options" being decode --ipv6's array for
// the Hop-by-Hop header ([] without one).
func (d *dumper) appendIPv6(dst []byte, n int, fi *frameInfo, ip []byte) []byte {
	var src, dstAddr netip.Addr
	if len(ip) >= ipv6.HeaderLen {
		src = netip.AddrFrom16([16]byte(ip[8:24]))
		dstAddr = netip.AddrFrom16([16]byte(ip[24:40]))
	}
	h, herr := ipv6.ParseHeader(ip)
	if herr != nil && d.cut && len(ip) < ipv6.HeaderLen {
		return d.appendCut6(dst, n, src, dstAddr, ip, -1)
	}
	var hbh []byte // the Hop-by-Hop header, or as much of it as the packet has
	if herr == nil && h.NextHeader() == ipv6.HopByHop {
		rest := ip[ipv6.HeaderLen:]
		want := 8
		if len(rest) >= 2 {
			want = ipv6.ExtLen(rest[1])
		}
		if want > len(rest) && d.cut {
			return d.appendCut6(dst, n, src, dstAddr, ip, want)
		}
		hbh = rest[:min(want, len(rest))]
	}
	var verr error
	switch {
	case herr != nil:
		verr = herr
	case d.cut:
		// The payload length cannot be checked against what was kept;
		// the Jumbo Payload check counts the octets the packet had.
		if hbh != nil {
			rest := max(d.wireLen-fi.off, len(ip)) - ipv6.HeaderLen
			verr = d.walk6.CheckHopByHop(hbh, ipv6.Packet{Multicast: ip[24] == 0xff, PayloadLen: h.PayloadLen(), Len: rest})
		}
	default:
		verr = d.walk6.CheckPacket(ip)
	}
	ptr, answered := -1, false
	if verr != nil {
		var code uint8
		code, ptr, answered = d.answers.pointer(verr)
		answered = answered && !icmp6Silent(ip, fi.notHost, code, ptr)
	}
	if d.json {
		dst = appendJSONHead(dst, n, version6, src, dstAddr)
		if hbh != nil {
			dst, _ = appendHopByHopJSON(dst, hbh)
		} else {
			dst = append(dst, "[]"...)
		}
		return appendJSONVerdict(dst, verr, ptr, answered)
	}
	dst = appendTextHead(dst, n, src, dstAddr)
	if herr != nil {
		return appendBadHeader(dst, "IPv6", herr)
	}
	dst = append(dst, "  "...)
	c := ipv6.NewChain(ip)
	for c.Next() {
	}
	if c.Err() != nil {
		dst = append(dst, "?"...)
	} else {
		dst = appendProtoText(dst, c.Proto(), ipv6.ICMPv6, "icmpv6")
	}
	dst = append(dst, "  "...)
	dst = appendHopByHopText(dst, hbh)
	return appendTextVerdict(dst, verr, ptr, answered, !answered)
}

// version6 is the member of an IPv6 packet's JSON line that tells it
// from an IPv4 one.
const version6 = `"version":6,`

// icmp6Silent reports whether Linux's icmp6_send (net/ipv6/icmp.c) gives
// up on the Parameter Problem (code, pointer) about packet ip whatever
// the walk found: to a multicast destination or about a frame not sent to
// this host alone it answers only code 2 about an option whose action
// bits are 10 (opt_unrec); it never answers an unspecified or multicast
// source, nor an ICMPv6 error message (is_ineligible). Rate limits are not
// modelled.
func icmp6Silent(ip []byte, notHost bool, code uint8, pointer int) bool {
	if ip[24] == 0xff || notHost {
		if code != ipv6.CodeUnknownOption || pointer >= len(ip) || ip[pointer]&0xc0 != 0x80 {
			return true
		}
	}
	if ip[8] == 0xff || netip.AddrFrom16([16]byte(ip[8:24])).IsUnspecified() {
		return true
	}
	// is_ineligible: ipv6_skip_exthdr stops at a Fragment header whose
	// offset is not 0 (a later fragment is never an ICMPv6 message to it),
	// and a missing ICMPv6 type octet makes the packet ineligible only
	// when the Fragment header's offset-and-flags word, if any, is 0 (RFC
	// 8200 §4.5: a first fragment may end before the upper header).
	// Checked on Linux 6.18 (suppress6_kernel_linux_test.go).
	var fragOff uint16
	c := ipv6.NewChain(ip)
	for c.Next() {
		if c.Type() == ipv6.Fragment {
			h := c.Header()
			fragOff = uint16(h[2])<<8 | uint16(h[3])
			if fragOff&^7 != 0 {
				return false
			}
		}
	}
	if c.Err() == nil && c.Proto() == ipv6.ICMPv6 {
		if c.End() >= len(ip) {
			return fragOff == 0
		}
		return ip[c.End()] < 128
	}
	return false
}

// appendHopByHopText describes a Hop-by-Hop header's options in words:
// "CALIPSO DOI 16 s3:c0,c5" (with "checksum 0x1234
// wrong" when it is not Linux's), the other options by name, padding
// left out, and where decoding stopped; "no label" when there is
// nothing to say.
func appendHopByHopText(dst, hbh []byte) []byte {
	start := len(dst)
	it := ipv6.NewIter(hbh)
	var err error
	for err == nil && it.Next() {
		o := it.Option()
		switch o.Type {
		case ipv6.Pad1, ipv6.PadN:
			continue
		}
		dst = appendSep(dst, start)
		switch o.Type {
		case ipv6.CALIPSO:
			opt, perr := calipso.ParseOption(o.Bytes)
			if perr != nil {
				err = ipopt.Shift(perr, o.Offset)
				dst = append(dst, "CALIPSO"...)
				break
			}
			dst = append(dst, "CALIPSO DOI "...)
			dst = appendUint(dst, uint64(opt.DOI()))
			dst = append(dst, ' ')
			dst = appendBitmapLevelText(dst, uint32(opt.Level()), opt.Bitmap())
			if !opt.ChecksumOK() {
				dst = append(dst, " checksum 0x"...)
				dst = appendHex16(dst, opt.Checksum())
				dst = append(dst, " wrong (Linux's is 0x"...)
				dst = appendHex16(dst, opt.ComputeChecksum())
				dst = append(dst, ')')
			}
		case ipv6.RouterAlert:
			dst = append(dst, "Router Alert"...)
		case ipv6.Jumbo:
			dst = append(dst, "Jumbo Payload"...)
		case ipv6.IOAM:
			dst = append(dst, "IOAM"...)
		case ipv6.HomeAddress:
			dst = append(dst, "Home Address"...)
		default:
			dst = append(dst, "option 0x"...)
			dst = append(dst, hexDigits[o.Type>>4], hexDigits[o.Type&15])
		}
	}
	if err == nil {
		err = it.Err()
	}
	return endOptionsText(dst, start, err)
}

func appendHex16(dst []byte, v uint16) []byte {
	return append(dst, hexDigits[v>>12], hexDigits[v>>8&15], hexDigits[v>>4&15], hexDigits[v&15])
}

// appendCut6 appends the line of an IPv6 packet whose fixed header, or
// Hop-by-Hop header of want octets (-1: the fixed header), the capture
// cut: not judged, as for IPv4 (appendCut).
func (d *dumper) appendCut6(dst []byte, n int, src, dstAddr netip.Addr, ip []byte, want int) []byte {
	dst = d.appendCutHead(dst, n, version6, src, dstAddr)
	if d.json {
		return dst
	}
	if want < 0 {
		dst = append(dst, "IPv6 header: 40 octets, "...)
		dst = appendInt(dst, len(ip))
	} else {
		dst = append(dst, "Hop-by-Hop header: "...)
		dst = appendInt(dst, want)
		dst = append(dst, " octets, "...)
		dst = appendInt(dst, len(ip)-ipv6.HeaderLen)
	}
	return append(dst, cutTextTail...)
}
