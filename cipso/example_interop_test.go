package cipso_test

// Interoperation with the Go packet libraries people already have: the
// labels of a gopacket layers.IPv4 (its options field is Contents[20:],
// byte for byte, which gopacket's own Options list is not: it drops what
// follows an EOL and refuses length-2 options) and of an x/net
// ipv4.Header, a gopacket-built packet relabeled with ipopt.Packet, and
// the ICMP answers built with x/net/icmp. These libraries are imported
// by the examples only, not by the package.

import (
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// datagram is an IPv4/UDP datagram from 10.0.0.1 to 10.0.0.2 carrying
// a CIPSO option (DOI 1, tag 1, level 5, categories 0 and 15), padded to 12 octets, and 4 octets of
// payload.
func datagram() []byte {
	b, _ := hex.DecodeString("48000024000100004011" + "0000" + "0a000001" + "0a000002" +
		"860c00000001010600058001" + // options field
		"9c400009000c0000" + "74657374") // UDP header, "test"
	ipopt.Header(b[:32]).SetChecksum()
	return b
}

// registry is the receiver's NetLabel configuration:
// "cipsov4 add pass doi:1 tags:1,2,5".
func registry() *cipso.Registry {
	reg, err := cipso.ParseConfig(strings.NewReader("cipsov4 add pass doi:1 tags:1,2,5\n"))
	if err != nil {
		panic(err)
	}
	return reg
}

// Labels of a packet decoded by gopacket: layers.IPv4.Contents is the
// header as received, so Contents[20:] is the options field byte for byte.
func Example_gopacketDecode() {
	pkt := gopacket.NewPacket(datagram(), layers.LayerTypeIPv4, gopacket.Default)
	ip := pkt.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	opts := ip.Contents[ipopt.BaseHeaderLen:]

	o, ok, _ := ipopt.Find(opts, ipopt.CIPSO)
	if !ok {
		fmt.Println("no label")
		return
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		fmt.Println(err)
		return
	}
	var l cipso.Label
	if err := registry().Lookup(opt.DOI()).Decode(opt, &l); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ip.SrcIP, "->", ip.DstIP, "DOI", opt.DOI(), "level", l.Level, "categories", l.Cats.String())
	fmt.Println("linux verdict:", cipso.NewLinux(registry()).Validate(opts))
	// Output:
	// 10.0.0.1 -> 10.0.0.2 DOI 1 level 5 categories {c0,c15}
	// linux verdict: <nil>
}

// A packet built with gopacket, then labeled with ipopt.Packet: the
// header grows into the buffer's headroom, IHL, total length and checksum
// are fixed, the payload does not move; gopacket reads the result back.
func Example_gopacketRelabel() {
	ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP,
		SrcIP: net.IPv4(10, 0, 0, 1), DstIP: net.IPv4(10, 0, 0, 2)}
	udp := &layers.UDP{SrcPort: 40000, DstPort: 9}
	_ = udp.SetNetworkLayerForChecksum(ip)
	sb := gopacket.NewSerializeBuffer()
	err := gopacket.SerializeLayers(sb, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true},
		ip, udp, gopacket.Payload("test"))
	if err != nil {
		fmt.Println(err)
		return
	}

	// The label Linux sends for DOI 1, level 3, categories {0,15}.
	d, _ := cipso.NewPass(1, cipso.TagRBitmap)
	l := cipso.Label{Level: 3}
	_ = l.Cats.Add(0)
	_ = l.Cats.Add(15)
	label, err := d.AppendOption(nil, &l, cipso.Format{})
	if err != nil {
		fmt.Println(err)
		return
	}

	const headroom = ipopt.MaxOptionsLen
	buf := make([]byte, headroom+len(sb.Bytes()))
	copy(buf[headroom:], sb.Bytes())
	p, _ := ipopt.FromBytes(buf, headroom, len(sb.Bytes()))
	if err := p.SetOption(label); err != nil {
		fmt.Println(err)
		return
	}

	back := gopacket.NewPacket(p.Bytes(), layers.LayerTypeIPv4, gopacket.Default)
	ip2 := back.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
	h, _ := ipopt.ParseHeader(p.Bytes())
	fmt.Printf("IHL %d, length %d, checksum ok %v\n", ip2.IHL, ip2.Length, h.VerifyChecksum())
	fmt.Printf("options % x\n", ip2.Contents[20:])
	fmt.Printf("payload %q\n", back.ApplicationLayer().Payload())
	// Output:
	// IHL 8, length 44, checksum ok true
	// options 86 0c 00 00 00 01 01 06 00 03 80 01
	// payload "test"
}

// Labels in golang.org/x/net/ipv4's Header.Options, checked as Linux's
// receive path checks them.
func Example_xnetHeader() {
	h, err := ipv4.ParseHeader(datagram())
	if err != nil {
		fmt.Println(err)
		return
	}
	lx := cipso.NewLinux(registry())
	fmt.Println("DOI 1 configured:", lx.Validate(h.Options))

	// The same label on a receiver with no DOI configured: the pointer is
	// at the DOI field, option offset + 2 (RULES.md §7 step 2).
	err = cipso.NewLinux(&cipso.Registry{}).Validate(h.Options)
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println("no DOI configured: pointer", e.Pointer(), "unknown DOI:", errors.Is(err, cipso.ErrUnknownDOI))
	}
	// Output:
	// DOI 1 configured: <nil>
	// no DOI configured: pointer 22 unknown DOI: true
}

// The ICMP Parameter Problem a receiver sends for an invalid label: the
// type, code and pointer ipopt.ICMP gives for the validation error, and
// the offending header plus 8 octets of payload (RFC 792).
func Example_icmpParameterProblem() {
	b := datagram()
	b[24] = 9 // DOI 9, not configured
	ipopt.Header(b[:32]).SetChecksum()
	err := cipso.NewLinux(registry()).Validate(b[20:32])
	typ, code, ptr, ok := ipopt.ICMP(err, false)
	if !ok {
		fmt.Println("no ICMP answer:", err)
		return
	}
	m := icmp.Message{Type: typ, Code: int(code),
		Body: &icmp.ParamProb{Pointer: uintptr(ptr), Data: b[:32+8]}}
	wire, err := m.Marshal(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	// Type 12, code 0, the checksum, then the pointer 22 (0x16) and three
	// zero octets; then the quoted datagram.
	fmt.Printf("type %d code %d, octets 4-7: % x\n", wire[0], wire[1], wire[4:8])

	back, err := icmp.ParseMessage(1, wire)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Type, "pointer", back.Body.(*icmp.ParamProb).Pointer)
	// Output:
	// type 12 code 0, octets 4-7: 16 00 00 00
	// parameter problem pointer 22
}

// The ICMP Destination Unreachable a receiver sends for a well-formed
// label that its policy refuses: code 10 from a host, 9 from a gateway
// (CIPSO draft §5.1; Linux cipso_v4_error sends 10 on a host).
func Example_icmpPolicyReject() {
	b := datagram()
	opt, _ := cipso.ParseOption(b[20:32])
	var l cipso.Label
	if err := registry().Lookup(opt.DOI()).Decode(opt, &l); err != nil {
		fmt.Println(err)
		return
	}
	clearance := cipso.Label{Level: 3} // level 3, no categories
	if clearance.Dominates(&l) {
		fmt.Println("accepted")
		return
	}
	m := icmp.Message{Type: ipv4.ICMPTypeDestinationUnreachable, Code: 10,
		Body: &icmp.DstUnreach{Data: b[:32+8]}}
	wire, err := m.Marshal(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	back, _ := icmp.ParseMessage(1, wire)
	fmt.Println(back.Type, "code", back.Code, "quoting", len(back.Body.(*icmp.DstUnreach).Data), "octets")
	// Output:
	// destination unreachable code 10 quoting 40 octets
}
