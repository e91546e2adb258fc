package ipopt

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
)

// TestErrorSlots6RoundTrip: every offset of the IPv6 table, and the slot
// at no octet of both tables, decodes back to its kind.
func TestErrorSlots6RoundTrip(t *testing.T) {
	k := NewErrorKind(ErrBadValue, "x", Malformed, KindOptions{IPv6: true})
	row := int(k.info().row)
	assert.NotZero(t, row)
	for off := minErrOffset6; off <= maxErrOffset6; off++ {
		e := slotError(&errSlots6[row*errSpan6+off-minErrOffset6])
		info, id, got := e.locate()
		if info != k.info() || id != k.id || got != off {
			t.Fatalf("slot (%d, %d) decodes as (%d, %d)", k.id, off, id, got)
		}
		if e != k.At(off) {
			t.Fatalf("At(%d) is not its slot", off)
		}
	}
	info, id, off := slotError(&errSlots6[row*errSpan6+errSpan6-1]).locate()
	assert.Same(t, k.info(), info)
	assert.Equal(t, k.id, id)
	assert.Equal(t, noPos, off)
	k4 := NewErrorKind(ErrBadValue, "y", Limit, KindOptions{NoOffset: true})
	e := k4.At(5)
	assert.Equal(t, slotError(&errSlots[int(k4.id)*errSpan+errSpan-1]), e)
	_, id, off = e.locate()
	assert.Equal(t, k4.id, id)
	assert.Equal(t, noPos, off)
}

// TestErrorBoxPointer: an allocated error holds its box's pointer as an
// unsafe.Pointer made from *errBox and converted back to *errBox (rule (1)
// of package unsafe), not a pointer to one of its fields.
func TestErrorBoxPointer(t *testing.T) {
	k := NewErrorKind(ErrBadValue, "x", Malformed, KindOptions{IPv6: true})
	e := k.At(5000)
	b := e.boxed()
	assert.Equal(t, unsafe.Pointer(b), e.p)
	assert.Equal(t, 5000, b.off)
	assert.Equal(t, k.id, b.id)
}
