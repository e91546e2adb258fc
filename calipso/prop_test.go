package calipso_test

import (
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// Property: decode(encode(label)) is the label, the option is valid in its
// DOI and at 4n+2, and its bitmap is the shortest in whole words.
func TestPropEncodeDecode(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(11)
	params.MinSuccessfulTests = 3000
	props := gopter.NewProperties(params)
	props.Property("encode -> decode", prop.ForAll(func(doi uint32, level uint8, cats []uint16, start int) bool {
		var l cipso.Label
		l.Level = uint32(level)
		for _, c := range cats {
			// Low categories anywhere, a few high ones.
			if err := l.Cats.Add(uint32(c) % (calipso.MaxCategory + 1)); err != nil {
				return true // more runs than a CatSet holds: not a label
			}
		}
		doi = doi%0xfffffffe + 1
		b, err := calipso.AppendOption(nil, start, doi, &l)
		if err != nil {
			return false
		}
		pad := 0
		if b[0] == ipv6.Pad1 {
			pad = 1
		} else if b[0] == ipv6.PadN {
			pad = int(b[1]) + 2
		}
		if (start+pad)%4 != 2 {
			return false
		}
		o, err := calipso.ParseOption(b[pad:])
		if err != nil || o.DOI() != doi || !o.ChecksumOK() {
			return false
		}
		if m, ok := l.Cats.Max(); ok && o.CmptLen() != int(m/32)+1 || !ok && o.CmptLen() != 0 {
			return false
		}
		r, _ := calipso.NewRegistry(doi)
		if calipso.NewLinux(r).CheckOption(o) != nil {
			return false
		}
		got, err := o.Label()
		return err == nil && got.Equal(&l)
	}, gen.UInt32(), gen.UInt8(), gen.SliceOfN(6, gen.UInt16()), gen.IntRange(0, 7)))

	props.Property("any checksum octet flipped is refused", prop.ForAll(func(level uint8, c uint16, bit uint8, high bool) bool {
		var l cipso.Label
		l.Level = uint32(level)
		_ = l.Cats.Add(uint32(c) % 512)
		b, _ := calipso.AppendOption(nil, 2, 9, &l)
		i := 8
		if high {
			i = 9
		}
		b[i] ^= 1 << (bit % 8)
		r, _ := calipso.NewRegistry(9)
		return calipso.NewLinux(r).CheckOption(b) != nil
	}, gen.UInt8(), gen.UInt16(), gen.UInt8(), gen.Bool()))
	props.TestingRun(t)
}
