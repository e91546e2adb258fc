package main

import (
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// kernelDOIs are the DOIs the differential test configures with
// netlabelctl and gives the command in --doi-config. They are chosen
// away from the ones other test packages use, and linuxtest refuses to
// touch a DOI that already exists.
var kernelDOIs = []string{
	"cipsov4 add pass doi:3101 tags:1,2,5",
	"cipsov4 add trans doi:3102 tags:1 levels:0=0,1=5,2=2 categories:0=0,1=3,5=7",
	"cipsov4 add local doi:3103",
	"cipsov4 add pass doi:3104 tags:5,2",
}

// genDOIs are the DOIs the generator writes: the four configured, one
// that is not, and the reserved 0.
var genDOIs = []uint32{3101, 3101, 3101, 3101, 3102, 3102, 3103, 3103, 3104, 3104, 3199, 0}

// kernelCases is how many options fields the differential test tries.
const kernelCases = 600

// TestKernelDifferential compares "iplabel validate --profile linux
// --loopback" with the running kernel on generated options fields
// carrying CIPSO options (every tag kind, right and wrong lengths,
// levels and categories in and out of the DOIs' maps, labels behind other
// options, EOL tails): the command's ok/pointer must be the kernel's
// verdict and ICMP Parameter Problem pointer, for cipso_rbm_strictvalid
// 1 and 0. The kernel's answer comes from ipopt/linuxtest, which injects
// each field on lo in a private network namespace (so --loopback).
func TestKernelDifferential(t *testing.T) {
	ns := linuxtest.ForTest(t)
	require.NoError(t, ns.ConfigureNetLabel(kernelDOIs...))
	cfg := writeFile(t, "kernel.conf", strings.Join(kernelDOIs, "\n")+"\n")

	seed := uint64(5)
	if s, err := strconv.ParseUint(os.Getenv("IPLABEL_SEED"), 10, 64); err == nil {
		seed = s
	}
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15))
	list := make([][]byte, kernelCases)
	for i := range list {
		list[i] = genCIPSOField(r)
	}
	var in strings.Builder
	for _, f := range list {
		in.WriteString(hexOf(f) + "\n")
	}

	for _, strict := range []bool{true, false} {
		require.NoError(t, ns.SetCIPSOStrictValid(strict))
		kv, err := ns.VerdictMany(list)
		require.NoError(t, err)
		sv := "0"
		if strict {
			sv = "1"
		}
		res := iplabel(t, in.String(), "validate", "--profile", "linux", "--loopback", "--rbm-strictvalid", sv, "--doi-config", cfg)
		require.Empty(t, res.stderr)
		got := jsonLines(t, res.stdout)
		require.Len(t, got, len(list))
		type miss struct{ field, kernel, cli string }
		var ms []miss
		kinds := map[string]int{}
		for i, v := range kv {
			kinds[v.Outcome.String()]++
			m := got[i].(map[string]any)
			var cli string
			if m["ok"] == true {
				cli = linuxtest.Verdict{Outcome: linuxtest.Delivered}.String()
			} else if p, ok := m["pointer"].(float64); ok {
				cli = linuxtest.Verdict{Outcome: linuxtest.ParameterProblem, Pointer: int(p)}.String()
			} else {
				cli = "error " + m["error"].(string)
			}
			if k := v.String(); k != cli {
				ms = append(ms, miss{hex.EncodeToString(list[i]), k, cli})
			}
		}
		t.Logf("strictvalid=%s: kernel verdicts over %d fields: %v", sv, len(list), kinds)
		require.Greater(t, kinds["delivered"], len(list)/10, "the generator should make valid labels too")
		require.Greater(t, kinds["parameter problem"], len(list)/10)
		sort.Slice(ms, func(i, j int) bool { return len(ms[i].field) < len(ms[j].field) })
		for i, m := range ms {
			if i == 20 {
				break
			}
			t.Errorf("strictvalid=%s: %s: kernel %q, iplabel %q", sv, m.field, m.kernel, m.cli)
		}
		if len(ms) > 0 {
			t.Errorf("strictvalid=%s: %d of %d fields disagree (seed %d)", sv, len(ms), len(list), seed)
		}
	}
}

// genCIPSOField makes one options field (a multiple of 4 octets, at most
// 40) around a CIPSO option: maybe NOPs, a BSO or a router alert first,
// then the option with 1 to 3 tags, mostly well formed, sometimes with a
// wrong length or a flipped octet, then maybe an EOL and a tail, or a
// second CIPSO option. No RR, TS or source route: the kernel answers
// those differently for reasons that are not CIPSO's (ipopt/linuxtest
// tests them).
func genCIPSOField(r *rand.Rand) []byte {
	for {
		var b []byte
		switch r.IntN(8) {
		case 0:
			for range 1 + r.IntN(3) {
				b = append(b, 1)
			}
		case 1:
			b = append(b, 0x82, 3, 0xab)
		case 2:
			b = append(b, 0x94, 4, 0, 0)
		}
		b = append(b, genCIPSO(r)...)
		switch r.IntN(8) {
		case 0:
			b = append(b, 0, byte(r.IntN(256)), byte(r.IntN(256)))
		case 1:
			b = append(b, genCIPSO(r)...)
		}
		if r.IntN(16) == 0 && len(b) > 0 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
		if len(b) <= 40 {
			return b
		}
	}
}

// genCIPSO makes one CIPSO option.
func genCIPSO(r *rand.Rand) []byte {
	o := []byte{0x86, 0}
	o = binary.BigEndian.AppendUint32(o, genDOIs[r.IntN(len(genDOIs))])
	tags := 1
	if r.IntN(4) == 0 {
		tags += 1 + r.IntN(2)
	}
	for range tags {
		o = append(o, genTag(r)...)
	}
	n := len(o)
	switch r.IntN(20) {
	case 0:
		n--
	case 1:
		n++
	case 2:
		n = r.IntN(12)
	}
	if n < 0 {
		n = 0
	}
	o[1] = byte(n)
	return o
}

// genTag makes one tag, of a kind the DOIs above permit or refuse.
func genTag(r *rand.Rand) []byte {
	types := []byte{1, 1, 1, 2, 2, 5, 5, 128, 128, 6, 7, 0, 3}
	typ := types[r.IntN(len(types))]
	t := []byte{typ, 0}
	switch typ {
	case 1, 6:
		t = append(t, 0, byte(r.IntN(4)))
		bm := r.IntN(4)
		for i := range bm {
			v := byte(r.IntN(256))
			if i == 0 && r.IntN(2) == 0 {
				v = []byte{0x80, 0x40, 0xc0, 0x04, 0x44}[r.IntN(5)] // categories 0, 1, 5
			}
			t = append(t, v)
		}
	case 2:
		t = append(t, 0, byte(r.IntN(4)))
		prev := -1
		for range r.IntN(4) {
			c := prev + 1 + r.IntN(20)
			switch r.IntN(16) {
			case 0:
				c = prev // a duplicate
			case 1:
				c = 65535
			case 2:
				c = r.IntN(10) // maybe descending
			}
			t = binary.BigEndian.AppendUint16(t, uint16(c))
			prev = c
		}
	case 5:
		t = append(t, 0, byte(r.IntN(4)))
		hi := 200 + r.IntN(100)
		for i := range r.IntN(4) {
			lo := hi - r.IntN(30)
			if r.IntN(16) == 0 {
				lo, hi = hi, lo // inverted
			}
			if r.IntN(16) == 0 {
				hi += 50 // ascending
			}
			t = binary.BigEndian.AppendUint16(t, uint16(max(hi, 0)))
			if i < 3 && r.IntN(6) != 0 {
				t = binary.BigEndian.AppendUint16(t, uint16(max(lo, 0)))
			}
			hi = lo - r.IntN(10)
		}
	case 128:
		t = append(t, byte(r.IntN(256)), 0, 0, byte(r.IntN(2)))
	default:
		for range r.IntN(4) {
			t = append(t, byte(r.IntN(256)))
		}
	}
	n := len(t)
	if r.IntN(16) == 0 {
		n += r.IntN(5) - 2
	}
	t[1] = byte(max(n, 0))
	return t
}
