package ipv6_test

import (
	"net/netip"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// TestHeaderShort calls every accessor of a Header view on every length
// below 40: none may panic, each reads as zero and SetPayloadLen writes
// nothing.
func TestHeaderShort(t *testing.T) {
	full := make([]byte, ipv6.HeaderLen)
	for i := range full {
		full[i] = 0xff
	}
	for n := range ipv6.HeaderLen {
		h := make(ipv6.Header, n)
		copy(h, full)
		assert.NotPanics(t, func() {
			assert.Zero(t, h.TrafficClass(), "len %d", n)
			assert.Zero(t, h.FlowLabel(), "len %d", n)
			assert.Zero(t, h.PayloadLen(), "len %d", n)
			assert.Zero(t, h.NextHeader(), "len %d", n)
			assert.Zero(t, h.HopLimit(), "len %d", n)
			assert.Equal(t, netip.Addr{}, h.Src(), "len %d", n)
			assert.Equal(t, netip.Addr{}, h.Dst(), "len %d", n)
			h.SetPayloadLen(0)
			assert.Equal(t, full[:n], []byte(h), "len %d", n)
		}, "len %d", n)
	}
}

// TestExtHeaderShort calls every accessor of an ExtHeader view on the
// lengths 0 and 1: no panic, zero results.
func TestExtHeaderShort(t *testing.T) {
	for n := range 2 {
		h := ipv6.ExtHeader([]byte{17}[:n])
		assert.NotPanics(t, func() {
			if n == 0 {
				assert.Zero(t, h.NextHeader())
			}
			assert.Nil(t, h.Options(), "len %d", n)
		}, "len %d", n)
	}
}
