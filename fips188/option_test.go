package fips188

import (
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Vectors of RULES.md §8, built by hand from the layouts of §2 to §4.
var (
	vecA = []byte{0x86, 0x0c, 0x00, 0x00, 0x00, 0x03, 0x01, 0x06, 0x00, 0x05, 0x90, 0x40}
	vecD = []byte{0x86, 0x0b, 0x00, 0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x07, 0xc0}
	vecE = []byte{0x86, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x07, 0x04, 0xab, 0xcd}
	vecF = []byte{0x86, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0x00}
	vecG = []byte{0x86, 0x14, 0x00, 0x00, 0x00, 0x01, 0x01, 0x0e, 0x00, 0x03, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01}
)

// dsmExample is a tag 7 alone under DOI 0x10001000: the DSM network SID
// example of dsm/RULES.md §4 (source SID 0x12341234, node 1).
var dsmExample = []byte{
	0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
	0x03, 0x06, 0x12, 0x34, 0x12, 0x34,
	0x06, 0x06, 0x00, 0x00, 0x00, 0x01,
}

// vecH is RULES.md §8 H: tag 1, level 9, category 239, 40 octets.
func vecH() []byte {
	b := append([]byte{0x86, 0x28, 0x00, 0x00, 0x00, 0x01, 0x01, 0x22, 0x00, 0x09}, make([]byte, 29)...)
	return append(b, 0x01)
}

// strict is the profile of Strict, the one the tests parse with.
var strict = Strict{}.Profile()

// check runs p's ipopt.OptionChecker on opt alone, at options offset 0, so
// offsets are the option's own.
func check(p Profile, opt []byte) error { return p.CheckOption(ipopt.Option{Bytes: opt}, false) }

func catsOf(t *testing.T, cs ...uint32) cipso.CatSet {
	t.Helper()
	var s cipso.CatSet
	for _, c := range cs {
		require.NoError(t, s.Add(c))
	}
	return s
}

func TestVectorD(t *testing.T) {
	for _, p := range []Profile{Lenient, strict} {
		s, err := p.Parse(vecD)
		require.NoError(t, err)
		assert.Equal(t, cipso.DOI(3), s.ID())
		assert.Equal(t, 11, s.CIPSO().Len())
		pb, ok := s.Permissive()
		require.True(t, ok)
		assert.Equal(t, uint8(7), pb.Level())
		assert.Equal(t, uint8(0), pb.Alignment())
		assert.Equal(t, 6, pb.Tag().Offset)
		assert.Equal(t, []byte{0xc0}, pb.Bitmap())
		assert.True(t, pb.Has(0))
		assert.True(t, pb.Has(1))
		assert.False(t, pb.Has(2))
		assert.False(t, pb.Has(239))
		var cs cipso.CatSet
		require.NoError(t, pb.Categories(&cs))
		assert.Equal(t, catsOf(t, 0, 1), cs)
		_, ok = s.FreeForm()
		assert.False(t, ok)
		_, ok = s.Restrictive()
		assert.False(t, ok)
	}
	cs := catsOf(t, 0, 1)
	out, err := AppendPermissiveBitmap(testutil.Poisoned(40), 7, &cs)
	require.NoError(t, err)
	assert.Equal(t, vecD[6:], out)
	n, err := PermissiveBitmapLen(&cs)
	require.NoError(t, err)
	assert.Equal(t, 5, n)
}

func TestVectorE(t *testing.T) {
	for _, p := range []Profile{Lenient, strict} {
		s, err := p.Parse(vecE)
		require.NoError(t, err)
		ff, ok := s.FreeForm()
		require.True(t, ok)
		assert.Equal(t, []byte{0xab, 0xcd}, ff.Data())
		assert.Equal(t, 6, ff.Tag().Offset)
		assert.Equal(t, cipso.TagFreeForm, ff.Tag().Type)
	}
	out, err := Lenient.AppendFreeForm(testutil.Poisoned(40), []byte{0xab, 0xcd})
	require.NoError(t, err)
	assert.Equal(t, vecE[6:], out)
}

func TestCIPSOVectorsThroughOption(t *testing.T) {
	for name, v := range map[string][]byte{"A": vecA, "F": vecF, "G": vecG, "H": vecH()} {
		for _, p := range []Profile{Lenient, strict} {
			s, err := p.Parse(v)
			require.NoError(t, err, name)
			r, ok := s.Restrictive()
			require.True(t, ok, name)
			assert.Equal(t, cipso.TagRBitmap, r.Type, name)
		}
	}
}

// tagCase is a crafted option, the error each profile gives (nil: valid)
// and the offset of the failure. Sources: the negative cases of RULES.md
// §8 and Linux's cipso_v4_validate (net/ipv4/cipso_ipv4.c), whose
// pointers the strict profile matches where it refuses the same thing.
type tagCase struct {
	name       string
	opt        []byte
	lenient    error
	strict     error
	off        int
	lenientOff int
}

func TestOptionProfiles(t *testing.T) {
	cases := []tagCase{
		{"tag 1 alignment 01", []byte{0x86, 0x0a, 0, 0, 0, 1, 0x01, 0x04, 0x01, 0x05}, nil, cipso.ErrBadAlignment, 8, 0},
		{"tag 6 alignment 01", []byte{0x86, 0x0b, 0, 0, 0, 3, 0x06, 0x05, 0x01, 0x07, 0xc0}, nil, cipso.ErrBadAlignment, 8, 0},
		{"tag 6 trailing zero", []byte{0x86, 0x0c, 0, 0, 0, 3, 0x06, 0x06, 0x00, 0x07, 0xc0, 0x00}, nil, cipso.ErrNotCanonical, 10, 0},
		{"tag 1 trailing zero", []byte{0x86, 0x0b, 0, 0, 0, 1, 0x01, 0x05, 0x00, 0x05, 0x00}, nil, cipso.ErrNotCanonical, 10, 0},
		{"tag 1 optimized", []byte{0x86, 0x14, 0, 0, 0, 1, 0x01, 0x0e, 0x00, 0x05, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0}, nil, nil, 0, 0},
		{"tag 6 length 3", []byte{0x86, 0x09, 0, 0, 0, 3, 0x06, 0x03, 0x00}, cipso.ErrBadTagLength, cipso.ErrBadTagLength, 7, 7},
		{"tag 7 length 2", []byte{0x86, 0x08, 0, 0, 0, 3, 0x07, 0x02}, nil, cipso.ErrBadTagLength, 7, 0},
		{"tag 7 length 3", []byte{0x86, 0x09, 0, 0, 0, 3, 0x07, 0x03, 0xab}, nil, cipso.ErrBadTagLength, 7, 0},
		{"tags 1, 6, 7", []byte{0x86, 0x12, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}, nil, nil, 0, 0},
		{"two MAC tags", []byte{0x86, 0x0e, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x05, 0x02, 0x04, 0x00, 0x06}, nil, cipso.ErrMultipleTags, 10, 0},
		{"tag 7 twice", []byte{0x86, 0x0e, 0, 0, 0, 3, 0x07, 0x04, 0xab, 0xcd, 0x07, 0x04, 0xef, 0x01}, nil, cipso.ErrMultipleTags, 10, 0},
		{"levels differ", []byte{0x86, 0x0e, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x06}, nil, cipso.ErrBadLevel, 13, 0},
		{"tag 0 padding", []byte{0x86, 0x0c, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x05, 0x00, 0x00}, nil, cipso.ErrBadTagLength, 11, 0},
		{"tag 0 with length", []byte{0x86, 0x0c, 0, 0, 0, 1, 0x00, 0x04, 0x00, 0x05, 0x01, 0x02}, cipso.ErrBadTagLength, cipso.ErrUnknownTag, 6, 8},
		{"unknown tag 3", []byte{0x86, 0x0a, 0, 0, 0, 1, 0x03, 0x04, 0x00, 0x05}, nil, cipso.ErrUnknownTag, 6, 0},
		{"local tag 128", []byte{0x86, 0x0c, 0, 0, 0, 1, 0x80, 0x06, 0, 0, 0, 0x2a}, nil, cipso.ErrUnknownTag, 6, 0},
		{"DOI 0", []byte{0x86, 0x0a, 0, 0, 0, 0, 0x01, 0x04, 0x00, 0x05}, cipso.ErrBadDOI, cipso.ErrBadDOI, 2, 2},
		{"option length 6", []byte{0x86, 0x06, 0, 0, 0, 1}, nil, ErrNoTags, 6, 0},
		{"option length 41", append([]byte{0x86, 0x29, 0, 0, 0, 1, 0x01, 0x23, 0x00, 0x05}, make([]byte, 31)...), ipopt.ErrBadLength, ipopt.ErrBadLength, 1, 1},
		{"tag past option", []byte{0x86, 0x0a, 0, 0, 0, 1, 0x01, 0x05, 0x00, 0x05}, cipso.ErrBadTagLength, cipso.ErrBadTagLength, 7, 7},
		{"tag type last octet", []byte{0x86, 0x0b, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x05, 0x01}, ipopt.ErrTruncated, ipopt.ErrTruncated, 10, 10},
		{"tag length 0", []byte{0x86, 0x0a, 0, 0, 0, 1, 0x01, 0x00, 0x00, 0x05}, cipso.ErrBadTagLength, cipso.ErrBadTagLength, 7, 7},
		{"enum odd length", []byte{0x86, 0x0d, 0, 0, 0, 1, 0x02, 0x07, 0x00, 0x05, 0x00, 0x05, 0x01}, cipso.ErrBadCategory, cipso.ErrBadCategory, 10, 10},
		{"enum alignment", []byte{0x86, 0x0c, 0, 0, 0, 1, 0x02, 0x06, 0x07, 0x05, 0x00, 0x05}, nil, cipso.ErrBadAlignment, 8, 0},
		{"range length 3", []byte{0x86, 0x09, 0, 0, 0, 1, 0x05, 0x03, 0x00}, cipso.ErrBadTagLength, cipso.ErrBadTagLength, 7, 7},
		{"not CIPSO", []byte{0x82, 0x04, 0xab, 0x00}, cipso.ErrNotCIPSO, cipso.ErrNotCIPSO, 0, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := check(Lenient, c.opt)
			if c.lenient == nil {
				assert.NoError(t, err, "lenient")
			} else {
				testutil.RequireErrAt[ipopt.Error](t, err, c.lenient, c.lenientOff, c.lenientOff+20)
			}
			err = check(strict, c.opt)
			if c.strict == nil {
				assert.NoError(t, err, "strict")
			} else {
				testutil.RequireErrAt[ipopt.Error](t, err, c.strict, c.off, c.off+20)
			}
		})
	}
}

func TestOptionSwitches(t *testing.T) {
	// CIPSO draft §5.1.1: an administrator may mark tag types as ignorable.
	unk := []byte{0x86, 0x0e, 0, 0, 0, 1, 0x03, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}
	p := strict
	p.Ignorable.Add(3)
	require.NoError(t, check(p, unk))
	testutil.RequireErrAt[ipopt.Error](t, check(strict, unk), cipso.ErrUnknownTag, 6, 26)
	p.Ignorable = cipso.TagSet{}
	p.Ignorable.Add(4)
	testutil.RequireErrAt[ipopt.Error](t, check(p, unk), cipso.ErrUnknownTag, 6, 26)
	p.Ignorable.Add(0) // no effect: tag 0 is reserved, not unknown
	testutil.RequireErrAt[ipopt.Error](t, check(p, []byte{0x86, 0x0c, 0, 0, 0, 1, 0x00, 0x04, 0x00, 0x05, 0x07, 0x02}), cipso.ErrUnknownTag, 6, 26)

	three := []byte{0x86, 0x12, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}
	testutil.RequireErrAt[ipopt.Error](t, check(Profile{SingleTag: true}, three), cipso.ErrMultipleTags, 10, 30)
	require.NoError(t, check(Profile{SingleTag: true}, vecD))

	// Lenient reads the first of each kind; the level is the first tag's.
	s, err := Lenient.Parse([]byte{0x86, 0x17, 0, 0, 0, 3, 0x07, 0x04, 0xab, 0xcd, 0x07, 0x03, 0xef,
		0x00, 0x06, 0x05, 0x00, 0x02, 0x80, 0x06, 0x04, 0x00, 0x09})
	require.NoError(t, err)
	ff, ok := s.FreeForm()
	require.True(t, ok)
	assert.Equal(t, []byte{0xab, 0xcd}, ff.Data())
	pb, ok := s.Permissive()
	require.True(t, ok)
	assert.Equal(t, uint8(2), pb.Level())
	var types []cipso.TagType
	for it := s.Tags(); it.Next(); {
		types = append(types, it.Tag().Type)
	}
	assert.Equal(t, []cipso.TagType{7, 7, 6, 6}, types, "the 0 octet is a pad")
}

func TestTagViewsRefuseOtherTypes(t *testing.T) {
	tag := cipso.Tag{Offset: 6, Type: cipso.TagRBitmap, Bytes: []byte{1, 4, 0, 5}}
	_, err := Lenient.ParsePermissiveBitmap(tag)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownTag, 6, 26)
	_, err = Lenient.ParseFreeForm(tag)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownTag, 6, 26)
	_, err = Lenient.ParsePermissiveBitmap(cipso.Tag{Offset: 6, Type: cipso.TagPBitmap, Bytes: make([]byte, 35)})
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrBadTagLength, 7, 27)
	_, err = Lenient.ParseFreeForm(cipso.Tag{Offset: 6, Type: cipso.TagFreeForm, Bytes: make([]byte, 35)})
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrBadTagLength, 7, 27)
}

func TestAppendFreeFormLimits(t *testing.T) {
	dst := []byte{0xAA}
	out, err := Lenient.AppendFreeForm(dst, nil)
	testutil.RequireErrAt[ipopt.Error](t, err, ErrEmptyFreeForm, 1, 21)
	assert.Equal(t, []byte{0xAA}, out)
	out, err = Profile{AllowEmptyFreeForm: true}.AppendFreeForm(testutil.Poisoned(4), nil)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x07, 0x02}, out)
	_, err = strict.AppendFreeForm(nil, []byte{1})
	assert.ErrorIs(t, err, ErrEmptyFreeForm, "Suricata-style receivers need tag length 4")
	out, err = strict.AppendFreeForm(testutil.Poisoned(8), []byte{1, 2})
	require.NoError(t, err)
	assert.Equal(t, []byte{0x07, 0x04, 1, 2}, out)
	out, err = Lenient.AppendFreeForm(testutil.Poisoned(40), make([]byte, 32))
	require.NoError(t, err)
	assert.Len(t, out, 34)
	_, err = Lenient.AppendFreeForm(nil, make([]byte, 33))
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrNoSpace, 2, 22)
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ipopt.Limit, e.Class())
}

func TestAppendPermissiveBitmapLimits(t *testing.T) {
	cs := catsOf(t, 239)
	out, err := AppendPermissiveBitmap(testutil.Poisoned(40), 9, &cs)
	require.NoError(t, err)
	want := append(append([]byte{0x06, 0x22, 0x00, 0x09}, make([]byte, 29)...), 0x01)
	assert.Equal(t, want, out, "vector H's bitmap under tag 6")

	var empty cipso.CatSet
	out, err = AppendPermissiveBitmap(testutil.Poisoned(8), 3, &empty)
	require.NoError(t, err)
	assert.Equal(t, []byte{0x06, 0x04, 0x00, 0x03}, out)

	cs = catsOf(t, 240)
	dst := []byte{0xAA}
	out, err = AppendPermissiveBitmap(dst, 1, &cs)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrNoSpace, 4, 24)
	assert.Equal(t, []byte{0xAA}, out)
}

func TestParseOptionsAndChecker(t *testing.T) {
	opts := append(append([]byte{0x01}, vecD...), 0x00, 0x00, 0x00, 0x00)
	s, o, err := strict.ParseOptions(opts)
	require.NoError(t, err)
	assert.Equal(t, 1, o.Offset)
	assert.Equal(t, cipso.Option(vecD), s.CIPSO())

	bad := append([]byte{0x01}, 0x86, 0x0a, 0, 0, 0, 1, 0x03, 0x04, 0x00, 0x05, 0x00)
	_, _, err = strict.ParseOptions(bad)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownTag, 7, 27)
	_, _, err = strict.ParseOptions([]byte{0x01, 0x00, 0x00, 0x00})
	testutil.RequireErrAt[ipopt.Error](t, err, ErrMissing, 0, 134)

	// Validate is ParseOptions without the results; the Strict type
	// checks as its Profile does.
	require.NoError(t, Strict{}.Validate(opts))
	testutil.RequireErrAt[ipopt.Error](t, Strict{}.Validate(bad), cipso.ErrUnknownTag, 7, 27)
	require.NoError(t, Lenient.Validate(bad))
	testutil.RequireErrAt[ipopt.Error](t, Lenient.Validate([]byte{0x01, 0x00, 0x00, 0x00}), ErrMissing, 0, 134)
	testutil.RequireErrAt[ipopt.Error](t, Strict{}.CheckOption(ipopt.Option{Offset: 1, Bytes: bad[1:]}, false), cipso.ErrUnknownTag, 7, 27)

	// FindCIPSO: none is not an error; framing and a second option are.
	o, found, err := FindCIPSO([]byte{0x01, 0x00, 0x86, 0x04})
	require.NoError(t, err)
	assert.False(t, found, "after the EOL")
	assert.Equal(t, ipopt.Option{}, o)
	o, found, err = FindCIPSO(opts)
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, ipopt.Option{Offset: 1, Type: ipopt.CIPSO, Bytes: vecD}, o)
	_, found, err = FindCIPSO(append(append([]byte{}, vecD...), vecD...))
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrDuplicate, 11, 31)
	assert.False(t, found)
	_, _, err = FindCIPSO([]byte{0x07, 0x01, 0x00, 0x00})
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrBadLength, 0, 20)

	// Plugged into the Linux option walk in place of cipso.Linux.
	l := ipopt.Linux{CIPSO: Strict{}}
	require.NoError(t, l.Validate(opts))
	testutil.RequireErrAt[ipopt.Error](t, l.Validate(bad), cipso.ErrUnknownTag, 7, 27)
	l.CIPSO = Lenient
	require.NoError(t, l.Validate(bad))
}
