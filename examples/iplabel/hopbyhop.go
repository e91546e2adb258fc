package main

import (
	"strconv"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// maxHopByHop is the longest Hop-by-Hop header: Hdr Ext Len 255, 2048
// octets (RFC 8200 §4.3).
const maxHopByHop = 256 * 8

// parseHopByHop reads one Hop-by-Hop Options header written as hex (the
// forms of parseHexField) and appends its octets to dst: the Next Header
// octet, Hdr Ext Len and the options, (Hdr Ext Len + 1) * 8 octets in
// all, no more and no less. On error dst is returned unchanged.
func parseHopByHop(dst []byte, s string) ([]byte, error) {
	if s == "-" {
		s = "" // the empty header, refused below
	}
	start := len(dst)
	dst, err := parseHex(dst, s, maxHopByHop, "Hop-by-Hop header over 2048 octets")
	if err != nil {
		return dst, err
	}
	n := len(dst) - start
	switch {
	case n < 8:
		return dst[:start], &hexError{Msg: strconv.Itoa(n) + " octets: a Hop-by-Hop header has at least 8"}
	case n != ipv6.ExtLen(dst[start+1]):
		return dst[:start], &hexError{Msg: strconv.Itoa(n) + " octets, but Hdr Ext Len " + strconv.Itoa(int(dst[start+1])) +
			" makes the header " + strconv.Itoa(ipv6.ExtLen(dst[start+1]))}
	}
	return dst, nil
}

// validator6 checks a Hop-by-Hop header as Linux's receive path does for
// an IPv6/UDP datagram carrying it to a unicast address of the host:
// ipv6.Linux (ip6_parse_tlv, net/ipv6/exthdrs.c) with the default
// sysctls and calipso.Linux (calipso_validate, net/ipv6/calipso.c) over
// the configured CALIPSO DOIs.
type validator6 struct {
	walk ipv6.Linux
}

func newValidator6(reg *calipso.Registry) *validator6 {
	return &validator6{walk: ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}}
}

// udpHeaderLen is the UDP header the modelled datagram carries after the
// Hop-by-Hop header; only the payload length (not 0) matters to the walk,
// for the Jumbo Payload option.
const udpHeaderLen = 8

// validate returns nil when Linux delivers the datagram, or the error
// the walk stops at.
func (v *validator6) validate(hdr []byte) error {
	n := len(hdr) + udpHeaderLen
	return v.walk.CheckHopByHop(hdr, ipv6.Packet{PayloadLen: n, Len: n})
}

// appendVerdict6JSON appends {"ok":true|false,"pointer":P|null,
// "error":null|"..."}: the pointer of the ICMPv6 Parameter Problem Linux
// sends (ipv6.ICMP), null when it accepts the datagram or drops it
// silently.
func appendVerdict6JSON(dst []byte, err error) []byte {
	if err == nil {
		return append(dst, `{"ok":true,"pointer":null,"error":null}`...)
	}
	dst = append(dst, `{"ok":false,"pointer":`...)
	if _, p, ok := ipv6.ICMP(err); ok {
		dst = appendUint(dst, uint64(p))
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"error":`...)
	dst = appendErrorJSON(dst, err)
	return append(dst, '}')
}
