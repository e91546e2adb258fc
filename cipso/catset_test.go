package cipso

import (
	"errors"
	"slices"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func setOf(t testing.TB, cats ...uint32) CatSet {
	t.Helper()
	var s CatSet
	for _, c := range cats {
		require.NoError(t, s.Add(c))
	}
	return s
}

func collect(s *CatSet) []uint32 {
	var out []uint32
	for c := range s.All() {
		out = append(out, c)
	}
	return out
}

func TestCatSetBasics(t *testing.T) {
	var s CatSet
	assert.True(t, s.IsEmpty())
	_, ok := s.Next(0)
	assert.False(t, ok)
	_, ok = s.Max()
	assert.False(t, ok)
	assert.Equal(t, 0, s.numRanges())

	require.NoError(t, s.AddRange(250, 260)) // crosses the bitmap/range boundary
	require.NoError(t, s.Add(0))
	require.NoError(t, s.Add(65535))
	require.NoError(t, s.Add(0xFFFFFFFF))
	assert.Equal(t, 1+11+1+1, s.Len())
	assert.True(t, s.Has(255) && s.Has(256) && s.Has(250) && s.Has(260))
	assert.False(t, s.Has(249) || s.Has(261) || s.Has(1))
	lo, hi, ok := s.nextRange(1)
	assert.Equal(t, []any{uint32(250), uint32(260), true}, []any{lo, hi, ok}, "runs join across 255/256")
	lo, hi, ok = s.nextRange(255)
	assert.Equal(t, []any{uint32(255), uint32(260), true}, []any{lo, hi, ok})
	assert.Equal(t, 4, s.numRanges())
	mx, _ := s.Max()
	assert.Equal(t, uint32(0xFFFFFFFF), mx)
	assert.Equal(t, "{c0,c250.c260,c65535,c4294967295}", s.String())

	// Removing from the middle of a run splits it.
	require.NoError(t, s.Remove(258))
	assert.False(t, s.Has(258))
	assert.Equal(t, "{c0,c250.c257,c259,c260,c65535,c4294967295}", s.String())
	require.NoError(t, s.Remove(0xFFFFFFFF))
	require.NoError(t, s.Remove(250))
	require.NoError(t, s.Remove(7)) // absent
	assert.Equal(t, "{c0,c251.c257,c259,c260,c65535}", s.String())

	// Stopping early, in the bitmap and in the runs.
	for _, stop := range []uint32{0, 252, 256, 259, 65535} {
		var seen []uint32
		for c := range s.All() {
			seen = append(seen, c)
			if c == stop {
				break
			}
		}
		assert.Equal(t, stop, seen[len(seen)-1])
		var los []uint32
		for lo := range s.Ranges() {
			los = append(los, lo)
			if lo >= stop {
				break
			}
		}
		assert.LessOrEqual(t, stop, los[len(los)-1])
	}

	// Inverted ranges add nothing (Linux netlbl_catmap_setrng; RULES.md §8).
	c := s
	require.NoError(t, s.AddRange(10, 5))
	assert.Equal(t, c, s)
	s.Clear()
	assert.True(t, s.IsEmpty())
}

func TestCatSetFullIsAtomic(t *testing.T) {
	var s CatSet
	for i := range maxCatRanges {
		require.NoError(t, s.Add(uint32(1000+2*i)))
	}
	before := s
	assert.ErrorIs(t, s.Add(5000), ErrSetFull)
	assert.Equal(t, before, s)
	assert.NoError(t, s.Remove(1000+1))        // absent: fine
	require.NoError(t, s.AddRange(1000, 1002)) // merges two runs into one
	assert.Equal(t, maxCatRanges-1, int(s.n))
	require.NoError(t, s.Add(5000))
	before = s
	assert.ErrorIs(t, s.Remove(1001), ErrSetFull, "splitting needs a 17th run")
	assert.Equal(t, before, s)
	// Low categories never need a run.
	require.NoError(t, s.AddRange(0, 255))
	var u CatSet
	require.NoError(t, u.Add(7000))
	before = s
	assert.ErrorIs(t, s.Union(&u), ErrSetFull)
	assert.Equal(t, before, s)
}

func TestCatSetBitmap(t *testing.T) {
	// Draft §3.4.2.5 (RULES.md §2): category N is bit 0x80>>(N%8) of octet
	// N/8, so {0,15} is 80 01 (checklist 2, ipopt/RULES.md §9).
	var s CatSet
	require.NoError(t, s.SetBitmap([]byte{0x80, 0x01}))
	assert.Equal(t, []uint32{0, 15}, collect(&s))
	assert.Equal(t, 2, BitmapLen(&s))
	b, err := AppendBitmap(nil, &s, BitmapLen(&s))
	require.NoError(t, err)
	assert.Equal(t, []byte{0x80, 0x01}, b)

	// Checklist 28: 29 octets of FF then 01: categories 0..231 and 239.
	bm := append(slices.Repeat([]byte{0xFF}, 29), 0x01)
	require.NoError(t, s.SetBitmap(bm))
	assert.Equal(t, 233, s.Len())
	mx, _ := s.Max()
	assert.Equal(t, uint32(239), mx)
	assert.True(t, s.Has(231) && !s.Has(232) && !s.Has(238))
	assert.Equal(t, 30, BitmapLen(&s))

	// Longer than 32 octets: categories above 255 go to runs.
	long := make([]byte, 40)
	long[0], long[33], long[39] = 0x80, 0xF0, 0x01
	require.NoError(t, s.SetBitmap(long))
	assert.Equal(t, []uint32{0, 264, 265, 266, 267, 319}, collect(&s))
	got, err := AppendBitmap(nil, &s, 40)
	require.NoError(t, err)
	assert.Equal(t, long, got)

	// Too short a bitmap for the set.
	dst := []byte{9}
	dst, err = AppendBitmap(dst, &s, 30)
	assert.ErrorIs(t, err, ErrSetFull)
	assert.Equal(t, []byte{9}, dst)

	assert.Equal(t, 8, NextBit([]byte{0, 0x80}, -3))
	assert.Equal(t, -1, NextBit([]byte{0x80}, 1))
	assert.Equal(t, 15, NextBit([]byte{0x80, 0x01}, 1))
}

func TestCatSetSetOps(t *testing.T) {
	a := setOf(t, 1, 2, 3, 300, 301, 302, 400)
	b := setOf(t, 2, 301, 400, 500)
	assert.False(t, a.SupersetOf(&b))
	assert.True(t, a.Intersects(&b))
	i := a
	require.NoError(t, i.Intersect(&b))
	assert.Equal(t, []uint32{2, 301, 400}, collect(&i))
	assert.True(t, a.SupersetOf(&i))
	assert.True(t, b.SupersetOf(&i))
	u := a
	require.NoError(t, u.Union(&b))
	assert.Equal(t, []uint32{1, 2, 3, 300, 301, 302, 400, 500}, collect(&u))
	d := a
	require.NoError(t, d.Difference(&b))
	assert.Equal(t, []uint32{1, 3, 300, 302}, collect(&d))
	e := setOf(t, 600)
	assert.False(t, a.Intersects(&e))
}

// catModel is the reference the property compares CatSet against: a plain
// sorted list of distinct categories.
type catOp struct {
	kind   int // 0 add, 1 add range, 2 remove
	lo, hi uint32
}

func applyModel(m map[uint32]bool, op catOp) {
	switch op.kind {
	case 0:
		m[op.lo] = true
	case 1:
		for c := op.lo; c <= op.hi; c++ {
			m[c] = true
		}
	case 2:
		delete(m, op.lo)
	}
}

func modelRuns(m map[uint32]bool) int {
	keys := make([]uint32, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	runs := 0
	for i, k := range keys {
		if i == 0 || keys[i-1]+1 != k {
			runs++
		}
	}
	return runs
}

// Property: a sequence of operations gives the same set as the model,
// failed operations change nothing, and iteration, Len, Min, Max, the
// number of runs above 255 and the bitmap round trip agree with the model.
func TestCatSetModel(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 1500
	props := gopter.NewProperties(params)
	opGen := gopter.CombineGens(gen.IntRange(0, 2), gen.UInt32Range(0, 700), gen.UInt32Range(0, 12)).
		Map(func(v []any) catOp {
			lo := v[1].(uint32)
			return catOp{kind: v[0].(int), lo: lo, hi: lo + v[2].(uint32)}
		})
	props.Property("CatSet agrees with a map model", prop.ForAll(func(ops []catOp) bool {
		var s CatSet
		m := map[uint32]bool{}
		for _, op := range ops {
			before := s
			var err error
			switch op.kind {
			case 0:
				err = s.Add(op.lo)
			case 1:
				err = s.AddRange(op.lo, op.hi)
			case 2:
				err = s.Remove(op.lo)
			}
			if err != nil {
				if !errors.Is(err, ErrSetFull) || s != before {
					return false
				}
				continue
			}
			applyModel(m, op)
		}
		var want []uint32
		for c := uint32(0); c <= 720; c++ {
			if m[c] != s.Has(c) {
				return false
			}
			if m[c] {
				want = append(want, c)
			}
		}
		if !slices.Equal(want, collect(&s)) || s.Len() != len(want) || s.numRanges() != modelRuns(m) {
			return false
		}
		if len(want) > 0 {
			mn, _ := s.Next(0)
			mx, _ := s.Max()
			if mn != want[0] || mx != want[len(want)-1] {
				return false
			}
		}
		// Rebuilding from runs gives the identical value.
		var r CatSet
		for lo, hi := range s.Ranges() {
			if r.AddRange(lo, hi) != nil {
				return false
			}
		}
		if r != s {
			return false
		}
		// Bitmap round trip when the set fits 100 octets.
		if mx, ok := s.Max(); ok && mx < 800 {
			b, err := AppendBitmap(nil, &s, BitmapLen(&s))
			var back CatSet
			if err != nil || back.SetBitmap(b) != nil || back != s {
				return false
			}
		}
		return true
	}, gen.SliceOfN(30, opGen)))

	setGen := gen.SliceOfN(12, gen.UInt32Range(0, 600)).Map(func(cs []uint32) CatSet {
		var s CatSet
		for _, c := range cs {
			_ = s.AddRange(c, c+c%5)
		}
		return s
	})
	props.Property("set algebra agrees with the model", prop.ForAll(func(a, b CatSet) bool {
		u, i, d := a, a, a
		if u.Union(&b) != nil || i.Intersect(&b) != nil || d.Difference(&b) != nil {
			return true // capacity: covered above
		}
		for c := uint32(0); c < 620; c++ {
			ha, hb := a.Has(c), b.Has(c)
			if u.Has(c) != (ha || hb) || i.Has(c) != (ha && hb) || d.Has(c) != (ha && !hb) {
				return false
			}
		}
		return u.SupersetOf(&a) && u.SupersetOf(&b) && a.SupersetOf(&i) && b.SupersetOf(&i) &&
			a.Intersects(&b) == !i.IsEmpty() && a.SupersetOf(&b) == (d.Len()+i.Len() == a.Len() && i.Equal(&b))
	}, setGen, setGen))
	props.TestingRun(t)
}

func TestCatSetNoAllocs(t *testing.T) {
	bm := append(slices.Repeat([]byte{0xA5}, 29), 0x01)
	var buf [1024]byte // the text of this set is about 700 octets
	n := testing.AllocsPerRun(200, func() {
		var s CatSet
		_ = s.SetBitmap(bm)
		_ = s.AddRange(300, 400)
		_ = s.Add(1000)
		sum := uint32(0)
		for c := range s.All() {
			sum += c
		}
		for lo, hi := range s.Ranges() {
			sum += lo + hi
		}
		_, _ = AppendBitmap(buf[:0], &s, 30)
		_, _ = s.AppendText(buf[:0])
		if sum == 0 {
			panic("sum")
		}
	})
	assert.Zero(t, n)
}

func BenchmarkCatSetSetBitmap(b *testing.B) {
	bm := append(slices.Repeat([]byte{0xA5}, 29), 0x01)
	var s CatSet
	b.ReportAllocs()
	for b.Loop() {
		_ = s.SetBitmap(bm)
	}
}

func BenchmarkCatSetAppendBitmap(b *testing.B) {
	var s CatSet
	_ = s.SetBitmap(append(slices.Repeat([]byte{0xA5}, 29), 0x01))
	var buf [32]byte
	b.ReportAllocs()
	for b.Loop() {
		_, _ = AppendBitmap(buf[:0], &s, 30)
	}
}

func BenchmarkCatSetIterate(b *testing.B) {
	var s CatSet
	_ = s.SetBitmap(append(slices.Repeat([]byte{0xA5}, 29), 0x01))
	b.ReportAllocs()
	for b.Loop() {
		n := uint32(0)
		for c := range s.All() {
			n += c
		}
		_ = n
	}
}

func BenchmarkCatSetAddHigh(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var s CatSet
		for i := range uint32(15) {
			_ = s.Add(60000 - 7*i)
		}
	}
}

func BenchmarkCatSetSuperset(b *testing.B) {
	var x, y CatSet
	_ = x.SetBitmap(slices.Repeat([]byte{0xFF}, 30))
	_ = x.AddRange(300, 900)
	_ = y.SetBitmap(slices.Repeat([]byte{0x55}, 30))
	_ = y.AddRange(400, 500)
	b.ReportAllocs()
	for b.Loop() {
		_ = x.SupersetOf(&y)
	}
}
