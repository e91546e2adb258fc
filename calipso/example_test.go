package calipso_test

import (
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
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
