package cipso

import (
	"bytes"
	"sync"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
)

// genLabel makes wire labels that fit tag t: tag 1 categories below 240,
// tag 2 at most 15 categories, tag 5 at most 7 runs.
func genLabel(t TagType) gopter.Gen {
	var cats gopter.Gen
	switch t {
	case TagRBitmap:
		cats = gen.SliceOfN(40, gen.UInt32Range(0, 239))
	case TagEnum:
		cats = gen.SliceOfN(15, gen.UInt32Range(0, MaxWireCategory))
	default:
		cats = gen.SliceOfN(14, gen.OneGenOf(gen.UInt32Range(0, 300), gen.UInt32Range(0, MaxWireCategory)))
	}
	return gopter.CombineGens(gen.UInt32Range(0, MaxWireLevel), cats, gen.IntRange(0, 40)).Map(func(v []any) Label {
		l := Label{Level: v[0].(uint32)}
		cs := v[1].([]uint32)
		if t == TagRange {
			// Pairs of values become ranges.
			for i := 0; i+1 < len(cs); i += 2 {
				lo, hi := min(cs[i], cs[i+1]), max(cs[i], cs[i+1])
				_ = l.Cats.AddRange(lo, hi)
			}
			return l
		}
		for _, c := range cs[:min(len(cs), v[2].(int))] {
			_ = l.Cats.Add(c)
		}
		return l
	})
}

// Properties: for each tag type, a label encodes into an option that
// decodes back to it, that the strict profile and Linux (pass DOI, tags
// 1,2,5) accept, and whose re-encoding is identical.
func TestPropertyRoundTrip(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(42)
	params.MinSuccessfulTests = 1000
	props := gopter.NewProperties(params)
	var st Strict
	lp := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange))
	for _, tag := range []TagType{TagRBitmap, TagEnum, TagRange} {
		for _, f := range []Format{{}, {Optimized: true}} {
			if tag != TagRBitmap && f.Optimized {
				continue
			}
			props.Property("round trip "+tag.String(), prop.ForAll(func(l Label) bool {
				out, err := AppendOption(nil, 1, tag, &l, f)
				if err != nil {
					// Only tag 5 can overflow: more than 30 octets of ranges.
					return tag == TagRange && l.Cats.numRanges() > 7
				}
				o, err := ParseOption(out)
				if err != nil {
					return false
				}
				var back Label
				if o.Label(&back) != nil || !back.Equal(&l) {
					return false
				}
				if checkOne(st, o) != nil || checkOne(lp, o) != nil {
					return false
				}
				tg, _ := o.FirstTag()
				again, err := AppendOption(nil, 1, tag, &back, FormatOf(tg))
				return err == nil && bytes.Equal(again, out)
			}, genLabel(tag)))
		}
	}

	// Mutants of canonical options: whatever the strict profile still
	// accepts re-encodes octet for octet, and Linux accepts it.
	mut := gopter.CombineGens(genLabel(TagRange), gen.IntRange(0, 2), gen.IntRange(0, 39), gen.UInt8(), gen.Bool()).
		Map(func(v []any) []byte {
			l := v[0].(Label)
			tag := [...]TagType{TagRBitmap, TagEnum, TagRange}[v[1].(int)]
			if tag == TagRBitmap {
				_ = l.Cats.Intersect(&CatSet{low: [4]uint64{^uint64(0), ^uint64(0), ^uint64(0), 0xFFFFFFFFFFFF}})
			}
			if tag == TagEnum {
				var s CatSet
				n := 0
				for c := range l.Cats.All() {
					if n == 15 {
						break
					}
					_ = s.Add(c)
					n++
				}
				l.Cats = s
			}
			out, err := AppendOption(nil, 1, tag, &l, Format{Optimized: v[4].(bool)})
			if err != nil {
				return nil
			}
			i := v[2].(int) % len(out)
			if i >= 2 { // keep the envelope so mutants reach the tag checks
				out[i] = v[3].(uint8)
			}
			return out
		})
	accepted := 0
	props.Property("strict-accepted mutants re-encode byte-exact", prop.ForAll(func(b []byte) bool {
		if checkOne(st, b) != nil {
			return true
		}
		accepted++
		o, _ := ParseOption(b)
		tg, err := o.FirstTag()
		if err != nil {
			return false
		}
		var l Label
		if tg.Label(&l) != nil {
			return false
		}
		again, err := AppendOption(nil, o.DOI(), tg.Type, &l, FormatOf(tg))
		if err != nil || !bytes.Equal(again, o) {
			return false
		}
		return o.DOI() != 1 || checkOne(lp, o) == nil
	}, mut))

	// A translated DOI: host labels built from mapped values go out and
	// come back through the tables.
	props.Property("translated DOI round trip", prop.ForAll(func(rem []uint32, lvl uint32, pick []bool) bool {
		var cats []Pair
		seen := map[uint32]bool{}
		for i, r := range rem {
			if !seen[r] {
				seen[r] = true
				cats = append(cats, Pair{Local: 1000 + 7*uint32(i), Remote: r})
			}
		}
		d, err := NewTrans(3, []TagType{TagRBitmap}, []Pair{{Local: lvl, Remote: lvl % 256}}, cats)
		if err != nil {
			return false
		}
		l := Label{Level: lvl}
		for i, p := range cats {
			if i < len(pick) && pick[i] {
				_ = l.Cats.Add(p.Local)
			}
		}
		out, err := d.AppendOption(nil, &l, Format{})
		if err != nil {
			return false
		}
		o, _ := ParseOption(out)
		var back Label
		return d.Decode(o, &back) == nil && back.Equal(&l)
	}, gen.SliceOfN(12, gen.UInt32Range(0, 239)), gen.UInt32Range(0, 5000), gen.SliceOfN(12, gen.Bool())))
	props.TestingRun(t)
	assert.Greater(t, accepted, 200, "the mutant property must see accepted mutants")
}

// The registry serves lookups while writers change it (run with -race).
func TestRegistryConcurrent(t *testing.T) {
	var r Registry
	base, _ := NewPass(1, TagRBitmap)
	require.NoError(t, r.Add(base))
	lx := NewLinux(&r)
	opts := testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05")
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if r.Lookup(1) == nil || lx.Validate(opts) != nil {
					t.Error("DOI 1 vanished")
					return
				}
			}
		})
	}
	for i := range DOI(200) {
		d, _ := NewPass(100+i, TagEnum)
		require.NoError(t, r.Add(d))
		if i%2 == 0 {
			assert.True(t, r.Remove(100+i))
		}
	}
	close(stop)
	wg.Wait()
	assert.Equal(t, 101, r.Len())
	n := 0
	prev := DOI(0)
	for d := range r.All() {
		assert.Greater(t, d.DOI(), prev)
		prev = d.DOI()
		n++
	}
	assert.Equal(t, 101, n)
	var nilReg *Registry
	assert.Nil(t, nilReg.Lookup(1))
	assert.Zero(t, nilReg.Len())
}

func TestLookupDecodeNoAllocs(t *testing.T) {
	r := passRegistry(t, 1, TagRBitmap, TagEnum, TagRange)
	tr, _ := NewTrans(2, []TagType{TagRBitmap}, []Pair{{0, 0}, {70, 5}}, []Pair{{300, 1}, {0, 0}})
	require.NoError(t, r.Add(tr))
	pass, _ := ParseOption(testutil.Unhex(t, "86 0E 00 00 00 01 02 08 00 05 00 01 00 05"))
	trans, _ := ParseOption(testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 05 C0"))
	var l Label
	n := testing.AllocsPerRun(500, func() {
		if _, err := r.Decode(pass, &l); err != nil {
			panic(err)
		}
		if _, err := r.Decode(trans, &l); err != nil || l.Level != 70 {
			panic(err)
		}
	})
	assert.Zero(t, n)
	assert.Equal(t, "s70:c0,c300", l.String())
}
