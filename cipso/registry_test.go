package cipso

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRegistryTable checks Lookup on both sides of linearLookup (scan and
// bisection), Add's duplicate refusal, Remove, and All's DOI order, against
// a map model.
func TestRegistryTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 16))
	var r Registry
	model := map[DOI]*Domain{}
	for step := range 400 {
		doi := DOI(1 + rng.IntN(40))
		if rng.IntN(3) == 0 {
			_, had := model[doi]
			assert.Equal(t, had, r.Remove(doi), "step %d remove %d", step, doi)
			delete(model, doi)
		} else {
			d, err := NewPass(doi, TagRBitmap)
			require.NoError(t, err)
			err = r.Add(d)
			if _, had := model[doi]; had {
				assert.ErrorIs(t, err, ErrDuplicateDOI)
			} else {
				require.NoError(t, err)
				model[doi] = d
			}
		}
		require.Equal(t, len(model), r.Len())
		for doi := DOI(0); doi <= 41; doi++ {
			assert.Same(t, model[doi], r.Lookup(doi), "step %d lookup %d (%d DOIs)", step, doi, len(model))
		}
		var order []DOI
		for d := range r.All() {
			order = append(order, d.DOI())
		}
		assert.True(t, slices.IsSorted(order))
		assert.Len(t, order, len(model))
	}
	var nilReg *Registry
	assert.Nil(t, nilReg.Lookup(1))
	assert.Zero(t, nilReg.Len())
}

func TestRegistryLookupNoAllocs(t *testing.T) {
	var r Registry
	for doi := DOI(1); doi <= 20; doi++ {
		d, _ := NewPass(doi, TagRBitmap)
		require.NoError(t, r.Add(d))
	}
	n := testing.AllocsPerRun(1000, func() {
		if r.Lookup(3) == nil || r.Lookup(17) == nil || r.Lookup(99) != nil {
			panic("lookup")
		}
	})
	assert.Zero(t, n)
}

func BenchmarkRegistryLookup(b *testing.B) {
	for _, n := range []int{1, 4, 32} {
		var r Registry
		for doi := range n {
			d, _ := NewPass(DOI(doi+1), TagRBitmap)
			_ = r.Add(d)
		}
		b.Run(strconv.Itoa(n)+"-dois", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if r.Lookup(DOI(n)) == nil {
					b.Fatal("missing")
				}
			}
		})
	}
}

// TestNewRegistry: the one-step table ParseConfig builds answers as the
// one Add builds, on both sides of linearLookup, and Add and Remove keep
// working on it.
func TestNewRegistry(t *testing.T) {
	for _, n := range []int{0, 1, linearLookup, linearLookup + 1, 100} {
		t.Run(strconv.Itoa(n), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(uint64(n), 7))
			var doms []*Domain
			var want Registry
			for _, i := range rng.Perm(n) {
				d, err := NewPass(DOI(2*i+1), TagRBitmap)
				require.NoError(t, err)
				doms = append(doms, d)
				require.NoError(t, want.Add(d))
			}
			r := newRegistry(doms)
			require.Equal(t, n, r.Len())
			for doi := DOI(0); doi <= DOI(2*n+2); doi++ {
				assert.Same(t, want.Lookup(doi), r.Lookup(doi), "lookup %d", doi)
			}
			assert.Equal(t, slices.Collect(want.All()), slices.Collect(r.All()))
			d, _ := NewPass(DOI(2*n+4), TagRBitmap)
			require.NoError(t, r.Add(d))
			assert.Same(t, d, r.Lookup(DOI(2*n+4)))
			if n > 0 {
				assert.ErrorIs(t, r.Add(doms[0]), ErrDuplicateDOI)
				assert.True(t, r.Remove(doms[0].DOI()))
				assert.Nil(t, r.Lookup(doms[0].DOI()))
			}
		})
	}
}
