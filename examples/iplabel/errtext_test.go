package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestErrorTextsSpeakOfTheInput: a label that does not fit, and a header
// that cannot be read, are reported in terms of the input (the header
// would exceed 60 octets; the header is cut), never with the library's
// internal frame (a negative offset, "pointer 0").
func TestErrorTextsSpeakOfTheInput(t *testing.T) {
	rr := append([]byte{7, 39, 4}, make([]byte, 36)...)
	full := ethernet(etherTypeIPv4, buildIPv4(t, hostA, hostB, 17, append(rr, 0), 1, []byte("full")))
	in := writeFile(t, "in.pcap", string(pcapOf(t, layers.LinkTypeEthernet, full)))
	out := filepath.Join(filepath.Dir(in), "out.pcap")
	noFrame := func(t *testing.T, s string) {
		t.Helper()
		assert.NotContains(t, s, "offset -")
		assert.NotContains(t, s, "pointer 0")
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"rewrite --set", []string{"rewrite", "--in", in, "--out", out, "--set", "doi=16,level=3"},
			"ipopt: header over 60 octets: the options would exceed 40 octets (IHL 15)"},
		{"rewrite --set bso", []string{"rewrite", "--in", in, "--out", out, "--set", "level=secret,authorities=genser"},
			"ipopt: header over 60 octets: the options would exceed 40 octets (IHL 15)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := iplabel(t, "", tc.args...)
			require.Equal(t, exitError, r.code)
			oneLineError(t, r, in, "packet 1", tc.want)
			noFrame(t, r.stderr)
		})
	}

	// Headers that cannot be read, in dump's text and JSON.
	good := buildIPv4(t, hostA, hostB, 17, nil, 1, nil)
	bad := append([]byte{}, good...)
	bad[0] = 0x44 // IHL 4
	p := writeFile(t, "bad.pcap", string(pcapOf(t, linkIPv4, good[:10], good[:19], bad, full[14:14+36])))
	for _, args := range [][]string{{"dump", p}, {"dump", "--json", p}} {
		r := iplabel(t, "", args...)
		require.Equal(t, exitOK, r.code, r.stderr)
		require.Len(t, lines(r.stdout), 4)
		noFrame(t, r.stdout)
		if args[1] != "--json" {
			assert.Equal(t, 1, strings.Count(r.stdout, "ihl at header octet 0"), "the bad IHL is at header octet 0")
		}
	}
}
