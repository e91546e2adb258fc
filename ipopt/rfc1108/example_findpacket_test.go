package rfc1108_test

import (
	"fmt"

	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// The BSO of a received IPv4 packet in one call.
func ExampleFindPacketLabel() {
	pkt := []byte{
		0x46, 0, 0, 24, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IHL 6
		0x82, 0x04, 0x5A, 0x90, // BSO: SECRET, GENSER and NSA
	}
	l, found, err := rfc1108.FindPacketLabel(pkt)
	fmt.Println(l, found, err)
	// Output:
	// level=secret,authorities=genser+nsa true <nil>
}
