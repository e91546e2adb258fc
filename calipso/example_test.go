package calipso_test

import (
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

func ExampleAppendHopByHop() {
	l, _ := cipso.ParseLabel("s3:c0,c5")
	h, _ := calipso.AppendHopByHop(nil, ipv6.UDP, 16, &l)
	fmt.Printf("% x\n", h)

	o, _ := ipv6.Find(h, calipso.Type)
	opt, _ := calipso.ParseOption(o.Bytes)
	got, _ := opt.Label()
	fmt.Println(opt.DOI(), got, opt.ChecksumOK())
	// Output:
	// 11 01 07 0c 00 00 00 10 01 03 f6 6b 84 00 00 00
	// 16 s3:c0,c5 true
}

func ExampleLinux() {
	r, _ := calipso.ParseConfig(strings.NewReader("netlabelctl calipso add pass doi:16\n"))
	walk := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}

	l, _ := cipso.ParseLabel("s1")
	h, _ := calipso.AppendHopByHop(nil, ipv6.UDP, 16, &l)
	fmt.Println(walk.CheckHopByHop(h, ipv6.Packet{}))

	h[10] ^= 1 // a checksum octet
	err := walk.CheckHopByHop(h, ipv6.Packet{})
	_, _, answered := ipv6.ICMP(err)
	fmt.Println(err, answered)

	h, _ = calipso.AppendHopByHop(nil, ipv6.UDP, 17, &l)
	fmt.Println(walk.CheckHopByHop(h, ipv6.Packet{}))
	// Output:
	// <nil>
	// calipso: bad checksum: checksum at offset 10 (pointer 50) false
	// calipso: unknown DOI: doi at offset 4 (pointer 44)
}

func ExampleSetLabel() {
	// An IPv6/UDP packet with 8 octets of UDP, after 40 octets of headroom.
	buf := make([]byte, 40+48)
	pkt := buf[40:]
	pkt[0], pkt[5], pkt[6], pkt[7] = 0x60, 8, ipv6.UDP, 64
	p, _ := ipopt.FromBytes(buf, 40, len(pkt))

	l, _ := cipso.ParseLabel("s3:c0,c5")
	if err := calipso.SetLabel(&p, 16, &l); err != nil {
		fmt.Println(err)
	}
	h := ipv6.Header(p.Bytes())
	fmt.Println(h.NextHeader(), h.PayloadLen(), p.Headroom())
	fmt.Printf("% x\n", p.Bytes()[40:56])

	fmt.Println(calipso.RemoveOption(&p))
	h = ipv6.Header(p.Bytes())
	fmt.Println(h.NextHeader(), h.PayloadLen(), p.Headroom())
	fmt.Println(calipso.RemoveOption(&p))
	// Output:
	// 0 24 24
	// 11 01 07 0c 00 00 00 10 01 03 f6 6b 84 00 00 00
	// <nil>
	// 17 8 40
	// ipopt: option not found: no CALIPSO option
}

func ExampleStrict() {
	l, _ := cipso.ParseLabel("s3:c0,c5")
	h, _ := calipso.AppendHopByHop(nil, ipv6.UDP, 16, &l)
	fmt.Println(calipso.Strict{}.Validate(h))

	// The same option after a PadN of 2: at 4, not 4n+2.
	moved := append([]byte{ipv6.UDP, 2, ipv6.PadN, 0}, h[2:16]...)
	moved = append(moved, ipv6.PadN, 4, 0, 0, 0, 0)
	fmt.Println(calipso.Strict{}.Validate(moved))
	walk := ipv6.Linux{CALIPSO: calipso.Strict{}}
	fmt.Println(walk.CheckHopByHop(moved, ipv6.Packet{}))
	// Output:
	// <nil>
	// ipv6: misaligned option: type at offset 4 (pointer 44)
	// <nil>
}
