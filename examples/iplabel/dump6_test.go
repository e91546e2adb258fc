package main

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/ipv6"
)

var (
	host6A   = netip.MustParseAddr("2001:db8::a")
	host6B   = netip.MustParseAddr("2001:db8::b")
	allNodes = netip.MustParseAddr("ff02::1")
)

// buildIPv6 makes an IPv6 packet from src to dst: the Hop-by-Hop header
// hbh (none when nil; its Next Header octet is set to proto), then the
// upper-layer octets payload.
func buildIPv6(src, dst netip.Addr, hbh []byte, proto uint8, payload []byte) []byte {
	p := make([]byte, ipv6.HeaderLen, ipv6.HeaderLen+len(hbh)+len(payload))
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:], uint16(len(hbh)+len(payload)))
	p[6], p[7] = proto, 64
	copy(p[8:], src.AsSlice())
	copy(p[24:], dst.AsSlice())
	if hbh != nil {
		p[6] = ipv6.HopByHop
		p = append(p, hbh...)
		p[ipv6.HeaderLen] = proto
	}
	return append(p, payload...)
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := parseHopByHop(nil, s)
	require.NoError(t, err, s)
	return b
}

// sll is a Linux cooked capture header (link type 113) of packet type pt
// (0 to us, 1 broadcast, 2 multicast, 3 to another host) for IPv6.
func sll(pt uint16, body []byte) []byte {
	h := make([]byte, 16, 16+len(body))
	binary.BigEndian.PutUint16(h[0:], pt)
	binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
	binary.BigEndian.PutUint16(h[4:], 6)
	binary.BigEndian.PutUint16(h[14:], etherTypeIPv6)
	return append(h, body...)
}

// dump6Cases are IPv6 packets with the verdicts Linux gives (ipopt/ipv6
// and calipso RULES.md; the ICMPv6 suppression of icmp6_send in
// net/ipv6/icmp.c) with CALIPSO DOI 16 configured.
func dump6Cases(t testing.TB) []struct {
	name, text string
	pkt        []byte
	json       string // the "options" array, "valid" and "pointer"
} {
	udp := []byte{0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0}
	icmpErr := []byte{1, 4, 0, 0, 0, 0, 0, 0} // Destination Unreachable
	return []struct {
		name, text string
		pkt        []byte
		json       string
	}{
		{"CALIPSO", "udp  CALIPSO DOI 16 s3:c0,c5  valid",
			buildIPv6(host6A, host6B, mustHex(t, hbh16), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":7,"name":"calipso","length":14,"calipso":{"doi":16,"level":3,"label":"s3:c0,c5","categories":[0,5],"checksum":27638,"checksum_ok":true}}],"valid":true,"pointer":null`},
		{"bad checksum", "udp  CALIPSO DOI 16 s3:c0,c5 checksum 0x6bf7 wrong (Linux's is 0x6bf6)  INVALID (dropped silently, no ICMP): calipso: bad checksum: checksum at offset 10 (pointer 50)",
			buildIPv6(host6A, host6B, mustHex(t, "1101070c000000100103f76b84000000"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":7,"name":"calipso","length":14,"calipso":{"doi":16,"level":3,"label":"s3:c0,c5","categories":[0,5],"checksum":27639,"checksum_ok":false}}],"valid":false,"pointer":null`},
		{"DOI 17", "tcp  CALIPSO DOI 17 s1  INVALID (dropped silently, no ICMP): calipso: unknown DOI: doi at offset 4 (pointer 44)",
			buildIPv6(host6A, host6B, mustHex(t, hbh(t, 17, "s1")), 6, make([]byte, 20)),
			`"options":[{"offset":2,"type":7,"name":"calipso","length":10,"calipso":{"doi":17,"level":1,"label":"s1","categories":[],"checksum":15775,"checksum_ok":true}},{"offset":12,"type":1,"name":"padn","length":4}],"valid":false,"pointer":null`},
		{"no Hop-by-Hop header", "udp  no label  valid", buildIPv6(host6A, host6B, nil, ipv6.UDP, udp),
			`"options":[],"valid":true,"pointer":null`},
		{"unknown option, action 10", "udp  Router Alert; option 0x9e  INVALID pointer 46: ipv6: unrecognised option: option type at offset 6 (pointer 46)",
			buildIPv6(host6A, host6B, mustHex(t, "1100050200009e00"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":5,"name":"ra","length":4},{"offset":6,"type":158,"name":"unknown","length":2}],"valid":false,"pointer":46`},
		{"action 10 to a multicast group: answered", "udp  option 0x9e  INVALID pointer 42: ipv6: unrecognised option: option type at offset 2 (pointer 42)",
			buildIPv6(host6A, allNodes, mustHex(t, "11009e0200000100"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":158,"name":"unknown","length":4},{"offset":6,"type":1,"name":"padn","length":2}],"valid":false,"pointer":42`},
		{"action 11 to a multicast group: silent", "udp  option 0xde  INVALID (dropped silently, no ICMP): ipv6: unrecognised option: option type at offset 2 (pointer 42)",
			buildIPv6(host6A, allNodes, mustHex(t, "1100de0200000100"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":222,"name":"unknown","length":4},{"offset":6,"type":1,"name":"padn","length":2}],"valid":false,"pointer":null`},
		{"Jumbo Payload to a multicast group: silent", "udp  Jumbo Payload  INVALID (dropped silently, no ICMP): ipopt: bad option value: jumbo payload length at offset 4 (pointer 44)",
			buildIPv6(host6A, allNodes, mustHex(t, "1100c2040000ffff"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":194,"name":"jumbo","length":6}],"valid":false,"pointer":null`},
		{"Jumbo Payload to a unicast address: answered", "udp  Jumbo Payload  INVALID pointer 44: ipopt: bad option value: jumbo payload length at offset 4 (pointer 44)",
			buildIPv6(host6A, host6B, mustHex(t, "1100c2040000ffff"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":194,"name":"jumbo","length":6}],"valid":false,"pointer":44`},
		{"about an ICMPv6 error: silent", "icmpv6  option 0x9e  INVALID (dropped silently, no ICMP): ipv6: unrecognised option: option type at offset 2 (pointer 42)",
			buildIPv6(host6A, host6B, mustHex(t, "3a009e0200000100"), ipv6.ICMPv6, icmpErr),
			`"options":[{"offset":2,"type":158,"name":"unknown","length":4},{"offset":6,"type":1,"name":"padn","length":2}],"valid":false,"pointer":null`},
		{"from the unspecified address: silent", "udp  option 0x9e  INVALID (dropped silently, no ICMP): ipv6: unrecognised option: option type at offset 2 (pointer 42)",
			buildIPv6(netip.IPv6Unspecified(), host6B, mustHex(t, "11009e0200000100"), ipv6.UDP, udp),
			`"options":[{"offset":2,"type":158,"name":"unknown","length":4},{"offset":6,"type":1,"name":"padn","length":2}],"valid":false,"pointer":null`},
		{"payload length past the packet", "udp  no label  INVALID (dropped silently, no ICMP): ipv6: bad IPv6 header: payload length at header octet 4",
			buildIPv6(host6A, host6B, nil, ipv6.UDP, udp)[:44],
			`"options":[],"valid":false,"pointer":null`},
		{"option past the header", "udp  undecodable at offset 2 (ipopt: bad option length: option length at offset 2 (pointer 42))  INVALID (dropped silently, no ICMP): ipopt: bad option length: option length at offset 2 (pointer 42)",
			buildIPv6(host6A, host6B, mustHex(t, "1100070900000000"), ipv6.UDP, udp),
			`"options":[],"valid":false,"pointer":null`},
	}
}

// TestDumpIPv6: dump shows the CALIPSO label and the Hop-by-Hop options
// of IPv6 packets with Linux's verdict, in text and JSON, behind each
// link header that carries IPv6.
func TestDumpIPv6(t *testing.T) {
	cfg := writeFile(t, "doi.conf", conf6)
	cases := dump6Cases(t)
	links := []struct {
		link  layers.LinkType
		frame func([]byte) []byte
	}{
		{layers.LinkTypeEthernet, func(p []byte) []byte { return ethernet(etherTypeIPv6, p) }},
		{linkIPv6, func(p []byte) []byte { return p }},
		{layers.LinkTypeRaw, func(p []byte) []byte { return p }},
		{layers.LinkTypeLinuxSLL, func(p []byte) []byte { return sll(0, p) }},
		{layers.LinkTypeNull, func(p []byte) []byte { return append([]byte{30, 0, 0, 0}, p...) }},
	}
	for _, l := range links {
		var frames [][]byte
		for _, c := range cases {
			frames = append(frames, l.frame(c.pkt))
		}
		p := writeFile(t, "v6.pcap", string(pcapOf(t, l.link, frames...)))
		r := iplabel(t, "", "dump", "--doi-config", cfg, p)
		require.Equal(t, exitOK, r.code, r.stderr)
		text := lines(r.stdout)
		require.Len(t, text, len(cases), linkName(l.link))
		r = iplabel(t, "", "dump", "--json", "--doi-config", cfg, p)
		require.Equal(t, exitOK, r.code, r.stderr)
		got := jsonLines(t, r.stdout)
		require.Len(t, got, len(cases))
		for i, c := range cases {
			ip := c.pkt
			src, dst := netip.AddrFrom16([16]byte(ip[8:24])), netip.AddrFrom16([16]byte(ip[24:40]))
			assert.Equal(t, itoa(i+1)+"  "+src.String()+" > "+dst.String()+"  "+c.text, text[i], "%s: %s", linkName(l.link), c.name)
			want := `{"packet":` + itoa(i+1) + `,"version":6,"src":"` + src.String() + `","dst":"` + dst.String() + `",` + c.json + `}`
			assert.Equal(t, asJSON(t, want), got[i], "%s: %s", linkName(l.link), c.name)
		}
	}
}

// TestDumpIPv6NotToUs: a frame the link header says was not sent to this
// host alone gets no answer but about an option whose action bits are
// 10, as for a multicast destination (icmp6_send).
func TestDumpIPv6NotToUs(t *testing.T) {
	udp := []byte{0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0}
	a10 := buildIPv6(host6A, host6B, mustHex(t, "11009e0200000100"), ipv6.UDP, udp)
	a11 := buildIPv6(host6A, host6B, mustHex(t, "1100de0200000100"), ipv6.UDP, udp)
	p := writeFile(t, "v6.pcap", string(pcapOf(t, layers.LinkTypeLinuxSLL, sll(0, a11), sll(1, a11), sll(2, a10), sll(3, a11))))
	got := jsonLines(t, iplabel(t, "", "dump", "--json", p).stdout)
	require.Len(t, got, 4)
	for i, want := range []any{float64(42), nil, float64(42), nil} {
		assert.Equal(t, want, got[i].(map[string]any)["pointer"], "packet %d", i+1)
	}
}

// TestDumpIPv6CutByCapture: a packet whose IPv6 or Hop-by-Hop header the
// capture cut is not judged; one cut after them is, by what was kept.
func TestDumpIPv6CutByCapture(t *testing.T) {
	cfg := writeFile(t, "doi.conf", conf6)
	full := buildIPv6(host6A, host6B, mustHex(t, hbh16), ipv6.UDP, make([]byte, 100))
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(65535, linkIPv6))
	for _, n := range []int{30, 50, 70} {
		require.NoError(t, w.WritePacket(ciOf(n, len(full)), full[:n]))
	}
	p := writeFile(t, "cut.pcap", buf.String())
	r := iplabel(t, "", "dump", "--doi-config", cfg, p)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, []string{
		"1  ?  header truncated by the capture (IPv6 header: 40 octets, 30 captured), not judged",
		"2  2001:db8::a > 2001:db8::b  header truncated by the capture (Hop-by-Hop header: 16 octets, 10 captured), not judged",
		"3  2001:db8::a > 2001:db8::b  udp  CALIPSO DOI 16 s3:c0,c5  valid",
	}, lines(r.stdout))
	got := jsonLines(t, iplabel(t, "", "dump", "--json", "--doi-config", cfg, p).stdout)
	assert.Equal(t, asJSON(t, `{"packet":2,"version":6,"src":"2001:db8::a","dst":"2001:db8::b","options":[],"valid":null,"pointer":null,"error":"header truncated by the capture"}`), got[1])
	assert.Equal(t, true, got[2].(map[string]any)["valid"])
}

// TestDumpIPv6Text: an IPv6 frame is no longer "not IPv4" (rewrite's
// IPv6 path is tested in rewrite6_test.go).
func TestDumpIPv6Text(t *testing.T) {
	pkt := buildIPv6(host6A, host6B, mustHex(t, hbh16), ipv6.UDP, make([]byte, 8))
	p := writeFile(t, "v6.pcap", string(pcapOf(t, layers.LinkTypeEthernet, ethernet(etherTypeIPv6, pkt))))
	r := iplabel(t, "", "dump", p)
	assert.NotContains(t, r.stdout, "not IPv4")
}
