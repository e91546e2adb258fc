package main

import (
	"encoding/binary"
	"strconv"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
)

// TestLabelTextFromWire: the level strings dump and decode write straight
// from a category field (a bitmap, ascending tag 2 values, tag 5 ranges
// apart) are cipso.Label's text for the set the field holds, so the CLI
// and the library never disagree.
func TestLabelTextFromWire(t *testing.T) {
	params := gopter.DefaultTestParameters()
	params.MinSuccessfulTests = 2000
	p := gopter.NewProperties(params)
	p.Property("bitmap", prop.ForAll(func(level uint8, bm []byte) bool {
		var want cipso.Label
		want.Level = uint32(level)
		if want.Cats.SetBitmap(bm) != nil {
			return true // more runs above 255 than a CatSet holds
		}
		// The JSON array: every set bit in order, one by one.
		var cats []byte
		for c := cipso.NextBit(bm, 0); c >= 0; c = cipso.NextBit(bm, c+1) {
			if len(cats) > 0 {
				cats = append(cats, ',')
			}
			cats = strconv.AppendInt(cats, int64(c), 10)
		}
		return string(appendBitmapLevelText(nil, uint32(level), bm)) == want.String() &&
			string(appendBitmapCats(nil, bm)) == string(cats)
	}, gen.UInt8(), gen.SliceOfN(36, gen.OneGenOf(gen.UInt8(), gen.Const(uint8(0xff)), gen.Const(uint8(0)))).Map(func(b []uint8) []byte { return b })))
	p.Property("tags 2 and 5", prop.ForAll(func(level uint8, vals []uint16, ranged bool) bool {
		typ := cipso.TagEnum
		if ranged {
			typ = cipso.TagRange
			vals = vals[:len(vals)&^1]
		}
		tag := []byte{byte(typ), byte(4 + 2*len(vals)), 0, level}
		for _, v := range vals {
			tag = binary.BigEndian.AppendUint16(tag, v)
		}
		opt := append([]byte{134, byte(6 + len(tag)), 0, 0, 0, 1}, tag...)
		o, err := cipso.ParseOption(opt)
		if err != nil {
			return len(opt) > 40
		}
		it := o.Tags()
		if !it.Next() {
			return false
		}
		// The library's own decode of the tag, apart from dump's view.
		var want cipso.Label
		werr := it.Tag().Label(&want)
		var v tagView
		if viewTag(it.Tag(), 0, &v) != nil {
			return werr != nil
		}
		return werr == nil && string(appendTagLevelText(nil, &v)) == want.String()
	}, gen.UInt8(), gen.SliceOfN(8, gen.OneGenOf(gen.UInt16Range(0, 20), gen.UInt16Range(250, 260), gen.UInt16())), gen.Bool()))
	p.TestingRun(t)
}

// TestLabelTextRuns: runs as SELinux's mls_sid_to_context writes them, in
// each representation dump formats from.
func TestLabelTextRuns(t *testing.T) {
	bm := make([]byte, 30)
	for c := 0; c <= 231; c++ {
		bm[c/8] |= 0x80 >> (c % 8)
	}
	bm[239/8] |= 0x80 >> (239 % 8)
	assert.Equal(t, "s255:c0.c231,c239", string(appendBitmapLevelText(nil, 255, bm)))
	assert.Equal(t, "s3:c0,c1,c5", string(appendBitmapLevelText(nil, 3, []byte{0xc4})))
	assert.Equal(t, "s3", string(appendBitmapLevelText(nil, 3, nil)))
	assert.Equal(t, "0,1,2,3,4,5,6,7,10", string(appendBitmapCats(nil, []byte{0xff, 0x20})))
	big := make([]byte, 258) // past the table: categories 2046..2049
	big[255], big[256] = 0x03, 0xc0
	assert.Equal(t, "2046,2047,2048,2049", string(appendBitmapCats(nil, big)))
	b, ok := appendEnumLevelText([]byte("x"), 3, []byte{0, 1, 0, 2, 0, 3, 0, 5, 0, 6})
	assert.True(t, ok)
	assert.Equal(t, "xs3:c1.c3,c5,c6", string(b))
	b, ok = appendEnumLevelText([]byte("x"), 3, []byte{0, 1, 0, 2, 0, 2})
	assert.False(t, ok, "not ascending")
	assert.Equal(t, "x", string(b))
	assert.Equal(t, "s5:c0.c3,c10.c20", string(appendRangeLevelText(nil, 5, []byte{0, 20, 0, 10, 0, 3})))
}

// TestLabelInput: encode --label and rewrite --set label= take the level
// string dump prints, and stand for --level/--categories and level=,
// categories=; a bad one is a usage error at its byte of the argument.
func TestLabelInput(t *testing.T) {
	same := []struct{ label, level, cats string }{
		{"s3:c0,c5.c9", "3", "0,5-9"},
		{"s7", "7", ""},
		{"s200:c3,c9,c300.c302", "200", "3,9,300-302"},
		{"s1:c5,c1.c3", "1", "1-3,5"},
	}
	for _, tc := range same {
		a := iplabel(t, "", "encode", "--doi", "16", "--label", tc.label)
		b := iplabel(t, "", "encode", "--doi", "16", "--level", tc.level, "--categories", tc.cats)
		require.Equal(t, exitOK, a.code, a.stderr)
		require.Equal(t, exitOK, b.code, b.stderr)
		assert.Equal(t, b.stdout, a.stdout, tc.label)
		sa, err := parseSetLabel("doi=16,label="+tc.label+",tags=1,2", nil, "")
		require.NoError(t, err, tc.label)
		sb, err := parseSetLabel("doi=16,level="+tc.level+",categories="+tc.cats+",tags=1,2", nil, "")
		require.NoError(t, err, tc.label)
		assert.Equal(t, sb, sa, tc.label)
	}
	bad := []struct {
		args []string
		want string
	}{
		{[]string{"--doi", "16", "--label", "s3:c0,c5.c"}, `--label "s3:c0,c5.c": byte 11: missing category number`},
		{[]string{"--doi", "16", "--label", "3:c0"}, `--label "3:c0": byte 1: a level starts with "s"`},
		{[]string{"--doi", "16", "--label", "s2147483648"}, `--label "s2147483648": byte 2: level: number above 2147483647`},
		{[]string{"--doi", "16", "--label", "s3", "--categories", "1"}, "--categories does not apply to --label"},
		{[]string{"--doi", "16", "--label", "s3", "--level", "3"}, "exactly one of"},
		{[]string{"--label", "s3"}, "--label needs --doi"},
	}
	for _, tc := range bad {
		r := iplabel(t, "", append([]string{"encode"}, tc.args...)...)
		assert.Equal(t, exitError, r.code, tc.args)
		assert.Contains(t, r.stderr, tc.want, tc.args)
	}
	_, err := parseSetLabel("doi=16,label=s3:c0,c5.c,tags=1", nil, "")
	assert.ErrorContains(t, err, `--set "doi=16,label=s3:c0,c5.c,tags=1": byte 24: missing category number`)
	_, err = parseSetLabel("doi=16,label=s3,categories=1", nil, "")
	assert.ErrorContains(t, err, "no categories=")
}
