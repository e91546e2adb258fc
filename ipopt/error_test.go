package ipopt_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

var errTest = errors.New("test: sentinel")

func TestErrorKind(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "doi", ipopt.Malformed)
	e := k.At(2)
	assert.Equal(t, 2, e.Offset())
	assert.Equal(t, 22, e.Pointer(), "pointer counts from the IP header: 20 + offset")
	assert.Equal(t, "doi", e.Field())
	assert.Equal(t, ipopt.Malformed, e.Class())
	assert.Same(t, k, e.Kind())
	assert.Same(t, e, k.At(2), "errors are preallocated, one per offset")
	assert.ErrorIs(t, e, errTest)
	var as *ipopt.Error
	require.True(t, errors.As(error(e), &as))
	assert.Equal(t, "test: sentinel: doi at offset 2 (pointer 22)", e.Error())

	// Base-header fields have negative offsets; IHL is octet 0 of the header.
	assert.Equal(t, 0, k.At(-20).Pointer())
	// Outside the preallocated range a fresh error carries the same facts.
	far := k.At(1000)
	assert.Equal(t, 1000, far.Offset())
	assert.Equal(t, 1020, far.Pointer())
	assert.ErrorIs(t, far, errTest)
	assert.Equal(t, "doi", far.Field())

	based := ipopt.NewErrorKindPointer(errTest, "tag type", ipopt.Malformed, 1)
	assert.Equal(t, 7, based.At(6).Pointer(), "DSM counts one-based from the option")
	fixed := ipopt.NewErrorKindFixedPointer(errTest, "", ipopt.Missing, 134)
	assert.Equal(t, 134, fixed.At(0).Pointer())
	assert.Equal(t, 134, fixed.At(9).Pointer())
	assert.Equal(t, "test: sentinel at offset 9 (pointer 134)", fixed.At(9).Error())
}

func TestShift(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "length", ipopt.Policy)
	e := ipopt.Shift(k.At(1), 12)
	var got *ipopt.Error
	require.True(t, errors.As(e, &got))
	assert.Equal(t, 13, got.Offset())
	assert.Equal(t, 33, got.Pointer())
	assert.Equal(t, ipopt.Policy, got.Class())
	assert.Same(t, k.At(13), got)

	assert.Same(t, k.At(1), ipopt.Shift(k.At(1), 0))
	assert.Equal(t, errTest, ipopt.Shift(errTest, 5), "other errors are returned unchanged")
	assert.Nil(t, ipopt.Shift(nil, 5))

	fixed := ipopt.NewErrorKindFixedPointer(errTest, "", ipopt.Malformed, 0)
	s := ipopt.Shift(fixed.At(1), 4).(*ipopt.Error)
	assert.Equal(t, 5, s.Offset())
	assert.Equal(t, 0, s.Pointer(), "a fixed pointer stays fixed")
}

// TestErrorPositionText: the text of an error names the position the way
// the input has it: an options offset with its pointer, a base-header
// octet, or nothing at all for an error without an offset. It never shows
// a negative offset.
func TestErrorPositionText(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "ihl", ipopt.Malformed)
	none := ipopt.NewErrorKindNoOffset(errTest, "the header would exceed 60 octets", ipopt.Limit)
	tests := []struct {
		name     string
		err      *ipopt.Error
		has      bool
		off, ptr int
		text     string
	}{
		{"options field", k.At(3), true, 3, 23, "test: sentinel: ihl at offset 3 (pointer 23)"},
		{"base header, octet 0", k.At(-20), true, -20, 0, "test: sentinel: ihl at header octet 0"},
		{"base header, octet 16", k.At(-4), true, -4, 16, "test: sentinel: ihl at header octet 16"},
		{"before the header", k.At(-30), true, -30, -10, "test: sentinel: ihl"},
		{"no offset", none.At(0), false, -1, -1, "test: sentinel: the header would exceed 60 octets"},
		{"no offset, any At", none.At(-20), false, -1, -1, "test: sentinel: the header would exceed 60 octets"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.has, tc.err.HasOffset())
			assert.Equal(t, tc.off, tc.err.Offset())
			assert.Equal(t, tc.ptr, tc.err.Pointer())
			assert.Equal(t, tc.text, tc.err.Error())
			assert.NotContains(t, tc.err.Error(), "offset -")
			assert.ErrorIs(t, tc.err, errTest)
		})
	}

	// A kind without an offset is one error: At and Shift give it back.
	e := none.At(7)
	assert.Same(t, e, none.At(0))
	assert.Same(t, e, ipopt.Shift(e, 12))
	assert.Same(t, none, e.Kind())
	assert.Equal(t, ipopt.Limit, e.Class())
	assert.Equal(t, "the header would exceed 60 octets", e.Field())
	buf := make([]byte, 0, 128)
	n := testing.AllocsPerRun(100, func() {
		err := ipopt.Shift(none.At(3), 4)
		buf = err.(*ipopt.Error).AppendText(buf[:0])
		if !errors.Is(err, errTest) {
			panic("sentinel lost")
		}
	})
	assert.Zero(t, n)
}

func TestClassString(t *testing.T) {
	for c, want := range map[ipopt.Class]string{
		ipopt.Malformed: "malformed", ipopt.Policy: "policy", ipopt.Limit: "limit",
		ipopt.Missing: "missing", ipopt.Class(9): "class(9)",
	} {
		assert.Equal(t, want, c.String())
	}
}

func TestErrorNoAllocs(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "categories", ipopt.Malformed)
	buf := make([]byte, 0, 128)
	var err error
	n := testing.AllocsPerRun(1000, func() {
		err = ipopt.Shift(k.At(4), 26)
		buf = err.(*ipopt.Error).AppendText(buf[:0])
		// A literal (stack) field whose walk error goes to errors.Is must
		// stay on the stack: the iterator keeps no error value derived
		// from the slice.
		if !errors.Is(err, errTest) || !errors.Is(ipopt.Check([]byte{1, 0x86}), ipopt.ErrTruncated) {
			panic("sentinel lost")
		}
	})
	assert.Zero(t, n)
	assert.Equal(t, err.Error(), string(buf))
}
