package main

import (
	"math/rand/v2"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAppendUintTables: the table-driven decimal writer agrees with
// strconv at every value of the tables, across their edges and beyond.
func TestAppendUintTables(t *testing.T) {
	check := func(v uint64) {
		if got := string(appendUint([]byte("x"), v)); got != "x"+strconv.FormatUint(v, 10) {
			require.Failf(t, "appendUint", "%d: got %q", v, got)
		}
	}
	for v := range uint64(1<<16 + 20000) {
		check(v)
	}
	for _, v := range []uint64{1e8 - 1, 1e8, 1e8 + 1, 99990000, 99999999, 1<<32 - 1, 1<<64 - 1} {
		check(v)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 100000 {
		check(r.Uint64N(2e8))
	}
	assert.Equal(t, "-5", string(appendInt(nil, -5)))
	assert.Equal(t, "1000000", string(appendInt(nil, 1000000)))
}

// TestAppendAddr: addresses are written as netip writes them.
func TestAppendAddr(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 10000 {
		var b [4]byte
		for i := range b {
			b[i] = byte(r.UintN(256))
		}
		a := netip.AddrFrom4(b)
		require.Equal(t, a.String(), string(appendAddr(nil, a)))
	}
	for _, s := range []string{"0.0.0.0", "255.255.255.255", "10.0.0.1", "2001:db8::a", "::ffff:192.0.2.1", "::"} {
		a := netip.MustParseAddr(s)
		assert.Equal(t, a.String(), string(appendAddr([]byte{}, a)))
	}
}
