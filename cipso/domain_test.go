package cipso

import (
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// naiveTable is the lookup table by its definition: for every key, the
// last pair configured with it; keys ascending.
func naiveTable(pairs []Pair, byRemote bool) []Pair {
	last := map[uint32]Pair{}
	for _, p := range pairs {
		k := p.Local
		if byRemote {
			k = p.Remote
		}
		last[k] = p
	}
	var keys []uint32
	for k := range last {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := []Pair{}
	for _, k := range keys {
		out = append(out, last[k])
	}
	return out
}

// TestTable: the sorted lookups keep the last pair of a repeated key, in
// both directions, for lists with and without repeats.
func TestTable(t *testing.T) {
	rng := rand.New(rand.NewPCG(12, 1))
	for _, n := range []int{0, 1, 2, 10, 300, 5000} {
		for _, span := range []uint32{3, 50, 1 << 20} {
			t.Run(strconv.Itoa(n)+"/"+strconv.Itoa(int(span)), func(t *testing.T) {
				pairs := make([]Pair, n)
				for i := range pairs {
					pairs[i] = Pair{Local: rng.Uint32N(span), Remote: rng.Uint32N(span)}
				}
				orig := slices.Clone(pairs)
				for _, byRemote := range []bool{false, true} {
					assert.Equal(t, naiveTable(pairs, byRemote), append([]Pair{}, table(pairs, byRemote)...), "byRemote %v", byRemote)
				}
				assert.Equal(t, orig, pairs, "the configured pairs are not reordered")
			})
		}
	}
}

// TestTransManyPairs: a translated DOI of thousands of pairs maps every
// value as its last pair says, both ways.
func TestTransManyPairs(t *testing.T) {
	var cats []Pair
	for i := range uint32(6000) {
		cats = append(cats, Pair{Local: i % 4000, Remote: (i * 7) % 65000})
	}
	d, err := NewTrans(3, []TagType{TagRBitmap}, []Pair{{0, 0}, {5, 1}}, cats)
	require.NoError(t, err)
	for i := uint32(2000); i < 6000; i++ {
		w, ok := d.CatToWire(i % 4000)
		require.True(t, ok)
		assert.Equal(t, (i*7)%65000, w, "host %d", i%4000)
		h, ok := d.CatFromWire((i * 7) % 65000)
		require.True(t, ok)
		assert.Equal(t, i%4000, h)
	}
	_, ok := d.CatToWire(4000)
	assert.False(t, ok)
	lv, ok := d.LevelFromWire(1)
	assert.True(t, ok)
	assert.Equal(t, uint32(5), lv)
	_, ok = d.LevelFromWire(2)
	assert.False(t, ok)

	// A pass DOI keeps no level table and maps levels as they are.
	p, err := NewPass(16, TagRBitmap)
	require.NoError(t, err)
	assert.Nil(t, p.lvlNet)
	lv, ok = p.LevelFromWire(200)
	assert.True(t, ok)
	assert.Equal(t, uint32(200), lv)
}
