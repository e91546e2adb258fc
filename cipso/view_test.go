package cipso

import (
	"encoding/binary"
	"errors"
	"math"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// viewSamples are the categories at which a view and a materialised label
// are compared: every category a bitmap of the tag's length can hold and
// one word more, every 16-bit value the tag carries and its neighbours,
// the ends of the materialised set's runs and their neighbours, the ends
// of the wire range and a stride through it. Both sides are piecewise
// constant between these points (a view's answer changes only at a value
// it carries, a set's at a run's end), so agreeing on them is agreeing on
// every category.
func viewSamples(cats []byte, s *CatSet) []uint32 {
	var out []uint32
	for c := range uint32(len(cats)*8 + 64) {
		out = append(out, c)
	}
	near := func(c uint32) {
		out = append(out, c, c+1)
		if c > 0 {
			out = append(out, c-1)
		}
	}
	for i := 0; i+1 < len(cats); i++ {
		near(uint32(binary.BigEndian.Uint16(cats[i:])))
	}
	for lo, hi := range s.Ranges() {
		near(lo)
		near(hi)
	}
	for c := uint32(0); c <= 0x10000; c += 257 {
		out = append(out, c)
	}
	return append(out, MaxWireCategory, 0xFFFF, 0x10000, math.MaxInt32, math.MaxUint32-1, math.MaxUint32)
}

// checkView compares o.LabelView with o.Label: the same error (kind and
// offset), and on success the same DOI, level, membership, Next and
// iteration order, an early stop of All honoured, and Label giving the
// same label.
func checkView(t *testing.T, o Option) {
	t.Helper()
	var l Label
	lerr := o.Label(&l)
	v, verr := o.LabelView()
	if lerr != nil || verr != nil {
		sameErr(t, lerr, verr)
		assert.Equal(t, LabelView{}, v, "no view on error")
		return
	}
	require.Equal(t, o.DOI(), v.DOI())
	require.Equal(t, TagType(o[HeaderLen]), v.TagType())
	require.Equal(t, l.Level, uint32(v.Level()))
	cats := o[HeaderLen+TagBaseLen : HeaderLen+int(o[HeaderLen+1])]
	for _, c := range viewSamples(cats, &l.Cats) {
		if v.Has(c) != l.Cats.Has(c) {
			t.Fatalf("% x: Has(%d) = %v, the label says %v", []byte(o), c, v.Has(c), l.Cats.Has(c))
		}
		vc, vok := v.Next(c)
		lc, lok := l.Cats.Next(c)
		if vc != lc || vok != lok {
			t.Fatalf("% x: Next(%d) = %d, %v; the label says %d, %v", []byte(o), c, vc, vok, lc, lok)
		}
	}
	require.Equal(t, slices.Collect(l.Cats.All()), slices.Collect(v.All()), "% x", []byte(o))
	n := 0
	for range v.All() {
		if n++; n == 2 {
			break
		}
	}
	assert.LessOrEqual(t, n, 2)
	require.Equal(t, l, v.Label())
}

// sameErr fails unless a and b are both nil or the same failure at the
// same offset.
func sameErr(t *testing.T, a, b error) {
	t.Helper()
	if a == nil || b == nil {
		require.Equal(t, a == nil, b == nil, "errors %v and %v", a, b)
		return
	}
	assert.Equal(t, a.Error(), b.Error())
	var ae, be ipopt.Error
	require.True(t, errors.As(a, &ae) && errors.As(b, &be), "%v, %v", a, b)
	assert.Equal(t, ae.Offset(), be.Offset())
}

// checkFind compares FindLabelView with its definition: ipopt.Iter's walk
// up to the first CIPSO option or EOL, then ParseOption and
// Option.LabelView on that option, their offsets moved into the field.
func checkFind(t *testing.T, opts []byte) {
	t.Helper()
	want, wantFound, wantErr := func() (LabelView, bool, error) {
		it := ipopt.NewIter(opts)
		for it.Next() {
			switch it.Type() {
			case ipopt.EOL:
				return LabelView{}, false, nil
			case ipopt.CIPSO:
				o := it.Option()
				opt, err := ParseOption(o.Bytes)
				if err != nil {
					return LabelView{}, true, ipopt.Shift(err, o.Offset)
				}
				v, err := opt.LabelView()
				return v, true, ipopt.Shift(err, o.Offset)
			}
		}
		return LabelView{}, false, it.Err()
	}()
	v, found, err := FindLabelView(opts)
	sameErr(t, wantErr, err)
	require.Equal(t, wantFound, found, "% x", opts)
	require.Equal(t, want, v, "% x", opts)
}

func TestFindLabelView(t *testing.T) {
	tests := []struct {
		name  string
		opts  string
		found bool
		level uint8
		err   error
		errAt int
	}{
		{name: "label first", opts: "86 0A 00 00 00 01 01 04 00 07", found: true, level: 7},
		{name: "after a NOP and a Record Route (RFC 791)", opts: "01 07 07 04 00 00 00 00 86 0A 00 00 00 01 05 04 00 03", found: true, level: 3},
		{name: "none", opts: "01 01 01 01"},
		{name: "after an EOL, not seen (cipso_v4_optptr)", opts: "00 86 0A 00 00 00 01 01 04 00 07"},
		{name: "empty"},
		{name: "an option running past the field before it", opts: "07 FF 04 00 86 0A 00 00 00 01 01 04 00 07", err: ipopt.ErrBadLength, errAt: 0},
		{name: "a lone type octet at the end", opts: "01 07", err: ipopt.ErrTruncated, errAt: 1},
		{name: "a CIPSO option shorter than its header", opts: "01 86 04 00 00", found: true, err: ipopt.ErrBadLength, errAt: 2},
		{name: "a label tag CIPSO does not read", opts: "01 86 0C 00 00 00 01 07 06 00 00 00 00", found: true, err: ErrUnknownTag, errAt: 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)
			checkFind(t, opts)
			v, found, err := FindLabelView(opts)
			assert.Equal(t, tc.found, found)
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				var e ipopt.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.errAt, e.Offset())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.level, v.Level())
		})
	}
}

func TestLabelView(t *testing.T) {
	tests := []struct {
		name  string
		opt   string
		level uint8
		cats  []uint32 // ascending, from the draft's encoding rules
		err   error    // with errAt, instead of the above
		errAt int
	}{
		{name: "tag 1, bits 1, 16 and 23 (draft §3.4.2.5)", opt: "86 0D 00 00 00 02 01 07 00 05 40 00 81",
			level: 5, cats: []uint32{1, 16, 23}},
		{name: "tag 1, a bitmap of nine octets crossing a word", opt: "86 13 00 00 00 01 01 0D 00 01 80 00 00 00 00 00 00 01 C0",
			level: 1, cats: []uint32{0, 63, 64, 65}},
		{name: "tag 1, no categories", opt: "86 0A 00 00 00 01 01 04 00 09", level: 9},
		{name: "tag 2, ascending (draft §3.4.3.5)", opt: "86 10 00 00 00 01 02 0A 00 03 00 05 01 2C FF FF",
			level: 3, cats: []uint32{5, 300, 65535}},
		{name: "tag 2, out of order with a repeat (RULES.md §8)", opt: "86 10 00 00 00 01 02 0A 00 03 00 0A 00 05 00 0A",
			level: 3, cats: []uint32{5, 10}},
		{name: "tag 5, top first, last bottom left out (draft §3.4.4.5)", opt: "86 10 00 00 00 01 05 0A 00 03 00 14 00 12 00 02",
			level: 3, cats: []uint32{0, 1, 2, 18, 19, 20}},
		{name: "tag 5, ascending and overlapping", opt: "86 12 00 00 00 01 05 0C 00 00 00 03 00 01 00 04 00 02",
			level: 0, cats: []uint32{1, 2, 3, 4}},
		{name: "tag 5, a bottom above its top holds nothing (RULES.md §8)", opt: "86 0E 00 00 00 01 05 08 00 04 00 05 00 09", level: 4},
		{name: "tag 7 is not a label tag", opt: "86 0C 00 00 00 01 07 06 00 00 00 00", err: ErrUnknownTag, errAt: 6},
		{name: "tag 2 of odd length", opt: "86 0D 00 00 00 01 02 07 00 00 00 05 00", err: ErrBadCategory, errAt: 10},
		{name: "tag too short for a level", opt: "86 09 00 00 00 01 01 03 00", err: ErrBadTagLength, errAt: 7},
		{name: "tag past the option", opt: "86 0A 00 00 00 01 01 05 00 00", err: ErrBadTagLength, errAt: 7},
		{name: "no tag", opt: "86 06 00 00 00 01", err: ipopt.ErrTruncated, errAt: 6},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOption(testutil.Unhex(t, tc.opt))
			require.NoError(t, err)
			checkView(t, o)
			v, err := o.LabelView()
			if tc.err != nil {
				require.ErrorIs(t, err, tc.err)
				var e ipopt.Error
				require.ErrorAs(t, err, &e)
				assert.Equal(t, tc.errAt, e.Offset())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.level, v.Level())
			assert.Equal(t, tc.cats, slices.Collect(v.All()))
			for _, c := range tc.cats {
				assert.True(t, v.Has(c), "category %d", c)
			}
		})
	}
}

// A tag longer than one option can carry: views of hand-made options
// refuse what Option.Label refuses (categories a CatSet cannot hold) and
// read the rest, bitmap categories above 255 included.
func TestLabelViewLong(t *testing.T) {
	enum := []byte{0x86, 0, 0, 0, 0, 1, byte(TagEnum), 0, 0, 1}
	for c := range 20 {
		enum = binary.BigEndian.AppendUint16(enum, uint16(300+2*c)) // 20 separate runs above 255
	}
	enum[1], enum[7] = byte(len(enum)), byte(len(enum)-HeaderLen)
	checkView(t, Option(enum))
	_, err := Option(enum).LabelView()
	require.ErrorIs(t, err, ErrSetFull)

	bitmap := []byte{0x86, 0, 0, 0, 0, 1, byte(TagRBitmap), 0, 0, 1}
	bitmap = append(bitmap, make([]byte, 40)...)
	bitmap[len(bitmap)-1] = 0x81 // categories 312 and 319
	bitmap[1], bitmap[7] = byte(len(bitmap)), byte(len(bitmap)-HeaderLen)
	checkView(t, Option(bitmap))
	v, err := Option(bitmap).LabelView()
	require.NoError(t, err)
	assert.Equal(t, []uint32{312, 319}, slices.Collect(v.All()))
}

func TestLabelViewZero(t *testing.T) {
	var v LabelView
	assert.False(t, v.Has(0))
	_, ok := v.Next(0)
	assert.False(t, ok)
	assert.Empty(t, slices.Collect(v.All()))
	assert.Equal(t, Label{}, v.Label())
	assert.Equal(t, TagInvalid, v.TagType())
}

// Properties: a label encoded in each tag type reads back through the view
// as the label itself; and for any category field of tags 1, 2 and 5, in
// any order, the view agrees with Option.Label.
func TestPropertyLabelView(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 300
	props := gopter.NewProperties(params)
	for _, tag := range []TagType{TagRBitmap, TagEnum, TagRange} {
		props.Property("encoded "+tag.String()+" reads back", prop.ForAll(func(l Label) bool {
			b, err := AppendOption(nil, 3, tag, &l, Format{})
			if err != nil {
				return true // more than one option holds
			}
			v, err := Option(b).LabelView()
			if err != nil || v.DOI() != 3 || v.TagType() != tag || uint32(v.Level()) != l.Level {
				return false
			}
			for _, c := range viewSamples(b[HeaderLen+TagBaseLen:], &l.Cats) {
				if v.Has(c) != l.Cats.Has(c) {
					return false
				}
			}
			return slices.Equal(slices.Collect(v.All()), slices.Collect(l.Cats.All())) && v.Label() == l
		}, genLabel(tag)))
	}
	props.Property("any category field agrees with Option.Label", prop.ForAll(func(tag uint8, level uint8, field []byte, n int) bool {
		cats := field[:n]
		o := []byte{0x86, byte(HeaderLen + TagBaseLen + len(cats)), 0, 0, 0, 1, tag, byte(TagBaseLen + len(cats)), 0, level}
		o = append(o, cats...)
		ok := true
		t.Run("", func(t *testing.T) {
			checkView(t, Option(o))
			ok = !t.Failed()
		})
		return ok
	}, gen.OneConstOf(uint8(TagRBitmap), uint8(TagEnum), uint8(TagRange)), gen.UInt8(),
		gen.SliceOfN(MaxBitmapLen, gen.OneGenOf(gen.UInt8(), gen.UInt8Range(0, 3))), gen.IntRange(0, MaxBitmapLen)))
	props.TestingRun(t)
}

// FuzzLabelView: for any octets taken as an option, hand-made ones longer
// than 40 octets included, the view never panics and agrees with
// Option.Label on the error, the level, membership, Next and iteration;
// taken as an options field, FindLabelView agrees with its definition.
func FuzzLabelView(f *testing.F) {
	seedOptions(f)
	f.Add(testutil.Unhex(f, "86 10 00 00 00 01 02 0A 00 03 00 0A 00 05 00 0A"))
	f.Add(testutil.Unhex(f, "86 12 00 00 00 01 05 0C 00 00 00 03 00 01 00 04 00 02"))
	f.Add(testutil.Unhex(f, "86 13 00 00 00 01 01 0D 00 01 80 00 00 00 00 00 00 01 C0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		checkFind(t, b)
		checkView(t, Option(b))
		if o, err := ParseOption(b); err == nil {
			checkView(t, o)
		}
	})
}

// TestLabelViewNoAllocs: making a view of an option in a stack buffer (by
// Option.LabelView or FindLabelView) and asking it everything allocates
// nothing.
func TestLabelViewNoAllocs(t *testing.T) {
	for _, s := range []string{
		"86 28 00 00 00 01 01 22 00 FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF 01",
		"86 10 00 00 00 01 02 0A 00 03 00 0A 00 05 00 0A",
		"86 10 00 00 00 01 05 0A 00 03 00 14 00 12 00 02",
	} {
		src := testutil.Unhex(t, s)
		var sum uint32
		allocs := testing.AllocsPerRun(100, func() {
			var buf [MaxOptionLen]byte
			n := copy(buf[:], src)
			v, err := Option(buf[:n]).LabelView()
			if err != nil {
				panic(err)
			}
			if v.Has(5) {
				sum++
			}
			c, _ := v.Next(7)
			sum += c
			for c := range v.All() {
				sum += c
			}
			l := v.Label()
			sum += l.Level
			fv, found, err := FindLabelView(buf[:n])
			if err != nil || !found {
				panic(err)
			}
			sum += uint32(fv.Level())
		})
		assert.Zero(t, allocs, s)
		assert.NotZero(t, sum)
	}
}
