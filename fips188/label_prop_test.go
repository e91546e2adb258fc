package fips188

import (
	"bytes"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// genCats makes a set of up to 5 categories below limit.
func genCats(limit uint32) gopter.Gen {
	return gopter.CombineGens(gen.IntRange(0, 5), gen.SliceOfN(5, gen.UInt32Range(0, limit-1))).Map(func(v []any) cipso.CatSet {
		var s cipso.CatSet
		for _, c := range v[1].([]uint32)[:v[0].(int)] {
			_ = s.Add(c)
		}
		return s
	})
}

func genLabel() gopter.Gen {
	return gopter.CombineGens(
		gen.UInt32Range(1, 1<<32-1),
		gen.UInt8(),
		gen.OneConstOf(cipso.TagType(0), cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange),
		genCats(240), genCats(65535),
		gen.Bool(), genCats(240),
		gen.Bool(), gen.SliceOf(gen.UInt8()).Map(func(b []uint8) []byte { return b[:min(len(b), 12)] }),
	).Map(func(v []any) Label {
		l := Label{
			ID:             cipso.DOI(v[0].(uint32)),
			Level:          v[1].(uint8),
			RestrictiveTag: v[2].(cipso.TagType),
			HasPermissive:  v[5].(bool),
			HasFreeForm:    v[7].(bool),
		}
		switch l.RestrictiveTag {
		case cipso.TagRBitmap:
			l.Restrictive = v[3].(cipso.CatSet)
		case cipso.TagEnum, cipso.TagRange:
			l.Restrictive = v[4].(cipso.CatSet)
		}
		if l.HasPermissive {
			l.Permissive = v[6].(cipso.CatSet)
		}
		if l.HasFreeForm {
			l.FreeForm = v[8].([]byte)
		}
		if l.RestrictiveTag == 0 && !l.HasPermissive {
			l.Level = 0
		}
		return l
	})
}

func TestLabelProperties(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(6)
	params.MinSuccessfulTests = 1500
	props := gopter.NewProperties(params)
	encoded := 0
	props.Property("decode(encode(l)) == l and re-encodes byte for byte", prop.ForAll(
		func(l Label) bool {
			for _, p := range []Profile{strict, Lenient} {
				out, err := p.AppendOption(nil, &l)
				if err != nil {
					var e ipopt.Error
					return errors.As(err, &e) && e.Class() == ipopt.Limit && out == nil
				}
				if n, err := p.OptionLen(&l); err != nil || n != len(out) {
					return false
				}
				encoded++
				var got Label
				if err := p.Decode(out, &got); err != nil || !got.Equal(&l) {
					t.Logf("%+v: % x -> %+v (%v)", p, out, got, err)
					return false
				}
				again, err := p.AppendOption(nil, &got)
				if err != nil || !bytes.Equal(again, out) {
					return false
				}
			}
			return true
		}, genLabel()))
	props.TestingRun(t)
	if encoded < 500 {
		t.Errorf("only %d labels encoded; the property checked too little", encoded)
	}
}
