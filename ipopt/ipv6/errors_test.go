package ipv6_test

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// TestFixedHeaderErrors: the version and the payload length are fields of
// the fixed header, at header octets 0 and 4, not after the fixed header;
// an option's error is after it (RULES.md §1).
func TestFixedHeaderErrors(t *testing.T) {
	var l ipv6.Linux
	h := hbh(0xde, 4, 0, 0, 0, 0)
	bad := packet(h, 16)
	bad[0] = 0x40
	var e ipopt.Error
	require.ErrorAs(t, l.CheckPacket(bad), &e)
	assert.GreaterOrEqual(t, e.HeaderOffset(), 0)
	assert.Equal(t, -1, e.Offset())
	assert.Equal(t, -1, e.Offset())
	assert.Equal(t, 0, e.HeaderOffset())
	assert.Equal(t, 0, e.Pointer())
	assert.Equal(t, "ipv6: bad IPv6 header: version at header octet 0", e.Error())

	require.ErrorAs(t, l.CheckPacket(packet(h, 17)), &e)
	assert.Equal(t, -1, e.Offset())
	assert.Equal(t, -1, e.Offset())
	assert.Equal(t, 4, e.HeaderOffset())
	assert.Equal(t, 4, e.Pointer())
	assert.Equal(t, "ipv6: bad IPv6 header: payload length at header octet 4", e.Error())
	_, _, ok := ipv6.ICMP(e)
	assert.False(t, ok)

	require.ErrorAs(t, l.CheckPacket(bad[:30]), &e)
	assert.Equal(t, -1, e.HeaderOffset())
	assert.Equal(t, "ipv6: bad IPv6 header: shorter than the 40-octet header", e.Error())

	err := l.CheckPacket(packet(h, 16))
	require.ErrorAs(t, err, &e)
	assert.GreaterOrEqual(t, e.Offset(), 0)
	assert.Equal(t, 2, e.Offset())
	assert.Equal(t, 42, e.HeaderOffset())
	assert.Equal(t, 42, e.Pointer())
	assert.Equal(t, "ipv6: unrecognised option: option type at offset 2 (pointer 42)", e.Error())
	// ICMPv4 has no answer for an IPv6 packet; ICMPv6 has.
	_, _, _, ok = ipopt.ICMP(err, false)
	assert.False(t, ok, "ipopt.ICMP refuses IPv6 errors")
	code, ptr, ok := ipv6.ICMP(err)
	assert.True(t, ok)
	assert.EqualValues(t, ipv6.CodeUnknownOption, code)
	assert.EqualValues(t, 42, ptr)
}

// longHeader is a Hop-by-Hop header of 2048 octets (Hdr Ext Len 255)
// whose last option, at offset 2003, is unknown with action bits typ>>6.
func longHeader(typ byte) []byte {
	var opts []byte
	for range 7 {
		opts = append(opts, 0x1e, 255) // unknown, skipped
		opts = append(opts, make([]byte, 255)...)
	}
	opts = append(opts, 0x1e, 200)
	opts = append(opts, make([]byte, 200)...)
	opts = append(opts, typ, 43)
	opts = append(opts, make([]byte, 43)...)
	return hbh(opts...)
}

// TestLongHeaderErrors: errors far into a long Hop-by-Hop header are
// static values: equal to each other, made without allocating.
func TestLongHeaderErrors(t *testing.T) {
	l := ipv6.Linux{Sysctls: &ipv6.Sysctls{MaxHBHOpts: 16, MaxDstOpts: 16, MaxHBHLen: math.MaxInt32, MaxDstLen: math.MaxInt32}}
	silent, answered := longHeader(0x5e), longHeader(0x9e)
	require.Len(t, silent, 2048)

	err := l.CheckHopByHop(silent, ipv6.Packet{})
	require.ErrorIs(t, err, ipv6.ErrUnknownOption)
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, 2003, e.Offset())
	assert.Equal(t, 2043, e.Pointer())
	assert.True(t, err == l.CheckHopByHop(silent, ipv6.Packet{}), "one error value per kind and offset")
	code, ptr, ok := ipv6.ICMP(l.CheckHopByHop(answered, ipv6.Packet{}))
	assert.True(t, ok)
	assert.EqualValues(t, ipv6.CodeUnknownOption, code)
	assert.EqualValues(t, 2043, ptr)

	n := testing.AllocsPerRun(100, func() {
		if l.CheckHopByHop(silent, ipv6.Packet{}) == nil || l.CheckHopByHop(answered, ipv6.Packet{}) == nil {
			panic("accepted")
		}
	})
	assert.Zero(t, n, "a refused long header allocates nothing")
}

// TestICMPNoAllocs: ipv6.ICMP allocates nothing, for an error of the walk
// and for an error that wraps one.
func TestICMPNoAllocs(t *testing.T) {
	var l ipv6.Linux
	err := l.CheckPacket(packet(hbh(0xde, 4, 0, 0, 0, 0), 16))
	require.Error(t, err)
	for name, err := range map[string]error{
		"plain":   err,
		"wrapped": fmt.Errorf("packet 7: %w", err),
		"joined":  errors.Join(ipv6.ErrBadPadding, fmt.Errorf("x: %w", err)),
	} {
		n := testing.AllocsPerRun(100, func() {
			code, ptr, ok := ipv6.ICMP(err)
			if !ok || code != ipv6.CodeUnknownOption || ptr != 42 {
				panic("wrong answer")
			}
		})
		assert.Zero(t, n, name)
	}
	n := testing.AllocsPerRun(100, func() {
		if _, _, ok := ipv6.ICMP(ipv6.ErrBadHeader); ok {
			panic("answered a sentinel")
		}
	})
	assert.Zero(t, n)
}
