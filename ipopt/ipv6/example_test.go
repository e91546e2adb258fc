package ipv6_test

import (
	"fmt"

	"github.com/iplabel/iplabel/ipopt/ipv6"
)

func ExampleLinux_CheckHopByHop() {
	var l ipv6.Linux // default sysctls, no NetLabel
	for _, h := range [][]byte{
		{17, 0, 5, 2, 0, 0, 1, 0},       // Router Alert, PadN
		{17, 0, 0x5e, 2, 0, 0, 1, 0},    // unknown, action 01
		{17, 0, 0x9e, 2, 0, 0, 1, 0},    // unknown, action 10
		{17, 0, 1, 4, 0, 0, 0xff, 0xff}, // PadN with non-zero data
	} {
		err := l.CheckHopByHop(h, ipv6.Packet{})
		code, ptr, answered := ipv6.ICMP(err)
		switch {
		case err == nil:
			fmt.Println("delivered")
		case answered:
			fmt.Printf("%v: Parameter Problem code %d pointer %d\n", err, code, ptr)
		default:
			fmt.Printf("%v: dropped silently\n", err)
		}
	}
	// Output:
	// delivered
	// ipv6: unrecognised option: option type at offset 2 (pointer 42): dropped silently
	// ipv6: unrecognised option: option type at offset 2 (pointer 42): Parameter Problem code 2 pointer 42
	// ipv6: bad option padding: padding value at offset 6 (pointer 46): dropped silently
}

func ExampleNewChain() {
	pkt := make([]byte, 40, 64)
	pkt[0], pkt[5], pkt[6] = 0x60, 16, ipv6.HopByHop
	pkt = append(pkt, ipv6.UDP, 0, 1, 4, 0, 0, 0, 0) // Hop-by-Hop, PadN
	pkt = append(pkt, 0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0)
	c := ipv6.NewChain(pkt)
	for c.Next() {
		fmt.Println("header", c.Type(), "at", c.Offset())
	}
	fmt.Println("protocol", c.Proto(), "at", c.End())
	// Output:
	// header 0 at 40
	// protocol 17 at 48
}
