package fuzz

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// cliHeaders6 are the Hop-by-Hop headers TestCLIValidate6 feeds the
// binary: the seeds of seedVectors6, then mutations of them (octets after
// the first two changed, so the header stays whole), labels as
// calipso.AppendHopByHop writes them, and random headers biased toward
// the option types the walk knows.
func cliHeaders6(tb testing.TB, n int) [][]byte {
	var out [][]byte
	for _, v := range seedVectors6 {
		out = append(out, testutil.Unhex(tb, v.hex))
	}
	r := rand.New(rand.NewPCG(5570, 8200))
	for len(out) < n {
		var b []byte
		switch r.IntN(3) {
		case 0: // a label as Linux writes it, in DOI 16, 17 or 18 (not configured)
			var l cipso.Label
			l.Level = uint32(r.IntN(256))
			for range r.IntN(8) {
				_ = l.Cats.Add(uint32(r.IntN(500)))
			}
			var err error
			if b, err = calipso.AppendHopByHop(nil, 17, uint32(16+r.IntN(3)), &l); err != nil {
				tb.Fatal(err)
			}
		case 1:
			b = testutil.Unhex(tb, seedVectors6[r.IntN(len(seedVectors6))].hex)
			for range 1 + r.IntN(3) {
				b[2+r.IntN(len(b)-2)] = byte(r.Uint32())
			}
		default:
			b = make([]byte, 8*(1+r.IntN(4)))
			b[0], b[1] = 17, byte(len(b)/8-1)
			for i := 2; i < len(b); i++ {
				b[i] = byte(r.IntN(4))
				if r.IntN(3) == 0 {
					b[i] = [...]byte{ipv6.Pad1, ipv6.PadN, ipv6.RouterAlert, ipv6.CALIPSO, ipv6.Jumbo, ipv6.IOAM, 0x1e, 0x5e, 0x9e, 0xde}[r.IntN(10)]
				}
			}
		}
		out = append(out, b)
	}
	return out
}

// cliVerdict6 is iplabel validate's JSON line.
type cliVerdict6 struct {
	OK      bool `json:"ok"`
	Pointer *int `json:"pointer"`
}

// TestCLIValidate6 runs iplabel validate --ipv6 with CALIPSO DOIs 16 and
// 17 configured on 1500 Hop-by-Hop headers (one line of hex each) and
// checks each line against the library: ok when ipv6.Linux with
// calipso.Linux accepts the header in a UDP datagram to a unicast
// address, and the pointer ipv6.ICMP gives (null when Linux sends no
// Parameter Problem).
func TestCLIValidate6(t *testing.T) {
	hdrs := cliHeaders6(t, 1500)
	cfg := filepath.Join(t.TempDir(), "calipso.conf")
	if err := os.WriteFile(cfg, []byte("calipso add pass doi:16\ncalipso add pass doi:17\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var in bytes.Buffer
	for _, h := range hdrs {
		in.WriteString(hex.EncodeToString(h) + "\n")
	}
	out, stderr, code := runCLI(t, in.Bytes(), "validate", "--ipv6", "--doi-config", cfg)
	if code != 0 && code != 1 || stderr != "" {
		t.Fatalf("validate --ipv6: exit %d, stderr %q", code, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != len(hdrs) {
		t.Fatalf("validate --ipv6: %d lines for %d headers", len(lines), len(hdrs))
	}
	walk := ipv6.Linux{CALIPSO: calipso.NewLinux(doi6Registry)}
	kinds := map[string]int{}
	for i, h := range hdrs {
		var got cliVerdict6
		if err := json.Unmarshal([]byte(lines[i]), &got); err != nil {
			t.Fatalf("%x: %v in %s", h, err, lines[i])
		}
		err := walk.CheckHopByHop(h, ipv6.Packet{PayloadLen: len(h) + 8, Len: len(h) + 8})
		_, ptr, answered := ipv6.ICMP(err)
		switch {
		case got.OK != (err == nil):
			t.Fatalf("%x: CLI ok %v, library %v", h, got.OK, err)
		case answered != (got.Pointer != nil):
			t.Fatalf("%x: CLI pointer %v, library answered %v (%v)", h, got.Pointer, answered, err)
		case answered && *got.Pointer != int(ptr):
			t.Fatalf("%x: CLI pointer %d, library %d", h, *got.Pointer, ptr)
		}
		switch {
		case err == nil:
			kinds["ok"]++
		case answered:
			kinds["icmp"]++
		default:
			kinds["silent"]++
		}
	}
	t.Logf("%d headers: %v", len(hdrs), kinds)
	for _, k := range []string{"ok", "icmp", "silent"} {
		if kinds[k] < len(hdrs)/20 {
			t.Errorf("only %d %s verdicts", kinds[k], k)
		}
	}
}
