package main

import (
	"encoding/hex"
	"math/rand/v2"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// kernelDOIs are the DOIs the differential test configures with
// netlabelctl and gives the command in --doi-config. The numbers are
// wishes: where the host uses one already, linuxtest.ConfigureDOIs picks
// a free number, and the test's generator (genDOIs) and --doi-config
// follow it.
var kernelDOIs = []string{
	"cipsov4 add pass doi:3101 tags:1,2,5",
	"cipsov4 add trans doi:3102 tags:1 levels:0=0,1=5,2=2 categories:0=0,1=3,5=7",
	"cipsov4 add local doi:3103",
	"cipsov4 add pass doi:3104 tags:5,2",
}

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
	dois, err := ns.ConfigureDOIs(kernelDOIs...)
	require.NoError(t, err)
	// The DOIs the host has configured are in --doi-config too: the kernel
	// accepts their labels, which a flipped octet can make.
	host, err := ns.HostDOIs()
	require.NoError(t, err)
	var conf strings.Builder
	for _, l := range kernelDOIs {
		conf.WriteString(dois.Rewrite(l) + "\n")
	}
	for _, l := range host {
		conf.WriteString(l + "\n")
	}
	cfg := writeFile(t, "kernel.conf", conf.String())
	unconfigured, err := ns.FreeDOI(3199)
	require.NoError(t, err)
	old := genDOIs
	genDOIs = slices.Clone(genDOIs)
	for i, d := range genDOIs {
		switch d {
		case 3199:
			genDOIs[i] = unconfigured
		default:
			genDOIs[i] = dois.Of(d)
		}
	}
	defer func() { genDOIs = old }()

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
			} else if m["pointer"] == nil && m["error"] != nil {
				cli = linuxtest.Verdict{Outcome: linuxtest.Dropped}.String() // found, but no ICMP sent
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

// TestKernelSilent confirms silentCases' linux column on the running
// kernel: "pointer":null exactly when the kernel sends no ICMP.
func TestKernelSilent(t *testing.T) {
	ns := linuxtest.ForTest(t)
	list := make([][]byte, len(silentCases))
	for i, c := range silentCases {
		f, err := parseHexField(nil, c.hex)
		require.NoError(t, err)
		list[i] = f
	}
	kv, err := ns.VerdictMany(list)
	require.NoError(t, err)
	for i, c := range silentCases {
		want := linuxtest.Verdict{Outcome: linuxtest.Dropped}
		if c.linux != valid {
			want = linuxtest.Verdict{Outcome: linuxtest.ParameterProblem, Pointer: int(c.linux)}
		}
		require.Equal(t, want.String(), kv[i].String(), "%s: %s", c.name, c.hex)
	}
}

// kernelCALIPSO are the CALIPSO DOIs validate --ipv6's differential test
// wishes for (linuxtest.ConfigureCALIPSO picks free numbers where the
// host uses these), and kernelCases6 how many headers it tries.
var kernelCALIPSO = []uint32{3201, 3202}

const kernelCases6 = 400

// TestKernelDifferentialIPv6 compares "iplabel validate --ipv6" with the
// running kernel on generated Hop-by-Hop headers (genHopByHop): ok must
// be whether the kernel delivers an IPv6/UDP datagram carrying the header
// to [::1], and pointer the pointer of the ICMPv6 Parameter Problem it
// sends (null when it sends none). The kernel's answer comes from
// ipopt/linuxtest, which injects the datagrams on lo in a private network
// namespace with the CALIPSO DOIs configured (and removes them again);
// the --doi-config file holds those DOIs, the host's own, and a CIPSO
// line that validate --ipv6 must read past.
func TestKernelDifferentialIPv6(t *testing.T) {
	ns := linuxtest.ForTest(t)
	used, err := ns.ConfigureCALIPSO(t, kernelCALIPSO...)
	require.NoError(t, err)
	host, err := ns.HostCALIPSO()
	require.NoError(t, err)
	v, err := ns.IPv6()
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })

	conf := []string{"cipsov4 add pass doi:3101 tags:1"}
	for _, d := range kernelCALIPSO {
		conf = append(conf, "netlabelctl calipso add pass doi:"+strconv.FormatUint(uint64(used.Of(d)), 10))
	}
	for _, d := range host {
		conf = append(conf, "calipso add pass doi:"+strconv.FormatUint(uint64(d), 10))
	}
	cfg := writeFile(t, "kernel6.conf", strings.Join(conf, "\n")+"\n")
	old := genCALIPSODOIs
	genCALIPSODOIs = slices.Clone(genCALIPSODOIs)
	for i, d := range genCALIPSODOIs {
		genCALIPSODOIs[i] = used.Of(d)
	}
	defer func() { genCALIPSODOIs = old }()

	seed := uint64(6)
	if s, err := strconv.ParseUint(os.Getenv("IPLABEL_SEED"), 10, 64); err == nil {
		seed = s
	}
	r := rand.New(rand.NewPCG(seed, seed*0x9e3779b97f4a7c15))
	list := make([][]byte, kernelCases6)
	var in strings.Builder
	for i := range list {
		list[i] = genHopByHop(r)
		in.WriteString(hexOf(list[i]) + "\n")
	}
	kv, err := v.VerdictHopByHop(list)
	require.NoError(t, err)
	res := iplabel(t, in.String(), "validate", "--ipv6", "--doi-config", cfg)
	require.Empty(t, res.stderr)
	got := jsonLines(t, res.stdout)
	require.Len(t, got, len(list))
	kinds := map[string]int{}
	bad := 0
	for i, k := range kv {
		want := "dropped"
		switch {
		case k.Delivered:
			want = "delivered"
		case k.ICMP && k.Type == 4:
			want = "pointer " + strconv.Itoa(int(k.Pointer))
		case k.ICMP:
			want = k.String()
		}
		kinds[strings.Fields(want)[0]]++
		m := got[i].(map[string]any)
		cli := "dropped"
		if m["ok"] == true {
			cli = "delivered"
		} else if p, ok := m["pointer"].(float64); ok {
			cli = "pointer " + strconv.Itoa(int(p))
		}
		if cli != want {
			if bad++; bad <= 20 {
				t.Errorf("%s: kernel %s, iplabel %s (%v)", hexOf(list[i]), want, cli, m["error"])
			}
		}
	}
	t.Logf("kernel verdicts over %d headers: %v", len(list), kinds)
	require.Greater(t, kinds["delivered"], len(list)/10, "the generator should make valid labels too")
	require.Greater(t, kinds["pointer"], len(list)/20)
	require.Greater(t, kinds["dropped"], len(list)/10)
	if bad > 0 {
		t.Errorf("%d of %d headers disagree (seed %d)", bad, len(list), seed)
	}
}
