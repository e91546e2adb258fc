package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// conf6 configures CALIPSO DOI 16 beside the checklist's CIPSO DOIs: one
// file for both modules.
const conf6 = lpConfig + "netlabelctl calipso add pass doi:16\n"

// hbh16 is the Hop-by-Hop header calipso_opt_insert builds for s3:c0,c5
// in DOI 16 (calipso's example).
const hbh16 = "1101070c000000100103f66b84000000"

// TestValidateIPv6 checks validate --ipv6 against the verdicts Linux
// gives (ip6_parse_tlv and ipv6_hop_calipso in net/ipv6/exthdrs.c,
// calipso_validate in net/ipv6/calipso.c, as ipopt/ipv6 and calipso's
// RULES.md give them; TestKernelDifferentialIPv6 compares with the
// running kernel): the ICMPv6 pointer counts from the IPv6 header, the
// Hop-by-Hop header's first option being at 42.
func TestValidateIPv6(t *testing.T) {
	cfg := writeFile(t, "doi.conf", conf6)
	const null = -2
	cases := []struct {
		name, hex string
		ok        bool
		pointer   int // null: no ICMPv6 answer
		err       string
	}{
		{"PadN only", "11 00 01 04 00 00 00 00", true, null, ""},
		{"next header not judged", "ff 00 01 04 00 00 00 00", true, null, ""},
		{"CALIPSO s3:c0,c5 DOI 16", hbh16, true, null, ""},
		{"CALIPSO checksum octet flipped", "11 01 07 0c 00 00 00 10 01 03 f7 6b 84 00 00 00", false, null, "calipso: bad checksum: checksum at offset 10"},
		{"CALIPSO DOI 17 not configured", hbh(t, 17, "s1"), false, null, "calipso: unknown DOI"},
		{"CALIPSO option length 7", "11 01 07 07 00 00 00 10 00 01 00 00 01 02 00 00", false, null, "calipso length"},
		{"unknown option, action 00", "11 00 1e 02 00 00 01 00", true, null, ""},
		{"unknown option, action 01", "11 00 5e 02 00 00 01 00", false, null, "unrecognised option"},
		{"unknown option, action 10", "11 00 9e 02 00 00 01 00", false, 42, "unrecognised option"},
		{"unknown option, action 11, after PadN", "11 00 01 00 de 00 00 00", false, 44, "unrecognised option"},
		{"PadN with data", "11 00 01 04 00 00 00 01", false, null, "padding value at offset 7"},
		{"padding run of 8", "11 01 01 06 00 00 00 00 00 00 00 00 00 00 00 00", false, null, "padding length"},
		{"Jumbo Payload, small value", "11 00 c2 04 00 00 ff ff", false, 44, "jumbo payload length"},
		{"Jumbo Payload in a datagram with a payload length", "11 00 c2 04 00 01 00 00", false, 42, "jumbo payload"},
		{"Router Alert length 3", "11 00 05 03 00 00 00 00", false, null, "router alert length"},
		{"9 options", "11 02 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 01 02 00 00", false, null, "too many options"},
		{"option past the header", "11 00 1e 09 00 00 00 00", false, null, "option length"},
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.hex + "\n")
	}
	r := iplabel(t, in.String(), "validate", "--ipv6", "--doi-config", cfg)
	assert.Empty(t, r.stderr)
	assert.Equal(t, exitInvalid, r.code)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		m := got[i].(map[string]any)
		assert.Equal(t, c.ok, m["ok"], c.name)
		if c.pointer == null {
			assert.Nil(t, m["pointer"], c.name)
		} else {
			assert.Equal(t, float64(c.pointer), m["pointer"], c.name)
		}
		if c.ok {
			assert.Equal(t, asJSON(t, `{"ok":true,"pointer":null,"error":null}`), got[i], c.name)
		} else {
			assert.Contains(t, m["error"], c.err, c.name)
		}
	}

	// The same headers as arguments; a valid one alone exits 0.
	args := []string{"validate", "--ipv6", "--doi-config", cfg}
	for _, c := range cases {
		args = append(args, strings.ReplaceAll(c.hex, " ", ""))
	}
	assert.Equal(t, r.stdout, iplabel(t, "", args...).stdout)
	r = iplabel(t, "", "validate", "--doi-config", cfg, "--ipv6", hbh16)
	assert.Equal(t, "{\"ok\":true,\"pointer\":null,\"error\":null}\n", r.stdout)
	assert.Equal(t, exitOK, r.code)

	// Without --doi-config no CALIPSO DOI is configured: the label is
	// dropped.
	r = iplabel(t, "", "validate", "--ipv6", hbh16)
	assert.Contains(t, r.stdout, `"ok":false,"pointer":null,"error":"calipso: unknown DOI`)
}

// hbh is the Hop-by-Hop header calipso.AppendHopByHop builds.
func hbh(t testing.TB, doi uint32, label string) string {
	l, err := cipso.ParseLabel(label)
	require.NoError(t, err)
	h, err := calipso.AppendHopByHop(nil, ipv6.UDP, doi, &l)
	require.NoError(t, err)
	return hexOf(h)
}

// TestValidateIPv6Input: inputs that are not one whole Hop-by-Hop header
// are input errors (exit 1, the line's object and one stderr line each).
func TestValidateIPv6Input(t *testing.T) {
	cases := []struct{ hex, msg string }{
		{"-", "0 octets: a Hop-by-Hop header has at least 8"},
		{"11 00 01 02 00 00", "6 octets: a Hop-by-Hop header has at least 8"},
		{"11 01 01 04 00 00 00 00", "8 octets, but Hdr Ext Len 1 makes the header 16"},
		{"11 00 01 04 00 00 00 00 00", "9 octets, but Hdr Ext Len 0 makes the header 8"},
		{"11 00 01 04 00 00 00 0g", "byte 23: not a hex digit: 'g'"},
		{strings.Repeat("ff", 2049), "byte 4097: Hop-by-Hop header over 2048 octets"},
	}
	for _, c := range cases {
		r := iplabel(t, c.hex+"\n", "validate", "--ipv6")
		assert.Equal(t, exitInvalid, r.code, c.hex)
		assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line 1: `+c.msg+`"}`), jsonLines(t, r.stdout)[0], c.hex)
		oneLineError(t, r, "iplabel: validate: stdin: line 1: "+c.msg)
	}
	// The longest header, 2048 octets (eight skipped options), is read.
	long := "11ff" + strings.Repeat("1eff"+strings.Repeat("00", 255), 7) + "1ef5" + strings.Repeat("00", 245)
	r := iplabel(t, "", "validate", "--ipv6", long)
	assert.Equal(t, exitOK, r.code, r.stderr)
	assert.Contains(t, r.stdout, `"ok":true`)
}

// TestValidateIPv6Flags: the IPv4 flags do not apply to --ipv6 (the
// strict profile does: TestValidateIPv6Strict).
func TestValidateIPv6Flags(t *testing.T) {
	for _, args := range [][]string{
		{"--loopback"}, {"--rbm-strictvalid", "0"},
	} {
		r := iplabel(t, "", append([]string{"validate", "--ipv6"}, append(args, hbh16)...)...)
		assert.Equal(t, exitError, r.code, args)
		oneLineError(t, r, "--ipv6")
	}
	r := iplabel(t, "", "validate", "--ipv6", "--profile", "linux", "11 00 01 04 00 00 00 00")
	assert.Equal(t, exitOK, r.code)
}

// TestConfigBothModules: one --doi-config file configures CIPSO (IPv4)
// and CALIPSO (IPv6); a bad line of either module is an error for every
// command, the earlier of the two first errors reported.
func TestConfigBothModules(t *testing.T) {
	cfg := writeFile(t, "doi.conf", conf6)
	r := iplabel(t, "", "validate", "--doi-config", cfg, "86 0A 00 00 00 01 01 04 00 05 00 00")
	assert.Equal(t, "{\"ok\":true}\n", r.stdout, r.stderr)
	r = iplabel(t, "", "validate", "--ipv6", "--doi-config", cfg, hbh16)
	assert.Equal(t, exitOK, r.code, r.stdout)

	cases := []struct{ conf, want string }{
		{"cipsov4 add pass doi:1 tags:1\ncalipso add pass doi:0\n", ":2:22: calipso: invalid DOI definition: DOI 0 is reserved"},
		{"calipso add pass doi:5\ncalipso add pass doi:5\n", ":2:18: calipso: DOI already configured: DOI 5 is already defined"},
		{"calipso add std doi:5\n", ":1:13: calipso: invalid DOI definition: CALIPSO has only pass DOIs"},
		{"calipso add pass doi:5\ncipsov4 add pass doi:1 tags:9\ncalipso add pass\n", ":2:"},
		{"calipso add pass\ncipsov4 add pass doi:1 tags:9\n", ":1:17: calipso: syntax error: missing doi:N"},
	}
	for _, c := range cases {
		cfg := writeFile(t, "bad.conf", c.conf)
		for _, args := range [][]string{
			{"validate", "--doi-config", cfg, "-"},
			{"validate", "--ipv6", "--doi-config", cfg, hbh16},
			{"decode", "--doi-config", cfg, "-"},
			{"encode", "--doi-config", cfg, "--doi", "1", "--level", "1"},
			{"dump", "--doi-config", cfg, samplePath},
		} {
			r := iplabel(t, "", args...)
			assert.Equal(t, exitError, r.code, "%q %v", c.conf, args)
			assert.Empty(t, r.stdout)
			oneLineError(t, r, cfg+c.want)
		}
	}
}

// TestConfigPipe: a --doi-config that cannot be read twice (a FIFO) is
// kept for the second parser.
func TestConfigPipe(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "conf")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(conf6)
		f.Close()
	}()
	r := iplabel(t, "", "validate", "--ipv6", "--doi-config", fifo, hbh16)
	assert.Equal(t, exitOK, r.code, r.stdout+r.stderr)
}
