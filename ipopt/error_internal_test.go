package ipopt

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestErrorSlotsRoundTrip: every (kind, offset) pair of the static table
// decodes back to itself (locate is the one use of unsafe), and the
// allocated errors outside it decode from their box.
func TestErrorSlotsRoundTrip(t *testing.T) {
	for id := uint32(1); id < maxKinds; id++ {
		for off := minErrOffset; off <= maxErrOffset; off++ {
			e := slotError(&errSlots[int(id)*errSpan+off-minErrOffset])
			info, gotID, gotOff := e.locate()
			if info != &kinds.static[id] || gotID != id || gotOff != off {
				t.Fatalf("slot (%d, %d) decodes as (%d, %d)", id, off, gotID, gotOff)
			}
		}
	}
	k := NewErrorKind(ErrBadValue, "x", Malformed)
	for _, off := range []int{minErrOffset - 1, maxErrOffset + 1, -1 << 20, 1 << 20} {
		e := k.At(off)
		info, id, got := e.locate()
		assert.Equal(t, k.id, id)
		assert.Equal(t, off, got)
		assert.Same(t, k.info(), info)
	}
	info, id, off := Error{}.locate()
	assert.Nil(t, info)
	assert.Zero(t, id)
	assert.Zero(t, off)
}

// TestErrorKindsBeyondTable: a program that makes more kinds than the
// static table holds still gets working kinds; their errors are allocated.
// The kinds it makes are forgotten afterwards, so that the other tests'
// kinds keep their slots.
func TestErrorKindsBeyondTable(t *testing.T) {
	kinds.Lock()
	n := kinds.n
	kinds.Unlock()
	t.Cleanup(func() {
		kinds.Lock()
		defer kinds.Unlock()
		for id := n + 1; id < maxKinds; id++ {
			kinds.static[id] = kindInfo{}
		}
		kinds.n, kinds.extra = n, nil
	})
	var last ErrorKind
	for range maxKinds {
		last = NewErrorKind(ErrBadValue, "many", Limit, KindOptions{FixedPointer: true, Pointer: 7})
	}
	assert.GreaterOrEqual(t, last.id, uint32(maxKinds))
	e := last.At(3)
	assert.Equal(t, 3, e.Offset())
	assert.Equal(t, 7, e.Pointer())
	assert.Equal(t, Limit, e.Class())
	assert.Equal(t, last, e.Kind())
	assert.Equal(t, "ipopt: bad option value: many at offset 3 (pointer 7)", e.Error())
	assert.Equal(t, last.At(5).Offset(), Shift(e, 2).(Error).Offset())
	none := NewErrorKind(ErrNoRoom, "beyond", Limit, KindOptions{NoOffset: true})
	assert.GreaterOrEqual(t, none.id, uint32(maxKinds))
	assert.Equal(t, -1, none.At(9).HeaderOffset())
	assert.Equal(t, "ipopt: no room in buffer: beyond", none.At(9).Error())
}
