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
