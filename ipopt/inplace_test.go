package ipopt_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

func hdr(t *testing.T, s string) ipopt.Header {
	t.Helper()
	return ipopt.Header(testutil.Unhex(t, s))
}

// The worked example of RULES.md §7 (checksum 0xDCAD) with its CIPSO option.
const workedExampleHeader = "48000028000100004011dcad0a0000010a000002" + "860a0000000101040005" + "0000"

func TestOverwriteWorkedExample(t *testing.T) {
	h := hdr(t, workedExampleHeader)
	require.True(t, h.VerifyChecksum())
	// Raise the level 05 -> 07: the worked example gives 0xDCAB.
	require.NoError(t, h.Overwrite(9, []byte{0x07}))
	assert.Equal(t, uint16(0xDCAB), h.ChecksumField())
	assert.True(t, h.VerifyChecksum())
	assert.Equal(t, byte(0x07), h[29])
}

func TestNOPOption(t *testing.T) {
	h := hdr(t, workedExampleHeader)
	ok, err := h.NOPOption(ipopt.CIPSO)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, bytes.Repeat([]byte{1}, 10), []byte(h[20:30]), "Linux's pre-6.10 delattr form")
	assert.Equal(t, []byte{0, 0}, []byte(h[30:32]))
	assert.EqualValues(t, 8, h.IHL(), "nothing moves")
	assert.True(t, h.VerifyChecksum())
	assert.Equal(t, h.Checksum(), h.ChecksumField(), "incremental equals full recompute")

	ok, err = h.NOPOption(ipopt.CIPSO)
	require.NoError(t, err)
	assert.False(t, ok, "no CIPSO left")
	ok, _ = h.NOPOption(ipopt.NOP)
	assert.False(t, ok)
}

// TestNOPOptionFramingError: a malformed field before the option is
// reported, not taken for "no option", and nothing is changed.
func TestNOPOptionFramingError(t *testing.T) {
	// An RR whose length octet (32) runs past the 4-octet field.
	h := ipopt.Header(datagram([]byte{0x07, 0x20, 0, 0}, nil))
	before := bytes.Clone(h)
	ok, err := h.NOPOption(ipopt.CIPSO)
	assert.False(t, ok)
	require.Error(t, err)
	want := ipopt.Check(h.Options())
	require.Error(t, want)
	assert.Equal(t, want, err, "the framing error of the walk")
	_, isErr := ipopt.AsError(err)
	assert.True(t, isErr)
	assert.Equal(t, before, []byte(h))
}

func TestOverwriteKeepsABadChecksumBad(t *testing.T) {
	h := hdr(t, workedExampleHeader)
	h[10] ^= 0x40
	require.False(t, h.VerifyChecksum())
	_, err := h.NOPOption(ipopt.CIPSO)
	require.NoError(t, err)
	assert.False(t, h.VerifyChecksum())
}

func TestOverwriteOddOffsetsAndRefusals(t *testing.T) {
	for off := 0; off <= 12; off++ {
		for n := 0; off+n <= 12; n++ {
			h := hdr(t, workedExampleHeader)
			b := bytes.Repeat([]byte{0xA5}, n)
			require.NoError(t, h.Overwrite(off, b), "off %d len %d", off, n)
			assert.True(t, h.VerifyChecksum(), "off %d len %d", off, n)
		}
	}
	h := hdr(t, workedExampleHeader)
	before := bytes.Clone(h)
	for _, c := range []struct{ off, n int }{{-1, 1}, {12, 1}, {0, 13}, {11, 2}} {
		err := h.Overwrite(c.off, make([]byte, c.n))
		require.ErrorIs(t, err, ipopt.ErrNoRoom, "%+v", c)
		assert.Equal(t, before, []byte(h), "nothing changed")
	}
	_, err := ipopt.Header(before[:24]).NOPOption(ipopt.CIPSO)
	require.ErrorIs(t, err, ipopt.ErrBadHeader, "IHL says 32 octets")
}

func TestOverwriteNoAllocs(t *testing.T) {
	h := hdr(t, workedExampleHeader)
	lvl := []byte{0x07}
	n := testing.AllocsPerRun(1000, func() {
		_ = h.Overwrite(9, lvl)
		_, _ = h.NOPOption(ipopt.CIPSO)
	})
	assert.Zero(t, n)
}
