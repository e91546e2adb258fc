package gopacketlabel_test

import (
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/iplabel/iplabel/cipso/gopacketlabel"
	"github.com/iplabel/iplabel/fips188/dsm"
)

// Decode IPv4/UDP datagrams with a DecodingLayerParser and read their
// labels as they go by.
func ExampleIPv4() {
	pkt := []byte{
		0x48, 0, 0, 44, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IHL 8
		0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x05, 0, 3, 0x84, 0, // CIPSO DOI 16, tag 1: s3:c0,c5
		0x9c, 0x40, 0x9c, 0x41, 0, 12, 0, 0, 'p', 'i', 'n', 'g', // UDP
	}
	var ip gopacketlabel.IPv4 // set ip.Registry to decode through the host's DOIs
	var udp layers.UDP
	var payload gopacket.Payload
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &ip, &udp, &payload)
	decoded := make([]gopacket.LayerType, 0, 3)
	if err := parser.DecodeLayers(pkt, &decoded); err != nil {
		fmt.Println(err)
	}
	fmt.Println(decoded, udp.DstPort, string(payload))
	fmt.Println(ip.Labels.HasCIPSO, ip.Labels.CIPSO.DOI, ip.Labels.CIPSO.Label, ip.Labels.HasBSO, ip.LabelErr)
	// Output:
	// [IPv4 UDP Payload] 40001 ping
	// true 16 s3:c0,c5 false <nil>
}

// Read the labels of a layer of a gopacket.Packet, and the network SID of
// DSM from the same header with package dsm.
func ExampleFromIPv4() {
	pkt := []byte{
		0x4B, 0, 0, 44, 0, 0, 0, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2, // IHL 11
		0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E, // CIPSO DOI 0x10001000, tag 7
		0x03, 0x06, 0x00, 0x00, 0x00, 0x2A, 0x06, 0x06, 0x00, 0x00, 0x00, 0x03, // SID 42, node 3
		0x00, 0x00, 0x00, 0x00, // EOL
	}
	p := gopacket.NewPacket(pkt, layers.LayerTypeIPv4, gopacket.Default)
	ip := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	l, err := gopacketlabel.FromIPv4(ip, nil)
	fmt.Println(l.HasCIPSO, l.HasBSO, err) // tag 7 carries no cipso.Label
	nsid, found, err := dsm.FindPacketLabel(ip.Contents, dsm.Receiver)
	fmt.Println(nsid, found, err)
	// Output:
	// false false cipso: unknown tag type: tag type at offset 6 (pointer 26)
	// ssid=0x2a node=0x3 true <nil>
}
