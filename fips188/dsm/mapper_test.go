package dsm

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMappers(t *testing.T) {
	n := New(0x12341234, 1)

	sid, ok := n.NetworkSID(nil)
	assert.True(t, ok)
	assert.Equal(t, uint64(0x00000001_12341234), sid, "default: node ID high, source SID low")

	// The seed's formula: ssid + 16*node (RULES.md §6).
	sid, ok = n.NetworkSID(SeedMapper{})
	assert.True(t, ok)
	assert.Equal(t, uint64(0x12341234+16), sid)
	a, _ := New(16, 0).NetworkSID(SeedMapper{})
	b, _ := New(0, 1).NetworkSID(SeedMapper{})
	assert.Equal(t, a, b, "the seed mapping collides, hence not the default")
	a, _ = New(16, 0).NetworkSID(nil)
	b, _ = New(0, 1).NetworkSID(nil)
	assert.NotEqual(t, a, b)
	w, _ := New(0xFFFFFFFF, 1).NetworkSID(SeedMapper{})
	assert.Equal(t, uint64(15), w, "32-bit arithmetic wraps as the seed's C did")

	tbl := TableMapper{{SourceSID: 0x12341234, NodeID: 1}: 42}
	sid, ok = n.NetworkSID(tbl)
	assert.True(t, ok)
	assert.Equal(t, uint64(42), sid)
	_, ok = New(1, 1).NetworkSID(tbl)
	assert.False(t, ok)

	f := MapperFunc(func(s, node uint32) (uint64, bool) { return uint64(s) * 1000, node == 1 })
	sid, ok = n.NetworkSID(f)
	assert.True(t, ok)
	assert.Equal(t, uint64(0x12341234)*1000, sid)

	_, ok = Label{}.With(ParamSourceSID, 1).NetworkSID(nil)
	assert.False(t, ok, "no node ID")
	_, ok = Label{}.With(ParamNodeID, 1).NetworkSID(PairMapper{})
	assert.False(t, ok, "no source SID")
}
