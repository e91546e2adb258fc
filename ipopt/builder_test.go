package ipopt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// atHeader is the position argument of requireErr for an error at octet n
// of the base header, which is not in the options field.
func atHeader(n int) int { return headerPos + n }

const headerPos = -1000

// requireErr checks err's sentinel, class and position: off is the offset
// in the options field, noOffset, or atHeader(n).
func requireErr(t *testing.T, err, sentinel error, class ipopt.Class, off int) {
	t.Helper()
	if off >= headerPos && off < headerPos+ipopt.BaseHeaderLen {
		e := testutil.RequireErr[ipopt.Error](t, err, sentinel, -1)
		assert.Equal(t, class, e.Class(), "class")
		assert.Equal(t, -1, e.Offset(), "a base-header field is not in the options")
		assert.Equal(t, off-headerPos, e.HeaderOffset(), "header octet")
		return
	}
	e := testutil.RequireErr[ipopt.Error](t, err, sentinel, off)
	assert.Equal(t, class, e.Class(), "class")
	if off >= 0 {
		assert.Equal(t, off+ipopt.BaseHeaderLen, e.HeaderOffset(), "header octet")
	}
}

func TestBuilderLinuxLabel(t *testing.T) {
	// Checklist 40 (RULES.md §9): Linux's output for pass DOI 1, tag 1, level 3,
	// no categories, is the 10-octet option padded with two EOL octets.
	dst := append(testutil.Poisoned(64), 0xAA) // a prefix the builder must keep
	b := ipopt.NewBuilder(dst)
	require.NoError(t, b.Option(ipopt.CIPSO, []byte{0, 0, 0, 1, 1, 4, 0, 3}))
	assert.Equal(t, 10, b.Len())
	out, err := b.Finish()
	require.NoError(t, err)
	assert.Equal(t, []byte{0xAA, 0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 3, 0, 0}, out)
	assert.Equal(t, &dst[0], &out[0], "appended in place, no new array")
}

func TestBuilderPaddingWritten(t *testing.T) {
	for n := 0; n <= 8; n++ {
		b := ipopt.NewBuilder(testutil.Poisoned(64))
		for range n {
			require.NoError(t, b.Option(ipopt.NOP, nil))
		}
		out, err := b.Finish()
		require.NoError(t, err)
		require.Len(t, out, ipopt.PaddedLen(n))
		for i, c := range out {
			if i < n {
				assert.Equal(t, byte(ipopt.NOP), c)
			} else {
				assert.Equal(t, byte(ipopt.EOL), c, "padding octet %d of %d", i, n)
			}
		}
	}
}

func TestBuilderForty(t *testing.T) {
	// Checklist 28: the largest tag-1 option fills the 40 octets.
	body := make([]byte, 38)
	copy(body, []byte{0, 0, 0, 1, 1, 0x22, 0, 0xFF})
	for i := 8; i < 37; i++ {
		body[i] = 0xFF
	}
	body[37] = 0x01
	b := ipopt.NewBuilder(testutil.Poisoned(64))
	require.NoError(t, b.Option(ipopt.CIPSO, body))
	out, err := b.Finish()
	require.NoError(t, err)
	require.Len(t, out, 40)
	assert.Equal(t, []byte{0x86, 0x28, 0, 0, 0, 1, 1, 0x22, 0, 0xFF}, out[:10])
	assert.Equal(t, byte(0x01), out[39])

	// One octet more is refused at the option's offset, field unchanged.
	requireErr(t, b.Option(ipopt.NOP, nil), ipopt.ErrTooLong, ipopt.Limit, 40)
	requireErr(t, b.Option(ipopt.EOL, nil), ipopt.ErrTooLong, ipopt.Limit, 40)
	assert.Equal(t, 40, b.Len())

	b = ipopt.NewBuilder(nil)
	require.NoError(t, b.Option(ipopt.NOP, nil))
	requireErr(t, b.Option(ipopt.CIPSO, body), ipopt.ErrTooLong, ipopt.Limit, 1)
	requireErr(t, b.Raw(make([]byte, 40)), ipopt.ErrTooLong, ipopt.Limit, 1)
	assert.Equal(t, 1, b.Len())
}

func TestBuilderRaw(t *testing.T) {
	// A received field with garbage after its EOL (checklist 35) is rebuilt
	// byte for byte, and a length-2 option is accepted (gopacket v1.1.19's
	// layers/ip4.go refused it).
	field := []byte{0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 5, 0x00, 0xAB}
	b := ipopt.NewBuilder(testutil.Poisoned(64))
	require.NoError(t, b.Raw(field))
	out, err := b.Finish()
	require.NoError(t, err)
	assert.Equal(t, field, out)

	b = ipopt.NewBuilder(testutil.Poisoned(64))
	require.NoError(t, b.Raw([]byte{0x86, 0x02}))
	require.NoError(t, b.Option(ipopt.NOP, nil))
	out, err = b.Finish()
	require.NoError(t, err)
	assert.Equal(t, []byte{0x86, 0x02, 0x01, 0x00}, out)

	// Framing errors are reported at their offset in the field being built.
	b = ipopt.NewBuilder(nil)
	require.NoError(t, b.Option(ipopt.NOP, nil))
	requireErr(t, b.Raw([]byte{0x86, 0x01, 0, 0}), ipopt.ErrBadLength, ipopt.Malformed, 1)
	requireErr(t, b.Raw([]byte{0x01, 0x86}), ipopt.ErrTruncated, ipopt.Malformed, 2)
	assert.Equal(t, 1, b.Len(), "a refused Raw adds nothing")
}

func TestBuilderAfterEOL(t *testing.T) {
	b := ipopt.NewBuilder(nil)
	require.NoError(t, b.Option(ipopt.EOL, nil))
	requireErr(t, b.Option(ipopt.NOP, nil), ipopt.ErrBadValue, ipopt.Malformed, 1)
	requireErr(t, b.Option(ipopt.RA, []byte{0, 0}), ipopt.ErrBadValue, ipopt.Malformed, 1)
	requireErr(t, b.Raw([]byte{0x94, 0x04, 0, 0}), ipopt.ErrBadValue, ipopt.Malformed, 1)
	require.NoError(t, b.Option(ipopt.EOL, nil), "more padding is fine")
	require.NoError(t, b.Raw([]byte{0x00, 0xCC}), "padding after padding is kept")
	out, err := b.Finish()
	require.NoError(t, err)
	assert.Equal(t, []byte{0, 0, 0, 0xCC}, out)
}

func TestBuilderSingleOctetWithBody(t *testing.T) {
	b := ipopt.NewBuilder(nil)
	requireErr(t, b.Option(ipopt.NOP, []byte{1}), ipopt.ErrBadValue, ipopt.Malformed, 0)
	require.NoError(t, b.Option(ipopt.NOP, nil))
	require.NoError(t, b.Option(ipopt.EOL, nil))
	out, err := b.Finish()
	require.NoError(t, err)
	assert.Equal(t, []byte{1, 0, 0, 0}, out)
}

func TestAppendOption(t *testing.T) {
	dst := testutil.Poisoned(64)
	out, err := ipopt.AppendOption(dst, ipopt.RA, []byte{0, 0})
	require.NoError(t, err)
	assert.Equal(t, []byte{0x94, 0x04, 0, 0}, out, "RFC 2113 router alert")
	out, err = ipopt.AppendOption(out, ipopt.NOP, nil)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x94, 0x04, 0, 0, 0x01}, out)
	out, err = ipopt.AppendOption(out[:0], ipopt.SEC, nil)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x82, 0x02}, out, "length-2 option")

	got, err := ipopt.AppendOption(out, ipopt.CIPSO, make([]byte, 39))
	requireErr(t, err, ipopt.ErrTooLong, ipopt.Limit, 0)
	assert.Equal(t, out, got, "dst unchanged on error")
	got, err = ipopt.AppendOption(out, ipopt.EOL, []byte{0})
	requireErr(t, err, ipopt.ErrBadValue, ipopt.Malformed, 0)
	assert.Equal(t, out, got)
	_, err = ipopt.AppendOption(nil, ipopt.CIPSO, make([]byte, 38))
	require.NoError(t, err, "38-octet body makes a 40-octet option")
}

func TestPaddedLen(t *testing.T) {
	// (n+3)&~3, Linux's opt_len rounding (RULES.md §5).
	for n, want := range map[int]int{-5: 0, 0: 0, 1: 4, 3: 4, 4: 4, 5: 8, 10: 12, 37: 40, 40: 40, 41: 44} {
		assert.Equal(t, want, ipopt.PaddedLen(n), "PaddedLen(%d)", n)
	}
}

func TestBuilderNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 64)
	body := []byte{0, 0, 0, 1, 1, 4, 0, 3}
	raw := []byte{0x07, 0x07, 0x04, 0, 0, 0, 0}
	n := testing.AllocsPerRun(1000, func() {
		b := ipopt.NewBuilder(buf)
		_ = b.Option(ipopt.NOP, nil)
		_ = b.Option(ipopt.CIPSO, body)
		_ = b.Raw(raw)
		_ = b.Option(ipopt.CIPSO, make([]byte, 30)) // too long: error path
		out, err := b.Finish()
		if err != nil || len(out) != 20 {
			panic("unexpected")
		}
		out, _ = ipopt.AppendOption(out[:0], ipopt.RA, body[:2])
		_, _ = ipopt.AppendOption(out, ipopt.RA, make([]byte, 40))
	})
	assert.Zero(t, n)
}
