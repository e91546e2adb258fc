package main

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// pcapOf writes frames as a pcap file of link type l.
func pcapOf(t testing.TB, l layers.LinkType, frames ...[]byte) []byte {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(65535, l))
	for i, f := range frames {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(f), Length: len(f)}
		require.NoError(t, w.WritePacket(ci, f))
	}
	return buf.Bytes()
}

// ngPacket is one packet of a pcapng test file.
type ngPacket struct {
	iface int
	frame []byte
}

// pcapngOf writes packets as a pcapng file with one interface per link
// type.
func pcapngOf(t testing.TB, links []layers.LinkType, pkts ...ngPacket) []byte {
	var buf bytes.Buffer
	intf := pcapgo.DefaultNgInterface
	intf.LinkType = links[0]
	w, err := pcapgo.NewNgWriterInterface(&buf, intf, pcapgo.DefaultNgWriterOptions)
	require.NoError(t, err)
	for i, l := range links[1:] {
		intf.LinkType = l
		intf.Name = "intf" + strconv.Itoa(i+1)
		_, err := w.AddInterface(intf)
		require.NoError(t, err)
	}
	for i, p := range pkts {
		ci := gopacket.CaptureInfo{Timestamp: time.Unix(1700000000+int64(i), 0), CaptureLength: len(p.frame), Length: len(p.frame), InterfaceIndex: p.iface}
		require.NoError(t, w.WritePacket(ci, p.frame))
	}
	require.NoError(t, w.Flush())
	return buf.Bytes()
}

// sampleFrames are the sample's Ethernet frames, as read back.
func sampleFrames(t testing.TB) [][]byte {
	r, err := pcapgo.NewReader(bytes.NewReader(sampleCapture(t)))
	require.NoError(t, err)
	var out [][]byte
	for {
		f, _, err := r.ReadPacketData()
		if err != nil {
			break
		}
		out = append(out, f)
	}
	return out
}

// TestDumpSampleJSON checks dump --json on the sample against what the
// generator put in each packet and the verdicts Linux gives (see
// samplePackets).
func TestDumpSampleJSON(t *testing.T) {
	r := iplabel(t, "", "dump", "--json", "--doi-config", sampleConfig, samplePath)
	require.Equal(t, exitOK, r.code, r.stderr)
	require.Empty(t, r.stderr)
	got := jsonLines(t, r.stdout)
	pkts := samplePackets(t)
	require.Len(t, got, len(pkts)-1, "one line per IPv4 packet; the ARP frame has none")
	for i, p := range pkts[:len(pkts)-1] {
		m := got[i].(map[string]any)
		assert.Equal(t, float64(i+1), m["packet"], p.what)
		assert.Equal(t, p.src.String(), m["src"], p.what)
		assert.Equal(t, p.dst.String(), m["dst"], p.what)
		assert.Equal(t, p.valid, m["valid"], p.what)
		if p.valid {
			assert.Nil(t, m["pointer"], p.what)
		} else {
			assert.Equal(t, float64(p.pointer), m["pointer"], p.what)
		}
		// "options" is exactly what decode prints for the same field, but
		// for the host labels of the translated DOI (decode applies no DOI
		// configuration).
		d := iplabel(t, "", "decode", hexOf(p.opts))
		assert.Equal(t, jsonLines(t, d.stdout)[0].(map[string]any)["options"], withoutKey(m["options"], "host_label"), p.what)
	}
	// The labels, as the generator made them.
	tag := func(i int) map[string]any {
		o := got[i].(map[string]any)["options"].([]any)
		for _, x := range o {
			if c, ok := x.(map[string]any)["cipso"]; ok {
				return c.(map[string]any)["tags"].([]any)[0].(map[string]any)
			}
		}
		t.Fatalf("packet %d: no CIPSO option", i+1)
		return nil
	}
	assert.Equal(t, asJSON(t, `{"offset":6,"type":1,"level":3,"label":"s3:c0,c5","categories":[0,5]}`), tag(0))
	assert.Equal(t, asJSON(t, `{"offset":6,"type":2,"level":3,"label":"s3:c1,c5,c300","categories":[1,5,300]}`), tag(1))
	assert.Equal(t, asJSON(t, `{"offset":6,"type":5,"level":5,"label":"s5:c0.c3,c10.c20","ranges":[[20,10],[3,0]]}`), tag(2))
	assert.Equal(t, asJSON(t, `{"offset":6,"type":1,"level":2,"label":"s2:c7","categories":[7]}`), tag(3))
	assert.Equal(t, asJSON(t, `{"offset":6,"type":6,"level":4,"label":"s4:c1,c2","categories":[1,2]}`), tag(4))
	assert.Equal(t, asJSON(t, `{"ssid":305402420,"node":1}`), tag(5)["nsid"])
	assert.Equal(t, asJSON(t, `{"offset":6,"type":128,"secid":42}`), tag(6))
	// DOI 3 maps host level 7 to 2 and categories 100, 200 to 0, 9.
	assert.Equal(t, asJSON(t, `{"offset":6,"type":1,"level":2,"label":"s2:c0,c9","host_label":"s7:c100,c200","categories":[0,9]}`), tag(7))
	assert.Equal(t, asJSON(t, `[
		{"offset":0,"type":130,"name":"sec","length":4,"bso":{"classification":90,"level":"secret","authorities":["genser","nsa"]}},
		{"offset":4,"type":133,"name":"esec","length":4,"eso":{"format":1,"data":"ab"}}]`), got[8].(map[string]any)["options"])
	assert.Equal(t, float64(10), tag(10)["offset"], "the label after a 4-octet router alert")
}

func hexOf(b []byte) string {
	if len(b) == 0 {
		return "-"
	}
	const d = "0123456789abcdef"
	var s strings.Builder
	for _, c := range b {
		s.WriteByte(d[c>>4])
		s.WriteByte(d[c&15])
	}
	return s.String()
}

// TestDumpSampleText is the README's main-job command: one readable line
// per packet, every label in words.
func TestDumpSampleText(t *testing.T) {
	r := iplabel(t, "", "dump", samplePath)
	require.Equal(t, exitOK, r.code, r.stderr)
	ls := lines(r.stdout)
	pkts := samplePackets(t)
	require.Len(t, ls, len(pkts))
	want := []string{
		"CIPSO DOI 16: restricted bitmap s3:c0,c5",
		"CIPSO DOI 16: enumerated s3:c1,c5,c300",
		"CIPSO DOI 16: ranged s5:c0.c3,c10.c20",
		"CIPSO DOI 16: restricted bitmap s2:c7",
		"CIPSO DOI 16: permissive bitmap s4:c1,c2",
		"CIPSO DOI 268439552: network SID ssid=305402420 node=1",
		"CIPSO DOI 5: local secid 42",
		"CIPSO DOI 3: restricted bitmap s2:c0,c9",
		"BSO secret genser+nsa; ESO format 1 data ab",
		"CIPSO DOI 16: enumerated s5:c1,c5",
		"ra; CIPSO DOI 16: restricted bitmap s1",
		"CIPSO DOI 16: restricted bitmap s3; padding after EOL ab",
		"icmp  no label",
		"not IPv4",
	}
	for i, w := range want {
		assert.True(t, strings.HasPrefix(ls[i], strconv.Itoa(i+1)+"  "), ls[i])
		assert.Contains(t, ls[i], w)
	}
	// With no --doi-config the labels are checked structurally: a sound
	// label says its DOI is not configured, the network SID is checked
	// with DSM's receiver rules, and the labels Linux refuses whatever the
	// configuration (tag 6, enumerated categories descending) are invalid
	// at the octet Linux names once the DOI is configured.
	verdict := []string{
		"DOI 16 not configured",
		"DOI 16 not configured",
		"DOI 16 not configured",
		"DOI 16 not configured",
		"INVALID pointer 26: cipso: tag type not allowed",
		"valid (DSM receiver rules)",
		"DOI 5 not configured",
		"DOI 3 not configured",
		"valid",
		"INVALID pointer 30: cipso: categories out of order",
		"DOI 16 not configured",
		"DOI 16 not configured",
		"valid",
	}
	for i, v := range verdict {
		assert.Contains(t, ls[i], "  "+v, ls[i])
		if pkts[i].valid {
			assert.NotContains(t, ls[i], "INVALID", "packet %d (%s) is valid with its DOI configured", i+1, pkts[i].what)
		}
	}
	assert.Equal(t, string(notConfiguredHint(10)), r.stderr, "one line saying how to configure DOIs")
}

// TestDumpFirstRunStdin: the first-run behaviour is the same with the
// capture on standard input ("-"), in text and JSON, and JSON says
// "valid":null with the reason for a label whose DOI is not configured.
func TestDumpFirstRunStdin(t *testing.T) {
	data := string(mustRead(t, samplePath))
	a, b := iplabel(t, data, "dump", "-"), iplabel(t, "", "dump", samplePath)
	require.Equal(t, exitOK, a.code, a.stderr)
	assert.Equal(t, b, a)
	j := iplabel(t, data, "dump", "--json", "-")
	require.Equal(t, exitOK, j.code, j.stderr)
	assert.Equal(t, string(notConfiguredHint(10)), j.stderr)
	got := jsonLines(t, j.stdout)
	for i, p := range samplePackets(t)[:len(got)] {
		m := got[i].(map[string]any)
		text := lines(b.stdout)[i]
		switch {
		case strings.Contains(text, "not configured"):
			assert.Nil(t, m["valid"], p.what)
			assert.Nil(t, m["pointer"], p.what)
			assert.Equal(t, text[strings.LastIndex(text, "  ")+2:], m["error"], p.what)
		case strings.Contains(text, "INVALID"):
			assert.Equal(t, false, m["valid"], p.what)
			assert.Equal(t, float64(p.pointer), m["pointer"], p.what)
		default:
			assert.Equal(t, true, m["valid"], p.what)
		}
	}
	// With a configuration, labels of other DOIs are invalid at the DOI,
	// as before, and nothing is said on stderr.
	cfg := writeFile(t, "doi.conf", "cipsov4 add pass doi:16 tags:1,2,5\n")
	c := iplabel(t, data, "dump", "--doi-config", cfg, "-")
	require.Equal(t, exitOK, c.code, c.stderr)
	assert.Empty(t, c.stderr)
	assert.Contains(t, lines(c.stdout)[0], "  valid")
	assert.Contains(t, lines(c.stdout)[6], "INVALID pointer 22: cipso: unknown DOI")
	assert.Contains(t, lines(c.stdout)[5], "valid (DSM receiver rules)")
}

// TestDumpFormatsAndLinkTypes: the same datagrams dump the same, whatever
// the file format (pcap little- or big-endian, nanosecond, gzip, pcapng)
// or link type (Ethernet with or without VLAN tags, raw IP, raw IPv4,
// Linux cooked, BSD loopback).
func TestDumpFormatsAndLinkTypes(t *testing.T) {
	frames := sampleFrames(t)
	var ips [][]byte
	for _, f := range frames {
		if binary.BigEndian.Uint16(f[12:]) == etherTypeIPv4 {
			ips = append(ips, f[14:])
		}
	}
	want := iplabel(t, "", "dump", "--json", "--doi-config", sampleConfig, samplePath).stdout
	wrap := func(f func([]byte) []byte) [][]byte {
		var out [][]byte
		for _, ip := range ips {
			out = append(out, f(ip))
		}
		return out
	}
	sll := func(ip []byte) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER: not loopback
		binary.BigEndian.PutUint16(h[14:], etherTypeIPv4)
		return append(h, ip...)
	}
	vlan := func(ip []byte) []byte {
		f := append(append([]byte{}, macB...), macA...)
		f = append(f, 0x81, 0, 0, 7, 0x88, 0xa8, 0, 8, 8, 0)
		return append(f, ip...)
	}
	null := func(ip []byte) []byte { return append([]byte{2, 0, 0, 0}, ip...) }
	loop := func(ip []byte) []byte { return append([]byte{0, 0, 0, 2}, ip...) }
	ident := func(ip []byte) []byte { return ip }
	var ng []ngPacket
	for _, f := range frames {
		ng = append(ng, ngPacket{0, f})
	}
	files := map[string][]byte{
		"pcap ethernet":     sampleCapture(t),
		"pcap big-endian":   toBigEndian(t, sampleCapture(t)),
		"pcap nanoseconds":  toNanos(sampleCapture(t)),
		"pcap gzip":         gzipped(t, sampleCapture(t)),
		"pcapng":            pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet}, ng...),
		"ethernet vlan":     pcapOf(t, layers.LinkTypeEthernet, wrap(vlan)...),
		"raw ip 101":        pcapOf(t, layers.LinkTypeRaw, wrap(ident)...),
		"raw ipv4 228":      pcapOf(t, linkIPv4, wrap(ident)...),
		"raw ip 12":         pcapOf(t, linkRawAlt1, wrap(ident)...),
		"linux cooked":      pcapOf(t, layers.LinkTypeLinuxSLL, wrap(sll)...),
		"bsd loopback null": pcapOf(t, layers.LinkTypeNull, wrap(null)...),
		"bsd loopback loop": pcapOf(t, linkLoop, wrap(loop)...),
		"pcapng two ifaces": pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet, linkIPv4}, twoIfaces(frames)...),
	}
	for name, data := range files {
		p := writeFile(t, "c.cap", string(data))
		r := iplabel(t, "", "dump", "--json", "--doi-config", sampleConfig, p)
		require.Equal(t, exitOK, r.code, "%s: %s", name, r.stderr)
		g, w := jsonLines(t, r.stdout), jsonLines(t, want)
		require.Len(t, g, len(w), name)
		for i := range w {
			gm, wm := g[i].(map[string]any), w[i].(map[string]any)
			if name != "pcap ethernet" && name != "pcap big-endian" && name != "pcap nanoseconds" && name != "pcap gzip" && name != "pcapng" && name != "pcapng two ifaces" {
				// Without the ARP frame the packet numbers close up.
				delete(gm, "packet")
				delete(wm, "packet")
			}
			if strings.HasPrefix(name, "bsd loopback") {
				// Captured on loopback: tag 6 still fails at the tag
				// type, and tag 128 passes as it did for 127.0.0.1.
				delete(gm, "valid")
				delete(wm, "valid")
				delete(gm, "pointer")
				delete(wm, "pointer")
			}
			assert.Equal(t, wm, gm, "%s: packet %d", name, i+1)
		}
	}
}

// twoIfaces alternates the sample's datagrams between an Ethernet and a
// raw IPv4 interface.
func twoIfaces(frames [][]byte) []ngPacket {
	var out []ngPacket
	for i, f := range frames {
		if i%2 == 1 && binary.BigEndian.Uint16(f[12:]) == etherTypeIPv4 {
			out = append(out, ngPacket{1, f[14:]})
		} else {
			out = append(out, ngPacket{0, f})
		}
	}
	return out
}

// toBigEndian rewrites a little-endian pcap file as big-endian.
func toBigEndian(t testing.TB, le []byte) []byte {
	be := append([]byte{}, le...)
	sw32 := func(off int) {
		binary.BigEndian.PutUint32(be[off:], binary.LittleEndian.Uint32(le[off:]))
	}
	sw16 := func(off int) {
		binary.BigEndian.PutUint16(be[off:], binary.LittleEndian.Uint16(le[off:]))
	}
	sw32(0)
	sw16(4)
	sw16(6)
	for _, off := range []int{8, 12, 16, 20} {
		sw32(off)
	}
	for off := 24; off < len(le); {
		caplen := int(binary.LittleEndian.Uint32(le[off+8:]))
		for i := 0; i < 16; i += 4 {
			sw32(off + i)
		}
		off += 16 + caplen
	}
	require.Equal(t, []byte{0xa1, 0xb2, 0xc3, 0xd4}, be[:4])
	return be
}

// toNanos turns a microsecond pcap into a nanosecond one.
func toNanos(b []byte) []byte {
	out := append([]byte{}, b...)
	binary.LittleEndian.PutUint32(out, magicPcapNano)
	for off := 24; off < len(out); {
		binary.LittleEndian.PutUint32(out[off+4:], binary.LittleEndian.Uint32(out[off+4:])*1000)
		off += 16 + int(binary.LittleEndian.Uint32(out[off+8:]))
	}
	return out
}

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	z := gzip.NewWriter(&buf)
	_, err := z.Write(b)
	require.NoError(t, err)
	require.NoError(t, z.Close())
	return buf.Bytes()
}

// TestDumpLoopbackFromLinkHeader: a Linux cooked capture of a loopback
// device (ARPHRD 772) counts as received on loopback, so tag 128 of a
// local DOI passes even between non-loopback addresses.
func TestDumpLoopbackFromLinkHeader(t *testing.T) {
	_, _, local5 := sampleDOIs(t)
	opt, err := local5.AppendLocalOption(nil, 7)
	require.NoError(t, err)
	ip := buildIPv4(t, hostA, hostB, 17, opt, 1, nil)
	mk := func(hatype uint16) []byte {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[2:], hatype)
		binary.BigEndian.PutUint16(h[14:], etherTypeIPv4)
		return append(h, ip...)
	}
	p := writeFile(t, "lo.pcap", string(pcapOf(t, layers.LinkTypeLinuxSLL, mk(arphrdLoop), mk(1))))
	r := iplabel(t, "", "dump", "--json", "--doi-config", sampleConfig, p)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, 2)
	assert.Equal(t, true, got[0].(map[string]any)["valid"])
	assert.Equal(t, false, got[1].(map[string]any)["valid"])
	assert.Equal(t, float64(26), got[1].(map[string]any)["pointer"])
}

// TestDumpStdin: "-" reads the capture from standard input.
func TestDumpStdin(t *testing.T) {
	data, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	a := iplabel(t, string(data), "dump", "-")
	b := iplabel(t, "", "dump", samplePath)
	assert.Equal(t, b.stdout, a.stdout)
	assert.Equal(t, exitOK, a.code)
}

// TestDumpBadHeaders: IPv4 headers that do not parse are reported per
// packet, with the pointer at the faulty field (ipopt.ParseHeader); a
// header short in the packet itself (not cut by the capture) is invalid
// with no pointer, as Linux's ip_rcv_core drops it without an answer.
func TestDumpBadHeaders(t *testing.T) {
	good := buildIPv4(t, hostA, hostB, 17, nil, 1, nil)
	ihl := append([]byte{}, good...)
	ihl[0] = 0x44 // IHL 4
	short := good[:12]
	tot := append([]byte{}, good...)
	tot[2], tot[3] = 0, 10 // total length below the header
	p := writeFile(t, "bad.pcap", string(pcapOf(t, linkIPv4, ihl, short, tot)))
	r := iplabel(t, "", "dump", "--json", p)
	require.Equal(t, exitOK, r.code)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, 3)
	for i, ptr := range []any{0.0, nil, 2.0} {
		m := got[i].(map[string]any)
		assert.Equal(t, false, m["valid"], i)
		assert.Equal(t, ptr, m["pointer"], i)
		assert.Equal(t, []any{}, m["options"], i)
	}
	assert.Equal(t, "", got[1].(map[string]any)["src"], "no addresses in 12 octets")
	r = iplabel(t, "", "dump", p)
	assert.Equal(t, []string{
		"1  192.0.2.1 > 192.0.2.2  bad IPv4 header: ipopt: bad IPv4 header: ihl at header octet 0",
		"2  ?  bad IPv4 header: ipopt: truncated option: header shorter than 20 octets",
		"3  192.0.2.1 > 192.0.2.2  bad IPv4 header: ipopt: bad total length: total length at header octet 2",
	}, lines(r.stdout))
	assert.NotContains(t, r.stdout, "offset -")
}

// TestDumpHeaderCutByCapture: a packet whose IPv4 header the capture cut
// (IHL 15 says 60 octets, fewer were captured) cannot be judged: text and
// JSON say "header truncated by the capture", with no verdict and no
// pointer. A packet cut after its header is judged as usual.
func TestDumpHeaderCutByCapture(t *testing.T) {
	rr := append([]byte{7, 39, 4}, make([]byte, 36)...)
	full := buildIPv4(t, hostA, hostB, 17, append(rr, 0), 1, []byte("payload")) // IHL 15
	plain := buildIPv4(t, hostA, hostB, 17, nil, 2, []byte("payload"))
	type rec struct {
		frame  []byte
		capLen int
	}
	recs := []rec{
		{full, 36},                               // inside the options
		{full, 12},                               // inside the base header
		{full, 1},                                // the version and IHL octet only
		{plain, 24},                              // header whole, payload cut: judged
		{full, len(full)},                        // whole: judged
		{full[:36], 36},                          // short in the packet itself: invalid
		{ethernet(etherTypeIPv4, full), 14 + 50}, // behind a link header
	}
	links := []layers.LinkType{linkIPv4, linkIPv4, linkIPv4, linkIPv4, linkIPv4, linkIPv4, layers.LinkTypeEthernet}
	write := func(ng bool) string {
		var buf bytes.Buffer
		if ng {
			intf := pcapgo.DefaultNgInterface
			intf.LinkType = linkIPv4
			w, err := pcapgo.NewNgWriterInterface(&buf, intf, pcapgo.DefaultNgWriterOptions)
			require.NoError(t, err)
			eth := pcapgo.DefaultNgInterface
			eth.LinkType = layers.LinkTypeEthernet
			id, err := w.AddInterface(eth)
			require.NoError(t, err)
			for i, r := range recs {
				ci := ciOf(r.capLen, len(r.frame))
				if links[i] == layers.LinkTypeEthernet {
					ci.InterfaceIndex = id
				}
				require.NoError(t, w.WritePacket(ci, r.frame[:r.capLen]))
			}
			require.NoError(t, w.Flush())
			return writeFile(t, "cut.pcapng", buf.String())
		}
		// pcap has one link type per file: the Ethernet record goes into a
		// file of its own, read below.
		w := pcapgo.NewWriter(&buf)
		require.NoError(t, w.WriteFileHeader(65535, linkIPv4))
		for i, r := range recs {
			if links[i] == linkIPv4 {
				require.NoError(t, w.WritePacket(ciOf(r.capLen, len(r.frame)), r.frame[:r.capLen]))
			}
		}
		return writeFile(t, "cut.pcap", buf.String())
	}
	wantText := []string{
		"1  192.0.2.1 > 192.0.2.2  header truncated by the capture (IHL 15: 60 octets, 36 captured), not judged",
		"2  ?  header truncated by the capture (IHL 15: 60 octets, 12 captured), not judged",
		"3  ?  header truncated by the capture (IHL 15: 60 octets, 1 captured), not judged",
		"4  192.0.2.1 > 192.0.2.2  udp  no label  valid",
		"5  192.0.2.1 > 192.0.2.2  udp  rr  valid",
		"6  192.0.2.1 > 192.0.2.2  bad IPv4 header: ipopt: truncated option: header shorter than its IHL says",
		"7  192.0.2.1 > 192.0.2.2  header truncated by the capture (IHL 15: 60 octets, 50 captured), not judged",
	}
	cut := func(n int, src, dst string) any {
		return asJSON(t, `{"packet":`+strconv.Itoa(n)+`,"src":"`+src+`","dst":"`+dst+`","options":[],"valid":null,"pointer":null,"error":"header truncated by the capture"}`)
	}
	for _, ng := range []bool{false, true} {
		t.Run(map[bool]string{false: "pcap", true: "pcapng"}[ng], func(t *testing.T) {
			p := write(ng)
			want := wantText
			if !ng {
				want = wantText[:6]
			}
			r := iplabel(t, "", "dump", p)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Equal(t, want, lines(r.stdout))

			r = iplabel(t, "", "dump", "--json", p)
			require.Equal(t, exitOK, r.code, r.stderr)
			got := jsonLines(t, r.stdout)
			require.Len(t, got, len(want))
			assert.Equal(t, cut(1, "192.0.2.1", "192.0.2.2"), got[0])
			assert.Equal(t, cut(2, "", ""), got[1])
			assert.Equal(t, cut(3, "", ""), got[2])
			for i, valid := range []any{true, true, false} {
				m := got[3+i].(map[string]any)
				assert.Equal(t, valid, m["valid"], "packet %d", 4+i)
				assert.Nil(t, m["pointer"], "packet %d", 4+i)
				assert.NotContains(t, m, "error")
			}
			if ng {
				assert.Equal(t, cut(7, "192.0.2.1", "192.0.2.2"), got[6])
			}
		})
	}
	// The Ethernet record in a pcap of its own.
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(65535, layers.LinkTypeEthernet))
	r := recs[6]
	require.NoError(t, w.WritePacket(ciOf(r.capLen, len(r.frame)), r.frame[:r.capLen]))
	res := iplabel(t, "", "dump", writeFile(t, "eth.pcap", buf.String()))
	assert.Equal(t, []string{"1" + strings.TrimPrefix(wantText[6], "7")}, lines(res.stdout))
}

// TestDumpCutNoAllocs: the line of a header cut by the capture, and of one
// short in the packet, allocate nothing, as every other dump line.
func TestDumpCutNoAllocs(t *testing.T) {
	full := buildIPv4(t, hostA, hostB, 17, append(append([]byte{7, 39, 4}, make([]byte, 36)...), 0), 1, nil)
	for _, json := range []bool{true, false} {
		d := newDumper(&cipso.Registry{}, json)
		buf := make([]byte, 0, 4096)
		for _, cut := range []bool{true, false} {
			d.cut = cut
			buf = d.appendPacket(buf[:0], 1, linkIPv4, full[:36])
			allocs := testing.AllocsPerRun(100, func() {
				buf = d.appendPacket(buf[:0], 1, linkIPv4, full[:36])
				buf = d.appendPacket(buf, 2, linkIPv4, full[:7])
			})
			assert.Zero(t, allocs, "json=%v cut=%v", json, cut)
			assert.Equal(t, cut, bytes.Contains(buf, []byte(truncatedByCapture)))
		}
	}
}

// TestDumpSilent: dump gives the verdict validate gives on the fields for
// which Linux finds an error but sends no Parameter Problem: invalid, with
// "pointer":null in JSON and "dropped silently" in text; the neighbours
// that Linux does answer keep their pointer.
func TestDumpSilent(t *testing.T) {
	frames := make([][]byte, len(silentCases))
	for i, c := range silentCases {
		frames[i] = buildIPv4(t, hostA, hostB, 17, testutil.Unhex(t, c.hex), uint16(i+1), []byte("x"))
	}
	p := writeFile(t, "silent.pcap", string(pcapOf(t, linkIPv4, frames...)))
	r := iplabel(t, "", "dump", "--json", p)
	require.Equal(t, exitOK, r.code, r.stderr)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(silentCases))
	text := lines(iplabel(t, "", "dump", p).stdout)
	require.Len(t, text, len(silentCases))
	for i, c := range silentCases {
		m := got[i].(map[string]any)
		assert.Equal(t, false, m["valid"], c.name)
		if c.linux == valid {
			assert.Nil(t, m["pointer"], "%s: no ICMP, no pointer", c.name)
			assert.Contains(t, text[i], "INVALID (dropped silently, no ICMP): ", c.name)
		} else {
			assert.Equal(t, float64(c.linux), m["pointer"], c.name)
			assert.Contains(t, text[i], "INVALID pointer "+strconv.Itoa(int(c.linux))+": ", c.name)
		}
	}
}

// TestDumpSuppressed: a datagram whose options Linux refuses gets no
// Parameter Problem, whatever its options, when __icmp_send gives up on
// the datagram itself (ipopt.ICMPErrorSuppressed) or on the frame (not
// sent to this host alone): dump then shows no pointer. The same bad
// options in an ordinary unicast datagram keep their pointer.
func TestDumpSuppressed(t *testing.T) {
	bad := []byte{0x07, 0x02, 0x00, 0x00} // RR of length 2: malformed
	var lx ipopt.Linux
	_, verr := lx.Compile(bad)
	var e ipopt.Error
	require.ErrorAs(t, verr, &e)
	ptr := float64(e.Pointer())

	plain := func(id uint16) []byte { return buildIPv4(t, hostA, hostB, 17, bad, id, []byte("x")) }
	fragment := plain(2)
	binary.BigEndian.PutUint16(fragment[6:], 1) // fragment offset 8
	ipopt.Header(fragment).SetChecksum()
	icmpErr := buildIPv4(t, hostA, hostB, 1, bad, 5, nil)
	icmpErr[len(icmpErr)-8] = 3 // destination unreachable (checksum left: not looked at)
	cases := []struct {
		name    string
		link    layers.LinkType
		frame   []byte
		pointer bool
	}{
		{"unicast UDP", linkIPv4, plain(1), true},
		{"non-first fragment", linkIPv4, fragment, false},
		{"multicast destination", linkIPv4, buildIPv4(t, hostA, netip.MustParseAddr("224.0.0.1"), 17, bad, 3, []byte("x")), false},
		{"limited broadcast", linkIPv4, buildIPv4(t, hostA, netip.MustParseAddr("255.255.255.255"), 17, bad, 4, []byte("x")), false},
		{"ICMP error", linkIPv4, icmpErr, false},
		{"ICMP echo request", linkIPv4, buildIPv4(t, hostA, hostB, 1, bad, 6, nil), true},
		{"Ethernet unicast", layers.LinkTypeEthernet, ethernet(etherTypeIPv4, plain(7)), true},
		{"Ethernet broadcast", layers.LinkTypeEthernet, append([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, ethernet(etherTypeIPv4, plain(8))[6:]...), false},
		{"Ethernet multicast", layers.LinkTypeEthernet, append([]byte{0x01, 0x00, 0x5e, 0, 0, 1}, ethernet(etherTypeIPv4, plain(9))[6:]...), false},
	}
	for _, pt := range []uint16{0, 1, 2, 3, 4} {
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], pt)
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[14:], etherTypeIPv4)
		cases = append(cases, struct {
			name    string
			link    layers.LinkType
			frame   []byte
			pointer bool
		}{fmt.Sprintf("cooked packet type %d", pt), layers.LinkTypeLinuxSLL, append(h, plain(10+pt)...), pt == 0 || pt == 4})
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := writeFile(t, "s.pcap", string(pcapOf(t, c.link, c.frame)))
			r := iplabel(t, "", "dump", "--json", p)
			require.Equal(t, exitOK, r.code, r.stderr)
			got := jsonLines(t, r.stdout)
			require.Len(t, got, 1)
			m := got[0].(map[string]any)
			assert.Equal(t, false, m["valid"])
			text := iplabel(t, "", "dump", p).stdout
			if c.pointer {
				assert.Equal(t, ptr, m["pointer"])
				assert.Contains(t, text, "INVALID pointer ")
			} else {
				assert.Nil(t, m["pointer"])
				assert.Contains(t, text, "INVALID (dropped silently, no ICMP): ")
			}
		})
	}
}

// withoutKey is a copy of the decoded JSON value v without the members
// named key, at any depth.
func withoutKey(v any, key string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			if k != key {
				out[k] = withoutKey(e, key)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = withoutKey(e, key)
		}
		return out
	}
	return v
}
