package main

import (
	"bytes"
	"encoding/binary"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// readCapture reads every frame and link type of a pcap or pcapng file.
func readCapture(t testing.TB, path string) (frames [][]byte, links []layers.LinkType, ng bool) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	c, err := openCapture(path, f, -1)
	require.NoError(t, err)
	for {
		fr, _, l, err := c.next()
		if err != nil {
			break
		}
		frames = append(frames, append([]byte{}, fr...))
		links = append(links, l)
	}
	return frames, links, c.ng
}

// splitIPv4 cuts an Ethernet frame into its IPv4 header and payload, and
// checks the header's length fields and checksum.
func splitIPv4(t testing.TB, frame []byte) (opts, payload []byte) {
	t.Helper()
	ip := frame[14:]
	h, err := ipopt.ParseHeader(ip)
	require.NoError(t, err)
	require.True(t, h.VerifyChecksum(), "header checksum")
	require.Equal(t, len(ip), int(h.TotalLen()), "total length")
	require.Zero(t, len(h.Options())%4)
	return h.Options(), ip[h.HeaderLen():]
}

// withoutLabels lists the options of a field that are not security labels
// (NOP and EOL padding dropped), as bytes, in order.
func withoutLabels(opts []byte) []string {
	var out []string
	it := ipopt.NewIter(opts)
	for it.Next() {
		switch o := it.Option(); o.Type {
		case ipopt.NOP, ipopt.EOL, ipopt.CIPSO, ipopt.SEC, ipopt.ESEC:
		default:
			out = append(out, string(o.Bytes))
		}
	}
	return out
}

func rewriteSample(t testing.TB, extra ...string) (out string, r result) {
	out = filepath.Join(t.TempDir(), "out.pcap")
	args := append([]string{"rewrite", "--in", samplePath, "--out", out}, extra...)
	return out, iplabel(t, "", args...)
}

// TestRewriteSetCIPSO: every IPv4 packet gets the label, replacing its
// CIPSO option or inserting one first; every other option and the payload
// stay byte for byte; IHL, total length and checksum are right.
func TestRewriteSetCIPSO(t *testing.T) {
	in := sampleFrames(t)
	before, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	out, r := rewriteSample(t, "--set", "doi=16,level=3,categories=0,5,tags=1", "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	after, err := os.ReadFile(samplePath)
	require.NoError(t, err)
	require.Equal(t, before, after, "the input is never modified")
	assert.Equal(t, "iplabel: rewrite: "+out+": 14 packets: 12 rewritten, 1 unchanged, 1 not IPv4, 0 skipped (unfit)\n", r.stderr,
		"packet 1 carries that label already")

	got, links, ng := readCapture(t, out)
	require.False(t, ng, "pcap in, pcap out")
	require.Len(t, got, len(in))
	// The label Linux generates for doi 16, level 3, {0,5} (cipso_v4_genopt).
	want := []byte{0x86, 0x0b, 0, 0, 0, 16, 1, 5, 0, 3, 0x84}
	for i, f := range got {
		assert.Equal(t, layers.LinkTypeEthernet, links[i])
		assert.Equal(t, in[i][:14], f[:14], "link header kept")
		if binary.BigEndian.Uint16(f[12:]) != etherTypeIPv4 {
			assert.Equal(t, in[i], f, "non-IPv4 frames copied")
			continue
		}
		oOpts, oPay := splitIPv4(t, in[i])
		nOpts, nPay := splitIPv4(t, f)
		assert.Equal(t, oPay, nPay, "packet %d payload", i+1)
		c, ok, _ := ipopt.Find(nOpts, ipopt.CIPSO)
		if !ok {
			t.Errorf("packet %d: no CIPSO option after --set", i+1)
			continue
		}
		assert.Equal(t, want, c.Bytes, "packet %d", i+1)
		assert.Equal(t, withoutLabels(oOpts), withoutLabels(nOpts), "packet %d: other options kept", i+1)
		if _, had, _ := ipopt.Find(oOpts, ipopt.CIPSO); !had {
			assert.Equal(t, 0, c.Offset, "packet %d: inserted first", i+1)
		}
		if _, had, _ := ipopt.Find(oOpts, ipopt.SEC); had {
			_, still, _ := ipopt.Find(nOpts, ipopt.SEC)
			assert.True(t, still, "packet %d: the BSO stays", i+1)
		}
	}
}

// TestRewriteSetOtherLabels: a BSO and a network SID as --set labels.
func TestRewriteSetOtherLabels(t *testing.T) {
	out, r := rewriteSample(t, "--set", "level=top-secret,authorities=doe", "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _, _ := readCapture(t, out)
	for i, f := range got[:13] {
		opts, _ := splitIPv4(t, f)
		b, ok, _ := ipopt.Find(opts, ipopt.SEC)
		require.True(t, ok, "packet %d", i+1)
		assert.Equal(t, []byte{0x82, 4, 0x3d, 0x08}, b.Bytes, "packet %d: RFC 1108 Top Secret, DOE flag 0x08", i+1)
	}
	out, r = rewriteSample(t, "--set", "nsid=ssid:0x12341234,node:1", "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _, _ = readCapture(t, out)
	opts, _ := splitIPv4(t, got[0])
	c, _, _ := ipopt.Find(opts, ipopt.CIPSO)
	// The example label of fips188/dsm/RULES.md.
	assert.Equal(t, []byte{0x86, 0x14, 0x10, 0, 0x10, 0, 7, 0x0e, 3, 6, 0x12, 0x34, 0x12, 0x34, 6, 6, 0, 0, 0, 1}, c.Bytes)
}

// TestRewriteStrip removes every security label and nothing else.
func TestRewriteStrip(t *testing.T) {
	in := sampleFrames(t)
	out, r := rewriteSample(t, "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _, _ := readCapture(t, out)
	for i, f := range got[:13] {
		oOpts, oPay := splitIPv4(t, in[i])
		nOpts, nPay := splitIPv4(t, f)
		assert.Equal(t, oPay, nPay)
		assert.Equal(t, withoutLabels(oOpts), withoutLabels(nOpts), "packet %d", i+1)
		for _, ty := range []ipopt.Type{ipopt.CIPSO, ipopt.SEC, ipopt.ESEC} {
			_, ok, _ := ipopt.Find(nOpts, ty)
			assert.False(t, ok, "packet %d: %v left", i+1, ty)
		}
	}
	// The router alert is all that is left of packet 11: 4 octets.
	opts, _ := splitIPv4(t, got[10])
	assert.Equal(t, []byte{0x94, 4, 0, 0}, opts)
	// A packet with nothing else has no options left.
	opts, _ = splitIPv4(t, got[0])
	assert.Empty(t, opts)
}

// TestRewriteTranslate maps labels between a trans and a pass DOI through
// the host label (Linux cipso_v4_getattr then cipso_v4_genopt).
func TestRewriteTranslate(t *testing.T) {
	cfg := writeFile(t, "two.conf", "cipsov4 add pass doi:16 tags:1,2,5\ncipsov4 add trans doi:3 tags:1 levels:7=2,1=1 categories:100=0,200=9\n")
	// DOI 16's level 3 has no level in DOI 3: the first packet stops the run.
	out, r := rewriteSample(t, "--translate", "--doi-config", cfg)
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, samplePath, "packet 1", "DOI 3", "--skip-unfit")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err), "no output after a failed run")

	out, r = rewriteSample(t, "--translate", "--doi-config", cfg, "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, _, _ := readCapture(t, out)
	// Packet 8: DOI 3, wire level 2, {0,9} = host level 7, {100,200},
	// which DOI 16 carries as they are, in a tag 1 bitmap.
	opts, _ := splitIPv4(t, got[7])
	c, _, _ := ipopt.Find(opts, ipopt.CIPSO)
	o, err := cipso.ParseOption(c.Bytes)
	require.NoError(t, err)
	var l cipso.Label
	require.NoError(t, o.Label(&l))
	assert.Equal(t, cipso.DOI(16), o.DOI())
	assert.Equal(t, uint32(7), l.Level)
	assert.True(t, l.Cats.Has(100) && l.Cats.Has(200) && l.Cats.Len() == 2)
	// Packet 11: DOI 16 level 1, no categories: DOI 3 maps level 1 to 1.
	opts, _ = splitIPv4(t, got[10])
	c, _, _ = ipopt.Find(opts, ipopt.CIPSO)
	assert.Equal(t, []byte{0x86, 0x0a, 0, 0, 0, 3, 1, 4, 0, 1}, c.Bytes)
	// Packet 7 (local DOI 5) and 6 (DSM's DOI) are not translated.
	assert.Equal(t, sampleFrames(t)[6], got[6])

	// Explicit pairs.
	out, r = rewriteSample(t, "--translate=3:16", "--doi-config", cfg)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "1 rewritten")
	_ = out
}

// TestRewriteUnfit: a label that does not fit under 60 octets of header
// stops the run with the packet's number and leaves --out as it was;
// --skip-unfit copies the packet unchanged and counts it.
func TestRewriteUnfit(t *testing.T) {
	// A record-route option of 36 octets plus EOL padding fills 40.
	rr := append([]byte{7, 39, 4}, make([]byte, 36)...)
	rr = append(rr, 0)
	full := ethernet(etherTypeIPv4, buildIPv4(t, hostA, hostB, 17, rr, 1, []byte("full")))
	ok := ethernet(etherTypeIPv4, buildIPv4(t, hostA, hostB, 17, nil, 2, []byte("fits")))
	in := writeFile(t, "in.pcap", string(pcapOf(t, layers.LinkTypeEthernet, ok, full, ok)))
	out := filepath.Join(filepath.Dir(in), "out.pcap")
	require.NoError(t, os.WriteFile(out, []byte("previous"), 0o644))
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, in, "packet 2", "header over 60 octets")
	prev, err := os.ReadFile(out)
	require.NoError(t, err)
	assert.Equal(t, "previous", string(prev), "--out untouched")
	ents, err := os.ReadDir(filepath.Dir(in))
	require.NoError(t, err)
	assert.Len(t, ents, 2, "no temporary file left behind")

	r = iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3", "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stderr, "3 packets: 2 rewritten, 0 unchanged, 0 not IPv4, 1 skipped (unfit)")
	got, _, _ := readCapture(t, out)
	require.Len(t, got, 3)
	assert.Equal(t, full, got[1], "the unfit packet is copied unchanged")
}

// TestRewritePcapng: pcapng in, pcapng out, each packet on an interface
// of its own link type; a packet cut short by the snapshot length keeps
// its original length, grown by the label.
func TestRewritePcapng(t *testing.T) {
	frames := sampleFrames(t)
	in := writeFile(t, "in.pcapng", string(pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet, linkIPv4}, twoIfaces(frames)...)))
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3,tags=1", "--skip-unfit")
	require.Equal(t, exitOK, r.code, r.stderr)
	got, links, ng := readCapture(t, out)
	require.True(t, ng)
	require.Len(t, got, len(frames))
	for i, p := range twoIfaces(frames) {
		want := layers.LinkTypeEthernet
		if p.iface == 1 {
			want = linkIPv4
		}
		assert.Equal(t, want, links[i], "packet %d", i+1)
	}
	d := iplabel(t, "", "dump", "--json", out)
	for _, v := range jsonLines(t, d.stdout) {
		o := v.(map[string]any)["options"].([]any)
		found := false
		for _, x := range o {
			found = found || x.(map[string]any)["name"] == "cipso"
		}
		assert.True(t, found, v)
	}
}

// TestRewriteSnaplenTruncated: a packet captured short is relabeled in
// its captured part, and its original length grows by the same amount.
func TestRewriteSnaplenTruncated(t *testing.T) {
	ip := buildIPv4(t, hostA, hostB, 17, nil, 1, bytes.Repeat([]byte{'x'}, 100))
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(64, linkIPv4))
	require.NoError(t, w.WritePacket(ciOf(64, len(ip)), ip[:64]))
	in := writeFile(t, "short.pcap", buf.String())
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3,tags=1")
	require.Equal(t, exitOK, r.code, r.stderr)
	rd, err := pcapgo.NewReader(bytes.NewReader(mustRead(t, out)))
	require.NoError(t, err)
	assert.Equal(t, uint32(64+40), rd.Snaplen())
	data, ci, err := rd.ReadPacketData()
	require.NoError(t, err)
	assert.Equal(t, 64+12, ci.CaptureLength)
	assert.Equal(t, len(ip)+12, ci.Length)
	h, err := ipopt.ParseHeader(data)
	require.NoError(t, err)
	assert.Equal(t, len(ip)+12, int(h.TotalLen()))
	assert.True(t, h.VerifyChecksum())
}

// TestRewriteOriginalLength: a pcapng packet whose captured length
// exceeds its original length is corrupt, as a pcap record is (so that
// --strip cannot take the original length below zero); and an original
// length near 2^32 that a label would take past it stays at 2^32-1
// rather than wrapping.
func TestRewriteOriginalLength(t *testing.T) {
	frame := sampleFrames(t)[0] // CIPSO tag 1: --strip removes 12 octets
	for _, typ := range []uint32{blockEPB, blockPB} {
		f := &ngFile{}
		f.shb(binary.LittleEndian)
		f.idb(uint16(layers.LinkTypeEthernet), 0)
		at := f.epb(0, 0, frame, 10) // captured 75, original 10
		f.o.PutUint32(f.b[at:], typ) // the obsolete Packet Block has the same layout
		in := writeFile(t, "short.pcapng", string(f.b))
		out := in + ".out"
		for _, args := range [][]string{{"dump", in}, {"rewrite", "--in", in, "--out", out, "--strip"}} {
			r := iplabel(t, "", args...)
			assert.Equal(t, exitError, r.code, "%x %v", typ, args)
			oneLineError(t, r, in, "byte "+strconv.Itoa(at+20), "packet 1: corrupt packet block: captured length 75 exceeds the packet length 10")
		}
		assert.NoFileExists(t, out)
	}

	// Original length 2^32-1: the label inserted does not wrap it.
	label := []string{"--set", "doi=16,level=3,categories=0-5,tags=1"}
	pcap := pcapOf(t, layers.LinkTypeEthernet, ipv4Frame(t))
	binary.LittleEndian.PutUint32(pcap[24+12:], 0xffffffff)
	f := &ngFile{}
	f.shb(binary.LittleEndian)
	f.idb(uint16(layers.LinkTypeEthernet), 0)
	at := f.epb(0, 0, ipv4Frame(t), 0)
	f.o.PutUint32(f.b[at+24:], 0xffffffff) // beyond an int on 32-bit platforms
	for _, data := range [][]byte{pcap, f.b} {
		in := writeFile(t, "long.cap", string(data))
		out := in + ".out"
		r := iplabel(t, "", append([]string{"rewrite", "--in", in, "--out", out}, label...)...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Contains(t, r.stderr, "1 rewritten")
		c, err := openCapture(out, bytes.NewReader(mustRead(t, out)), -1)
		require.NoError(t, err)
		fr, _, _, err := c.next()
		require.NoError(t, err)
		assert.Greater(t, len(fr), len(ipv4Frame(t)), "the label went in")
		assert.Equal(t, uint32(0xffffffff), c.rec.length, "original length kept at its most, not wrapped")
	}
}

// ipv4Frame is an Ethernet frame holding a small datagram with no options.
func ipv4Frame(t testing.TB) []byte { return ethernet(etherTypeIPv4, ipv4(t, 1)) }

// TestRewriteUsageErrors: bad command lines and label specs.
func TestRewriteUsageErrors(t *testing.T) {
	out := filepath.Join(t.TempDir(), "o.pcap")
	three := writeFile(t, "three.conf", "cipsov4 add pass doi:1 tags:1\ncipsov4 add pass doi:2 tags:1\ncipsov4 add pass doi:3 tags:1\n")
	cases := []struct {
		args  []string
		parts []string
	}{
		{[]string{"--in", samplePath, "--strip"}, []string{"--in and --out"}},
		{[]string{"--in", samplePath, "--out", out}, []string{"exactly one"}},
		{[]string{"--in", samplePath, "--out", out, "--strip", "--translate"}, []string{"exactly one"}},
		{[]string{"--in", samplePath, "--out", samplePath, "--strip"}, []string{"is the input"}},
		{[]string{"--in", "/nonexistent.pcap", "--out", out, "--strip"}, []string{"/nonexistent.pcap"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16,level=x"}, []string{`--set "doi=16,level=x"`, "byte 14"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16,level=3,categories=1,x"}, []string{"byte 29"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16,level=3,color=red"}, []string{"byte 16", "unknown key"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16,doi=3,level=3"}, []string{"byte 8", "twice"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16"}, []string{"missing level"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "level=sekret"}, []string{"not a CIPSO label"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "nsid=ssid:1,size:2"}, []string{"byte 13", "size"}},
		{[]string{"--in", samplePath, "--out", out, "--set", "doi=16,level=3,categories=240,tags=1"}, []string{"does not fit"}},
		{[]string{"--in", samplePath, "--out", out, "--translate"}, []string{"--doi-config"}},
		{[]string{"--in", samplePath, "--out", out, "--translate", "--doi-config", three}, []string{"exactly two", "it has 3"}},
		{[]string{"--in", samplePath, "--out", out, "--translate=16-3", "--doi-config", sampleConfig}, []string{"FROM:TO"}},
		{[]string{"--in", samplePath, "--out", out, "--translate=16:99", "--doi-config", sampleConfig}, []string{"DOI 99 is not defined"}},
		{[]string{"--in", samplePath, "--out", out, "--translate=16:5", "--doi-config", sampleConfig}, []string{"local DOI"}},
	}
	for _, c := range cases {
		r := iplabel(t, "", append([]string{"rewrite"}, c.args...)...)
		name := strings.Join(c.args, " ")
		assert.Equal(t, exitError, r.code, name)
		oneLineError(t, r, c.parts...)
		_, err := os.Stat(out)
		assert.True(t, os.IsNotExist(err), name)
	}
}

// TestRewriteBadCapture: a capture truncated mid-packet stops the run and
// nothing is written.
func TestRewriteBadCapture(t *testing.T) {
	sample := sampleCapture(t)
	offs := recordOffsets(sample)
	in := writeFile(t, "cut.pcap", string(sample[:offs[5]+20]))
	out := in + ".out"
	r := iplabel(t, "", "rewrite", "--in", in, "--out", out, "--strip")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, in, "packet 6 truncated")
	_, err := os.Stat(out)
	assert.True(t, os.IsNotExist(err))
	ents, _ := os.ReadDir(filepath.Dir(in))
	assert.Len(t, ents, 1, "no temporary file left behind")
}

// TestSnaplenZero: a pcap header with snapshot length 0 (some writers
// leave it so) reads, and rewrite writes libpcap's 262144 instead.
func TestSnaplenZero(t *testing.T) {
	data := sampleCapture(t)
	binary.LittleEndian.PutUint32(data[16:], 0)
	in := writeFile(t, "snap0.pcap", string(data))
	r := iplabel(t, "", "dump", in)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, lines(r.stdout), len(samplePackets(t)))
	r = iplabel(t, "", "rewrite", "--in", in, "--out", in+".out", "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Equal(t, uint32(262144), binary.LittleEndian.Uint32(mustRead(t, in+".out")[16:]))
}

// TestRewriteNoAllocsPerPacket: rewriting allocates nothing per packet,
// pcap or pcapng (the runs over 200 and 2000 copies of the sample
// allocate the same, give or take buffer growth).
func TestRewriteNoAllocsPerPacket(t *testing.T) {
	mk := func(n int) [][]byte {
		var data [][]byte
		var frames [][]byte
		var ng []ngPacket
		for range n {
			for _, f := range sampleFrames(t) {
				frames = append(frames, f)
				ng = append(ng, ngPacket{0, f})
			}
		}
		data = append(data, pcapOf(t, layers.LinkTypeEthernet, frames...))
		data = append(data, pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet}, ng...))
		return data
	}
	small, large := mk(20), mk(200)
	rw := &rewriter{kind: rewriteSet, opt: []byte{0x86, 0x0a, 0, 0, 0, 16, 1, 4, 0, 3}}
	e := &env{stdout: io.Discard, stderr: io.Discard}
	allocs := func(data []byte) float64 {
		return testing.AllocsPerRun(2, func() {
			c, err := openCapture("x", bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			st, err := rewriteCapture(e, c, io.Discard, rw, true, false, -1)
			require.NoError(t, err)
			require.Positive(t, st.changed)
		})
	}
	for i := range small {
		a, b := allocs(small[i]), allocs(large[i])
		t.Logf("format %d: %v and %v allocations", i, a, b)
		assert.InDelta(t, a, b, 12, "format %d: %v allocations for 280 packets, %v for 2800", i, a, b)
	}
}
