package dsm_test

import (
	"fmt"

	"github.com/iplabel/iplabel/fips188/dsm"
)

// The network SID of a received IPv4 packet in one call, as DSM's
// receiver reads it, and the network-wide security ID it maps to.
func ExampleFindPacketLabel() {
	pkt := []byte{
		0x4B, 0, 0, 44, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IHL 11
		0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E, // DOI 0x10001000, tag 7
		0x03, 0x06, 0x00, 0x00, 0x00, 0x2A, // source SID 42
		0x06, 0x06, 0x00, 0x00, 0x00, 0x03, // node ID 3
		0x00, 0x00, 0x00, 0x00, // EOL
	}
	l, found, err := dsm.FindPacketLabel(pkt, dsm.Receiver)
	fmt.Println(l, found, err)
	sid, _ := l.NetworkSID(nil)
	fmt.Printf("%#x\n", sid)
	// Output:
	// ssid=0x2a node=0x3 true <nil>
	// 0x30000002a
}
