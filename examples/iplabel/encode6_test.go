package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncodeCALIPSO: the options and headers Linux's calipso_genopt and
// calipso_opt_insert write (net/ipv6/calipso.c as calipso/RULES.md §4
// gives them: bitmap in whole words up to the highest category, checksum
// low octet first, the option at offset 2 and PadN to a multiple of 8).
func TestEncodeCALIPSO(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"s3:c0,c5 in DOI 16", []string{"--calipso", "doi=16,level=3,categories=0,5"}, "070c000000100103f66b84000000"},
		{"the whole header", []string{"--calipso", "doi=16,level=3,categories=0,5", "--hop-by-hop"}, hbh16},
		{"no categories, hex DOI, Next Header 59", []string{"--calipso", "level=1,doi=0x10", "--hop-by-hop", "--next-header", "59"}, "3b010708000000100001db3601020000"},
		{"empty categories=", []string{"--calipso", "doi=16,level=1,categories="}, "0708000000100001db36"},
		{"category 32 takes two words", []string{"--calipso", "doi=1,level=0,categories=32"}, ""},
	}
	for _, c := range cases {
		r := iplabel(t, "", append([]string{"encode"}, c.args...)...)
		require.Equal(t, exitOK, r.code, "%s: %s", c.name, r.stderr)
		if c.name == "category 32 takes two words" {
			// The checksum is computed: check the layout around it.
			out := strings.TrimSpace(r.stdout)
			assert.Equal(t, "0710000000010200", out[:16], c.name)
			assert.Equal(t, "0000000080000000", out[20:], c.name)
			continue
		}
		assert.Equal(t, c.want+"\n", r.stdout, c.name)
		assert.Empty(t, r.stderr, c.name)
	}
}

// TestEncodeCALIPSORoundTrip: what encode --calipso --hop-by-hop prints,
// decode --ipv6 reads back and validate --ipv6 accepts in a configured
// DOI, up to the highest category the option holds.
func TestEncodeCALIPSORoundTrip(t *testing.T) {
	cfg := writeFile(t, "doi.conf", "calipso add pass doi:7\n")
	for _, spec := range []string{"doi=7,level=255,categories=0-3,31,32,1000-1010,1951", "doi=7,level=0"} {
		r := iplabel(t, "", "encode", "--calipso", spec, "--hop-by-hop")
		require.Equal(t, exitOK, r.code, r.stderr)
		h := strings.TrimSpace(r.stdout)
		v := iplabel(t, "", "validate", "--ipv6", "--doi-config", cfg, h)
		assert.Equal(t, "{\"ok\":true,\"pointer\":null,\"error\":null}\n", v.stdout, spec)
		d := iplabel(t, "", "decode", "--ipv6", h)
		o := jsonLines(t, d.stdout)[0].(map[string]any)["options"].([]any)[0].(map[string]any)["calipso"].(map[string]any)
		assert.Equal(t, float64(7), o["doi"])
		assert.Equal(t, true, o["checksum_ok"])
		if spec == "doi=7,level=0" {
			assert.Equal(t, []any{}, o["categories"])
			continue
		}
		assert.Equal(t, float64(255), o["level"])
		cats := o["categories"].([]any)
		assert.Len(t, cats, 4+2+11+1)
		assert.Equal(t, float64(1951), cats[len(cats)-1])
	}
}

// TestEncodeCALIPSOErrors: bad specs and flags are one-line usage errors.
func TestEncodeCALIPSOErrors(t *testing.T) {
	cases := []struct {
		args []string
		msg  string
	}{
		{[]string{"--calipso", "doi=0,level=1"}, "byte 5: doi: DOI 0 is reserved"},
		{[]string{"--calipso", "doi=4294967296,level=1"}, "doi: number above 4294967295"},
		{[]string{"--calipso", "doi=1,level=256"}, "byte 13: level: number above 255"},
		{[]string{"--calipso", "doi=1"}, "missing level="},
		{[]string{"--calipso", "level=1"}, "missing doi="},
		{[]string{"--calipso", "doi=1,level=1,categories=1952"}, "category 1952: CALIPSO carries categories 0 to 1951"},
		{[]string{"--calipso", "doi=1,level=1,categories=5-2"}, "runs backwards"},
		{[]string{"--calipso", "doi=1,level=1,tags=1"}, `unknown key "tags"`},
		{[]string{"--calipso", "doi=1,doi=2,level=1"}, "doi given twice"},
		{[]string{"--calipso", "doi=1,level=1", "--doi", "2"}, "--doi does not apply to --calipso"},
		{[]string{"--calipso", "doi=1,level=1", "--level", "2"}, "give exactly one of"},
		{[]string{"--doi", "1", "--level", "2", "--hop-by-hop"}, "--hop-by-hop applies to --calipso only"},
		{[]string{"--calipso", "doi=1,level=1", "--next-header", "6"}, "--next-header applies to --hop-by-hop only"},
		{[]string{"--calipso", "doi=1,level=1", "--hop-by-hop", "--next-header", "256"}, "--next-header \"256\": byte 1: number above 255"},
	}
	for _, c := range cases {
		r := iplabel(t, "", append([]string{"encode"}, c.args...)...)
		assert.Equal(t, exitError, r.code, c.args)
		assert.Empty(t, r.stdout)
		oneLineError(t, r, c.msg)
	}
}
