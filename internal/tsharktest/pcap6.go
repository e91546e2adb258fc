package tsharktest

import (
	"encoding/binary"
	"testing"

	"github.com/google/gopacket/layers"
)

// Packet6 returns an IPv6 packet carrying the Hop-by-Hop header hbh (none
// when nil) and payload: version 6, hop limit 64, 2001:db8::1 to
// 2001:db8::2 (RFC 3849 documentation addresses), flow label flow, the
// payload length right, and after the Hop-by-Hop header protocol 253 (RFC
// 3692 experimental, which tshark leaves undissected). hbh must be a
// whole header, its length a multiple of 8 matching its Hdr Ext Len
// octet (that is not checked: a wrong one is a test of tshark); its Next
// Header octet is overwritten. More than 65535 octets of payload fails
// the test.
func Packet6(tb testing.TB, hbh []byte, flow uint32, payload []byte) []byte {
	tb.Helper()
	n := len(hbh) + len(payload)
	if n > 0xFFFF {
		tb.Fatalf("tsharktest: %d octets after the IPv6 header do not fit its payload length", n)
	}
	p := make([]byte, 40, 40+n)
	binary.BigEndian.PutUint32(p[0:], 6<<28|flow&0xFFFFF)
	binary.BigEndian.PutUint16(p[4:], uint16(n))
	p[6], p[7] = 253, 64
	copy(p[8:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
	copy(p[24:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2})
	if hbh != nil {
		p[6] = 0
		p = append(p, hbh...)
		p[40] = 253
	}
	return append(p, payload...)
}

// WriteIPv6 writes packets, one each, to a new pcap file of link type
// LINKTYPE_IPV6 (229: the packet starts with the IPv6 header) in a
// directory from tb.TempDir, and returns its path. Timestamps are those
// of [WriteIPv4]. Any I/O error fails the test.
func WriteIPv6(tb testing.TB, packets [][]byte) string {
	tb.Helper()
	return writePcap(tb, "ipv6.pcap", layers.LinkTypeIPv6, packets)
}
