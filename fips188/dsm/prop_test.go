package dsm

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

func genNSID() gopter.Gen {
	return gopter.CombineGens(gen.UInt8Range(0, 63), gen.SliceOfN(5, gen.UInt32())).Map(func(v []any) Label {
		set, vals := v[0].(uint8), v[1].([]uint32)
		n := Label{}
		for t := ParamBypass; t <= ParamNodeID; t++ {
			if set&(1<<(t-1)) != 0 {
				n = n.With(t, vals[(int(t)-1)%5])
			}
		}
		return n
	})
}

// rawParam is one generated parameter: a type (known or not) and a value.
type rawParam struct {
	T   uint8
	V   uint32
	Len uint8 // for unknown types: 2..5
}

func genRawParams() gopter.Gen {
	p := gopter.CombineGens(gen.UInt8Range(0, 9), gen.UInt32(), gen.UInt8Range(2, 5)).Map(func(v []any) rawParam {
		return rawParam{v[0].(uint8), v[1].(uint32), v[2].(uint8)}
	})
	return gopter.CombineGens(gen.IntRange(0, 5), gen.SliceOfN(5, p)).Map(func(v []any) []rawParam {
		return v[1].([]rawParam)[:v[0].(int)]
	})
}

func (r rawParam) append(b []byte) []byte {
	switch t := ParamType(r.T); {
	case t == ParamBypass:
		return append(b, 1, 2)
	case t.Known():
		return binary.BigEndian.AppendUint32(append(b, r.T, 6), r.V)
	default:
		b = append(b, r.T, r.Len)
		for i := 2; i < int(r.Len); i++ {
			b = append(b, byte(r.V>>(8*i)))
		}
		return b
	}
}

func TestNSIDProperties(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(188)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)

	props.Property("decode(encode(n)) == n under every profile that accepts all six", prop.ForAll(
		func(n Label, doi cipso.DOI) bool {
			if n.Params == 0 {
				_, err := n.AppendOption(nil, doi)
				return err != nil
			}
			b, err := n.AppendOption(nil, doi)
			if err != nil || len(b) != n.OptionLen() || b[1] != byte(len(b)) {
				return false
			}
			for _, p := range []Profile{strict, Lenient, {}} {
				p.DOI = doi
				var got Label
				if p.Decode(b, &got) != nil || got != n {
					return false
				}
			}
			return true
		}, genNSID(), gen.UInt32().Map(func(v uint32) cipso.DOI { return cipso.DOI(v) })))

	accepted := 0
	props.Property("strict-valid options re-encode byte for byte", prop.ForAll(
		func(ps []rawParam, doi cipso.DOI) bool {
			var data []byte
			for _, r := range ps {
				data = r.append(data)
			}
			b := []byte{0x86, byte(8 + len(data)), 0, 0, 0, 0, 7, byte(2 + len(data))}
			binary.BigEndian.PutUint32(b[2:], uint32(doi))
			b = append(b, data...)
			p := strict
			p.DOI = doi
			var n Label
			if p.Decode(b, &n) != nil {
				return true
			}
			accepted++
			out, err := n.AppendOption(nil, doi)
			return err == nil && bytes.Equal(out, b)
		}, genRawParams(), gen.UInt32Range(1, 1<<32-1).Map(func(v uint32) cipso.DOI { return cipso.DOI(v) })))

	props.Property("lenient decode keeps the last of each known parameter", prop.ForAll(
		func(ps []rawParam) bool {
			var data []byte
			model := Label{}
			for _, r := range ps {
				data = r.append(data)
				if ParamType(r.T).Known() {
					model = model.With(ParamType(r.T), r.V)
				}
			}
			b := append([]byte{0x86, byte(8 + len(data)), 0x10, 0, 0x10, 0, 7, byte(2 + len(data))}, data...)
			var n Label
			err := Lenient.Decode(b, &n)
			if len(b) < minLen || len(b) > 40 {
				return err != nil
			}
			if model.Params.Has(ParamBypass) {
				model.Params = model.Params.With(ParamBypass)
			}
			return err == nil && n == model
		}, genRawParams()))

	props.TestingRun(t)
	if accepted < 200 {
		t.Errorf("only %d generated options were strict-valid; the round-trip property checked too little", accepted)
	}
}
