package rfc1108_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// ESO layout `85 LL FC data…` (RFC 1108 §3; RULES.md §2).
func TestESO(t *testing.T) {
	in := testutil.Unhex(t, "85 06 07 DE AD BE 00")
	e, err := rfc1108.ParseESO(in)
	require.NoError(t, err)
	assert.Equal(t, 6, e.Len())
	assert.Equal(t, uint8(7), e.FormatCode())
	assert.Equal(t, []byte{0xDE, 0xAD, 0xBE}, e.Info())

	buf := testutil.Poisoned(6)
	out, err := rfc1108.AppendESO(buf, 7, e.Info())
	require.NoError(t, err)
	assert.Equal(t, in[:6], out)
	assert.Equal(t, 6, rfc1108.ESOLen(3))

	for _, tc := range []struct {
		in  string
		err error
		off int
	}{
		{"85", ipopt.ErrTruncated, 0},
		{"82 03 AB", rfc1108.ErrWrongType, 0},
		{"85 02", ipopt.ErrBadLength, 1},
		{"85 09 01", ipopt.ErrBadLength, 0},
	} {
		_, err := rfc1108.ParseESO(testutil.Unhex(t, tc.in))
		testutil.RequireErrAt[ipopt.Error](t, err, tc.err, tc.off, tc.off+ipopt.BaseHeaderLen)
	}
}

func TestAppendESOLimit(t *testing.T) {
	info := bytes.Repeat([]byte{0xAA}, rfc1108.MaxESOInfo)
	out, err := rfc1108.AppendESO(nil, 1, info)
	require.NoError(t, err)
	assert.Len(t, out, 40)
	dst := []byte{0x01}
	out, err = rfc1108.AppendESO(dst, 1, append(info, 0xAA))
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrTooLong, 3, 23)
	assert.Equal(t, dst, out)
}
