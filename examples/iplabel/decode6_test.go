package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecodeIPv6JSON checks decode --ipv6 against headers read by hand:
// RFC 8200 §4.2 TLVs (offsets from the Next Header octet), RFC 5570 §5's
// CALIPSO layout (DOI big-endian, compartment length in words, bitmap MSB
// first) and Linux's checksum, stored low octet first (calipso/RULES.md
// §3: 0x6bf6 for s3:c0,c5 in DOI 16).
func TestDecodeIPv6JSON(t *testing.T) {
	cases := []struct{ name, hex, want string }{
		{"PadN", "11 00 01 04 00 00 00 00", `{"options":[{"offset":2,"type":1,"name":"padn","length":6}],"error":null}`},
		{"CALIPSO s3:c0,c5", hbh16, `{"options":[{"offset":2,"type":7,"name":"calipso","length":14,
			"calipso":{"doi":16,"level":3,"label":"s3:c0,c5","categories":[0,5],"checksum":27638,"checksum_ok":true}}],"error":null}`},
		{"CALIPSO, bad checksum", "11 01 07 0c 00 00 00 10 01 03 f7 6b 84 00 00 00", `{"options":[{"offset":2,"type":7,"name":"calipso","length":14,
			"calipso":{"doi":16,"level":3,"label":"s3:c0,c5","categories":[0,5],"checksum":27639,"checksum_ok":false}}],"error":null}`},
		{"CALIPSO without categories, behind Pad1s and a Router Alert", "00 02 00 00 05 02 00 00 07 08 00 00 00 11 00 09 ff ff 01 00 00 00 00 00", `{"options":[
			{"offset":2,"type":0,"name":"pad1","length":1},{"offset":3,"type":0,"name":"pad1","length":1},
			{"offset":4,"type":5,"name":"ra","length":4},
			{"offset":8,"type":7,"name":"calipso","length":10,"calipso":{"doi":17,"level":9,"label":"s9","categories":[],"checksum":65535,"checksum_ok":false}},
			{"offset":18,"type":1,"name":"padn","length":2},{"offset":20,"type":0,"name":"pad1","length":1},
			{"offset":21,"type":0,"name":"pad1","length":1},{"offset":22,"type":0,"name":"pad1","length":1},
			{"offset":23,"type":0,"name":"pad1","length":1}],"error":null}`},
		{"jumbo, IOAM, HAO, unknown", "11 01 c2 04 00 01 00 00 31 00 c9 00 3e 02 aa bb", `{"options":[
			{"offset":2,"type":194,"name":"jumbo","length":6},{"offset":8,"type":49,"name":"ioam","length":2},
			{"offset":10,"type":201,"name":"hao","length":2},{"offset":12,"type":62,"name":"unknown","length":4}],"error":null}`},
		// Decoding stops at the first structural error; what came before stays.
		{"option past the header", "11 00 01 00 07 06 00 00", `{"options":[{"offset":2,"type":1,"name":"padn","length":2}],
			"error":{"offset":4,"message":"ipopt: bad option length: option length at offset 4 (pointer 44)"}}`},
		{"CALIPSO compartment length past the option", "11 01 07 0c 00 00 00 10 02 03 00 00 00 00 00 00", `{"options":[{"offset":2,"type":7,"name":"calipso","length":14}],
			"error":{"offset":8,"message":"ipopt: bad option length: compartment length at offset 8 (pointer 48)"}}`},
		{"CALIPSO option length 6", "11 01 07 06 00 00 00 10 00 00 01 04 00 00 00 00", `{"options":[{"offset":2,"type":7,"name":"calipso","length":8}],
			"error":{"offset":3,"message":"ipopt: bad option length: length at offset 3 (pointer 43)"}}`},
	}
	for _, c := range cases {
		r := iplabel(t, "", "decode", "--ipv6", c.hex)
		require.Equal(t, exitOK, r.code, "%s: %s", c.name, r.stderr)
		assert.Equal(t, asJSON(t, c.want), jsonLines(t, r.stdout)[0], c.name)
	}
	// The trailer: the octets after the bitmap, shown as hex.
	r := iplabel(t, "", "decode", "--ipv6", "11 02 07 0e 00 00 00 10 01 03 00 00 00 00 00 01 ab cd 01 04 00 00 00 00")
	require.Equal(t, exitOK, r.code, r.stderr)
	m := jsonLines(t, r.stdout)[0].(map[string]any)["options"].([]any)[0].(map[string]any)["calipso"].(map[string]any)
	assert.Equal(t, "abcd", m["trailer"])
	assert.Equal(t, []any{float64(31)}, m["categories"])

	// An input that is not a whole header is an input error: exit 2.
	r = iplabel(t, "11 01 00 00\n", "decode", "--ipv6")
	assert.Equal(t, exitError, r.code)
	assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line 1: 4 octets: a Hop-by-Hop header has at least 8"}`), jsonLines(t, r.stdout)[0])
	oneLineError(t, r, "iplabel: decode: stdin: line 1: 4 octets")
}

// TestDecodeIPv6ValidateAgree: every header the kernel differential
// generates decodes without a structural error when Linux delivers it.
func TestDecodeIPv6ValidateAgree(t *testing.T) {
	v := newValidator6(nil)
	for _, h := range genHeaders(500) {
		if v.validate(h) != nil {
			continue
		}
		_, err := appendHopByHopJSON(nil, h)
		assert.NoError(t, err, hexOf(h))
	}
}
