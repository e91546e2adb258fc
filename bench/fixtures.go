// Package bench compares the iplabel library with the Go packet libraries
// people already use for IPv4 headers: google/gopacket (layers.IPv4),
// golang.org/x/net/ipv4 and gVisor's tcpip/header. It is its own module,
// so that the library's go.mod never pulls gVisor in.
//
// Every implementation works on the same bytes, built once ([Cases]),
// and does the same operations ([Ops]). For IPv6, [Cases6] and [Ops6]
// compare the Hop-by-Hop walk and CALIPSO decode and validate with
// gopacket's layers.IPv6 and layers.IPv6HopByHop
// (BenchmarkCompareIPv6/<op>/<case>/<impl>).
// BenchmarkCompare/<op>/<case>/<impl> times each; TestFixtures and
// TestCompareImpls keep the fixtures and the implementations honest. bench/report runs the suite and writes
// RESULTS.md; bench/dump-throughput times whole processes on a large
// capture; BenchmarkLoopbackUDP measures the cost of labelling a UDP
// exchange on loopback (root only).
package bench

import (
	"encoding/binary"
	"encoding/hex"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
)

// Case is one benchmark input: an IPv4 datagram carrying a label, the
// same datagram without it, and the label option, each built once and
// shared by every implementation.
type Case struct {
	// Name is the case's part of the benchmark name.
	Name string
	// Labeled is the datagram with the label: header, options, an 8-octet
	// UDP header and 8 octets of data.
	Labeled []byte
	// Bare is the same datagram without the label option (other options
	// kept): the input of the insert operation.
	Bare []byte
	// Option is the label option, which insert puts after Bare's options.
	Option []byte
	// CIPSO is the label a CIPSO case carries, from the spec or the
	// fixture's own definition (not from the library's decoder).
	CIPSO *cipso.Label
	// NSID is the label the nsid case carries.
	NSID *dsm.Label
}

// Field values shared by every fixture (RFC 5737 documentation
// addresses; nothing is sent).
var (
	udpPayload = []byte{0x13, 0x88, 0x17, 0x70, 0x00, 0x10, 0x00, 0x00, 'i', 'p', 'l', 'a', 'b', 'e', 'l', '!'}
	srcAddr    = []byte{192, 0, 2, 1}
	dstAddr    = []byte{192, 0, 2, 2}
)

// BuildPacket returns an IPv4 header with options opts (whose length must
// be a multiple of 4), ID 0x1234, DF, TTL 64, protocol UDP, the
// documentation addresses, followed by payload, with the header checksum
// computed by [Checksum].
func BuildPacket(opts, payload []byte) []byte {
	hl := 20 + len(opts)
	p := make([]byte, hl+len(payload))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:], 0x1234)
	binary.BigEndian.PutUint16(p[6:], 0x4000)
	p[8], p[9] = 64, 17
	copy(p[12:], srcAddr)
	copy(p[16:], dstAddr)
	copy(p[20:], opts)
	copy(p[hl:], payload)
	binary.BigEndian.PutUint16(p[10:], Checksum(p[:hl]))
	return p
}

// Checksum is the IPv4 header checksum of h (RFC 791 §3.1; RFC 1071):
// the one's complement of the one's-complement sum of its 16-bit words,
// the checksum field (octets 10 and 11) taken as zero. It is written here,
// independently of every library compared, so that it can judge them.
func Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		if i != 10 {
			sum += uint32(h[i])<<8 | uint32(h[i+1])
		}
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// The label options of the cases.
var (
	// cipso-max: the largest tag 1 an IPv4 header holds (CIPSO draft
	// §3.4.2): DOI 1, level 255, a 30-octet bitmap (categories 0..231 and
	// 239); 40 octets, the whole options field.
	optCIPSOMax = unhex("86 28 00 00 00 01 01 22 00 FF" + strings.Repeat(" FF", 29) + " 01")
	// cipso-enum: a tag 2 with 15 categories, ascending (CIPSO draft
	// §3.4.3):
	// DOI 1, level 7; 40 octets.
	optCIPSOEnum = unhex("86 28 00 00 00 01 02 22 00 07" +
		" 00 01 00 05 00 0A 00 14 00 32 00 64 00 C8 01 2C 01 F4 03 E8 07 D0 13 88 27 10 4E 20 FF FE")
	enumCats = []uint32{1, 5, 10, 20, 50, 100, 200, 300, 500, 1000, 2000, 5000, 10000, 20000, 65534}
	// multi: a NOP and an empty Record Route with room for two addresses
	// (RFC 791: 07 0B 04, pointer 4) before a CIPSO tag 5: DOI 1, level 3,
	// ranges 100..200, 10..20 and 0..3, the last bottom omitted (CIPSO
	// draft §3.4.4). 12 + 20 = 32 octets.
	optsNOPRR   = unhex("01 07 0B 04 00 00 00 00 00 00 00 00")
	optCIPSORng = unhex("86 14 00 00 00 01 05 0E 00 03 00 C8 00 64 00 14 00 0A 00 03")
	// nsid: a DSM network SID label (fips188/dsm/RULES.md; [dsm.Label]),
	// source SID 0x12341234 and node ID 1 in DSM's DOI 0x10001000; 20
	// octets.
	optNSID = unhex("86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01")
)

// Cases are the inputs of every comparison, in benchmark order.
var Cases = func() []*Case {
	var maxLabel, enumLabel, rngLabel cipso.Label
	maxLabel.Level = 255
	_ = maxLabel.Cats.AddRange(0, 231)
	_ = maxLabel.Cats.Add(239)
	enumLabel.Level = 7
	for _, c := range enumCats {
		_ = enumLabel.Cats.Add(c)
	}
	rngLabel.Level = 3
	_ = rngLabel.Cats.AddRange(100, 200)
	_ = rngLabel.Cats.AddRange(10, 20)
	_ = rngLabel.Cats.AddRange(0, 3)
	nsid := dsm.New(0x12341234, 1)

	return []*Case{
		{Name: "cipso-max", Labeled: BuildPacket(optCIPSOMax, udpPayload), Bare: BuildPacket(nil, udpPayload), Option: optCIPSOMax, CIPSO: &maxLabel},
		{Name: "cipso-enum", Labeled: BuildPacket(optCIPSOEnum, udpPayload), Bare: BuildPacket(nil, udpPayload), Option: optCIPSOEnum, CIPSO: &enumLabel},
		{Name: "multi", Labeled: BuildPacket(append(append([]byte(nil), optsNOPRR...), optCIPSORng...), udpPayload), Bare: BuildPacket(optsNOPRR, udpPayload), Option: optCIPSORng, CIPSO: &rngLabel},
		{Name: "nsid", Labeled: BuildPacket(optNSID, udpPayload), Bare: BuildPacket(nil, udpPayload), Option: optNSID, NSID: &nsid},
	}
}()

// DOIConfig is the receiver's DOI configuration for validate, in
// netlabelctl(8) syntax: a pass DOI 1 accepting tags 1, 2 and 5, the
// configuration under which ipopt's Linux tests give their verdicts.
const DOIConfig = "cipsov4 add pass doi:1 tags:1,2,5\n"
