package calipso_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// TestOptionShort calls every accessor of an Option view on every length
// below the header's: none may panic, a field the view does not hold
// whole reads as zero, Label fails with ipopt.ErrTruncated and
// PutChecksum writes nothing.
func TestOptionShort(t *testing.T) {
	full := []byte{calipso.Type, 8, 1, 2, 3, 4, 2, 9, 0xaa, 0xbb}
	for n := range calipso.HeaderLen {
		o := make(calipso.Option, n)
		copy(o, full)
		assert.NotPanics(t, func() {
			assert.Equal(t, ifLen(n, 6, uint32(0x01020304)), o.DOI(), "len %d", n)
			assert.Equal(t, ifLen(n, 7, 2), o.CmptLen(), "len %d", n)
			assert.Equal(t, ifLen(n, 8, uint8(9)), o.Level(), "len %d", n)
			assert.Zero(t, o.Checksum(), "len %d", n)
			assert.Nil(t, o.Bitmap(), "len %d", n)
			assert.Nil(t, o.Trailer(), "len %d", n)
			assert.Zero(t, o.ComputeChecksum(), "len %d", n)
			assert.False(t, o.ChecksumOK(), "len %d", n)
			l, err := o.Label()
			assert.ErrorIs(t, err, ipopt.ErrTruncated, "len %d", n)
			assert.Equal(t, cipso.Label{}, l)
			calipso.PutChecksum(o, 0x1234)
			assert.Equal(t, full[:n], []byte(o), "len %d", n)
		}, "len %d", n)
	}
}

// ifLen is v when a view of n octets holds a field ending at end, else
// the zero value.
func ifLen[T any](n, end int, v T) T {
	var zero T
	if n < end {
		return zero
	}
	return v
}

// TestOptionCmptLenPastEnd: a 10-octet view whose compartment length
// asks for more bitmap than it holds has no bitmap and no trailer, and
// Label fails at the compartment length.
func TestOptionCmptLenPastEnd(t *testing.T) {
	for _, cmpt := range []byte{1, 2, 61, 255} {
		o := calipso.Option{calipso.Type, 8, 0, 0, 0, 1, cmpt, 3, 0, 0}
		assert.NotPanics(t, func() {
			assert.Equal(t, int(cmpt), o.CmptLen())
			assert.Nil(t, o.Bitmap())
			assert.Nil(t, o.Trailer())
			l, err := o.Label()
			require.ErrorIs(t, err, ipopt.ErrBadLength)
			var e ipopt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, 6, e.Offset())
			assert.Equal(t, cipso.Label{}, l)
		}, "cmpt %d", cmpt)
	}
}
