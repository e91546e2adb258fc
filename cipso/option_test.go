package cipso

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

func TestParseOption(t *testing.T) {
	o, err := ParseOption(testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 00"))
	require.NoError(t, err)
	assert.Equal(t, 10, o.Len(), "cut to the length octet; the EOL padding is not part of it")
	assert.Equal(t, DOI(1), o.DOI())
	assert.Equal(t, "1", o.DOI().String())

	_, err = ParseOption(nil)
	testutil.RequireErr[ipopt.Error](t, err, ipopt.ErrTruncated, 0)
	_, err = ParseOption([]byte{0x86})
	testutil.RequireErr[ipopt.Error](t, err, ipopt.ErrTruncated, 0)
	_, err = ParseOption([]byte{0x82, 0x03, 0xAB})
	testutil.RequireErr[ipopt.Error](t, err, ErrNotCIPSO, 0)
	_, err = ParseOption(testutil.Unhex(t, "86 05 00 00 00"))
	testutil.RequireErr[ipopt.Error](t, err, ipopt.ErrBadLength, 1)
	_, err = ParseOption(append([]byte{0x86, 41}, make([]byte, 39)...))
	testutil.RequireErr[ipopt.Error](t, err, ipopt.ErrBadLength, 1)
	// Checklist 31: the option runs past the field; the walk reports it
	// at the type octet.
	_, err = ParseOption(testutil.Unhex(t, "86 10 00 00 00 01 01 04 00 05 00 00"))
	testutil.RequireErr[ipopt.Error](t, err, ipopt.ErrBadLength, 0)

	// A hand-made short Option does not panic.
	assert.Equal(t, DOI(0), Option{0x86}.DOI())
	it := Option{0x86}.Tags()
	assert.False(t, it.Next())
	require.NoError(t, it.Err())
}

// TestTagIter: "case N" is checklist N (ipopt/RULES.md §9).
func TestTagIter(t *testing.T) {
	type tag struct {
		off int
		typ TagType
		n   int
	}
	tests := []struct {
		name   string
		opt    string
		want   []tag
		errIs  error
		errOff int
	}{
		{name: "case 1: one tag", opt: "86 0A 00 00 00 01 01 04 00 05", want: []tag{{6, TagRBitmap, 4}}},
		{name: "case 30: two tags", opt: "86 0E 00 00 00 01 01 04 00 05 02 04 00 06",
			want: []tag{{6, TagRBitmap, 4}, {10, TagEnum, 4}}},
		{name: "no tags", opt: "86 06 00 00 00 01"},
		{name: "case 9: tag type is the last octet (Linux opt_iter)", opt: "86 0B 00 00 00 01 01 04 00 05 01",
			want: []tag{{6, TagRBitmap, 4}}, errIs: ipopt.ErrTruncated, errOff: 10},
		{name: "case 8: tag length past the option (Linux opt_iter+1)", opt: "86 08 00 00 00 01 01 04",
			errIs: ErrBadTagLength, errOff: 7},
		{name: "case 10: tag length 0 cannot advance", opt: "86 0A 00 00 00 01 01 00 00 05",
			errIs: ErrBadTagLength, errOff: 7},
		{name: "local tag", opt: "86 0C 00 00 00 01 80 06 00 00 00 2A", want: []tag{{6, TagLocal, 6}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOption(testutil.Unhex(t, tc.opt))
			require.NoError(t, err)
			it := o.Tags()
			var got []tag
			for it.Next() {
				tg := it.Tag()
				got = append(got, tag{tg.Offset, tg.Type, len(tg.Bytes)})
				assert.Equal(t, []byte(o[tg.Offset:tg.Offset+len(tg.Bytes)]), tg.Bytes)
			}
			assert.Equal(t, tc.want, got)
			if tc.errIs == nil {
				require.NoError(t, it.Err())
				return
			}
			testutil.RequireErr[ipopt.Error](t, it.Err(), tc.errIs, tc.errOff)
			assert.False(t, it.Next(), "sticky")
		})
	}
}

func TestTagTypeString(t *testing.T) {
	assert.Equal(t, "rbitmap", TagRBitmap.String())
	assert.Equal(t, "local", TagLocal.String())
	assert.Equal(t, "tag(3)", TagType(3).String())
	assert.True(t, TagRange.MAC())
	assert.False(t, TagPBitmap.MAC())
}

// Decoding checklist vectors ("case N" is checklist N, ipopt/RULES.md §9);
// the expected sets follow RULES.md §8.
func TestOptionLabel(t *testing.T) {
	tests := []struct {
		name  string
		opts  string
		level uint32
		cats  []uint32
	}{
		{"case 1: minimal tag 1", "86 0A 00 00 00 01 01 04 00 05 00 00", 5, nil},
		{"case 2: bitmap {0,15}", "86 0C 00 00 00 01 01 06 00 05 80 01", 5, []uint32{0, 15}},
		{"case 3: optimized form", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", 5, []uint32{0}},
		{"case 4: trailing zero octet", "86 0B 00 00 00 01 01 05 00 05 00 00", 5, nil},
		{"case 5: alignment octet ignored", "86 0A 00 00 00 01 01 04 FF 05 00 00", 5, nil},
		{"case 17: enumerated", "86 0E 00 00 00 01 02 08 00 05 00 01 00 05 00 00", 5, []uint32{1, 5}},
		{"case 18: descending is still a set", "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00", 5, []uint32{1, 5}},
		{"case 21: 65535", "86 0C 00 00 00 01 02 06 00 05 FF FF", 5, []uint32{65535}},
		{"case 23: implied bottom", "86 0C 00 00 00 01 05 06 00 05 00 03", 5, []uint32{0, 1, 2, 3}},
		{"case 25: inverted pair is empty", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00", 5, nil},
		{"case 30: first tag only", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00", 5, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOption(testutil.Unhex(t, tc.opts))
			require.NoError(t, err)
			var l Label
			require.NoError(t, o.Label(&l))
			assert.Equal(t, tc.level, l.Level)
			assert.Equal(t, tc.cats, collect(&l.Cats))
		})
	}

	// Checklist 22: {1..5, 10..20}; checklist 26: touching ranges, {5..20}.
	o, _ := ParseOption(testutil.Unhex(t, "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00"))
	var l Label
	require.NoError(t, o.Label(&l))
	assert.Equal(t, "{c1.c5,c10.c20}", l.Cats.String())
	o, _ = ParseOption(testutil.Unhex(t, "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00"))
	require.NoError(t, o.Label(&l))
	assert.Equal(t, "{c5.c20}", l.Cats.String())

	// Checklist 28: the largest tag 1.
	b := append(testutil.Unhex(t, "86 28 00 00 00 01 01 22 00 FF"), slices.Repeat([]byte{0xFF}, 29)...)
	b = append(b, 0x01)
	o, err := ParseOption(b)
	require.NoError(t, err)
	require.NoError(t, o.Label(&l))
	assert.Equal(t, uint32(255), l.Level)
	assert.Equal(t, 233, l.Cats.Len())
}

// TestOptionLabelErrors: "case N" is checklist N (ipopt/RULES.md §9).
func TestOptionLabelErrors(t *testing.T) {
	tests := []struct {
		name   string
		opts   string
		errIs  error
		errOff int
	}{
		{"case 11: tag 1 length 3", "86 0A 00 00 00 01 01 03 00 05", ErrBadTagLength, 7},
		{"case 20: enumerated odd length", "86 0D 00 00 00 01 02 07 00 05 00 05 01", ErrBadCategory, 10},
		{"case 27: ranged odd length", "86 0D 00 00 00 01 05 07 00 05 00 03 01", ErrBadCategory, 10},
		{"case 13: unknown tag 3", "86 0A 00 00 00 01 03 04 00 05", ErrUnknownTag, 6},
		{"no tags", "86 06 00 00 00 01", ipopt.ErrTruncated, 6},
		{"case 12: tag past the option", "86 0A 00 00 00 01 01 05 00 05", ErrBadTagLength, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o, err := ParseOption(testutil.Unhex(t, tc.opts))
			require.NoError(t, err)
			l := Label{Level: 99}
			testutil.RequireErr[ipopt.Error](t, o.Label(&l), tc.errIs, tc.errOff)
			assert.Equal(t, Label{Level: 99}, l, "unchanged on error")
		})
	}
}

func TestSecID(t *testing.T) {
	o, _ := ParseOption(testutil.Unhex(t, "86 0C 00 00 00 01 80 06 2A 00 00 00"))
	tg, err := o.FirstTag()
	require.NoError(t, err)
	id, err := tg.SecID()
	require.NoError(t, err)
	// Host byte order: 2A 00 00 00 is 42 on a little-endian host.
	var want [4]byte
	id2 := uint32(42)
	want[0], want[1], want[2], want[3] = byte(id2), byte(id2>>8), byte(id2>>16), byte(id2>>24)
	if want == [4]byte(tg.Bytes[2:6]) {
		assert.Equal(t, uint32(42), id)
	} else {
		assert.Equal(t, uint32(0x2A000000), id)
	}
	_, err = Tag{Offset: 6, Type: TagRBitmap, Bytes: []byte{1, 4, 0, 0}}.SecID()
	testutil.RequireErr[ipopt.Error](t, err, ErrUnknownTag, 6)
	_, err = Tag{Offset: 6, Type: TagLocal, Bytes: []byte{0x80, 5, 0, 0, 0}}.SecID()
	testutil.RequireErr[ipopt.Error](t, err, ErrBadTagLength, 7)
}

func TestDecodeNoAllocs(t *testing.T) {
	b := append(testutil.Unhex(t, "86 28 00 00 00 01 01 22 00 FF"), slices.Repeat([]byte{0xA5}, 29)...)
	b = append(b, 0x01)
	rng := testutil.Unhex(t, "86 12 00 00 00 01 05 0C 00 05 01 14 00 0A 00 05 00 01")
	bad := testutil.Unhex(t, "86 0D 00 00 00 01 02 07 00 05 00 05 01")
	var l Label
	n := testing.AllocsPerRun(500, func() {
		o, err := ParseOption(b)
		if err != nil || o.Label(&l) != nil {
			panic("decode")
		}
		o, _ = ParseOption(rng)
		if o.Label(&l) != nil {
			panic("decode")
		}
		o, _ = ParseOption(bad)
		if o.Label(&l) == nil {
			panic("want error")
		}
	})
	assert.Zero(t, n)
}

func BenchmarkDecodeRBitmap40(b *testing.B) {
	opt := append([]byte{0x86, 0x28, 0, 0, 0, 1, 1, 0x22, 0, 0xFF}, slices.Repeat([]byte{0xA5}, 29)...)
	opt = append(opt, 0x01)
	var l Label
	b.ReportAllocs()
	for b.Loop() {
		o, err := ParseOption(opt)
		if err != nil {
			b.Fatal(err)
		}
		if err := o.Label(&l); err != nil {
			b.Fatal(err)
		}
	}
}
