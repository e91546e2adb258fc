package main

import (
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/ipopt"
)

// Example labels a datagram as node 1 does, then verifies and
// neutralises it as node 2 does.
func Example() {
	sender, _ := ParseConfig("node1.conf", strings.NewReader("node 1\nlabel uid 1000 sid 0x10\n"))
	receiver, _ := ParseConfig("node2.conf", strings.NewReader(
		"node 2\npeer 1 192.0.2.1\nallow node 1 sid 0x10 proto udp port 5000\n"))

	// An IPv4/UDP datagram 192.0.2.1 -> 192.0.2.2:5000 without options,
	// in a buffer with room for the label in front.
	dgram := []byte{
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x40, 0x00, 0x40, 0x11, 0xb6, 0xcc,
		192, 0, 2, 1, 192, 0, 2, 2,
		0x9c, 0x40, 0x13, 0x88, 0x00, 0x08, 0x00, 0x00,
	}
	buf := make([]byte, Headroom+len(dgram))
	copy(buf[Headroom:], dgram)
	p, _ := ipopt.FromBytes(buf, Headroom, len(dgram))

	out, _ := sender.Label(&p, SenderInfo{UID: 1000, HasUID: true})
	pkt := p.Bytes()
	fmt.Printf("%s: % x\n", out, pkt[20:40])

	var v Verdict
	receiver.Verify(pkt, &v)
	fmt.Printf("%s: %s\n", v.Outcome, v.Label)
	_ = receiver.Neutralise(pkt, &v)
	fmt.Printf("neutralised: % x\n", pkt[20:40])
	// Output:
	// labeled: 86 14 10 00 10 00 07 0e 03 06 00 00 00 10 06 06 00 00 00 01
	// accepted: ssid=0x10 node=0x1
	// neutralised: 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01
}

// ExampleSetupRules prints the rules of a configuration: as --setup
// installs them, and as the daemon arms them once bound (fail-closed).
func ExampleSetupRules() {
	c, err := ParseConfig("dsmd.conf", strings.NewReader("node 1\ninterface eth0\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, armed := range []bool{false, true} {
		for _, r := range SetupRules(c, armed) {
			fmt.Println("-A", r.Chain, strings.Join(r.Args, " "))
		}
	}
	// Output:
	// -A DSMD-OUT -o eth0 -j NFQUEUE --queue-num 1 --queue-bypass
	// -A DSMD-IN -i eth0 -j NFQUEUE --queue-num 2 --queue-bypass
	// -A DSMD-MSS -o eth0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440
	// -A DSMD-OUT -o eth0 -j NFQUEUE --queue-num 1
	// -A DSMD-IN -i eth0 -j NFQUEUE --queue-num 2
	// -A DSMD-MSS -o eth0 -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440
}

// ExampleParseConfig shows the file:line errors.
func ExampleParseConfig() {
	_, err := ParseConfig("dsmd.conf", strings.NewReader("node 1\nlabel uid root sid 5\nallow port 22\n"))
	fmt.Println(err)
	// Output:
	// dsmd.conf:2: bad uid "root": want a number 0..4294967295 (decimal or 0x hex)
	// dsmd.conf:3: allow: "port" needs "proto udp" or "proto tcp"
}
