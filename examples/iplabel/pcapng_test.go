package main

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/tsharktest"
)

// ngFile builds a pcapng file block by block, in one byte order per
// section (pcapng draft, sections 4.1 to 4.8).
type ngFile struct {
	o byteOrder
	b []byte
}

// ngOpt is one option: code and value.
type ngOpt struct {
	code uint16
	val  []byte
}

func comment(s string) ngOpt { return ngOpt{optComment, []byte(s)} }

func (f *ngFile) opts(opts []ngOpt) []byte {
	if len(opts) == 0 {
		return nil
	}
	var b []byte
	for _, o := range opts {
		b = f.o.AppendUint16(b, o.code)
		b = f.o.AppendUint16(b, uint16(len(o.val)))
		b = append(b, o.val...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return append(b, 0, 0, 0, 0)
}

// block appends a block of type typ with body (padded to 4) and returns
// its offset.
func (f *ngFile) block(typ uint32, body []byte) int {
	off := len(f.b)
	for len(body)%4 != 0 {
		body = append(body, 0)
	}
	n := uint32(12 + len(body))
	f.b = f.o.AppendUint32(f.b, typ)
	f.b = f.o.AppendUint32(f.b, n)
	f.b = append(f.b, body...)
	f.b = f.o.AppendUint32(f.b, n)
	return off
}

// shb starts a section in byte order o.
func (f *ngFile) shb(o byteOrder, opts ...ngOpt) int {
	f.o = o
	b := o.AppendUint32(nil, 0x1a2b3c4d)
	b = o.AppendUint16(b, 1)
	b = o.AppendUint16(b, 0)
	b = o.AppendUint64(b, ^uint64(0))
	return f.block(blockSHB, append(b, f.opts(opts)...))
}

func (f *ngFile) idb(link uint16, snaplen uint32, opts ...ngOpt) int {
	b := f.o.AppendUint16(nil, link)
	b = f.o.AppendUint16(b, 0)
	b = f.o.AppendUint32(b, snaplen)
	return f.block(blockIDB, append(b, f.opts(opts)...))
}

// epb appends an Enhanced Packet Block: timestamp ts (in the interface's
// units), captured data and original length.
func (f *ngFile) epb(iface uint32, ts uint64, data []byte, orig int, opts ...ngOpt) int {
	b := f.o.AppendUint32(nil, iface)
	b = f.o.AppendUint32(b, uint32(ts>>32))
	b = f.o.AppendUint32(b, uint32(ts))
	b = f.o.AppendUint32(b, uint32(len(data)))
	b = f.o.AppendUint32(b, uint32(orig))
	b = append(b, data...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return f.block(blockEPB, append(b, f.opts(opts)...))
}

func (f *ngFile) spb(data []byte, orig int) int {
	return f.block(blockSPB, append(f.o.AppendUint32(nil, uint32(orig)), data...))
}

// custom appends a custom block (0x00000BAD, or 0x40000BAD not to be
// copied) of private enterprise number 32473 (RFC 5612's example PEN).
func (f *ngFile) custom(typ uint32, data []byte) int {
	return f.block(typ, append(f.o.AppendUint32(nil, 32473), data...))
}

// ipv4 is a small valid datagram with no options.
func ipv4(t testing.TB, id uint16) []byte {
	return buildIPv4(t, hostA, hostB, 17, nil, id, []byte("payload"))
}

// tsharkRows runs tshark on path and returns the fields of every frame.
func tsharkRows(t *testing.T, path string, fields ...string) [][]string {
	t.Helper()
	tshark := tsharktest.Require(t)
	args := []string{"-n", "-r", path, "-T", "fields", "-E", "separator=/t", "-E", "occurrence=a", "-E", "aggregator=;"}
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "WIRESHARK_CONFIG_DIR="+t.TempDir())
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	require.NoError(t, cmd.Run(), errb.String())
	var rows [][]string
	for _, l := range lines(out.String()) {
		rows = append(rows, strings.Split(l, "\t"))
	}
	return rows
}

// mixedPcapng is a file of two sections: the first little-endian, raw
// IPv4, with a commented packet, custom blocks, a systemd journal entry,
// an unknown block, statistics, a Simple Packet Block and a custom block
// over 256 KiB; the second big-endian with an Ethernet and a raw IPv4
// interface. want are the packet numbers (tshark's frame.number) of its
// IPv4 packets, comments their opt_comment.
func mixedPcapng(t testing.TB) (data []byte, want []int, comments []string) {
	f := &ngFile{}
	f.shb(binary.LittleEndian, comment("section one"))
	f.idb(uint16(linkIPv4), 0, ngOpt{optTSResol, []byte{9}})
	f.epb(0, 1700000000123456789, ipv4(t, 1), len(ipv4(t, 1)), comment("first packet"))         // 1
	f.custom(blockCustom, []byte("copy me"))                                                    // 2
	f.epb(0, 1700000001000000000, ipv4(t, 2), len(ipv4(t, 2)))                                  // 3
	f.custom(blockCustomNC, []byte("do not copy"))                                              // 4
	f.block(blockJournal, []byte("__REALTIME_TIMESTAMP=1\nMESSAGE=x\n"))                        // 5
	f.block(0x12345, []byte("unknown"))                                                         // no number
	f.block(blockISB, make([]byte, 12))                                                         // no number
	f.spb(ipv4(t, 3), len(ipv4(t, 3)))                                                          // 6
	f.custom(blockCustom, bytes.Repeat([]byte{'x'}, 300<<10))                                   // 7
	f.shb(binary.BigEndian, comment("section two"))                                             //
	f.idb(1, 65535, comment("eth"))                                                             //
	f.idb(uint16(linkIPv4), 65535)                                                              //
	f.epb(1, 1700000002000000, ipv4(t, 4), len(ipv4(t, 4)), comment("raw IPv4 in section two")) // 8
	f.epb(0, 1700000003000000, ethernet(etherTypeIPv4, ipv4(t, 5)), 14+len(ipv4(t, 5)))         // 9
	return f.b, []int{1, 3, 6, 8, 9}, []string{"first packet", "", "", "raw IPv4 in section two", ""}
}

// TestPcapngSectionsAndNumbers: every section's interfaces are honoured
// whatever comes before them (a block over 256 KiB included), and packet
// numbers count what tshark counts as frames (custom blocks, systemd
// journal entries), not statistics or unknown blocks.
func TestPcapngSectionsAndNumbers(t *testing.T) {
	data, want, _ := mixedPcapng(t)
	p := writeFile(t, "mixed.pcapng", string(data))
	r := iplabel(t, "", "dump", "--json", p)
	require.Equal(t, exitOK, r.code, r.stderr)
	var got []int
	for _, v := range jsonLines(t, r.stdout) {
		got = append(got, int(v.(map[string]any)["packet"].(float64)))
	}
	assert.Equal(t, want, got)
	assert.Empty(t, r.stderr)
	r = iplabel(t, "", "dump", p)
	assert.NotContains(t, r.stdout, "not IPv4", "the raw IPv4 interface of section two is honoured")

	if _, err := exec.LookPath("tshark"); err != nil {
		t.Log("tshark comparison skipped: ", tsharktest.SkipMessage)
		return
	}
	var ts []int
	for _, row := range tsharkRows(t, p, "frame.number", "ip.src") {
		if len(row) > 1 && row[1] != "" {
			n, err := strconv.Atoi(row[0])
			require.NoError(t, err)
			ts = append(ts, n)
		}
	}
	assert.Equal(t, ts, got, "tshark's frame.number of the IPv4 packets")
}

// TestPcapngClaimedLengths: a block claiming more than it holds is refused
// with exit status 2 and the byte, before anything of the claimed size is
// allocated.
func TestPcapngClaimedLengths(t *testing.T) {
	huge := func(build func(f *ngFile)) []byte {
		f := &ngFile{}
		f.shb(binary.LittleEndian)
		f.idb(uint16(linkIPv4), 0)
		build(f)
		return f.b
	}
	patch := func(b []byte, off int, v uint32) []byte {
		binary.LittleEndian.PutUint32(b[off:], v)
		return b
	}
	var epbAt int
	cases := []struct {
		name  string
		data  []byte
		parts []string // of the error line; none: the file reads
	}{
		{"block and captured length 1 GiB", huge(func(f *ngFile) {
			epbAt = f.epb(0, 0, ipv4(t, 1), 35)
			patch(f.b, epbAt+4, 1<<30+64)
			patch(f.b, epbAt+20, 1<<30)
		}), []string{"byte " + strconv.Itoa(epbAt+4), "length 1073741888 exceeds 16777216"}},
		{"block and captured length 4 GiB", huge(func(f *ngFile) {
			epbAt = f.epb(0, 0, ipv4(t, 1), 35)
			patch(f.b, epbAt+4, 0xfffffff0)
			patch(f.b, epbAt+20, 0xffffff00)
		}), []string{"byte " + strconv.Itoa(epbAt+4), "length 4294967280 exceeds 16777216"}},
		{"block length 1 GiB", huge(func(f *ngFile) {
			epbAt = f.epb(0, 0, ipv4(t, 1), 35)
			patch(f.b, epbAt+4, 1<<30+32)
		}), []string{"byte " + strconv.Itoa(epbAt+4), "length 1073741856 exceeds 16777216"}},
		{"captured length 1 GiB", huge(func(f *ngFile) {
			epbAt = f.epb(0, 0, ipv4(t, 1), 35)
			patch(f.b, epbAt+20, 1<<30)
		}), []string{"byte " + strconv.Itoa(epbAt+20), "captured length 1073741824 exceeds 262144"}},
		{"Simple Packet Block of 1 GiB", huge(func(f *ngFile) {
			epbAt = f.spb(ipv4(t, 1), 1<<30)
		}), []string{"byte " + strconv.Itoa(epbAt+8), "packet length 1073741824 overruns the block"}},
		{"block length 16 MiB in a small file", huge(func(f *ngFile) {
			epbAt = f.epb(0, 0, ipv4(t, 1), 35)
			patch(f.b, epbAt+4, 16<<20)
		}), []string{"byte " + strconv.Itoa(epbAt), "block of 16777216 octets truncated"}},
		{"interface snapshot length 1 GiB", huge(func(f *ngFile) {
			patch(f.b, 28+12, 1<<30) // the IDB's snaplen; the packet is fine
			f.epb(0, 0, ipv4(t, 1), 35)
		}), nil},
	}
	for _, c := range cases {
		require.Less(t, len(c.data), 200, c.name)
		var ms0, ms1 runtime.MemStats
		runtime.ReadMemStats(&ms0)
		r := run2(t, c.data)
		runtime.ReadMemStats(&ms1)
		if c.parts == nil {
			assert.Equal(t, exitOK, r.code, "%s: %s", c.name, r.stderr)
			assert.Len(t, jsonLines(t, r.stdout), 1, c.name)
		} else {
			assert.Equal(t, exitError, r.code, c.name)
			oneLineError(t, r, c.parts...)
		}
		assert.Less(t, ms1.TotalAlloc-ms0.TotalAlloc, uint64(4<<20), "%s: allocated %d octets", c.name, ms1.TotalAlloc-ms0.TotalAlloc)
	}

	// The same files under a memory limit below what they claim: the built
	// binary, with 2 GiB of address space (room for the runtime, not for a
	// 4 GiB buffer) and GOMEMLIMIT.
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("needs sh (ulimit -v) for the memory-limited run")
	}
	bin := builtBinary(t)
	for _, c := range cases {
		p := writeFile(t, "huge.pcapng", string(c.data))
		cmd := exec.Command("sh", "-c", `ulimit -v 2097152 && exec "$0" dump "$1"`, bin, p)
		cmd.Env = append(os.Environ(), "GOMEMLIMIT=64MiB")
		var errb bytes.Buffer
		cmd.Stderr = &errb
		err := cmd.Run()
		if c.parts == nil {
			assert.NoError(t, err, "%s: %s", c.name, errb.String())
			continue
		}
		var ee *exec.ExitError
		require.ErrorAs(t, err, &ee, c.name)
		assert.Equal(t, exitError, ee.ExitCode(), "%s: %s", c.name, errb.String())
		assert.Contains(t, errb.String(), c.parts[0], c.name)
	}
}

// TestPcapngInterfaces: an interface number is compared as the uint32 it
// is (as an int it is negative on 32-bit platforms, GOARCH=386), and a
// section holds at most maxIfaces interfaces, so that a file of small
// interface descriptions cannot grow the list without bound.
func TestPcapngInterfaces(t *testing.T) {
	for _, id := range []uint32{1, 0x7fffffff, 0x80000000, 0xffffffff} {
		f := &ngFile{}
		f.shb(binary.LittleEndian)
		f.idb(uint16(linkIPv4), 0)
		at := f.epb(id, 0, ipv4(t, 1), 35)
		r := run2(t, f.b)
		assert.Equal(t, exitError, r.code, "interface %d", id)
		oneLineError(t, r, "byte "+strconv.Itoa(at+8), "packet 1: interface "+strconv.FormatUint(uint64(id), 10)+" is not described in its section (it has 1)")
	}

	f := &ngFile{}
	f.shb(binary.LittleEndian)
	var last int
	for range maxIfaces {
		last = f.idb(uint16(linkIPv4), 0)
	}
	f.epb(maxIfaces-1, 0, ipv4(t, 1), 35)
	r := run2(t, f.b)
	require.Equal(t, exitOK, r.code, "%d interfaces: %s", maxIfaces, r.stderr)
	f.b = f.b[:last+20] // one more interface before the packet
	at := f.idb(uint16(linkIPv4), 0)
	f.epb(maxIfaces, 0, ipv4(t, 1), 35)
	r = run2(t, f.b)
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, "byte "+strconv.Itoa(at), "interface description 65537 of its section: more than 65536")
	// A new section starts the count again.
	g := &ngFile{}
	g.shb(binary.LittleEndian)
	g.idb(uint16(linkIPv4), 0)
	g.epb(0, 0, ipv4(t, 1), 35)
	r = run2(t, append(f.b[:last+20:last+20], g.b...))
	require.Equal(t, exitOK, r.code, r.stderr)
}

// run2 runs dump --json on data given as stdin.
func run2(t testing.TB, data []byte) result {
	var out, errb bytes.Buffer
	code := run([]string{"dump", "--json", "-"}, bytes.NewReader(data), &out, &errb)
	return result{out.String(), errb.String(), code}
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
)

// builtBinary builds the command once per test process.
func builtBinary(t *testing.T) string {
	t.Helper()
	binOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iplabel-bin-")
		if err != nil {
			binErr = err
			return
		}
		binPath = filepath.Join(dir, "iplabel")
		cmd := exec.Command("go", "build", "-o", binPath, ".")
		// No cgo: the runtime alone makes the threads, which keeps the
		// memory-limited runs deterministic.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			binErr = &buildError{string(out)}
		}
	})
	require.NoError(t, binErr)
	return binPath
}

type buildError struct{ out string }

func (e *buildError) Error() string { return "go build: " + e.out }

// TestCaplenOverSnaplen: records longer than the file's snapshot length
// are read, as libpcap's savefile reader and Wireshark read them, with one
// note on stderr per file; a captured length over 262144 stays an error.
func TestCaplenOverSnaplen(t *testing.T) {
	frames := sampleFrames(t)[:4]
	data := pcapOf(t, 1, frames...)
	binary.LittleEndian.PutUint32(data[16:], 40) // snaplen 40: every frame is longer
	p := writeFile(t, "long.pcap", string(data))
	r := iplabel(t, "", "dump", "--json", p)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, jsonLines(t, r.stdout), 4)
	ls := lines(withoutHint(r.stderr))
	require.Len(t, ls, 1, "one note per file: %q", r.stderr)
	assert.Contains(t, ls[0], p+": byte 32: packet 1: captured length")
	assert.Contains(t, ls[0], "exceeds the snapshot length 40")

	r = iplabel(t, "", "rewrite", "--in", p, "--out", p+".out", "--strip")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, lines(r.stderr), 2, "the note and the summary: %q", r.stderr)
	got, _, _ := readCapture(t, p+".out")
	assert.Len(t, got, 4)

	f := &ngFile{}
	f.shb(binary.LittleEndian)
	f.idb(1, 40)
	for _, fr := range frames {
		f.epb(0, 0, fr, len(fr))
	}
	p = writeFile(t, "long.pcapng", string(f.b))
	r = iplabel(t, "", "dump", "--json", p)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.Len(t, jsonLines(t, r.stdout), 4)
	assert.Len(t, lines(withoutHint(r.stderr)), 1)
	assert.Contains(t, r.stderr, "exceeds the interface's snapshot length 40")
}

// TestPcapngMutations: pcapng files with random octets changed or cut
// short end dump and rewrite with exit status 0, or 2 and one line on
// stderr (notes aside); nothing panics, rewrite leaves no file behind a
// failure.
func TestPcapngMutations(t *testing.T) {
	data, _, _ := mixedPcapng(t)
	// Drop the 300 KiB custom block to keep each run short.
	var small []byte
	for off := 0; off < len(data); {
		n := int(binary.LittleEndian.Uint32(data[off+4:]))
		if off >= 8 && binary.BigEndian.Uint32(data[off:]) == blockSHB {
			small = append(small, data[off:]...)
			break
		}
		if n < 300<<10 {
			small = append(small, data[off:off+n]...)
		}
		off += n
	}
	rng := rand.New(rand.NewPCG(12, 2026))
	dir := t.TempDir()
	out := filepath.Join(dir, "out.pcapng")
	for i := range 1500 {
		d := append([]byte{}, small...)
		for range 1 + rng.IntN(3) {
			switch p := rng.IntN(len(d)); rng.IntN(4) {
			case 0:
				d[p] = byte(rng.Uint32())
			case 1:
				d[p] = []byte{0, 0xff, 0x7f, 0x80, 0x01}[rng.IntN(5)]
			case 2:
				d = d[:p+1]
			case 3:
				if p&^3+4 <= len(d) {
					binary.LittleEndian.PutUint32(d[p&^3:], rng.Uint32()>>rng.IntN(32))
				}
			}
		}
		for _, args := range [][]string{{"dump", "--json", "-"}, {"rewrite", "--in", "-", "--out", out, "--set", "doi=16,level=3", "--skip-unfit"}} {
			var o, e bytes.Buffer
			code := run(args, bytes.NewReader(d), &o, &e)
			var errs []string
			for _, l := range lines(e.String()) {
				if !strings.Contains(l, "(noted once per file)") && !strings.Contains(l, "header checksum") && !strings.Contains(l, " packets: ") {
					errs = append(errs, l)
				}
			}
			switch code {
			case exitOK:
				require.Empty(t, errs, "mutation %d: %s", i, args[0])
			case exitError:
				require.Len(t, errs, 1, "mutation %d: %s: %q", i, args[0], e.String())
			default:
				t.Fatalf("mutation %d: %s: exit %d", i, args[0], code)
			}
		}
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		for _, e := range ents {
			require.Equal(t, "out.pcapng", e.Name(), "mutation %d: no temporary file left", i)
		}
	}
}

// TestGzipCaptures: a gzip-compressed pcap or pcapng file gets the same
// reading, checks and rewrite as the plain file; its error offsets are in
// the decompressed stream and say so.
func TestGzipCaptures(t *testing.T) {
	ng, want, _ := mixedPcapng(t)
	pcap := sampleCapture(t)
	binary.LittleEndian.PutUint32(pcap[8:], 7) // thiszone
	for _, plain := range [][]byte{pcap, ng} {
		p := writeFile(t, "plain", string(plain))
		z := writeFile(t, "z.gz", string(gzipped(t, plain)))
		a, b := iplabel(t, "", "dump", "--json", p), iplabel(t, "", "dump", "--json", z)
		require.Equal(t, exitOK, b.code, b.stderr)
		assert.Equal(t, a.stdout, b.stdout)
		ra := iplabel(t, "", "rewrite", "--in", p, "--out", p+".out", "--strip")
		rb := iplabel(t, "", "rewrite", "--in", z, "--out", z+".out", "--strip")
		require.Equal(t, exitOK, ra.code, ra.stderr)
		require.Equal(t, exitOK, rb.code, rb.stderr)
		assert.Equal(t, mustRead(t, p+".out"), mustRead(t, z+".out"), "the same output, header fields included")
	}
	assert.Len(t, want, 5)

	offs := recordOffsets(pcap)
	cut := writeFile(t, "cut.gz", string(gzipped(t, pcap[:offs[3]+7])))
	r := iplabel(t, "", "dump", cut)
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, cut, "uncompressed byte "+strconv.Itoa(offs[3]), "packet 4: record header truncated")

	bad := gzipped(t, pcap)
	bad[len(bad)-6] ^= 0xff // the CRC-32 of the stream
	p := writeFile(t, "crc.gz", string(bad))
	r = iplabel(t, "", "dump", p)
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, p, "gzip: ", "checksum")
}
