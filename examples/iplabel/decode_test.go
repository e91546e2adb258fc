package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeJSON checks decode's JSON against values read off the wire
// formats by hand: CIPSO draft §3.4 layouts (bitmap MSB first, enumerated
// and ranged u16 in wire order, an omitted last bottom read as 0), the
// checklist's vectors (validate_test.go) and tshark 4.0.17's reading of
// them (dissect_ipopt_cipso in Wireshark's epan/dissectors/packet-ip.c),
// Linux's tag 128 (host byte order; this test assumes a little-endian
// machine, as amd64 and arm64 are), DSM's network SID example
// (fips188/dsm/RULES.md) and RFC 1108 §2 and §3 (ipopt/rfc1108/RULES.md).
func TestDecodeJSON(t *testing.T) {
	cases := []struct {
		name, hex, want string
	}{
		{"empty", "-", `{"options":[],"error":null}`},
		{"NOPs", "01 01 01 01", `{"options":[
			{"offset":0,"type":1,"name":"nop","length":1},{"offset":1,"type":1,"name":"nop","length":1},
			{"offset":2,"type":1,"name":"nop","length":1},{"offset":3,"type":1,"name":"nop","length":1}],"error":null}`},
		{"tag 1, no categories", "86 0A 00 00 00 01 01 04 00 05 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":10,"cipso":{"doi":1,"tags":[{"offset":6,"type":1,"level":5,"label":"s5","categories":[]}]}},
			{"offset":10,"type":0,"name":"eol","length":1}],"error":null}`},
		{"bitmap {0,15}", "86 0C 00 00 00 01 01 06 00 05 80 01", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":12,"cipso":{"doi":1,"tags":[{"offset":6,"type":1,"level":5,"label":"s5:c0,c15","categories":[0,15]}]}}],"error":null}`},
		{"optimized bitmap", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":20,"cipso":{"doi":1,"tags":[{"offset":6,"type":1,"level":5,"label":"s5:c0","categories":[0]}]}}],"error":null}`},
		{"enumerated in wire order", "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":14,"cipso":{"doi":1,"tags":[{"offset":6,"type":2,"level":5,"label":"s5:c1,c5","categories":[5,1]}]}},
			{"offset":14,"type":0,"name":"eol","length":1}],"error":null}`},
		{"ranges", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":18,"cipso":{"doi":1,"tags":[{"offset":6,"type":5,"level":5,"label":"s5:c1.c5,c10.c20","ranges":[[20,10],[5,1]]}]}},
			{"offset":18,"type":0,"name":"eol","length":1}],"error":null}`},
		{"implied bottom", "86 0C 00 00 00 01 05 06 00 05 00 03", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":12,"cipso":{"doi":1,"tags":[{"offset":6,"type":5,"level":5,"label":"s5:c0.c3","ranges":[[3,0]]}]}}],"error":null}`},
		{"inverted pair kept as sent", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":14,"cipso":{"doi":1,"tags":[{"offset":6,"type":5,"level":5,"label":"s5","ranges":[[5,10]]}]}},
			{"offset":14,"type":0,"name":"eol","length":1}],"error":null}`},
		{"two tags", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":14,"cipso":{"doi":1,"tags":[
				{"offset":6,"type":1,"level":5,"label":"s5","categories":[]},{"offset":10,"type":2,"level":6,"label":"s6","categories":[]}]}},
			{"offset":14,"type":0,"name":"eol","length":1}],"error":null}`},
		{"label not first", "01 01 86 0A 00 00 00 09 01 04 00 05", `{"options":[
			{"offset":0,"type":1,"name":"nop","length":1},{"offset":1,"type":1,"name":"nop","length":1},
			{"offset":2,"type":134,"name":"cipso","length":10,"cipso":{"doi":9,"tags":[{"offset":8,"type":1,"level":5,"label":"s5","categories":[]}]}}],"error":null}`},
		{"EOL ends the walk", "86 0A 00 00 00 01 01 04 00 05 00 AB", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":10,"cipso":{"doi":1,"tags":[{"offset":6,"type":1,"level":5,"label":"s5","categories":[]}]}},
			{"offset":10,"type":0,"name":"eol","length":1}],"error":null}`},
		{"local tag 128", "86 0C 00 00 00 05 80 06 2A 00 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":12,"cipso":{"doi":5,"tags":[{"offset":6,"type":128,"secid":42}]}}],"error":null}`},
		{"tag 6 permissive bitmap", "86 0C 00 00 00 01 06 06 00 07 80 01", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":12,"cipso":{"doi":1,"tags":[{"offset":6,"type":6,"level":7,"label":"s7:c0,c15","categories":[0,15]}]}}],"error":null}`},
		{"DSM network SID (source SID 0x12341234, node 1)", "86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":20,"cipso":{"doi":268439552,"tags":[
				{"offset":6,"type":7,"data":"030612341234060600000001","nsid":{"ssid":305402420,"node":1}}]}}],"error":null}`},
		{"tag 7 that is not a network SID", "86 0A 00 00 00 01 07 04 AA BB 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":10,"cipso":{"doi":1,"tags":[{"offset":6,"type":7,"data":"aabb"}]}},
			{"offset":10,"type":0,"name":"eol","length":1}],"error":null}`},
		{"unknown tag 3", "86 0A 00 00 00 01 03 04 00 05 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":10,"cipso":{"doi":1,"tags":[{"offset":6,"type":3,"data":"0005"}]}},
			{"offset":10,"type":0,"name":"eol","length":1}],"error":null}`},
		{"BSO and ESO", "82 05 5A 91 10 85 04 01 AB 00 00 00", `{"options":[
			{"offset":0,"type":130,"name":"sec","length":5,"bso":{"classification":90,"level":"secret","authorities":["genser","nsa","flag-10"]}},
			{"offset":5,"type":133,"name":"esec","length":4,"eso":{"format":1,"data":"ab"}},
			{"offset":9,"type":0,"name":"eol","length":1}],"error":null}`},
		{"RFC 791 SEC is not decoded as a BSO", "82 0B 00 00 00 05 41 42 43 44 45 00", `{"options":[
			{"offset":0,"type":130,"name":"sec","length":11},{"offset":11,"type":0,"name":"eol","length":1}],"error":null}`},
		{"other options", "07 07 04 00 00 00 00 94 04 00 00 00", `{"options":[
			{"offset":0,"type":7,"name":"rr","length":7},{"offset":7,"type":148,"name":"ra","length":4},
			{"offset":11,"type":0,"name":"eol","length":1}],"error":null}`},
		// Decoding stops at the first structural error; what came before stays.
		{"odd enumerated length", "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00", `{"options":[
			{"offset":0,"type":134,"name":"cipso","length":13,"cipso":{"doi":1,"tags":[]}}],
			"error":{"offset":10,"message":"cipso: bad category"}}`},
		{"tag past the option", "01 86 0A 00 00 00 01 01 05 00 05 00", `{"options":[
			{"offset":0,"type":1,"name":"nop","length":1},
			{"offset":1,"type":134,"name":"cipso","length":10,"cipso":{"doi":1,"tags":[]}}],
			"error":{"offset":8,"message":"cipso: bad tag length"}}`},
		{"option past the field", "01 86 10 00 00 00 01 01 04 00 05 00", `{"options":[
			{"offset":0,"type":1,"name":"nop","length":1}],
			"error":{"offset":1,"message":"ipopt: bad option length"}}`},
		{"BSO FTI on the last octet", "82 04 3D 01", `{"options":[
			{"offset":0,"type":130,"name":"sec","length":4}],
			"error":{"offset":3,"message":"rfc1108: field termination indicator set on last octet"}}`},
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.hex + "\n")
	}
	r := iplabel(t, in.String(), "decode")
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		want := asJSON(t, c.want)
		sameMessagePrefix(want, got[i])
		assert.Equal(t, want, got[i], c.name)
	}
	assert.Equal(t, exitOK, r.code)
	assert.Empty(t, r.stderr)
}

// sameMessagePrefix lets a test give only the start of an error message,
// the library sentinel's text: when want's "error" object has a
// "message" that got's starts with, got's is cut to it. The rest of the
// message is the library's wording, which this test does not pin down.
func sameMessagePrefix(want, got any) {
	w, ok1 := want.(map[string]any)["error"].(map[string]any)
	g, ok2 := got.(map[string]any)["error"].(map[string]any)
	if !ok1 || !ok2 {
		return
	}
	wm, _ := w["message"].(string)
	if gm, _ := g["message"].(string); wm != "" && strings.HasPrefix(gm, wm) {
		g["message"] = wm
	}
}

// TestDecodeInputErrors: an unreadable field gives the contract's object
// for that line, processing goes on, and each gets one stderr line naming
// the line and the byte.
func TestDecodeInputErrors(t *testing.T) {
	in := "86 0A 00 00 00 01 01 04 00 05 00 00\n" +
		"86 0G\n" +
		"# comment\n" +
		"860\n" +
		strings.Repeat("00", 41) + "\n" +
		"-\n"
	r := iplabel(t, in, "decode")
	got := jsonLines(t, r.stdout)
	require.Len(t, got, 5)
	assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line 2: byte 5: not a hex digit: 'G'"}`), got[1])
	assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line 4: byte 3: odd number of hex digits"}`), got[2])
	assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line 5: byte 81: options field over 40 octets"}`), got[3])
	assert.Equal(t, asJSON(t, `{"options":[],"error":null}`), got[4])
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, []string{
		"iplabel: decode: stdin: line 2: byte 5: not a hex digit: 'G'",
		"iplabel: decode: stdin: line 4: byte 3: odd number of hex digits",
		"iplabel: decode: stdin: line 5: byte 81: options field over 40 octets",
	}, lines(r.stderr))
}

// TestHexForms: every accepted spelling gives the same field, padded with
// EOL to a multiple of 4.
func TestHexForms(t *testing.T) {
	want := []byte{0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 5, 0, 0}
	for _, s := range []string{
		"860a00000001010400050000",
		"86 0a 00 00 00 01 01 04 00 05 00 00",
		"86:0A:00:00:00:01:01:04:00:05:00:00",
		"0x86 0x0a 0x00 0x00 0x00 0x01 0x01 0x04 0x00 0x05 0x00 0x00",
		"0x860a0000 0x00010104 0x00050000",
		"\t86 0a 0000 0001 0104 0005\t",
		"860a00000001010400 05", // padded
	} {
		got, err := parseHexField(nil, s)
		require.NoError(t, err, s)
		assert.Equal(t, want, got, s)
	}
	got, err := parseHexField(nil, "-")
	require.NoError(t, err)
	assert.Empty(t, got)
	got, err = parseHexField(nil, "01")
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 0, 0, 0}, got, "padded with EOL")
	_, err = parseHexField(nil, strings.Repeat("01", 40))
	assert.NoError(t, err, "40 octets fit")
	for _, bad := range []string{"8", "86 0", "0x", "86-0a", "86 0a x", "0y86", strings.Repeat("01", 41)} {
		_, err := parseHexField(nil, bad)
		assert.Error(t, err, bad)
	}
}
