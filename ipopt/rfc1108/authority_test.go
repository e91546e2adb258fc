package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// The first PAF octet's assigned bits (RULES.md §4; the masks of
// Wireshark's ip.opt.sec_prot_auth_* fields: genser 0x80, siop_esi 0x40,
// sci 0x20, nsa 0x10, doe 0x08).
func TestAuthorityAssignedMasks(t *testing.T) {
	want := []struct {
		a    rfc1108.Authority
		mask byte
		name string
	}{
		{rfc1108.GENSER, 0x80, "genser"},
		{rfc1108.SIOPESI, 0x40, "siop-esi"},
		{rfc1108.SCI, 0x20, "sci"},
		{rfc1108.NSA, 0x10, "nsa"},
		{rfc1108.DOE, 0x08, "doe"},
	}
	for _, w := range want {
		assert.Equal(t, 0, w.a.Octet())
		assert.Equal(t, w.mask, w.a.Mask())
		assert.Equal(t, w.name, w.a.String())
		assert.True(t, w.a.Assigned())
		// Encoded alone, the flag is the only bit of a one-octet PAF.
		out, err := rfc1108.AppendBSO(nil, rfc1108.Secret, rfc1108.AuthoritiesOf(w.a))
		require.NoError(t, err)
		assert.Equal(t, []byte{0x82, 0x04, 0x5A, w.mask}, out)
		a, err := rfc1108.ParseAuthority(w.name)
		require.NoError(t, err)
		assert.Equal(t, w.a, a)
	}
}

// Unassigned flags: 0x04 and 0x02 of the first octet, 0xFE of the later
// ones (RULES.md §4; Wireshark's ip.opt.sec_prot_auth_unassigned masks
// 0x06 on the first octet and 0xFE on later ones); 0x01 is always the
// FTI.
func TestAuthorityUnassignedPositions(t *testing.T) {
	cases := []struct {
		a     rfc1108.Authority
		octet int
		mask  byte
	}{
		{5, 0, 0x04}, {6, 0, 0x02}, {7, 1, 0x80}, {13, 1, 0x02}, {14, 2, 0x80},
		{rfc1108.NumAuthorities - 1, rfc1108.MaxPAFOctets - 1, 0x02},
	}
	for _, c := range cases {
		assert.Equal(t, c.octet, c.a.Octet())
		assert.Equal(t, c.mask, c.a.Mask())
		assert.False(t, c.a.Assigned())
		assert.True(t, c.a.Valid())
		s := rfc1108.AuthoritiesOf(c.a)
		assert.Equal(t, c.octet+1, s.MinOctets())
		out, err := rfc1108.AppendBSO(nil, rfc1108.Secret, s)
		require.NoError(t, err)
		require.Len(t, out, 3+c.octet+1)
		for i, o := range out[3:] {
			switch {
			case i < c.octet:
				assert.Equal(t, byte(0x01), o, "continuation octet %d", i)
			default:
				assert.Equal(t, c.mask, o, "last octet")
			}
		}
	}
	assert.False(t, rfc1108.Authority(rfc1108.NumAuthorities).Valid())
	assert.Equal(t, "invalid", rfc1108.Authority(rfc1108.NumAuthorities).String())
	assert.Equal(t, 37, rfc1108.MaxPAFOctets, "40-octet options field less type, length, classification")
}

func TestAuthoritiesSetOps(t *testing.T) {
	gn := rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA)
	g := rfc1108.AuthoritiesOf(rfc1108.GENSER)
	hi := rfc1108.AuthoritiesOf(200)
	assert.True(t, g.SubsetOf(gn))
	assert.False(t, gn.SubsetOf(g))
	assert.True(t, rfc1108.Authorities{}.SubsetOf(g))
	assert.True(t, rfc1108.Authorities{}.IsEmpty())
	assert.Equal(t, 2, gn.Len())
	assert.Equal(t, gn, g.With(rfc1108.NSA))
	assert.Equal(t, g, gn.Without(rfc1108.NSA))
	assert.Equal(t, g, gn.Intersect(g.With(rfc1108.DOE)))
	assert.Equal(t, rfc1108.AuthoritiesOf(rfc1108.NSA), gn.Difference(g))
	assert.Equal(t, 3, gn.Union(hi).Len())
	assert.Equal(t, hi, gn.Union(hi).Unassigned())
	assert.True(t, gn.Unassigned().IsEmpty())
	assert.Equal(t, g, g.With(rfc1108.NumAuthorities), "out-of-range authority ignored")
	assert.False(t, g.Has(rfc1108.NumAuthorities))
	a, ok := hi.Union(gn).First()
	assert.True(t, ok)
	assert.Equal(t, rfc1108.GENSER, a)
	_, ok = rfc1108.Authorities{}.First()
	assert.False(t, ok)
	assert.Equal(t, 0, rfc1108.Authorities{}.MinOctets())
	assert.Equal(t, 200/7+1, hi.MinOctets())
}

func TestAuthoritiesNames(t *testing.T) {
	s := rfc1108.AuthoritiesOf(rfc1108.NSA, rfc1108.GENSER, 13)
	assert.Equal(t, []string{"genser", "nsa", "flag-13"}, s.AppendNames(nil))
	assert.Equal(t, "genser+nsa+flag-13", s.String())
	p, err := rfc1108.ParseAuthorities("flag-13+nsa+genser")
	require.NoError(t, err)
	assert.Equal(t, s, p)
	p, err = rfc1108.ParseAuthorities("")
	require.NoError(t, err)
	assert.True(t, p.IsEmpty())
	a, err := rfc1108.ParseAuthority("flag-0")
	require.NoError(t, err)
	assert.Equal(t, rfc1108.GENSER, a)
	for _, bad := range []string{"GENSER", "genser+", "+nsa", "genser++nsa", "nsa+nsa", "flag-", "flag-259", "flag-05", "flag-1x", "flag-99999"} {
		_, err := rfc1108.ParseAuthorities(bad)
		assert.ErrorIs(t, err, rfc1108.ErrBadSpec, bad)
	}
	var u rfc1108.Authorities
	require.NoError(t, u.UnmarshalText([]byte("doe+sci")))
	assert.Equal(t, rfc1108.AuthoritiesOf(rfc1108.SCI, rfc1108.DOE), u)
	b, err := u.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "sci+doe", string(b))
}

// Every single flag survives encode and decode, across the 64-bit word
// boundaries of the bitmap.
func TestAuthoritiesEveryFlag(t *testing.T) {
	for a := rfc1108.Authority(0); a < rfc1108.NumAuthorities; a++ {
		s := rfc1108.AuthoritiesOf(a)
		out, err := rfc1108.AppendBSO(nil, rfc1108.Secret, s)
		require.NoError(t, err)
		require.Equal(t, 3+a.Octet()+1, len(out))
		assert.Equal(t, a.Mask(), out[len(out)-1], "flag %d", a)
		var l rfc1108.Label
		require.NoError(t, rfc1108.DecodeBSO(out, &l))
		assert.Equal(t, s, l.Authorities, "flag %d", a)
	}
}
