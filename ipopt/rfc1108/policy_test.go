package rfc1108_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func TestDominates(t *testing.T) {
	gn := rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA)
	g := rfc1108.AuthoritiesOf(rfc1108.GENSER)
	ts := rfc1108.Label{Level: rfc1108.TopSecret, Authorities: gn}
	s := rfc1108.Label{Level: rfc1108.Secret, Authorities: g}
	c := rfc1108.Label{Level: rfc1108.Confidential}
	u := rfc1108.Label{Level: rfc1108.Unclassified, Authorities: gn}
	assert.True(t, ts.Dominates(s))
	assert.True(t, ts.Dominates(ts))
	assert.False(t, s.Dominates(ts))
	assert.True(t, s.Dominates(c))
	// Confidential (0x96) dominates Unclassified (0xAB) in table order
	// but not in authorities: u carries NSA, c does not.
	assert.False(t, c.Dominates(u))
	assert.True(t, c.Dominates(rfc1108.Label{Level: rfc1108.Unclassified}))
	assert.False(t, rfc1108.Label{Level: rfc1108.Unclassified}.Dominates(c))
	// Levels outside the table take part in no dominance.
	x := rfc1108.Label{Level: 0x00}
	assert.False(t, x.Dominates(x))
	assert.False(t, ts.Dominates(x))
	assert.False(t, x.Dominates(c))
	// PAFOctets does not matter.
	assert.True(t, s.Dominates(rfc1108.Label{Level: rfc1108.Secret, Authorities: g, PAFOctets: 5}))
	assert.True(t, s.Equal(rfc1108.Label{Level: rfc1108.Secret, Authorities: g, PAFOctets: 5}))
}

func TestRangeCheck(t *testing.T) {
	r := rfc1108.Range{
		Low:  rfc1108.Label{Level: rfc1108.Confidential, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER)},
		High: rfc1108.Label{Level: rfc1108.TopSecret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA)},
	}
	cases := []struct {
		name  string
		opts  string
		err   error
		off   int
		class ipopt.Class
	}{
		{name: "inside", opts: "82 04 5A 80"},
		{name: "inside, BSO not first", opts: "01 82 04 3D 90 00 00 00"},
		{name: "level too high", opts: "82 04 01 80", err: rfc1108.ErrLevelOutOfRange, off: 2, class: ipopt.Policy},
		{name: "level too low", opts: "82 04 AB 80", err: rfc1108.ErrLevelOutOfRange, off: 2, class: ipopt.Policy},
		{name: "authority not allowed", opts: "01 82 04 5A 88 00 00 00", err: rfc1108.ErrAuthorityOutOfRange, off: 4, class: ipopt.Policy},
		{name: "authority in second octet not allowed", opts: "82 05 5A 81 80 00 00 00", err: rfc1108.ErrAuthorityOutOfRange, off: 4, class: ipopt.Policy},
		{name: "required authority missing", opts: "82 04 5A 10", err: rfc1108.ErrAuthorityOutOfRange, off: 3, class: ipopt.Policy},
		{name: "required authority missing, no PAF", opts: "82 03 5A 00", err: rfc1108.ErrAuthorityOutOfRange, off: 1, class: ipopt.Policy},
		{name: "level outside the table", opts: "82 04 00 80", err: rfc1108.ErrBadClassification, off: 2, class: ipopt.Malformed},
		{name: "malformed", opts: "82 04 5A 81", err: rfc1108.ErrBadFTI, off: 3, class: ipopt.Malformed},
		{name: "no BSO", opts: "01 01 01 00", err: rfc1108.ErrMissingBSO, off: 0, class: ipopt.Missing},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := r.Validate(testutil.Unhex(t, tc.opts))
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			var e ipopt.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.off, e.Offset())
			assert.Equal(t, tc.class, e.Class())
		})
	}
}
