package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func TestParseSpec(t *testing.T) {
	cases := []struct {
		in   string
		want rfc1108.Label
		out  string // AppendSpec of the result; "" means in
	}{
		{in: "level=secret,authorities=genser+nsa",
			want: rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA), PAFOctets: 1}},
		{in: "level=unclassified", want: rfc1108.Label{Level: rfc1108.Unclassified}},
		{in: "authorities=nsa+genser,level=top-secret",
			want: rfc1108.Label{Level: rfc1108.TopSecret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA), PAFOctets: 1},
			out:  "level=top-secret,authorities=genser+nsa"},
		{in: "level=0xf1,authorities=flag-12,paf-octets=3",
			want: rfc1108.Label{Level: rfc1108.Reserved1, Authorities: rfc1108.AuthoritiesOf(12), PAFOctets: 3},
			out:  "level=reserved-1,authorities=flag-12,paf-octets=3"},
		{in: "level=0x00,authorities=", want: rfc1108.Label{Level: 0}, out: "level=0x00"},
		{in: "level=confidential,paf-octets=1", want: rfc1108.Label{Level: rfc1108.Confidential, PAFOctets: 1}},
		// paf-octets at or below what the authorities need adds nothing.
		{in: "level=secret,authorities=flag-7,paf-octets=1",
			want: rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(7), PAFOctets: 2},
			out:  "level=secret,authorities=flag-7"},
		{in: "level=secret,authorities=doe,paf-octets=1",
			want: rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.DOE), PAFOctets: 1},
			out:  "level=secret,authorities=doe"},
	}
	for _, tc := range cases {
		l, err := rfc1108.ParseSpec(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, l, tc.in)
		out := tc.out
		if out == "" {
			out = tc.in
		}
		assert.Equal(t, out, string(rfc1108.AppendSpec(nil, l)))
		assert.Equal(t, out, l.String())
	}
	for _, bad := range []string{
		"", "level", "level=", "level=secret,", ",level=secret", "level=secret,level=secret",
		"authorities=genser", "level=secret,authorities=bogus", "level=secret,colour=red",
		"level=secret,paf-octets=38", "level=secret,paf-octets=-1", "level=secret,paf-octets=x",
		"level=Secret", "level = secret",
	} {
		_, err := rfc1108.ParseSpec(bad)
		assert.ErrorIs(t, err, rfc1108.ErrBadSpec, bad)
	}
}

func TestLabelText(t *testing.T) {
	l := rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.SCI), PAFOctets: 1}
	b, err := l.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "level=secret,authorities=sci", string(b))
	var m rfc1108.Label
	require.NoError(t, m.UnmarshalText(b))
	assert.Equal(t, l, m)
	require.Error(t, m.UnmarshalText([]byte("level=nope")))
	assert.Equal(t, l, m, "unchanged on error")
}
