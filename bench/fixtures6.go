package bench

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
)

// Case6 is one IPv6 benchmark input: an IPv6/UDP packet whose Hop-by-Hop
// header carries a CALIPSO label (RFC 5570), built once from the
// fixture's own definition and shared by every implementation.
type Case6 struct {
	// Name is the case's part of the benchmark name.
	Name string
	// Packet is the whole packet: the 40-octet fixed header, the
	// Hop-by-Hop header, an 8-octet UDP header and 8 octets of data.
	Packet []byte
	// HopByHop is the Hop-by-Hop header within Packet.
	HopByHop []byte
	// Option is the CALIPSO option within HopByHop, from its type octet.
	Option []byte
	// Options is how many options the header has, padding included.
	Options int
	// DOI and Label are what the option carries.
	DOI   uint32
	Label *cipso.Label
}

// Field values of the IPv6 fixtures (RFC 3849 documentation addresses).
var (
	srcAddr6 = []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1}
	dstAddr6 = []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2}
)

// BuildPacket6 returns an IPv6 packet: version 6, flow label 0x12345, hop
// limit 64, the documentation addresses, Next Header 0, the Hop-by-Hop
// header hbh (a whole header; its own Next Header octet is set to UDP),
// then payload.
func BuildPacket6(hbh, payload []byte) []byte {
	p := make([]byte, 40, 40+len(hbh)+len(payload))
	binary.BigEndian.PutUint32(p[0:], 6<<28|0x12345)
	binary.BigEndian.PutUint16(p[4:], uint16(len(hbh)+len(payload)))
	p[6], p[7] = 0, 64
	copy(p[8:], srcAddr6)
	copy(p[24:], dstAddr6)
	p = append(p, hbh...)
	p[40] = 17
	return append(p, payload...)
}

// CRCX25 is CRC-16/X-25: the reflected CRC-CCITT polynomial 0x8408
// from 0xffff, complemented, which Linux's calipso_genopt
// (net/ipv6/calipso.c) computes with crc_ccitt. It is written here bit by
// bit, independently of every library compared.
func CRCX25(b []byte) uint16 {
	crc := uint16(0xffff)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// CALIPSOChecksum is the checksum of a CALIPSO option (RFC 5570 §5: a
// CRC-16 of the whole option, its checksum field taken as zero), as
// calipso_genopt stores it: [CRCX25], low octet first.
func CALIPSOChecksum(opt []byte) (lo, hi byte) {
	z := append([]byte(nil), opt...)
	z[8], z[9] = 0, 0
	c := CRCX25(z)
	return byte(c), byte(c >> 8)
}

// optCALIPSO is the CALIPSO option of every IPv6 case: DOI 16, level 3,
// compartment length 4 (a 16-octet bitmap), categories 0, 5, 40 and 99
// (bit 0x80>>(c%8) of octet c/8: 84 00 00 00 00 80 00 00 00 00 00 00 10
// 00 00 00); 26 octets, its checksum filled in by CALIPSOChecksum.
var optCALIPSO = func() []byte {
	o := unhex("07 18 00 00 00 10 04 03 00 00" + " 84 00 00 00 00 80 00 00 00 00 00 00 10 00 00 00")
	o[8], o[9] = CALIPSOChecksum(o)
	return o
}()

// Cases6 are the inputs of the IPv6 comparison, in benchmark order. Each
// Hop-by-Hop header is 32 octets (Hdr Ext Len 3) with the option at an
// offset of 4n+2, where calipso_genopt puts it.
var Cases6 = func() []*Case6 {
	var l cipso.Label
	l.Level = 3
	for _, c := range []uint32{0, 5, 40, 99} {
		_ = l.Cats.Add(c)
	}
	mk := func(name string, before, after []byte, options int) *Case6 {
		hbh := append(append(append([]byte{17, 3}, before...), optCALIPSO...), after...)
		pkt := BuildPacket6(hbh, udpPayload)
		at := 40 + 2 + len(before)
		return &Case6{Name: name, Packet: pkt, HopByHop: pkt[40 : 40+len(hbh)], Option: pkt[at : at+len(optCALIPSO)],
			Options: options, DOI: 16, Label: &l}
	}
	return []*Case6{
		// The option at offset 2, then a PadN of 4 to the 8-octet boundary
		// (calipso_opt_insert's header for a socket with no other option).
		mk("calipso", nil, unhex("01 02 00 00"), 2),
		// A PadN of 4 before the option.
		mk("calipso-padn", unhex("01 02 00 00"), nil, 2),
		// Router Alert (RFC 2711, MLD's value 0) before the option.
		mk("ra-calipso", unhex("05 02 00 00"), nil, 2),
	}
}()

// DOIs6 are the CALIPSO DOIs the receiver has configured for validate.
var DOIs6 = []uint32{16}
