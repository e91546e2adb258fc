package fuzz

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// The iplabel CLI (examples/iplabel) is a main package, which cannot be
// imported. It is checked two ways: FuzzCLIPath fuzzes the library calls
// its decode and validate commands make, in process; TestCLIDecode and
// TestCLIDump build the binary once and feed it a bounded set of
// generated and arbitrary inputs.

// cliCIPSO is the CLI's CIPSO checker without a DOI configuration: the
// labels of DSM's DOI (dsm.DefaultDOI) with DSM's receiver rules, the
// others as lx judges them.
type cliCIPSO struct{ lx ipopt.OptionChecker }

func (c cliCIPSO) CheckOption(o ipopt.Option, socket bool) error {
	if len(o.Bytes) >= cipso.HeaderLen && cipso.DOI(o.Bytes[2])<<24|cipso.DOI(o.Bytes[3])<<16|cipso.DOI(o.Bytes[4])<<8|cipso.DOI(o.Bytes[5]) == dsm.DefaultDOI {
		return dsm.Receiver.CheckOption(o, socket)
	}
	return c.lx.CheckOption(o, socket)
}

// checkDecodeErr fails unless err is nil or an ipopt.Error whose offset
// lies in the n-octet field (0..n; a decoder may report a missing octet
// just past the end).
func checkDecodeErr(t *testing.T, what string, err error, n int) {
	t.Helper()
	if err == nil {
		return
	}
	var e ipopt.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %T %v is not an ipopt.Error", what, err, err)
	}
	if e.Offset() < 0 || e.Offset() > n {
		t.Fatalf("%s: %v: offset %d outside the %d-octet field", what, err, e.Offset(), n)
	}
}

// cliNSIDProfile is the profile the CLI decodes network SIDs with.
var cliNSIDProfile = dsm.Profile{RejectDuplicates: true}

// decodeLikeCLI runs, on every option of field, the library decoder
// iplabel decode uses for it, and checks their errors.
func decodeLikeCLI(t *testing.T, field []byte) {
	it := ipopt.NewIter(field)
	for it.Next() {
		o := it.Option()
		switch o.Type {
		case ipopt.CIPSO:
			opt, err := cipso.ParseOption(o.Bytes)
			checkDecodeErr(t, "cipso option", ipopt.Shift(err, o.Offset), len(field))
			if err != nil {
				continue
			}
			_ = opt.DOI()
			tags := opt.Tags()
			for tags.Next() {
				decodeTagLikeCLI(t, tags.Tag(), o.Offset, len(field))
			}
			checkDecodeErr(t, "tag walk", ipopt.Shift(tags.Err(), o.Offset), len(field))
		case ipopt.SEC:
			if rfc1108.IsLegacySEC(o.Bytes) {
				var s rfc1108.LegacySEC
				checkDecodeErr(t, "legacy sec", ipopt.Shift(rfc1108.DecodeLegacySEC(o.Bytes, &s), o.Offset), len(field))
				continue
			}
			var l rfc1108.Label
			checkDecodeErr(t, "bso", ipopt.Shift(rfc1108.DecodeBSO(o.Bytes, &l), o.Offset), len(field))
			for range l.Authorities.All() {
			}
		case ipopt.ESEC:
			e, err := rfc1108.ParseESO(o.Bytes)
			checkDecodeErr(t, "eso", ipopt.Shift(err, o.Offset), len(field))
			if err == nil {
				_, _ = e.FormatCode(), e.Info()
			}
		}
	}
	checkDecodeErr(t, "walk", it.Err(), len(field))
}

func decodeTagLikeCLI(t *testing.T, tg cipso.Tag, off, n int) {
	switch tg.Type {
	case cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange:
		keep := cipso.Label{Level: 999}
		l := keep
		err := tg.Label(&l)
		checkDecodeErr(t, "tag label", ipopt.Shift(err, off), n)
		if err != nil && !l.Equal(&keep) {
			t.Fatalf("tag % x: label changed on error", tg.Bytes)
		}
	case cipso.TagPBitmap:
		b, err := fips188.Lenient.ParsePermissiveBitmap(tg)
		checkDecodeErr(t, "tag 6", ipopt.Shift(err, off), n)
		if err == nil {
			var s cipso.CatSet
			if err := b.Categories(&s); err != nil {
				t.Fatalf("tag % x: a bitmap of at most 30 octets does not fit: %v", tg.Bytes, err)
			}
		}
	case cipso.TagFreeForm:
		ff, err := fips188.Lenient.ParseFreeForm(tg)
		checkDecodeErr(t, "tag 7", ipopt.Shift(err, off), n)
		if err == nil {
			var ns dsm.Label
			checkDecodeErr(t, "nsid", ipopt.Shift(cliNSIDProfile.DecodeFreeForm(ff, &ns), off), n)
		}
	case cipso.TagLocal:
		_, err := tg.SecID()
		checkDecodeErr(t, "tag 128", ipopt.Shift(err, off), n)
	}
}

// cliLinux and cliStrict are the validators of iplabel validate's linux
// and strict profiles, over the fuzz registry.
var (
	cliLinux  = fips188.NewLinuxValidator(registry, false, true)
	cliStrict = fips188.NewStrictValidator(registry)
)

// padLikeCLI pads an options field with EOL to a multiple of 4 octets,
// as iplabel does with the hex it reads (and the kernel with IP_OPTIONS).
func padLikeCLI(b []byte) []byte {
	return testutil.PadEOL(append([]byte(nil), b[:min(len(b), ipopt.MaxOptionsLen)]...))
}

// FuzzCLIPath feeds arbitrary options fields, padded as the CLI pads
// them, to the library calls iplabel's decode and validate commands make
// (per option: cipso.ParseOption and its tag walk, Tag.Label, fips188's
// tag 6 and tag 7 views and the NSID decoder, Tag.SecID, rfc1108's BSO,
// legacy SEC and ESO decoders; then the linux and strict validators):
// nothing panics, every error is an ipopt.Error inside the field, the
// validators' errors point inside the field with the ICMP pointer
// offset+20, and a failed decode leaves its output alone.
func FuzzCLIPath(f *testing.F) {
	f.Fuzz(func(t *testing.T, in []byte) {
		field := padLikeCLI(in)
		decodeLikeCLI(t, field)
		checkFieldErr(t, "linux", cliLinux.Validate(field), len(field), ipopt.Malformed)
		checkFieldErr(t, "strict", cliStrict.Validate(field), len(field), ipopt.Malformed)
		if err := (rfc1108.Strict{}).Validate(field); err != nil {
			var e ipopt.Error
			if !errors.As(err, &e) || e.Offset() < 0 || e.Offset() >= len(field) || e.Pointer() != e.Offset()+20 {
				t.Fatalf("rfc1108 strict: %v outside the %d-octet field", err, len(field))
			}
		}
	})
}

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// iplabelBinary builds examples/iplabel once per test process, into a
// directory removed when the process ends (os.MkdirTemp; the test binary
// runs from fuzz/). A missing examples/iplabel skips the CLI tests; one
// that does not build fails them.
func iplabelBinary(t *testing.T) string {
	t.Helper()
	if _, err := os.Stat(filepath.Join("..", "examples", "iplabel")); err != nil {
		t.Skip("CLI tests: ../examples/iplabel is not in this tree")
	}
	cliOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iplabel-fuzz-")
		if err != nil {
			cliErr = err
			return
		}
		cliPath = filepath.Join(dir, "iplabel")
		out, err := exec.Command("go", "build", "-o", cliPath, "../examples/iplabel").CombinedOutput()
		if err != nil {
			cliErr = errors.New("go build ../examples/iplabel: " + err.Error() + "\n" + string(out))
		}
	})
	if cliErr != nil {
		t.Fatal(cliErr)
	}
	return cliPath
}

func TestMain(m *testing.M) {
	code := m.Run()
	if cliPath != "" {
		os.RemoveAll(filepath.Dir(cliPath))
	}
	os.Exit(code)
}

// runCLI runs the binary with stdin and returns stdout, stderr and the
// exit status.
func runCLI(t *testing.T, stdin []byte, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(iplabelBinary(t), args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("iplabel %v: %v", args, err)
	}
	if s := errb.String(); strings.Contains(s, "panic") || strings.Contains(s, "goroutine ") {
		t.Fatalf("iplabel %v crashed:\n%s", args, s)
	}
	return out.String(), errb.String(), code
}

// cliFields are the options fields the binary is fed: the seed vectors,
// then random mutations of them and random octets (a fixed seed keeps
// the test repeatable), each at most 40 octets and padded as the CLI
// pads.
func cliFields(tb testing.TB, n int) [][]byte {
	var out [][]byte
	for _, v := range seedVectors {
		out = append(out, padLikeCLI(testutil.Unhex(tb, v.hex)))
	}
	r := rand.New(rand.NewPCG(188, 1108))
	for len(out) < n {
		var b []byte
		if r.IntN(2) == 0 {
			b = testutil.Unhex(tb, seedVectors[r.IntN(len(seedVectors))].hex)
			for range 1 + r.IntN(3) {
				if len(b) > 0 {
					b[r.IntN(len(b))] = byte(r.Uint32())
				}
			}
		} else {
			b = make([]byte, r.IntN(41))
			for i := range b {
				b[i] = byte(r.Uint32())
				if r.IntN(3) == 0 { // bias toward option types that carry labels
					b[i] = [...]byte{0x86, 0x82, 0x85, 0x01, 0x00, 0x07}[r.IntN(6)]
				}
			}
		}
		out = append(out, padLikeCLI(b))
	}
	return out
}

// cliDecoded is the part of iplabel decode's JSON this test checks.
type cliDecoded struct {
	Options []struct {
		Offset int `json:"offset"`
		Type   int `json:"type"`
		Length int `json:"length"`
	} `json:"options"`
	Error *struct {
		Offset int `json:"offset"`
	} `json:"error"`
}

// TestCLIDecode runs iplabel decode and iplabel validate on 1500 options
// fields (one line of hex each, on stdin) and iplabel decode on arbitrary
// octets. For the fields: exit status 0 (decode) or 0/1 (validate), one
// JSON object per field, the options decode lists are those ipopt.Iter
// walks (offset, type, length) up to where it stops, an error is reported
// when the walk fails and points inside the field, and validate's verdict
// and pointer are those of ipopt.Linux with cipso.Linux and no DOI
// configured (the CLI's default), DSM's network-SID DOI checked with
// dsm.Receiver. For arbitrary octets: no crash, exit
// status 0 or 2, and every output line is JSON.
func TestCLIDecode(t *testing.T) {
	fields := cliFields(t, 1500)
	var in bytes.Buffer
	for _, f := range fields {
		if len(f) == 0 {
			in.WriteString("-\n")
			continue
		}
		in.WriteString(hex.EncodeToString(f) + "\n")
	}

	out, stderr, code := runCLI(t, in.Bytes(), "decode")
	if code != 0 || stderr != "" {
		t.Fatalf("decode: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fields) {
		t.Fatalf("decode: %d lines for %d fields", len(lines), len(fields))
	}
	withErr := 0
	for i, f := range fields {
		var d cliDecoded
		if err := json.Unmarshal([]byte(lines[i]), &d); err != nil {
			t.Fatalf("decode % x: %v in %s", f, err, lines[i])
		}
		it := ipopt.NewIter(f)
		k := 0
		for ; it.Next() && k < len(d.Options); k++ {
			o, got := it.Option(), d.Options[k]
			if got.Offset != o.Offset || got.Type != int(o.Type) || got.Length != o.Len() {
				t.Fatalf("decode % x: option %d is %+v, the walk finds %d/%d/%d", f, k, got, o.Offset, o.Type, o.Len())
			}
		}
		if k != len(d.Options) {
			t.Fatalf("decode % x: %d options listed, the walk finds %d", f, len(d.Options), k)
		}
		if it.Err() != nil && d.Error == nil {
			t.Fatalf("decode % x: the walk fails (%v), the CLI reports no error: %s", f, it.Err(), lines[i])
		}
		if d.Error != nil {
			withErr++
			if d.Error.Offset < 0 || d.Error.Offset > len(f) {
				t.Fatalf("decode % x: error offset %d", f, d.Error.Offset)
			}
		}
	}
	t.Logf("decode: %d fields, %d with an error", len(fields), withErr)

	out, stderr, code = runCLI(t, in.Bytes(), "validate")
	if (code != 0 && code != 1) || stderr != "" {
		t.Fatalf("validate: exit %d, stderr %q", code, stderr)
	}
	lines = strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fields) {
		t.Fatalf("validate: %d lines for %d fields", len(lines), len(fields))
	}
	l0 := fips188.NewLinuxValidator(&cipso.Registry{}, false, true).WithCIPSO(func(c ipopt.OptionChecker) ipopt.OptionChecker { return cliCIPSO{c} })
	valid := 0
	for i, f := range fields {
		var v struct {
			OK      bool `json:"ok"`
			Pointer *int `json:"pointer"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &v); err != nil {
			t.Fatalf("validate % x: %v in %s", f, err, lines[i])
		}
		err := l0.Validate(f)
		var e ipopt.Error
		switch {
		case err == nil:
			valid++
			if !v.OK {
				t.Fatalf("validate % x: the CLI refuses (%s), the library accepts", f, lines[i])
			}
		case !errors.As(err, &e) || v.OK || v.Pointer == nil || *v.Pointer != e.Pointer():
			t.Fatalf("validate % x: the CLI says %s, the library %v", f, lines[i], err)
		}
	}
	t.Logf("validate: %d of %d fields valid", valid, len(fields))

	// Arbitrary octets on stdin: lines of random bytes, NULs, CRs, very
	// long lines, bad hex.
	r := rand.New(rand.NewPCG(7, 134))
	var junk bytes.Buffer
	for range 300 {
		b := make([]byte, r.IntN(120))
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		junk.Write(b)
		junk.WriteByte('\n')
	}
	junk.WriteString(strings.Repeat("86", 70000) + "\n")
	out, _, code = runCLI(t, junk.Bytes(), "decode")
	if code != 0 && code != 2 {
		t.Fatalf("decode of arbitrary octets: exit %d", code)
	}
	for _, ln := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if ln != "" && !json.Valid([]byte(ln)) {
			t.Fatalf("decode of arbitrary octets: not JSON: %q", ln)
		}
	}
}

// TestCLIDump writes 1500 generated packets (the fields of TestCLIDecode,
// so valid and malformed labels of every kind) to a pcap and runs
// iplabel dump on it with the DOIs of doiConfig: one JSON object per
// packet in order, its options those ipopt.Iter walks, and its verdict
// and pointer those of ipopt.Linux with cipso.Linux (strictvalid, not
// loopback) over the same registry; the text form prints one line per
// packet. A capture cut short and a file of random octets end with exit
// status 2 and a message, without a crash.
func TestCLIDump(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "doi.conf")
	if err := os.WriteFile(cfg, []byte(doiConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	fields := cliFields(t, 1500)
	pcap := filepath.Join(dir, "labels.pcap")
	writePcap(t, pcap, fields)

	out, stderr, code := runCLI(t, nil, "dump", "--json", "--doi-config", cfg, pcap)
	if code != 0 || stderr != "" {
		t.Fatalf("dump --json: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(fields) {
		t.Fatalf("dump --json: %d lines for %d packets", len(lines), len(fields))
	}
	walk := cliLinux
	valid := 0
	for i, f := range fields {
		var d struct {
			cliDecoded
			Packet  int  `json:"packet"`
			Valid   bool `json:"valid"`
			Pointer *int `json:"pointer"`
		}
		if err := json.Unmarshal([]byte(lines[i]), &d); err != nil {
			t.Fatalf("packet %d: %v in %s", i+1, err, lines[i])
		}
		if d.Packet != i+1 {
			t.Fatalf("line %d is packet %d", i+1, d.Packet)
		}
		it := ipopt.NewIter(f)
		k := 0
		for ; it.Next() && k < len(d.Options); k++ {
			o, got := it.Option(), d.Options[k]
			if got.Offset != o.Offset || got.Type != int(o.Type) || got.Length != o.Len() {
				t.Fatalf("packet %d (% x): option %d is %+v, the walk finds %d/%d/%d", i+1, f, k, got, o.Offset, o.Type, o.Len())
			}
		}
		if k != len(d.Options) {
			t.Fatalf("packet %d (% x): %d options listed, the walk finds %d", i+1, f, len(d.Options), k)
		}
		err := walk.Validate(f)
		var e ipopt.Error
		switch {
		case err == nil:
			valid++
			if !d.Valid || d.Pointer != nil {
				t.Fatalf("packet %d (% x): dump says %s, the library accepts", i+1, f, lines[i])
			}
		case !errors.As(err, &e) || d.Valid || d.Pointer == nil || *d.Pointer != e.Pointer():
			t.Fatalf("packet %d (% x): dump says %s, the library %v", i+1, f, lines[i], err)
		}
	}
	t.Logf("dump: %d packets, %d valid", len(fields), valid)

	out, stderr, code = runCLI(t, nil, "dump", "--doi-config", cfg, pcap)
	if n := strings.Count(out, "\n"); code != 0 || stderr != "" || n != len(fields) {
		t.Fatalf("dump: exit %d, %d lines, stderr %q", code, n, stderr)
	}

	whole, err := os.ReadFile(pcap)
	if err != nil {
		t.Fatal(err)
	}
	cut := filepath.Join(dir, "cut.pcap")
	if err := os.WriteFile(cut, whole[:len(whole)/2+3], 0o644); err != nil {
		t.Fatal(err)
	}
	junk := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range junk {
		junk[i] = byte(r.Uint32())
	}
	junkFile := filepath.Join(dir, "junk.pcap")
	if err := os.WriteFile(junkFile, junk, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{cut, junkFile} {
		_, stderr, code := runCLI(t, nil, "dump", "--json", f)
		if code != 2 || !strings.Contains(stderr, filepath.Base(f)) {
			t.Errorf("dump %s: exit %d, stderr %q; want 2 and a message naming the file", filepath.Base(f), code, stderr)
		}
	}
}
