package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// TestBSOShort calls every accessor of a BSO view on the lengths
// ParseBSO never returns (0 to 2): none may panic, each reads as zero,
// and Decode fails with ipopt.ErrTruncated leaving the label alone.
func TestBSOShort(t *testing.T) {
	full := []byte{130, 3, 0x3d}
	for n := range 3 {
		v := rfc1108.BSO(full[:n])
		assert.NotPanics(t, func() {
			assert.Equal(t, n, v.Len())
			assert.Zero(t, v.Level(), "len %d", n)
			assert.Nil(t, v.PAF(), "len %d", n)
			l := rfc1108.Label{Level: rfc1108.Secret}
			err := v.Decode(&l)
			assert.ErrorIs(t, err, ipopt.ErrTruncated, "len %d", n)
			var e ipopt.Error
			assert.ErrorAs(t, err, &e, "len %d", n)
			assert.Equal(t, rfc1108.Label{Level: rfc1108.Secret}, l)
		}, "len %d", n)
	}
}
