package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// The 16 RFC 791 security codes (RFC 791 §3.1), transcribed independently
// of the package's table.
var legacyCodes = []uint16{
	0x0000, 0xF135, 0x789A, 0xBC4D, 0x5E26, 0xAF13, 0xD788, 0x6BC5,
	0x35E2, 0x9AF1, 0x4D78, 0x24BD, 0x135E, 0x89AF, 0xC4D6, 0xE26B,
}

func TestLegacyCodes(t *testing.T) {
	n := 0
	for v := range 1 << 16 {
		if rfc1108.LegacyLevel(v).Known() {
			n++
		}
	}
	assert.Equal(t, 16, n)
	for _, c := range legacyCodes {
		opt := []byte{0x82, 0x0B, byte(c >> 8), byte(c), 0, 0, 'A', 'B', 'C', 'D', 'E'}
		assert.True(t, rfc1108.IsLegacySEC(opt), "%#04x", c)
		var s rfc1108.LegacySEC
		require.NoError(t, rfc1108.DecodeLegacySEC(opt, &s))
		assert.Equal(t, rfc1108.LegacyLevel(c), s.Security)
		assert.Equal(t, opt, rfc1108.AppendLegacySEC(testutil.Poisoned(11), s))
	}
	assert.Equal(t, "secret", rfc1108.LegacySecret.String())
	assert.Equal(t, "0x35e2", rfc1108.LegacyLevel(0x35E2).String())
}

// Wireshark's heuristic (RULES.md §7): an 11-octet option whose first two
// body octets are an RFC 791 code. None of the assigned RFC 1108 levels
// starts one, so every 11-octet BSO with an assigned level stays RFC 1108;
// reserved level 0xF1 followed by 0x35 collides (RULES.md §8, checked with
// tshark 4.0.17).
func TestIsLegacySEC(t *testing.T) {
	for _, c := range []rfc1108.Classification{rfc1108.TopSecret, rfc1108.Secret, rfc1108.Confidential, rfc1108.Unclassified} {
		for second := range 256 {
			opt := []byte{0x82, 0x0B, byte(c), byte(second), 0, 0, 0, 0, 0, 0, 0}
			assert.False(t, rfc1108.IsLegacySEC(opt), "%s %#02x", c, second)
		}
	}
	assert.True(t, rfc1108.IsLegacySEC(testutil.Unhex(t, "82 0B F1 35 00 00 41 42 43 44 45")))
	for _, in := range []string{"82 0A 00 00 00 00 41 42 43 44", "82 0B 00 00 00 00 41 42 43 44", "86 0B 00 00 00 00 41 42 43 44 45", "82 0B 00 01 00 00 41 42 43 44 45"} {
		assert.False(t, rfc1108.IsLegacySEC(testutil.Unhex(t, in)), in)
	}
}

func TestDecodeLegacySECErrors(t *testing.T) {
	var s rfc1108.LegacySEC
	for _, tc := range []struct {
		in  string
		err error
		off int
	}{
		{"82", ipopt.ErrTruncated, 0},
		{"86 0B", rfc1108.ErrWrongType, 0},
		{"82 04 3D 80", ipopt.ErrBadLength, 1},
		{"82 0B 00 00", ipopt.ErrBadLength, 0},
		{"82 0B 00 01 00 00 41 42 43 44 45", rfc1108.ErrBadClassification, 2},
	} {
		testutil.RequireErrAt[ipopt.Error](t, rfc1108.DecodeLegacySEC(testutil.Unhex(t, tc.in), &s), tc.err, tc.off, tc.off+ipopt.BaseHeaderLen)
	}
	assert.Equal(t, rfc1108.LegacySEC{}, s)
}
