package main

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
)

// TestValidateIPv6Strict: validate --ipv6 --profile strict refuses what
// RFC 5570 refuses and Linux delivers (calipso RULES.md §8), at the
// octet, with no ICMPv6 pointer (Linux sends none about CALIPSO); the
// linux profile delivers the same headers.
func TestValidateIPv6Strict(t *testing.T) {
	cfg := writeFile(t, "doi.conf", conf6)
	opt := mustHex(t, hbh16)[2:16] // s3:c0,c5 in DOI 16, 14 octets
	sum := func(o []byte) []byte { calipso.PutChecksum(o, calipso.Checksum(o)); return o }
	trailer := sum(append(append([]byte{7, opt[1] + 4}, opt[2:]...), 0, 0, 0, 0))
	zero := sum([]byte{7, 12, 0, 0, 0, 16, 1, 3, 0, 0, 0, 0, 0, 0})
	h := func(b ...byte) string { // the header around b, Pad1 to 8n
		b = append([]byte{17, 0}, b...)
		for len(b)%8 != 0 {
			b = append(b, 0)
		}
		b[1] = byte(len(b)/8 - 1)
		return hex.EncodeToString(b)
	}
	misaligned := h(append([]byte{1, 0}, opt...)...)
	two := h(append(append(append([]byte{}, opt...), 1, 0), opt...)...)
	cases := []struct {
		name, hex, err string
	}{
		{"calipso_genopt's header", hbh16, ""},
		{"octets after the bitmap", h(trailer...), "ipopt: bad option length: length at offset 3"},
		{"a last bitmap word of zero", h(zero...), "ipopt: bad option value: compartment bitmap at offset 12"},
		{"option at 4n", misaligned, "ipv6: misaligned option: type at offset 4"},
		{"two options", two, "ipopt: duplicate option: type at offset 18"},
	}
	var in strings.Builder
	for _, c := range cases {
		in.WriteString(c.hex + "\n")
	}
	r := iplabel(t, in.String(), "validate", "--ipv6", "--profile", "strict", "--doi-config", cfg)
	assert.Equal(t, exitInvalid, r.code, r.stderr)
	got := jsonLines(t, r.stdout)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		m := got[i].(map[string]any)
		assert.Equal(t, c.err == "", m["ok"], c.name)
		assert.Nil(t, m["pointer"], c.name)
		if c.err != "" {
			assert.Contains(t, m["error"], c.err, c.name)
		}
	}
	r = iplabel(t, in.String(), "validate", "--ipv6", "--doi-config", cfg)
	assert.Equal(t, exitOK, r.code, "the linux profile delivers them all: %s", r.stdout)
	r = iplabel(t, "", "validate", "--ipv6", "--profile", "rfc", hbh16)
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, "--profile")
}
