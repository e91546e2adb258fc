package main

import (
	"bytes"
	"path/filepath"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// frames6 are IPv6 packets in a link type's framing: no Hop-by-Hop
// header, one with a CALIPSO label (hbh16, DOI 16 s3:c0,c5), and one
// with a router alert and a CALIPSO option after it.
func frames6(t testing.TB, wrap func([]byte) []byte) [][]byte {
	udp := []byte{0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd}
	ra := append([]byte{0, 1, ipv6.RouterAlert, 2, 0, 0}, mustHex(t, hbh16)[2:]...)
	ra = ipv6.AppendPad(ra, (8-len(ra)%8)%8)
	ra[1] = byte(len(ra)/8 - 1)
	return [][]byte{
		wrap(buildIPv6(host6A, host6B, nil, ipv6.UDP, udp)),
		wrap(buildIPv6(host6A, host6B, mustHex(t, hbh16), ipv6.UDP, udp)),
		wrap(buildIPv6(host6A, host6B, ra, ipv6.UDP, udp)),
	}
}

var links6 = []struct {
	name string
	link layers.LinkType
	off  int
	wrap func([]byte) []byte
}{
	{"ethernet", layers.LinkTypeEthernet, 14, func(b []byte) []byte { return ethernet(etherTypeIPv6, b) }},
	{"raw", layers.LinkTypeRaw, 0, func(b []byte) []byte { return b }},
	{"sll", layers.LinkTypeLinuxSLL, 16, func(b []byte) []byte { return sll(0, b) }},
}

// labelOf6 is the CALIPSO DOI and label of an IPv6 packet, checked as
// Linux receives it with DOI 16 configured.
func labelOf6(t testing.TB, pkt []byte) (uint32, string, bool) {
	t.Helper()
	r, _ := calipso.NewRegistry(16)
	w := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
	require.NoError(t, w.CheckPacket(pkt), "Linux delivers %x", pkt)
	hdr, found, err := ipv6.FindHopByHop(pkt)
	require.NoError(t, err)
	if !found {
		return 0, "", false
	}
	o, ok := ipv6.Find(hdr, calipso.Type)
	if !ok {
		return 0, "", false
	}
	opt, err := calipso.ParseOption(o.Bytes)
	require.NoError(t, err)
	l, err := opt.Label()
	require.NoError(t, err)
	return opt.DOI(), l.String(), true
}

// TestRewriteSetCALIPSO: --set calipso: labels every IPv6 packet of each
// link type, replacing a label or adding one, and leaves IPv4 alone.
func TestRewriteSetCALIPSO(t *testing.T) {
	cfg := writeFile(t, "doi.conf", "calipso add pass doi:16\ncipsov4 add pass doi:3 tags:1\n")
	for _, lt := range links6 {
		t.Run(lt.name, func(t *testing.T) {
			in := frames6(t, lt.wrap)
			if lt.link == layers.LinkTypeEthernet {
				in = append(in, ipv4Frame(t))
			}
			p := writeFile(t, "in.pcap", string(pcapOf(t, lt.link, in...)))
			out := filepath.Join(t.TempDir(), "out.pcap")
			r := iplabel(t, "", "rewrite", "--in", p, "--out", out, "--doi-config", cfg, "--set", "calipso:level=5,categories=1,2")
			require.Equal(t, exitOK, r.code, r.stderr)
			others := len(in) - 3
			assert.Contains(t, r.stderr, ": 3 rewritten, 0 unchanged, "+string(rune('0'+others))+" not IPv6,")
			got, _, _ := readCapture(t, out)
			require.Len(t, got, len(in))
			for i, f := range got[:3] {
				assert.Equal(t, in[i][:lt.off], f[:lt.off], "packet %d: the link header", i+1)
				doi, l, ok := labelOf6(t, f[lt.off:])
				assert.True(t, ok, "packet %d labelled", i+1)
				assert.Equal(t, uint32(16), doi)
				assert.Equal(t, "s5:c1,c2", l)
				assert.Equal(t, in[i][len(in[i])-8:], f[len(f)-8:], "packet %d: the payload", i+1)
			}
			// The router alert stays first.
			hdr, _, _ := ipv6.FindHopByHop(got[2][lt.off:])
			assert.Equal(t, []byte{ipv6.RouterAlert, 2, 0, 0}, []byte(hdr[2:6]))
			if others > 0 {
				assert.Equal(t, in[3], got[3], "IPv4 is not touched by a CALIPSO label")
			}
		})
	}
}

// TestRewriteStripCALIPSO: --strip takes CALIPSO out of every IPv6
// packet (the header with it when nothing else is left); set then strip
// gives back a capture of packets without Hop-by-Hop headers byte for
// byte.
func TestRewriteStripCALIPSO(t *testing.T) {
	udp := []byte{0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd}
	bare := buildIPv6(host6A, host6B, nil, ipv6.UDP, udp)
	for _, lt := range links6 {
		t.Run(lt.name, func(t *testing.T) {
			in := frames6(t, lt.wrap)
			p := writeFile(t, "in.pcap", string(pcapOf(t, lt.link, in...)))
			out := filepath.Join(t.TempDir(), "out.pcap")
			r := iplabel(t, "", "rewrite", "--in", p, "--out", out, "--strip")
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Contains(t, r.stderr, ": 2 rewritten, 1 unchanged, 0 not IPv4 or IPv6,")
			got, _, _ := readCapture(t, out)
			assert.Equal(t, lt.wrap(bare), got[0])
			assert.Equal(t, lt.wrap(bare), got[1], "the only option: the header went")
			_, _, ok := labelOf6(t, got[2][lt.off:])
			assert.False(t, ok)
			hdr, found, _ := ipv6.FindHopByHop(got[2][lt.off:])
			require.True(t, found, "the router alert keeps its header")
			assert.Equal(t, []byte{ipv6.UDP, 0, ipv6.RouterAlert, 2, 0, 0, ipv6.PadN, 0}, []byte(hdr))

			// Set, then strip: the bare packets come back.
			p = writeFile(t, "bare.pcap", string(pcapOf(t, lt.link, lt.wrap(bare), lt.wrap(bare))))
			set := filepath.Join(t.TempDir(), "set.pcap")
			r = iplabel(t, "", "rewrite", "--in", p, "--out", set, "--set", "calipso:doi=7,level=1,categories=0-300")
			require.Equal(t, exitOK, r.code, r.stderr)
			r = iplabel(t, "", "rewrite", "--in", set, "--out", out, "--strip")
			require.Equal(t, exitOK, r.code, r.stderr)
			back, _, _ := readCapture(t, out)
			assert.Equal(t, [][]byte{lt.wrap(bare), lt.wrap(bare)}, back)
		})
	}
}

// TestRewriteCALIPSOSpec: the --set calipso: syntax and its DOI.
func TestRewriteCALIPSOSpec(t *testing.T) {
	one := writeFile(t, "one.conf", "calipso add pass doi:16\n")
	two := writeFile(t, "two.conf", "calipso add pass doi:16\ncalipso add pass doi:9\n")
	none := writeFile(t, "none.conf", "cipsov4 add pass doi:3 tags:1\n")
	reg := func(path string) *calipso.Registry {
		_, c, err := loadConfigs(path)
		require.NoError(t, err)
		return c
	}
	want := func(doi uint32, s string) []byte {
		l, err := cipso.ParseLabel(s)
		require.NoError(t, err)
		b, err := calipso.AppendOption(nil, 2, doi, &l)
		require.NoError(t, err)
		return b
	}
	for _, tc := range []struct {
		spec, cfg string
		want      []byte
		err       string
	}{
		{"calipso:doi=16,level=3,categories=0,5", "", want(16, "s3:c0,c5"), ""},
		{"calipso:level=3", one, want(16, "s3"), ""},
		{"calipso:level=2,doi=9", two, want(9, "s2"), ""},
		{"calipso:doi=4,level=3", none, want(4, "s3"), ""},
		{"calipso:level=3", "", nil, "missing doi="},
		{"calipso:level=3", two, nil, "missing doi= (" + two + " defines 2 CALIPSO DOIs)"},
		{"calipso:doi=17,level=3", one, nil, "CALIPSO DOI 17 is not defined"},
		{"calipso:doi=0,level=3", "", nil, "DOI 0 is reserved"},
		{"calipso:doi=1,level=256", "", nil, "level"},
		{"calipso:doi=1,level=1,categories=1952", "", nil, "categories 0 to 1951"},
		{"calipso:doi=1,level=1,tags=1", "", nil, "unknown key"},
	} {
		got, err := parseSetCALIPSO(tc.spec, reg(tc.cfg), tc.cfg)
		if tc.err != "" {
			assert.ErrorContains(t, err, tc.err, tc.spec)
			continue
		}
		require.NoError(t, err, tc.spec)
		assert.Equal(t, tc.want, got, tc.spec)
	}
	r := iplabel(t, "", "rewrite", "--in", "x", "--out", "y", "--set", "calipso:level=1")
	assert.Equal(t, exitError, r.code)
	assert.Contains(t, r.stderr, "missing doi=")
}

// TestRewrite6NoAllocs: relabelling an IPv6 frame in the reused buffer
// allocates nothing.
func TestRewrite6NoAllocs(t *testing.T) {
	opt, err := parseSetCALIPSO("calipso:doi=16,level=3,categories=0-40", nil, "")
	require.NoError(t, err)
	frames := frames6(t, func(b []byte) []byte { return ethernet(etherTypeIPv6, b) })
	for _, kind := range []rewriteKind{rewriteSet, rewriteStrip} {
		rw := &rewriter{kind: kind, opt6: opt}
		_, _ = rw.apply6(frames[2], 14)
		a := testing.AllocsPerRun(50, func() {
			for _, f := range frames {
				o, err := rw.apply6(f, 14)
				if err != nil || bytes.Equal(o, f) && kind == rewriteSet {
					panic("not rewritten")
				}
			}
		})
		assert.Zero(t, a, "kind %d", kind)
	}
}

// TestRewriteCALIPSOSnaplen: with a CALIPSO label the snapshot length
// grows by 264, the most the label can add, so a packet that grows by
// more than 40 stays whole.
func TestRewriteCALIPSOSnaplen(t *testing.T) {
	udp := []byte{0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd}
	f := ethernet(etherTypeIPv6, buildIPv6(host6A, host6B, nil, ipv6.UDP, udp))
	in := pcapOf(t, layers.LinkTypeEthernet, f)
	in[16], in[17], in[18], in[19] = byte(len(f)), 0, 0, 0 // snaplen: the frame (little-endian)
	p := writeFile(t, "in.pcap", string(in))
	out := filepath.Join(t.TempDir(), "out.pcap")
	r := iplabel(t, "", "rewrite", "--in", p, "--out", out, "--set", "calipso:doi=16,level=1,categories=1900")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, r.stderr, "exceeds the snapshot length")
	got := mustRead(t, out)
	assert.Equal(t, uint32(len(f)+headroom6), uint32(got[16])|uint32(got[17])<<8|uint32(got[18])<<16|uint32(got[19])<<24)
	frames, _, _ := readCapture(t, out)
	require.Len(t, frames, 1)
	assert.Greater(t, len(frames[0]), len(f)+40, "grew by more than 40")
	_, l, ok := labelOf6(t, frames[0][14:])
	assert.True(t, ok)
	assert.Equal(t, "s1:c1900", l)
}

// TestRewriteCALIPSOCapturedShort: an IPv6 packet captured short is
// labelled in its captured part, and its original length grows by as
// much as its captured octets.
func TestRewriteCALIPSOCapturedShort(t *testing.T) {
	ip := buildIPv6(host6A, host6B, nil, ipv6.UDP, bytes.Repeat([]byte{'x'}, 100))
	f := ethernet(etherTypeIPv6, ip)
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(80, layers.LinkTypeEthernet))
	require.NoError(t, w.WritePacket(ciOf(80, len(f)), f[:80]))
	in := writeFile(t, "short.pcap", buf.String())
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "calipso:doi=16,level=3")
	require.Equal(t, exitOK, r.code, r.stderr)
	rd, err := pcapgo.NewReader(bytes.NewReader(mustRead(t, out)))
	require.NoError(t, err)
	data, ci, err := rd.ReadPacketData()
	require.NoError(t, err)
	assert.Equal(t, 80+16, ci.CaptureLength)
	assert.Equal(t, len(f)+16, ci.Length)
	h := ipv6.Header(data[14:])
	assert.Equal(t, len(ip)-40+16, h.PayloadLen())
	assert.Equal(t, uint8(ipv6.HopByHop), h.NextHeader())
	assert.Equal(t, f[14+40:80], data[14+40+16:], "the captured payload")
}
