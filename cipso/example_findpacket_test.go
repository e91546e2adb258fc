package cipso_test

import (
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/cipso"
)

// A received IPv4 packet to its CIPSO label in one call: on the wire, and
// through the host's DOI table.
func ExampleFindPacketLabel() {
	pkt := []byte{
		0x48, 0, 0, 36, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IHL 8
		0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x05, 0, 3, 0x84, 0, // DOI 16, tag 1: s3:c0,c5
		'h', 'i', '!', '\n',
	}
	l, found, err := cipso.FindPacketLabel(pkt, nil)
	fmt.Println(l.DOI, l.Label, found, err)

	reg, _ := cipso.ParseConfig(strings.NewReader("cipsov4 add trans doi:16 tags:1 levels:7=3 categories:100=0,200=5"))
	l, found, err = cipso.FindPacketLabel(pkt, reg)
	fmt.Println(l.DOI, l.Label, found, err)
	// Output:
	// 16 s3:c0,c5 true <nil>
	// 16 s7:c100,c200 true <nil>
}
