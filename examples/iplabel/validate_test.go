package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
)

// lpConfig is the kernel the checklist's verdicts are for: NetLabel with
// "cipso add pass doi:1 tags:1,2,5" and cipso_rbm_strictvalid=1; DOI 2 is
// a trans DOI for the unmapped level and category cases and 5 a local DOI
// for tag 128.
const lpConfig = `# the checklist's configuration
netlabelctl cipsov4 add pass doi:1 tags:1,2,5
cipsov4 add trans doi:2 tags:1 levels:0=0 categories:0=0
cipsov4 add local doi:5
`

// verdict is a validate expectation: -1 for valid, else the pointer.
type verdict int

const valid verdict = -1

// checklist holds differential-test cases (an options field in hex and the
// verdict Linux gives with lpConfig) that the linux profile must
// reproduce. The expected pointers follow cipso_v4_validate
// (net/ipv4/cipso_ipv4.c) and __ip_options_compile (net/ipv4/ip_options.c)
// as cipso/RULES.md and ipopt/RULES.md describe them; the pointer rules
// were checked on Linux 6.18.
var checklist = []struct {
	name string
	hex  string
	lp   verdict
}{
	{"minimal tag 1", "86 0A 00 00 00 01 01 04 00 05 00 00", valid},
	{"bitmap {0,15}", "86 0C 00 00 00 01 01 06 00 05 80 01", valid},
	{"optimized bitmap", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", valid},
	{"trailing zero octet", "86 0B 00 00 00 01 01 05 00 05 00 00", valid},
	{"alignment FF", "86 0A 00 00 00 01 01 04 FF 05 00 00", valid},
	{"DOI 0", "86 0A 00 00 00 00 01 04 00 05 00 00", 22},
	{"option length 6", "86 06 00 00 00 01 00 00", 21},
	{"tag header only", "86 08 00 00 00 01 01 04", 27},
	{"tag type last octet", "86 0B 00 00 00 01 01 04 00 05 01 00", 30},
	{"tag length 0", "86 0A 00 00 00 01 01 00 00 05 00 00", 27},
	{"tag length 3", "86 0A 00 00 00 01 01 03 00 05 00 00", 27},
	{"tag past option", "86 0A 00 00 00 01 01 05 00 05 00 00", 27},
	{"unknown tag 3", "86 0A 00 00 00 01 03 04 00 05 00 00", 26},
	{"zero padding inside", "86 0C 00 00 00 01 01 04 00 05 00 00", 30},
	{"tag 0 bogus length", "86 08 00 00 00 01 00 05", 27},
	{"local tag, pass DOI", "86 0C 00 00 00 01 80 06 00 00 00 2A", 26},
	{"enumerated ascending", "86 0E 00 00 00 01 02 08 00 05 00 01 00 05 00 00", valid},
	{"enumerated descending", "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00", 30},
	{"enumerated duplicate", "86 0E 00 00 00 01 02 08 00 05 00 05 00 05 00 00", 30},
	{"enumerated odd length", "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00", 30},
	{"enumerated 65535", "86 0C 00 00 00 01 02 06 00 05 FF FF", valid},
	{"ranged", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00", valid},
	{"ranged implied bottom", "86 0C 00 00 00 01 05 06 00 05 00 03", valid},
	{"ranged ascending", "86 12 00 00 00 01 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00", 30},
	{"ranged inverted pair", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00", valid},
	{"ranged touching", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00", valid},
	{"ranged odd length", "86 0D 00 00 00 01 05 07 00 05 00 03 01 00 00 00", 30},
	{"largest tag 1", "86 28 00 00 00 01 01 22 00 FF" + strings.Repeat(" FF", 29) + " 01", valid},
	{"two CIPSO options", "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06", 30},
	{"two tags", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00", valid},
	{"CIPSO past the area", "86 10 00 00 00 01 01 04 00 05 00 00", 20},
	{"NOPs, unknown DOI", "01 01 86 0A 00 00 00 09 01 04 00 05", 24},
	{"lone 0x86", "86 0A 00 00 00 01 01 04 00 05 01 86", 31},
	{"option length 1", "86 01 00 00", 20},
	{"garbage after EOL", "86 0A 00 00 00 01 01 04 00 05 00 AB", valid},
	{"trans, unmapped level", "86 0C 00 00 00 02 01 06 00 01 80 00", 29},
	{"trans, unmapped category", "86 0B 00 00 00 02 01 05 00 00 40 00", 30},
	{"BSO", "82 03 AB 00", valid},
	{"BSO FTI on last", "82 04 3D 01", valid},
	{"BSO length 2", "82 02 00 00", valid},
	{"two BSOs", "82 03 AB 82 03 3D 00 00", valid},
	{"ESO length 2", "85 02 00 00", valid},
}

func TestValidateLinuxChecklist(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	var in strings.Builder
	for _, c := range checklist {
		in.WriteString(c.hex + "\n")
	}
	r := iplabel(t, in.String(), "validate", "--doi-config", cfg)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(checklist), "one line per input")
	for i, c := range checklist {
		m := got[i].(map[string]any)
		if c.lp == valid {
			assert.Equal(t, asJSON(t, `{"ok":true}`), got[i], c.name)
			continue
		}
		assert.Equal(t, false, m["ok"], c.name)
		assert.Equal(t, float64(c.lp), m["pointer"], c.name)
		assert.NotEmpty(t, m["error"], c.name)
	}
	assert.Equal(t, exitInvalid, r.code, "some fields are invalid")
	assert.Empty(t, r.stderr)
}

// TestValidateArgumentsEqualStdin: fields as arguments give the same
// lines as on stdin.
func TestValidateArgumentsEqualStdin(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	args := []string{"validate", "--doi-config", cfg}
	var in strings.Builder
	for _, c := range checklist[:12] {
		args = append(args, strings.ReplaceAll(c.hex, " ", ""))
		in.WriteString(c.hex + "\n")
	}
	a := iplabel(t, "", args...)
	s := iplabel(t, in.String(), args[:3]...)
	assert.Equal(t, s.stdout, a.stdout)
	assert.Equal(t, s.code, a.code)
}

// TestValidateNoConfig: NetLabel with no DOI, so every CIPSO option fails
// at its DOI field (option offset + 2).
func TestValidateNoConfig(t *testing.T) {
	r := iplabel(t, "", "validate", "860A00000001010400050000", "0101860A0000000901040005", "82045a90")
	got := jsonLines(t, r.stdout)
	require.Len(t, got, 3)
	for i, ptr := range []float64{22, 24} {
		m := got[i].(map[string]any)
		assert.Equal(t, false, m["ok"])
		assert.Equal(t, ptr, m["pointer"])
		assert.True(t, strings.HasPrefix(m["error"].(string), cipso.ErrUnknownDOI.Error()), m["error"])
	}
	assert.Equal(t, asJSON(t, `{"ok":true}`), got[2])
	assert.Equal(t, exitInvalid, r.code)
}

func TestValidateAllValidExitsZero(t *testing.T) {
	r := iplabel(t, "# comment\n\n-\n01010100\n", "validate")
	assert.Equal(t, "{\"ok\":true}\n{\"ok\":true}\n", r.stdout)
	assert.Equal(t, exitOK, r.code)
}

// TestValidateLoopback: the local tag 128 passes only on loopback, for a
// local DOI (cipso_v4_validate in net/ipv4/cipso_ipv4.c; checked on Linux
// 6.18).
func TestValidateLoopback(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	const local = "86 0C 00 00 00 05 80 06 2A 00 00 00"
	r := iplabel(t, local+"\n", "validate", "--doi-config", cfg)
	assert.Equal(t, float64(26), jsonLines(t, r.stdout)[0].(map[string]any)["pointer"])
	r = iplabel(t, local+"\n", "validate", "--doi-config", cfg, "--loopback")
	assert.Equal(t, "{\"ok\":true}\n", r.stdout)
	// Loopback or not, a pass DOI does not permit tag 128.
	r = iplabel(t, "86 0C 00 00 00 01 80 06 00 00 00 2A\n", "validate", "--doi-config", cfg, "--loopback")
	assert.Equal(t, float64(26), jsonLines(t, r.stdout)[0].(map[string]any)["pointer"])
}

// TestValidateRBMStrictValid: cipso_rbm_strictvalid gates only tag 1's
// level and bitmap checks (cipso_v4_validate in net/ipv4/cipso_ipv4.c;
// the trans DOI cases of the checklist).
func TestValidateRBMStrictValid(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	in := "86 0C 00 00 00 02 01 06 00 01 80 00\n86 0B 00 00 00 02 01 05 00 00 40 00\n"
	r := iplabel(t, in, "validate", "--doi-config", cfg, "--rbm-strictvalid", "0")
	assert.Equal(t, "{\"ok\":true}\n{\"ok\":true}\n", r.stdout)
	r = iplabel(t, in, "validate", "--doi-config", cfg, "--rbm-strictvalid=1")
	got := jsonLines(t, r.stdout)
	assert.Equal(t, float64(29), got[0].(map[string]any)["pointer"])
	assert.Equal(t, float64(30), got[1].(map[string]any)["pointer"])
}

// TestValidateStrict: the strict profile, where it differs from Linux
// (CIPSO draft §3.4.2.3, §3.4.2.5, §3.4.3.5, §3.4.4.5 and §5.2; see
// cipso/RULES.md), and RFC 1108's rules (ipopt/rfc1108/RULES.md:
// RFC-invalid BSOs and an ESO without a BSO).
func TestValidateStrict(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	cases := []struct {
		name string
		hex  string
		want verdict
	}{
		{"optimized bitmap is canonical", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", valid},
		{"trailing zero octet", "86 0B 00 00 00 01 01 05 00 05 00 00", 30},
		{"alignment FF", "86 0A 00 00 00 01 01 04 FF 05 00 00", 28},
		{"enumerated 65535", "86 0C 00 00 00 01 02 06 00 05 FF FF", 30},
		{"ranged inverted pair", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00", 30},
		{"ranged touching", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00", 30},
		{"two MAC tags", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00", 30},
		{"ranged", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00", valid},
		{"BSO unclassified", "82 03 AB 00", valid},
		{"BSO GENSER", "82 04 3D 80", valid},
		// RFC-invalid BSOs: the fault is the last PAF octet (FTI set,
		// offset 3), the octet after the FTI=0 one (4), the length
		// octet (1), the classification (2), the second BSO (3).
		{"FTI on last octet", "82 04 3D 01", 23},
		{"extraneous octet", "82 05 96 80 00 00 00 00", 24},
		{"length 2", "82 02 00 00", 21},
		{"unassigned classification", "82 03 00 00", 22},
		{"two BSOs", "82 03 AB 82 03 3D 00 00", 23},
		{"ESO without BSO", "85 03 01 00", 20},
		{"ESO with BSO", "82 03 AB 85 03 01 00 00", valid},
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.hex + "\n")
	}
	r := iplabel(t, in.String(), "validate", "--profile", "strict", "--doi-config", cfg)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		m := got[i].(map[string]any)
		if c.want == valid {
			assert.Equal(t, true, m["ok"], "%s: %v", c.name, m)
			continue
		}
		assert.Equal(t, float64(c.want), m["pointer"], "%s: %v", c.name, m)
	}
}

// TestValidateStrictFIPS188: tags 6 and 7 pass the strict profile only in
// fips188's strict reading (tag 7 at least 4 octets, minimal bitmaps).
func TestValidateStrictFIPS188(t *testing.T) {
	cfg := writeFile(t, "doi.conf", lpConfig)
	r := iplabel(t, "", "validate", "--profile", "strict", "--doi-config", cfg,
		"86 0C 00 00 00 01 06 06 00 05 80 01", // permissive bitmap {0,15}
		"86 0A 00 00 00 01 07 04 AA BB 00 00", // free form, 2 data octets
		"86 08 00 00 00 01 07 02",             // empty free form: fips188 strict refuses
		"86 0B 00 00 00 01 06 05 00 05 00 00", // tag 6 with a trailing zero octet
	)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, 4)
	assert.Equal(t, true, got[0].(map[string]any)["ok"])
	assert.Equal(t, true, got[1].(map[string]any)["ok"])
	assert.Equal(t, false, got[2].(map[string]any)["ok"])
	assert.Equal(t, false, got[3].(map[string]any)["ok"])
	// The linux profile refuses both at the tag type (cipso_v4_validate;
	// checked on Linux 6.18).
	r = iplabel(t, "", "validate", "--doi-config", cfg, "86 0C 00 00 00 01 06 06 00 05 80 01", "86 0A 00 00 00 01 07 04 AA BB 00 00")
	for _, v := range jsonLines(t, r.stdout) {
		assert.Equal(t, float64(26), v.(map[string]any)["pointer"])
	}
}

// silentCases are fields on which Linux finds an error but sends no
// Parameter Problem (an RR or TS advanced by the receive walk before the
// error leaves no room in __ip_options_echo), and neighbours on which it
// sends one. linux is the linux profile's pointer (valid = null, the
// datagram is dropped silently), strict the strict profile's, which
// always has one. TestKernelSilent confirms the linux column.
var silentCases = []struct {
	name          string
	hex           string
	linux, strict verdict
}{
	{"RR 10 at 4, then length 1", "07 0A 04 00 00 00 00 00 00 00 07 01", valid, 30},
	{"RR 11 at 4, then length 1", "07 0B 04 00 00 00 00 00 00 00 00 07 01 00 00 00", 31, 31},
	{"TS flag 0, 10 at 5, then length 1", "44 0A 05 00 00 00 00 00 00 00 07 01", valid, 30},
	{"TS flag 1, 16 at 5, then length 1", "44 10 05 01 00 00 00 00 00 00 00 00 00 00 00 00 07 01 00 00", valid, 36},
	{"TS flag 3 at 127.0.0.1, 13 at 5, then length 1", "44 0D 05 03 7F 00 00 01 00 00 00 00 00 07 01 00", valid, 33},
	{"TS flag 3 at 10.0.0.1, 13 at 5, then length 1", "44 0D 05 03 0A 00 00 01 00 00 00 00 00 07 01 00", 33, 33},
	{"RR 10 at 4, then CIPSO length 2", "07 0A 04 00 00 00 00 00 00 00 86 02", valid, 31},
	{"LSRR, then length 1", "83 0B 08 00 01 02 03 00 00 00 00 07 01 00 00 00", 31, 31},
}

// TestValidateSilent: the linux profile gives "pointer":null for an error
// Linux finds but does not answer; the strict profile gives the pointer.
func TestValidateSilent(t *testing.T) {
	var in strings.Builder
	for _, c := range silentCases {
		in.WriteString(c.hex + "\n")
	}
	for _, profile := range []string{"linux", "strict"} {
		r := iplabel(t, in.String(), "validate", "--profile", profile)
		assert.Equal(t, exitInvalid, r.code)
		got := jsonLines(t, r.stdout)
		require.Len(t, got, len(silentCases))
		for i, c := range silentCases {
			m := got[i].(map[string]any)
			want := c.strict
			if profile == "linux" {
				want = c.linux
			}
			assert.Equal(t, false, m["ok"], "%s %s: %v", profile, c.name, m)
			assert.NotEmpty(t, m["error"], "%s %s: the error is reported either way", profile, c.name)
			p, present := m["pointer"]
			require.True(t, present, "%s %s: %v", profile, c.name, m)
			if want == valid {
				assert.Nil(t, p, "%s %s: no ICMP, no pointer", profile, c.name)
			} else {
				assert.Equal(t, float64(want), p, "%s %s", profile, c.name)
			}
		}
	}
}
