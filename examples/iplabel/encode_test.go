package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestEncodeLinuxOutput: the options Linux generates for "cipso add pass
// doi:1" (as read from cipso_v4_genopt in net/ipv4/cipso_ipv4.c), the DSM
// network SID example (fips188/dsm/RULES.md: source SID 0x12341234, node 1) and
// RFC 1108 BSOs (Table 1 levels, PAF bits GENSER 0x80, NSA 0x10).
func TestEncodeLinuxOutput(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"tag 1, level 3, no categories", []string{"--doi", "1", "--level", "3", "--tags", "1"}, "860a00000001010400030000"},
		{"tag 1, c0 and c15", []string{"--doi", "1", "--level", "3", "--categories", "0,15", "--tags", "1"}, "860c00000001010600038001"},
		{"optfmt", []string{"--doi", "1", "--level", "3", "--categories", "0,15", "--tags", "1", "--optfmt"}, "861400000001010e000380010000000000000000"},
		{"tag 2, {1,5}", []string{"--doi", "1", "--level", "3", "--categories", "1,5", "--tags", "2"}, "860e0000000102080003000100050000"},
		{"tag 5, {0..3, 10..20}", []string{"--doi", "1", "--level", "3", "--categories", "0-3,10-20", "--tags", "5"}, "861000000001050a00030014000a0003"},
		{"tags 1,2 with c240 falls back to tag 2", []string{"--doi", "1", "--level", "3", "--categories", "240", "--tags", "1,2"}, "860c000000010206000300f0"},
		{"default tags 1,2,5", []string{"--doi", "1", "--level", "3", "--categories", "0,15"}, "860c00000001010600038001"},
		{"network SID", []string{"--nsid", "ssid=0x12341234,node=1"}, "861410001000070e030612341234060600000001"},
		{"network SID, other DOI", []string{"--nsid", "node=1,ssid=305402420", "--doi", "7"}, "861400000007070e030612341234060600000001"},
		{"BSO secret genser+nsa", []string{"--bso", "level=secret,authorities=genser+nsa"}, "82045a90"},
		{"BSO unclassified", []string{"--bso", "level=unclassified"}, "8203ab00"},
	}
	for _, c := range cases {
		r := iplabel(t, "", append([]string{"encode"}, c.args...)...)
		assert.Equal(t, c.want+"\n", r.stdout, c.name)
		assert.Equal(t, exitOK, r.code, c.name)
		assert.Empty(t, r.stderr, c.name)
	}
}

// TestEncodeTransDOI: a trans DOI maps host values to wire values
// (Linux cipso_v4_map_lvl_hton, cipso_v4_map_cat_rbm_hton in
// net/ipv4/cipso_ipv4.c).
func TestEncodeTransDOI(t *testing.T) {
	cfg := writeFile(t, "doi.conf", "cipsov4 add trans doi:8 tags:1 levels:7=2 categories:100=0,200=15\n")
	r := iplabel(t, "", "encode", "--doi-config", cfg, "--doi", "8", "--level", "7", "--categories", "100,200")
	assert.Equal(t, "860c00000008010600028001\n", r.stdout)
	r = iplabel(t, "", "encode", "--doi-config", cfg, "--doi", "8", "--level", "1")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, "DOI 8", "not mapped")
	r = iplabel(t, "", "encode", "--doi-config", cfg, "--doi", "9", "--level", "1")
	oneLineError(t, r, cfg, "DOI 9 is not defined")
}

// TestEncodeRoundTrip: what encode prints, decode reads back.
func TestEncodeRoundTrip(t *testing.T) {
	r := iplabel(t, "", "encode", "--doi", "16", "--level", "200", "--categories", "3,9,300-302", "--tags", "1,2")
	d := iplabel(t, r.stdout, "decode")
	assert.Equal(t, asJSON(t, `{"options":[{"offset":0,"type":134,"name":"cipso","length":20,"cipso":{"doi":16,"tags":[
		{"offset":6,"type":2,"level":200,"label":"s200:c3,c9,c300.c302","categories":[3,9,300,301,302]}]}}],"error":null}`), jsonLines(t, d.stdout)[0])
}

// TestEncodeBadSpecs: every bad spec is a one-line message naming the
// flag and the byte, exit status 2, nothing on stdout.
func TestEncodeBadSpecs(t *testing.T) {
	cases := []struct {
		args  []string
		parts []string
	}{
		{[]string{"--doi", "1", "--level", "3", "--categories", "0,x"}, []string{`--categories "0,x"`, "byte 3"}},
		{[]string{"--doi", "1", "--level", "3", "--categories", "0,5-"}, []string{"byte 5", "missing number"}},
		{[]string{"--doi", "1", "--level", "3", "--categories", "9-5"}, []string{"byte 1", "backwards"}},
		{[]string{"--doi", "1", "--level", "3", "--tags", "1,7"}, []string{`--tags "1,7"`, "byte 3"}},
		{[]string{"--doi", "1", "--level", "3", "--tags", "1,2,5,1,2,5"}, []string{"at most 5"}},
		{[]string{"--doi", "0", "--level", "3"}, []string{"DOI 0"}},
		{[]string{"--doi", "1", "--level", "x"}, []string{`--level "x"`}},
		{[]string{"--doi", "1", "--level", "256", "--tags", "1"}, []string{"does not fit", "level"}},
		{[]string{"--doi", "1", "--level", "3", "--categories", "240", "--tags", "1"}, []string{"does not fit"}},
		{[]string{"--level", "3"}, []string{"--doi"}},
		{[]string{"--doi", "1"}, []string{"exactly one"}},
		{[]string{"--doi", "1", "--level", "3", "--bso", "level=secret"}, []string{"exactly one"}},
		{[]string{"--nsid", "ssid=1,foo=2"}, []string{`--nsid "ssid=1,foo=2"`, "byte 8", "foo"}},
		{[]string{"--nsid", "ssid=1,ssid=2"}, []string{"byte 8", "twice"}},
		{[]string{"--nsid", "ssid=0x1G"}, []string{"byte 6"}},
		{[]string{"--nsid", "bypass=1"}, []string{"takes no value"}},
		{[]string{"--nsid", "ssid=1", "--categories", "1"}, []string{"does not apply"}},
		{[]string{"--bso", "level=foo"}, []string{`--bso "level=foo"`, "classification"}},
		{[]string{"--bso", "authorities=genser"}, []string{"level"}},
		{[]string{"--bso", "level=secret", "--doi", "1"}, []string{"does not apply"}},
		{[]string{"--frobnicate"}, []string{"frobnicate"}},
		{[]string{"--doi", "1", "--level", "3", "extra"}, []string{"unexpected argument"}},
		{[]string{"--doi-config", "/nonexistent/doi.conf", "--doi", "1", "--level", "3"}, []string{"/nonexistent/doi.conf"}},
		{[]string{"--doi-config", sampleConfig, "--doi", "5", "--level", "3"}, []string{"DOI 5 is a local DOI"}},
		{[]string{"--doi-config", sampleConfig, "--doi", "3", "--level", "3", "--tags", "2"}, []string{"--tags for DOI 3"}},
	}
	for _, c := range cases {
		r := iplabel(t, "", append([]string{"encode"}, c.args...)...)
		name := strings.Join(c.args, " ")
		assert.Equal(t, exitError, r.code, name)
		assert.Empty(t, r.stdout, name)
		oneLineError(t, r, c.parts...)
	}
}
