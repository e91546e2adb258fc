package fips188

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// More vectors of RULES.md §8: B (tag 2) and C (tag 5).
var (
	vecB = []byte{0x86, 0x10, 0x00, 0x00, 0x00, 0x03, 0x02, 0x0a, 0x00, 0x02, 0x00, 0x01, 0x01, 0x2c, 0xff, 0xfe}
	vecC = []byte{0x86, 0x10, 0x00, 0x00, 0x00, 0x03, 0x05, 0x0a, 0x00, 0x01, 0x00, 0x14, 0x00, 0x0a, 0x00, 0x03}
)

// three is a tag 1 (level 5, no categories), a tag 6 (level 5, no
// categories) and a tag 7 (AB CD) under tag set 3, built by hand from the
// layouts of CIPSO draft §3.4.2 (tag 1) and RULES.md §3, §4 (tags 6, 7).
var three = []byte{0x86, 0x12, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}

func rangeSet(t *testing.T, lo, hi uint32) cipso.CatSet {
	t.Helper()
	var s cipso.CatSet
	require.NoError(t, s.AddRange(lo, hi))
	return s
}

func TestLabelVectors(t *testing.T) {
	c10to20 := rangeSet(t, 10, 20)
	c0to3 := rangeSet(t, 0, 3)
	require.NoError(t, c10to20.Union(&c0to3))
	cases := []struct {
		name string
		in   []byte
		want Label
	}{
		{"A", vecA, Label{ID: 3, Level: 5, RestrictiveTag: cipso.TagRBitmap, Restrictive: catsOf(t, 0, 3, 9)}},
		{"B", vecB, Label{ID: 3, Level: 2, RestrictiveTag: cipso.TagEnum, Restrictive: catsOf(t, 1, 300, 65534)}},
		{"C", vecC, Label{ID: 3, Level: 1, RestrictiveTag: cipso.TagRange, Restrictive: c10to20}},
		{"D", vecD, Label{ID: 3, Level: 7, HasPermissive: true, Permissive: catsOf(t, 0, 1)}},
		{"E", vecE, Label{ID: 3, HasFreeForm: true, FreeForm: []byte{0xab, 0xcd}}},
		{"F", vecF, Label{ID: 1, RestrictiveTag: cipso.TagRBitmap}},
		{"G", vecG, Label{ID: 1, Level: 3, RestrictiveTag: cipso.TagRBitmap, Restrictive: catsOf(t, 79)}},
		{"H", vecH(), Label{ID: 1, Level: 9, RestrictiveTag: cipso.TagRBitmap, Restrictive: catsOf(t, 239)}},
		{"three", three, Label{ID: 3, Level: 5, RestrictiveTag: cipso.TagRBitmap, HasPermissive: true, HasFreeForm: true, FreeForm: []byte{0xab, 0xcd}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := strict
			var l Label
			require.NoError(t, p.Decode(c.in, &l))
			assert.True(t, l.Equal(&c.want), "decoded %+v", l)
			out, err := p.AppendOption(testutil.Poisoned(64), &l)
			require.NoError(t, err)
			assert.Equal(t, c.in, out, "re-encoded")
			n, err := p.OptionLen(&l)
			require.NoError(t, err)
			assert.Equal(t, len(c.in), n)
			// The same label built by hand (no Format) encodes to the
			// vector too: each is minimal (G's category 79 needs all 10
			// octets of the optimized form).
			out, err = p.AppendOption(nil, &c.want)
			require.NoError(t, err)
			assert.Equal(t, c.in, out)
		})
	}
}

func TestLabelCIPSOConversion(t *testing.T) {
	var l Label
	require.NoError(t, strict.Decode(vecA, &l))
	var c cipso.Label
	require.NoError(t, l.CIPSO(&c))
	assert.Equal(t, uint32(5), c.Level)
	assert.Equal(t, catsOf(t, 0, 3, 9), c.Cats)

	// Back, and through cipso's own option decoder: the same option.
	var back Label
	require.NoError(t, back.SetCIPSO(3, &c, cipso.TagRBitmap))
	assert.True(t, back.Equal(&l))
	out, err := Lenient.AppendOption(nil, &back)
	require.NoError(t, err)
	assert.Equal(t, vecA, out)
	var viaCIPSO cipso.Label
	require.NoError(t, cipso.Option(out).Label(&viaCIPSO))
	assert.True(t, viaCIPSO.Equal(&c))

	keep := cipso.Label{Level: 77}
	for _, v := range [][]byte{vecD, vecE, three, {0x86, 0x06, 0, 0, 0, 1}} {
		var l Label
		require.NoError(t, Lenient.Decode(v, &l))
		c := keep
		err := l.CIPSO(&c)
		assert.ErrorIs(t, err, ErrNoEquivalent)
		assert.Equal(t, keep, c, "unchanged on error")
	}

	err = back.SetCIPSO(3, &cipso.Label{Level: 256}, cipso.TagRBitmap)
	assert.ErrorIs(t, err, cipso.ErrBadLevel)
	err = back.SetCIPSO(3, &c, cipso.TagPBitmap)
	assert.ErrorIs(t, err, cipso.ErrTagNotAllowed)
	assert.True(t, back.Equal(&l), "unchanged on error")
}

func TestLabelEncodeRefuses(t *testing.T) {
	big := catsOf(t, 239)
	cases := []struct {
		name string
		p    Profile
		l    Label
		sent error
		off  int
	}{
		{"identifier 0", Lenient, Label{RestrictiveTag: cipso.TagRBitmap}, cipso.ErrBadDOI, 2},
		{"level with no carrier", Lenient, Label{ID: 1, Level: 3, HasFreeForm: true, FreeForm: []byte{1}}, cipso.ErrBadLevel, 9},
		{"tag 6 as restrictive", Lenient, Label{ID: 1, RestrictiveTag: cipso.TagPBitmap}, cipso.ErrTagNotAllowed, 6},
		{"two tags, SingleTag", Profile{SingleTag: true}, Label{ID: 1, RestrictiveTag: 1, HasPermissive: true}, cipso.ErrMultipleTags, 10},
		{"free form after tag 6, SingleTag", Profile{SingleTag: true}, Label{ID: 1, HasPermissive: true, HasFreeForm: true, FreeForm: []byte{1}}, cipso.ErrMultipleTags, 10},
		{"no tag, RequireTag", strict, Label{ID: 1}, ErrNoTags, 6},
		{"empty free form", Lenient, Label{ID: 1, HasFreeForm: true}, ErrEmptyFreeForm, 7},
		{"over 40", Lenient, Label{ID: 1, Level: 9, RestrictiveTag: 1, Restrictive: big, HasFreeForm: true, FreeForm: []byte{1}}, cipso.ErrNoSpace, 1},
		{"tag 6 category 240", Lenient, Label{ID: 1, HasPermissive: true, Permissive: catsOf(t, 240)}, cipso.ErrNoSpace, 10},
		{"tag 2 sixteen categories", Lenient, Label{ID: 1, RestrictiveTag: cipso.TagEnum, Restrictive: rangeSet(t, 0, 15)}, cipso.ErrNoSpace, 10},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := []byte{0xAA}
			out, err := c.p.AppendOption(dst, &c.l)
			testutil.RequireErrAt[ipopt.Error](t, err, c.sent, c.off, c.off+20)
			var e ipopt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, ipopt.Limit, e.Class())
			assert.Equal(t, []byte{0xAA}, out)
		})
	}
	// A tag-less option is legal for the lenient profile.
	out, err := Lenient.AppendOption(nil, &Label{ID: 1})
	require.NoError(t, err)
	assert.Equal(t, []byte{0x86, 0x06, 0, 0, 0, 1}, out)
}

func TestLabelDecodeOptions(t *testing.T) {
	opts := append(append([]byte{0x01, 0x01}, three...), 0x00, 0x00, 0x00, 0x00)
	var l Label
	o, err := strict.DecodeOptions(opts, &l)
	require.NoError(t, err)
	assert.Equal(t, 2, o.Offset)
	assert.True(t, l.HasFreeForm)
	assert.Equal(t, &opts[2+16], &l.FreeForm[0], "free-form data aliases the input")
	keep := l
	bad := bytes.Clone(opts)
	bad[2+6] = 0x03 // tag 1 -> unknown tag 3
	_, err = strict.DecodeOptions(bad, &l)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownTag, 8, 28)
	assert.True(t, l.Equal(&keep))
}

// TestLabelOptimizedFormat: checklist 3's optimized bitmap (category 0 in
// a 10-octet bitmap) re-encodes as it came thanks to Format, and
// minimally without it.
func TestLabelOptimizedFormat(t *testing.T) {
	in := []byte{0x86, 0x14, 0, 0, 0, 1, 0x01, 0x0e, 0x00, 0x05, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0}
	var l Label
	require.NoError(t, strict.Decode(in, &l))
	assert.True(t, l.Format.Optimized)
	out, err := strict.AppendOption(nil, &l)
	require.NoError(t, err)
	assert.Equal(t, in, out)
	l.Format = cipso.Format{}
	out, err = strict.AppendOption(nil, &l)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x86, 0x0b, 0, 0, 0, 1, 0x01, 0x05, 0x00, 0x05, 0x80}, out)
}

func TestStrictMACTags(t *testing.T) {
	// Rulebook checklist 18, 19, 21, 24, 25, 26: refused by the strict
	// reading of the draft at the first category octet (ptr30), accepted
	// by the lenient profile (as by Wireshark).
	cases := map[string][]byte{
		"18 enum descending":   {0x86, 0x0e, 0, 0, 0, 1, 0x02, 0x08, 0x00, 0x05, 0x00, 0x05, 0x00, 0x01},
		"19 enum duplicate":    {0x86, 0x0e, 0, 0, 0, 1, 0x02, 0x08, 0x00, 0x05, 0x00, 0x05, 0x00, 0x05},
		"21 enum 65535":        {0x86, 0x0c, 0, 0, 0, 1, 0x02, 0x06, 0x00, 0x05, 0xff, 0xff},
		"24 ranges ascending":  {0x86, 0x12, 0, 0, 0, 1, 0x05, 0x0c, 0x00, 0x05, 0x00, 0x05, 0x00, 0x01, 0x00, 0x14, 0x00, 0x0a},
		"25 range inverted":    {0x86, 0x0e, 0, 0, 0, 1, 0x05, 0x08, 0x00, 0x05, 0x00, 0x05, 0x00, 0x0a},
		"26 ranges touching":   {0x86, 0x12, 0, 0, 0, 1, 0x05, 0x0c, 0x00, 0x05, 0x00, 0x14, 0x00, 0x0a, 0x00, 0x0a, 0x00, 0x05},
		"tag 6 then bad range": {0x86, 0x12, 0, 0, 0, 1, 0x06, 0x04, 0x00, 0x05, 0x05, 0x08, 0x00, 0x05, 0x00, 0x05, 0x00, 0x0a},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			require.NoError(t, check(Lenient, b))
			err := check(strict, b)
			require.Error(t, err)
			var e ipopt.Error
			require.ErrorAs(t, err, &e)
			first := 10
			if name == "tag 6 then bad range" {
				first = 14
			}
			assert.Equal(t, first, e.Offset(), "%v", err)
			assert.Equal(t, first+20, e.Pointer())
		})
	}
}
