package main

import (
	"encoding/binary"
	"testing"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/require"
)

// Test packets are built here without the library under test: the IPv4
// header by hand (RFC 791 §3.1) and its checksum with rfc1071, so that the
// expected values do not come from the code they check.

var (
	ipA = [4]byte{192, 0, 2, 1}
	ipB = [4]byte{192, 0, 2, 2}
	ipC = [4]byte{192, 0, 2, 3}
)

// rfc1071 is the Internet checksum of b (RFC 1071 §4.1).
func rfc1071(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return ^uint16(s)
}

// mkIPv4 builds a datagram with options opts (padded by the caller to a
// multiple of 4), protocol proto and transport octets l4.
func mkIPv4(opts []byte, proto uint8, src, dst [4]byte, l4 []byte) []byte {
	if len(opts)%4 != 0 {
		panic("options not padded")
	}
	hl := 20 + len(opts)
	p := make([]byte, hl+len(l4))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:], 0x1234)
	p[6] = 0x40 // DF
	p[8] = 64
	p[9] = proto
	copy(p[12:], src[:])
	copy(p[16:], dst[:])
	copy(p[20:], opts)
	binary.BigEndian.PutUint16(p[10:], rfc1071(p[:hl]))
	copy(p[hl:], l4)
	return p
}

// udp is a UDP header and payload (checksum 0: none, RFC 768).
func udp(sport, dport uint16, payload string) []byte {
	b := make([]byte, 8+len(payload))
	binary.BigEndian.PutUint16(b[0:], sport)
	binary.BigEndian.PutUint16(b[2:], dport)
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)))
	copy(b[8:], payload)
	return b
}

func udpPacket(opts []byte, src [4]byte, dport uint16) []byte {
	return mkIPv4(opts, protoUDP, src, ipB, udp(40000, dport, "payload"))
}

// headerOK checks that pkt's header checksum is right (rfc1071 over the
// whole header gives 0).
func headerOK(t testing.TB, pkt []byte) {
	t.Helper()
	hl := int(pkt[0]&0xf) * 4
	require.Equal(t, uint16(0), rfc1071(pkt[:hl]), "header checksum")
}

// dsmLabel is a DSM label built from the wire format in
// fips188/dsm/RULES.md: 86, length, DOI, tag 7, tag length, then the
// parameters in the order given.
func dsmLabel(doi uint32, params ...[2]uint32) []byte {
	b := []byte{0x86, 0, 0, 0, 0, 0, 0x07, 0}
	binary.BigEndian.PutUint32(b[2:], doi)
	for _, p := range params {
		b = append(b, byte(p[0]), 6, 0, 0, 0, 0)
		binary.BigEndian.PutUint32(b[len(b)-4:], p[1])
	}
	b[1] = byte(len(b))
	b[7] = byte(len(b) - 6)
	return b
}

// pad4 pads options with EOL (0x00) to a multiple of 4.
func pad4(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

const dsmDOI = 0x10001000

// Parameter types (fips188/dsm/RULES.md).
const (
	pSerial = 2
	pSSID   = 3
	pDSID   = 5
	pNode   = 6
)

// packetBuf puts pkt in a buffer with Headroom octets before it, as the
// daemon does, and returns the Packet over it.
func packetBuf(t testing.TB, pkt []byte) ipopt.Packet {
	t.Helper()
	buf := make([]byte, Headroom+len(pkt)+Headroom)
	copy(buf[Headroom:], pkt)
	p, err := ipopt.FromBytes(buf, Headroom, len(pkt))
	require.NoError(t, err)
	return p
}
