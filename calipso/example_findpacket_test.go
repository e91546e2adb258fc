package calipso_test

import (
	"fmt"

	"github.com/iplabel/iplabel/calipso"
)

// The CALIPSO label of a received IPv6 packet in one call.
func ExampleFindPacketLabel() {
	pkt := make([]byte, 40, 64)
	pkt[0], pkt[5], pkt[6], pkt[7] = 0x60, 16, 0, 64 // payload 16, Hop-by-Hop next
	pkt = append(pkt, 0x11, 0x01, 0x07, 0x0c, 0, 0, 0, 16, 0x01, 0x03, 0xf6, 0x6b, 0x84, 0, 0, 0)
	l, found, err := calipso.FindPacketLabel(pkt, nil)
	fmt.Println(l.DOI, l.Label, found, err)
	// Output:
	// 16 s3:c0,c5 true <nil>
}
