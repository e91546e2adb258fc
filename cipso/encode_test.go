package cipso

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

func label(t testing.TB, level uint32, ranges ...[2]uint32) Label {
	t.Helper()
	l := Label{Level: level}
	for _, r := range ranges {
		require.NoError(t, l.Cats.AddRange(r[0], r[1]))
	}
	return l
}

// Checklist 40 (ipopt/RULES.md §9): what Linux generates with "cipso add
// pass doi:1" (RULES.md §9; tshark 4.0.17 shows the tag-5 octets as
// "20-10,3-0", RULES.md §11).
func TestDomainAppendOptionCase40(t *testing.T) {
	tests := []struct {
		name string
		tags []TagType
		l    Label
		f    Format
		want string
	}{
		{"tags:1, level 3, no categories", []TagType{TagRBitmap}, label(t, 3), Format{},
			"86 0A 00 00 00 01 01 04 00 03"},
		{"tags:1, c0 and c15", []TagType{TagRBitmap}, label(t, 3, [2]uint32{0, 0}, [2]uint32{15, 15}), Format{},
			"86 0C 00 00 00 01 01 06 00 03 80 01"},
		{"tags:1, optfmt", []TagType{TagRBitmap}, label(t, 3, [2]uint32{0, 0}, [2]uint32{15, 15}), Format{Optimized: true},
			"86 14 00 00 00 01 01 0E 00 03 80 01 00 00 00 00 00 00 00 00"},
		{"tags:2, {1,5}", []TagType{TagEnum}, label(t, 3, [2]uint32{1, 1}, [2]uint32{5, 5}), Format{},
			"86 0E 00 00 00 01 02 08 00 03 00 01 00 05"},
		{"tags:5, {0..3, 10..20}", []TagType{TagRange}, label(t, 3, [2]uint32{0, 3}, [2]uint32{10, 20}), Format{},
			"86 10 00 00 00 01 05 0A 00 03 00 14 00 0A 00 03"},
		{"tags:1,2 with c240 falls back to tag 2", []TagType{TagRBitmap, TagEnum}, label(t, 3, [2]uint32{240, 240}), Format{},
			"86 0C 00 00 00 01 02 06 00 03 00 F0"},
		// RULES.md §9: with the category flag set and an empty set,
		// cipso_v4_map_cat_rbm_hton returns one octet: 01 05 00 LL 00.
		{"tags:1, category flag, empty set", []TagType{TagRBitmap}, label(t, 3), Format{CatFlag: true},
			"86 0B 00 00 00 01 01 05 00 03 00"},
		{"tags:1, category flag, empty set, optfmt", []TagType{TagRBitmap}, label(t, 3), Format{CatFlag: true, Optimized: true},
			"86 14 00 00 00 01 01 0E 00 03 00 00 00 00 00 00 00 00 00 00"},
		{"tags:2, category flag makes no difference", []TagType{TagEnum}, label(t, 3), Format{CatFlag: true},
			"86 0A 00 00 00 01 02 04 00 03"},
		{"tags:5, a lone zero", []TagType{TagRange}, label(t, 7, [2]uint32{0, 0}), Format{},
			"86 0C 00 00 00 01 05 06 00 07 00 00"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, err := NewPass(1, tc.tags...)
			require.NoError(t, err)
			out, err := d.AppendOption(testutil.Poisoned(64), &tc.l, tc.f)
			require.NoError(t, err)
			assert.Equal(t, testutil.Unhex(t, tc.want), out)
			n, err := d.OptionLen(&tc.l, tc.f)
			require.NoError(t, err)
			assert.Equal(t, len(out), n)
			// The option decodes back to the label.
			o, err := ParseOption(out)
			require.NoError(t, err)
			var back Label
			require.NoError(t, d.Decode(o, &back))
			assert.True(t, back.Equal(&tc.l), "%v != %v", back, tc.l)
		})
	}
}

func TestAppendOptionErrors(t *testing.T) {
	// tags:1 with c240: -ENOSPC, nothing appended (checklist 40).
	d, _ := NewPass(1, TagRBitmap)
	l := label(t, 3, [2]uint32{240, 240})
	dst := []byte{0xAB}
	out, err := d.AppendOption(dst, &l, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrNoSpace, 10)
	assert.Equal(t, []byte{0xAB}, out)
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ipopt.Limit, e.Class())

	// 16 categories: too many for tag 2; 9 ranges: too many for tag 5.
	many := label(t, 1)
	for i := range uint32(16) {
		require.NoError(t, many.Cats.Add(2*i+300))
	}
	_, err = AppendOption(nil, 1, TagEnum, &many, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrNoSpace, 10)
	_, err = AppendOption(nil, 1, TagRange, &many, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrNoSpace, 10)
	// 8 ranges fit when the lowest starts at 0 (7 pairs and a lone top).
	eight := label(t, 1, [2]uint32{0, 1})
	for i := range uint32(7) {
		require.NoError(t, eight.Cats.AddRange(10*i+10, 10*i+12))
	}
	out, err = AppendOption(testutil.Poisoned(64), 1, TagRange, &eight, Format{})
	require.NoError(t, err)
	assert.Len(t, out, 40)
	require.NoError(t, eight.Cats.Remove(0))
	require.NoError(t, eight.Cats.Add(5))
	_, err = AppendOption(nil, 1, TagRange, &eight, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrNoSpace, 10)

	// Wire limits.
	hi := label(t, 256)
	_, err = AppendOption(nil, 1, TagRBitmap, &hi, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrBadLevel, 9)
	_, err = d.AppendOption(nil, &hi, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrBadLevel, 9)
	big := label(t, 1, [2]uint32{65535, 65535})
	_, err = AppendOption(nil, 1, TagEnum, &big, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrBadCategory, 10)
	_, err = AppendOption(nil, 1, TagPBitmap, &big, Format{})
	testutil.RequireErr[ipopt.Error](t, err, ErrTagNotAllowed, 6)
	_, err = AppendOptionHeader(nil, 1, 35)
	testutil.RequireErr[ipopt.Error](t, err, ErrNoSpace, 1)
}

func TestDomainTrans(t *testing.T) {
	// netlabelctl cipso add trans doi:8 tags:1 levels:0=0,1=1 categories:0=1,1=0
	// (the man page's example: host categories 0 and 1 swap on the wire).
	d, err := NewTrans(8, []TagType{TagRBitmap}, []Pair{{0, 0}, {1, 1}}, []Pair{{0, 1}, {1, 0}})
	require.NoError(t, err)
	l := label(t, 1, [2]uint32{0, 0})
	out, err := d.AppendOption(testutil.Poisoned(64), &l, Format{})
	require.NoError(t, err)
	assert.Equal(t, testutil.Unhex(t, "86 0B 00 00 00 08 01 05 00 01 40"), out, "host c0 goes out as wire c1")
	o, _ := ParseOption(out)
	var back Label
	require.NoError(t, d.Decode(o, &back))
	assert.True(t, back.Equal(&l))

	// Unmapped level and category: ErrUnmapped, class Policy (Linux -EPERM).
	for _, bad := range []Label{label(t, 2), label(t, 0, [2]uint32{7, 7})} {
		out, err := d.AppendOption([]byte{1}, &bad, Format{})
		require.ErrorIs(t, err, ErrUnmapped)
		assert.Equal(t, []byte{1}, out)
		var e ipopt.Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, ipopt.Policy, e.Class())
	}
	// Receiving an unmapped wire level or category.
	o, _ = ParseOption(testutil.Unhex(t, "86 0A 00 00 00 08 01 04 00 05"))
	testutil.RequireErr[ipopt.Error](t, d.Decode(o, &back), ErrUnmapped, 9)
	o, _ = ParseOption(testutil.Unhex(t, "86 0B 00 00 00 08 01 05 00 01 20"))
	testutil.RequireErr[ipopt.Error](t, d.Decode(o, &back), ErrUnmapped, 10)
	o, _ = ParseOption(testutil.Unhex(t, "86 0B 00 00 00 09 01 05 00 01 20"))
	testutil.RequireErr[ipopt.Error](t, d.Decode(o, &back), ErrUnknownDOI, 2)

	// Host values above the wire's, mapped down.
	d2, err := NewTrans(9, []TagType{TagRBitmap}, []Pair{{1000, 3}}, []Pair{{70000, 239}, {5, 0}})
	require.NoError(t, err)
	l = label(t, 1000, [2]uint32{5, 5}, [2]uint32{70000, 70000})
	out, err = d2.AppendOption(testutil.Poisoned(64), &l, Format{})
	require.NoError(t, err)
	want := append(testutil.Unhex(t, "86 28 00 00 00 09 01 22 00 03 80"), make([]byte, 28)...)
	want = append(want, 0x01)
	assert.Equal(t, want, out)
	o, _ = ParseOption(out)
	require.NoError(t, d2.Decode(o, &back))
	assert.True(t, back.Equal(&l))

	// Later pairs win in each direction, as Linux's arrays (netlabelctl
	// lists "levels:0=2,3=1" for levels:0=1,0=2,3=1).
	d3, err := NewTrans(10, []TagType{TagRBitmap}, []Pair{{0, 1}, {0, 2}, {3, 1}}, nil)
	require.NoError(t, err)
	w, ok := d3.LevelToWire(0)
	assert.Equal(t, []any{uint8(2), true}, []any{w, ok})
	h, ok := d3.LevelFromWire(1)
	assert.Equal(t, []any{uint32(3), true}, []any{h, ok})
	h, ok = d3.LevelFromWire(2)
	assert.Equal(t, []any{uint32(0), true}, []any{h, ok})
	_, ok = d3.LevelFromWire(0)
	assert.False(t, ok)
}

func TestDomainLocal(t *testing.T) {
	d, err := NewLocal(5)
	require.NoError(t, err)
	out, err := d.AppendLocalOption(testutil.Poisoned(64), 42)
	require.NoError(t, err)
	require.Len(t, out, 12)
	assert.Equal(t, testutil.Unhex(t, "86 0C 00 00 00 05 80 06"), out[:8])
	o, _ := ParseOption(out)
	tg, _ := o.FirstTag()
	id, err := tg.SecID()
	require.NoError(t, err)
	assert.Equal(t, uint32(42), id)
	l := label(t, 1)
	_, err = d.AppendOption(nil, &l, Format{})
	assert.ErrorIs(t, err, ErrTagNotAllowed)
	p, _ := NewPass(6, TagRBitmap)
	_, err = p.AppendLocalOption(nil, 1)
	assert.ErrorIs(t, err, ErrTagNotAllowed)
}

func TestNewDomainRejects(t *testing.T) {
	// What Linux's cipso_v4_doi_add and netlbl_cipsov4_add_std refuse
	// (RULES.md §4; also seen with netlabelctl 0.30 on Linux 6.18).
	_, err := NewPass(0, TagRBitmap)
	assert.ErrorIs(t, err, ErrBadDOI)
	_, err = NewPass(1)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPass(1, TagInvalid)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPass(1, 1, 2, 5, 1, 2, 5)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPass(1, TagLocal)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPass(1, TagPBitmap)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewPass(1, TagFreeForm)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewTrans(1, []TagType{TagRBitmap, TagEnum}, []Pair{{0, 0}}, nil)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewTrans(1, []TagType{TagRBitmap}, nil, nil)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewTrans(1, []TagType{TagRBitmap}, []Pair{{0, 256}}, nil)
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewTrans(1, []TagType{TagRBitmap}, []Pair{{0, 0}}, []Pair{{0, 65535}})
	assert.ErrorIs(t, err, ErrBadConfig)
	_, err = NewTrans(1, []TagType{TagRBitmap}, []Pair{{0x80000000, 0}}, nil)
	assert.ErrorIs(t, err, ErrBadConfig)
	// Accepted: duplicates, a 0 in a later slot.
	d, err := NewPass(1, TagRBitmap, TagRBitmap)
	require.NoError(t, err)
	assert.Equal(t, []TagType{1, 1}, d.Tags())
	d, err = NewPass(1, TagRBitmap, TagInvalid, TagEnum)
	require.NoError(t, err)
	assert.Equal(t, []TagType{1}, d.Tags())
	assert.Equal(t, [5]TagType{1, 0, 2, 0, 0}, d.Slots())

	var r Registry
	require.NoError(t, r.Add(d))
	assert.ErrorIs(t, r.Add(d), ErrDuplicateDOI)
	assert.Equal(t, 1, r.Len())
	assert.True(t, r.Remove(1))
	assert.False(t, r.Remove(1))
	assert.Nil(t, r.Lookup(1))
}

func TestEncodeNoAllocs(t *testing.T) {
	d, _ := NewPass(1, TagRBitmap, TagEnum, TagRange)
	tr, _ := NewTrans(2, []TagType{TagRBitmap}, []Pair{{0, 0}, {7, 3}}, []Pair{{0, 0}, {300, 5}})
	bm := label(t, 200, [2]uint32{0, 5}, [2]uint32{100, 239})
	enum := label(t, 9, [2]uint32{1000, 1000}, [2]uint32{3, 3})
	rng := label(t, 9, [2]uint32{0, 3}, [2]uint32{300, 400}, [2]uint32{20000, 30000})
	trl := label(t, 7, [2]uint32{300, 300})
	buf := make([]byte, 0, 64)
	n := testing.AllocsPerRun(500, func() {
		for _, l := range []*Label{&bm, &enum, &rng} {
			if _, err := d.AppendOption(buf, l, Format{}); err != nil {
				panic(err)
			}
		}
		if _, err := tr.AppendOption(buf, &trl, Format{Optimized: true}); err != nil {
			panic(err)
		}
		if _, err := AppendOption(buf, 1, TagRBitmap, &enum, Format{}); err == nil {
			panic("want ENOSPC")
		}
	})
	assert.Zero(t, n)
}

func BenchmarkEncodeRBitmap(b *testing.B) {
	d, _ := NewPass(1, TagRBitmap)
	l := label(b, 200, [2]uint32{0, 5}, [2]uint32{100, 239})
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := d.AppendOption(buf, &l, Format{}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkEncodeRange(b *testing.B) {
	l := label(b, 9, [2]uint32{0, 3}, [2]uint32{300, 400}, [2]uint32{20000, 30000})
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := AppendOption(buf, 1, TagRange, &l, Format{}); err != nil {
			b.Fatal(err)
		}
	}
}
