package ipopt_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"

	"github.com/iplabel/iplabel/ipopt"
)

// TestErrorKind6: an IPv6 kind counts its offsets after the 40-octet fixed
// header and its header octets from the fixed header's first octet
// (RULES.md §10).
func TestErrorKind6(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "option type", ipopt.Malformed, ipopt.KindOptions{IPv6: true})

	e := k.At(2)
	assert.GreaterOrEqual(t, e.HeaderOffset(), 0)
	assert.GreaterOrEqual(t, e.Offset(), 0)
	assert.Equal(t, 2, e.Offset())
	assert.Equal(t, 42, e.HeaderOffset())
	assert.Equal(t, 42, e.Pointer())
	assert.Equal(t, k, e.Kind())
	assert.Equal(t, "test: sentinel: option type at offset 2 (pointer 42)", e.Error())

	// A field of the fixed header: at a header octet, not in the options.
	pl := k.HeaderAt(4)
	assert.GreaterOrEqual(t, pl.HeaderOffset(), 0)
	assert.Equal(t, -1, pl.Offset())
	assert.Equal(t, -1, pl.Offset())
	assert.Equal(t, 4, pl.HeaderOffset())
	assert.Equal(t, 4, pl.Pointer())
	assert.Equal(t, "test: sentinel: option type at header octet 4", pl.Error())
	assert.True(t, pl == k.At(-36))
	v := k.HeaderAt(0)
	assert.Equal(t, 0, v.HeaderOffset())
	assert.Equal(t, "test: sentinel: option type at header octet 0", v.Error())
	// Before the fixed header there is no octet.
	assert.Equal(t, -1, k.HeaderAt(-1).HeaderOffset())
	assert.Equal(t, "test: sentinel: option type", k.HeaderAt(-1).Error())

	none := ipopt.NewErrorKind(errTest, "short", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true})
	assert.Equal(t, -1, none.At(3).HeaderOffset())
	assert.Equal(t, -1, none.At(3).HeaderOffset())
	assert.True(t, none.At(3) == none.At(9))
	assert.Equal(t, "test: sentinel: short", none.At(3).Error())
	assert.ErrorIs(t, none.At(3), errTest)
}

// TestErrorKind6Window: IPv6 errors are static values from the fixed
// header to offset 2047 (the end of a Hop-by-Hop header of Hdr Ext Len
// 255): equal to each other and made without allocating, Shift included.
func TestErrorKind6Window(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "option type", ipopt.Malformed, ipopt.KindOptions{IPv6: true})
	for _, off := range []int{-40, -1, 0, 64, 65, 1000, 2047} {
		e := k.At(off)
		assert.True(t, e == k.At(off), "offset %d", off)
		assert.False(t, k.At(off) == k.At(off+1), "offset %d", off)
	}
	assert.True(t, ipopt.Shift(k.At(7), 2000) == error(k.At(2007)))
	far := k.At(2047)
	assert.Equal(t, 2047, far.Offset())
	assert.Equal(t, 2087, far.Pointer())
	var sink error
	n := testing.AllocsPerRun(100, func() {
		for off := -40; off < 2048; off += 7 {
			sink = k.At(off)
		}
		sink = ipopt.Shift(k.At(2), 2040)
	})
	assert.Zero(t, n, "IPv6 errors up to offset 2047 allocate nothing")
	assert.Equal(t, 2042, sink.(ipopt.Error).Offset())
	// Past the window the error is allocated and carries the same facts.
	past := k.At(2048)
	assert.Equal(t, 2048, past.Offset())
	assert.Equal(t, 2088, past.Pointer())
	assert.Equal(t, k, past.Kind())
}

// TestICMPRefusesIPv6: ipopt.ICMP answers with ICMPv4, so it refuses the
// errors of IPv6 kinds (ipv6.ICMP answers those), whatever their class.
func TestICMPRefusesIPv6(t *testing.T) {
	for _, class := range []ipopt.Class{ipopt.Malformed, ipopt.Missing, ipopt.Policy} {
		k := ipopt.NewErrorKind(errTest, "f", class, ipopt.KindOptions{IPv6: true})
		for _, off := range []int{2, 300, -36} {
			_, _, _, ok := ipopt.ICMP(k.At(off), false)
			assert.False(t, ok, "class %v offset %d", class, off)
		}
		_, _, _, ok := ipopt.ICMP(ipopt.NewErrorKind(errTest, "f", class, ipopt.KindOptions{IPv6: true, NoOffset: true}).At(0), true)
		assert.False(t, ok)
	}
	// An IPv4 error whose pointer does not fit the octet of the message.
	k := ipopt.NewErrorKind(errTest, "f", ipopt.Malformed)
	_, _, p, ok := ipopt.ICMP(k.At(235), false)
	assert.True(t, ok)
	assert.EqualValues(t, 255, p)
	_, _, _, ok = ipopt.ICMP(k.At(236), false)
	assert.False(t, ok, "pointer 256 is not cut to an octet")
}

// asMethodErr is an error with its own As method, which errors.As (and
// AsError) must ask.
type asMethodErr struct{ e ipopt.Error }

func (a asMethodErr) Error() string { return "as method" }
func (a asMethodErr) As(target any) bool {
	if p, ok := target.(*ipopt.Error); ok {
		*p = a.e
		return true
	}
	return false
}

// TestAsError: AsError finds the Error that errors.As finds.
func TestAsError(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "f", ipopt.Malformed)
	e := k.At(3)
	for name, err := range map[string]error{
		"plain":     e,
		"wrapped":   fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", e)),
		"joined":    errors.Join(errors.New("other"), fmt.Errorf("x: %w", e)),
		"multi %w":  fmt.Errorf("%w %w", errTest, e),
		"As method": fmt.Errorf("w: %w", asMethodErr{e}),
		"none":      fmt.Errorf("w: %w", errTest),
		"nil":       nil,
		"join none": errors.Join(errTest, errTest),
	} {
		var want ipopt.Error
		wantOK := errors.As(err, &want)
		got, ok := ipopt.AsError(err)
		assert.Equal(t, wantOK, ok, name)
		assert.True(t, want == got, name)
	}
}

// TestICMPNoAllocs: ipopt.ICMP allocates nothing, for an Error and for an
// error that wraps one.
func TestICMPNoAllocs(t *testing.T) {
	e := ipopt.KindBadLength.At(1)
	wrapped := fmt.Errorf("packet 7: %w", e)
	joined := errors.Join(errTest, wrapped)
	for name, err := range map[string]error{"plain": e, "wrapped": wrapped, "joined": joined} {
		n := testing.AllocsPerRun(100, func() {
			typ, code, p, ok := ipopt.ICMP(err, false)
			if !ok || typ != ipv4.ICMPTypeParameterProblem || code != ipopt.CodePointer || p != 21 {
				panic("wrong answer")
			}
			if _, ok := ipopt.AsError(err); !ok {
				panic("not found")
			}
		})
		assert.Zero(t, n, name)
	}
}

// TestPointerNeverNegative: an error with an offset has a pointer of 0 or
// more. A kind whose base or fixed pointer is out of range (negative,
// over 65535) is made at no octet; an offset at which the kind's pointer
// would be negative gives the kind's error at no octet (RULES.md §10).
func TestPointerNeverNegative(t *testing.T) {
	based := ipopt.NewErrorKind(errTest, "tag type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1})
	e := based.HeaderAt(2)
	assert.Equal(t, -1, e.HeaderOffset())
	assert.Equal(t, -1, e.Pointer())
	assert.Equal(t, -1, e.Offset())
	assert.Equal(t, -1, e.HeaderOffset())
	assert.Equal(t, "test: sentinel: tag type", e.Error())
	assert.Equal(t, based, e.Kind())
	assert.True(t, e == based.At(-5), "one error at no octet per kind")
	assert.Equal(t, 0, based.At(-1).Pointer(), "offset -1 of base 1 is pointer 0")
	assert.GreaterOrEqual(t, based.At(-1).HeaderOffset(), 0)
	var sink error
	assert.Zero(t, testing.AllocsPerRun(100, func() { sink = based.HeaderAt(2) }))
	_ = sink
	// Shift into a place without a pointer, and out of it: no octet stays.
	assert.Equal(t, -1, ipopt.Shift(based.At(0), -3).(ipopt.Error).HeaderOffset())
	assert.Equal(t, -1, ipopt.Shift(e, 10).(ipopt.Error).HeaderOffset())

	big := ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 40000})
	assert.Equal(t, 40003, big.At(3).Pointer(), "a base over 32767 does not wrap")
	assert.Equal(t, 65535, ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 65535}).At(1).Pointer())
	for name, k := range map[string]ipopt.ErrorKind{
		"base -1":      ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: -1}),
		"base 65536":   ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1 << 16}),
		"base 1<<40":   ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1 << 40}),
		"fixed -5":     ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: -5}),
		"fixed 100000": ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 100000}),
	} {
		e := k.At(3)
		assert.Equal(t, -1, e.HeaderOffset(), name)
		assert.Equal(t, -1, e.Pointer(), name)
		assert.Equal(t, "test: sentinel: f", e.Error(), name)
	}

	kinds := []ipopt.ErrorKind{
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed),
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 0}),
		based, big,
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 0}),
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{NoOffset: true}),
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{IPv6: true}),
		ipopt.NewErrorKind(errTest, "f", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true}),
	}
	for _, k := range kinds {
		for off := -100; off < 2100; off++ {
			for _, e := range []ipopt.Error{k.At(off), k.HeaderAt(off)} {
				if e.HeaderOffset() >= 0 {
					require.GreaterOrEqual(t, e.Pointer(), 0, "%v", e)
				} else {
					require.Equal(t, -1, e.Pointer(), "%v", e)
					require.Equal(t, -1, e.HeaderOffset(), "%v", e)
					require.Equal(t, -1, e.Offset(), "%v", e)
				}
				if e.Offset() >= 0 {
					require.GreaterOrEqual(t, e.HeaderOffset(), e.Offset()+ipopt.BaseHeaderLen, "%v", e)
				}
			}
		}
	}
}

// TestErrorKindsConcurrentBases: kinds made at the same time from several
// goroutines each keep their own pointer rule and header.
func TestErrorKindsConcurrentBases(t *testing.T) {
	const n = 16
	type made struct {
		base   int
		k4, k6 ipopt.ErrorKind
	}
	got := make(chan made, n)
	for i := range n {
		go func() {
			got <- made{i, ipopt.NewErrorKind(errTest, "f", ipopt.Policy, ipopt.KindOptions{PointerBase: true, Pointer: i}), ipopt.NewErrorKind(errTest, "g", ipopt.Policy, ipopt.KindOptions{IPv6: true})}
		}()
	}
	for range n {
		m := <-got
		assert.Equal(t, m.base, m.k4.At(0).Pointer())
		assert.Equal(t, m.base+5, m.k4.At(5).Pointer())
		assert.Equal(t, "f", m.k4.At(5).Field())
		assert.Equal(t, 45, m.k6.At(5).Pointer())
		assert.Equal(t, "g", m.k6.At(5).Field())
		assert.Equal(t, m.k6, m.k6.At(1500).Kind())
	}
}
