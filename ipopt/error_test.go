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
	assert.Equal(t, 22, e.HeaderOffset())
	assert.GreaterOrEqual(t, e.Offset(), 0)
	assert.Equal(t, k, e.Kind())
	assert.True(t, e == k.At(2), "an error is a comparable value, one per kind and offset")
	assert.True(t, error(e) == error(k.At(2)))
	assert.False(t, e == k.At(3))
	assert.ErrorIs(t, e, errTest)
	var as ipopt.Error
	require.True(t, errors.As(error(e), &as))
	assert.Equal(t, e, as)
	assert.Equal(t, "test: sentinel: doi at offset 2 (pointer 22)", e.Error())

	// A base-header field is at a header octet, not in the options field.
	ihl := k.HeaderAt(0)
	assert.Equal(t, 0, ihl.Pointer())
	assert.Equal(t, 0, ihl.HeaderOffset())
	assert.Equal(t, -1, ihl.Offset())
	assert.Equal(t, -1, ihl.Offset())
	assert.GreaterOrEqual(t, ihl.HeaderOffset(), 0)
	assert.Equal(t, k.At(-20), ihl)
	// Outside the window a fresh error carries the same facts.
	far := k.At(1000)
	assert.Equal(t, 1000, far.Offset())
	assert.Equal(t, 1020, far.Pointer())
	assert.ErrorIs(t, far, errTest)
	assert.Equal(t, "doi", far.Field())
	assert.Equal(t, k, far.Kind())
	assert.Equal(t, "test: sentinel: doi at offset 1000 (pointer 1020)", far.Error())
	shifted := ipopt.Shift(far, 20).(ipopt.Error)
	assert.Equal(t, k, shifted.Kind(), "allocated errors are equal only to themselves: compare Kind and Offset")
	assert.Equal(t, 1020, shifted.Offset())

	based := ipopt.NewErrorKind(errTest, "tag type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1})
	assert.Equal(t, 7, based.At(6).Pointer(), "DSM counts one-based from the option")
	fixed := ipopt.NewErrorKind(errTest, "", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: 134})
	assert.Equal(t, 134, fixed.At(0).Pointer())
	assert.Equal(t, 134, fixed.At(9).Pointer())
	assert.Equal(t, "test: sentinel at offset 9 (pointer 134)", fixed.At(9).Error())
}

func TestShift(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "length", ipopt.Policy)
	e := ipopt.Shift(k.At(1), 12)
	var got ipopt.Error
	require.True(t, errors.As(e, &got))
	assert.Equal(t, 13, got.Offset())
	assert.Equal(t, 33, got.Pointer())
	assert.Equal(t, ipopt.Policy, got.Class())
	assert.Equal(t, k.At(13), got)

	assert.Equal(t, error(k.At(1)), ipopt.Shift(k.At(1), 0))
	assert.Equal(t, errTest, ipopt.Shift(errTest, 5), "other errors are returned unchanged")
	assert.Nil(t, ipopt.Shift(nil, 5))

	fixed := ipopt.NewErrorKind(errTest, "", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 0})
	s := ipopt.Shift(fixed.At(1), 4).(ipopt.Error)
	assert.Equal(t, 5, s.Offset())
	assert.Equal(t, 0, s.Pointer(), "a fixed pointer stays fixed")
}

// TestErrorPositionText: the text of an error names the position the way
// the input has it: an options offset with its pointer, a base-header
// octet, or nothing at all for an error without an offset. It never shows
// a negative offset.
func TestErrorPositionText(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "ihl", ipopt.Malformed)
	none := ipopt.NewErrorKind(errTest, "the header would exceed 60 octets", ipopt.Limit, ipopt.KindOptions{NoOffset: true})
	tests := []struct {
		name          string
		err           ipopt.Error
		has           bool
		off, hdr, ptr int
		text          string
	}{
		{"options field", k.At(3), true, 3, 23, 23, "test: sentinel: ihl at offset 3 (pointer 23)"},
		{"base header, octet 0", k.HeaderAt(0), true, -1, 0, 0, "test: sentinel: ihl at header octet 0"},
		{"base header, octet 16", k.HeaderAt(16), true, -1, 16, 16, "test: sentinel: ihl at header octet 16"},
		{"before the header", k.At(-30), false, -1, -1, -1, "test: sentinel: ihl"},
		{"no offset", none.At(0), false, -1, -1, -1, "test: sentinel: the header would exceed 60 octets"},
		{"no offset, any At", none.At(-20), false, -1, -1, -1, "test: sentinel: the header would exceed 60 octets"},
		{"no offset, far", none.At(5000), false, -1, -1, -1, "test: sentinel: the header would exceed 60 octets"},
		{"zero Error", ipopt.Error{}, false, -1, -1, -1, "ipopt: zero Error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.has, tc.err.Pointer() >= 0, "has a pointer")
			assert.Equal(t, tc.off, tc.err.Offset())
			assert.Equal(t, tc.hdr, tc.err.HeaderOffset())
			assert.Equal(t, tc.ptr, tc.err.Pointer())
			assert.Equal(t, tc.text, tc.err.Error())
			assert.NotContains(t, tc.err.Error(), "offset -")
			if tc.err != (ipopt.Error{}) {
				assert.ErrorIs(t, tc.err, errTest)
			}
		})
	}

	// A kind without an offset is one error: At and Shift give it back.
	e := none.At(7)
	assert.Equal(t, e, none.At(0))
	assert.Equal(t, error(e), ipopt.Shift(e, 12))
	assert.Equal(t, none, e.Kind())
	assert.Equal(t, ipopt.Limit, e.Class())
	assert.Equal(t, "the header would exceed 60 octets", e.Field())
	buf := make([]byte, 0, 128)
	n := testing.AllocsPerRun(100, func() {
		err := ipopt.Shift(none.At(3), 4)
		buf, _ = err.(ipopt.Error).AppendText(buf[:0])
		if !errors.Is(err, errTest) {
			panic("sentinel lost")
		}
	})
	assert.Zero(t, n)
}

// TestZeroError: the zero Error and the zero ErrorKind are safe to use:
// zero values, -1 for the positions, a fixed text, nothing panics.
func TestZeroError(t *testing.T) {
	var e ipopt.Error
	assert.Equal(t, "", e.Field())
	assert.Equal(t, ipopt.Malformed, e.Class())
	assert.Nil(t, e.Unwrap())
	assert.Equal(t, ipopt.ErrorKind{}, e.Kind())
	assert.Equal(t, "ipopt: zero Error", e.Error())
	assert.Equal(t, error(e), ipopt.Shift(e, 3))
	var k ipopt.ErrorKind
	assert.Equal(t, ipopt.Error{}, k.At(3))
	assert.Equal(t, ipopt.Error{}, k.At(3000))
	assert.Equal(t, ipopt.Error{}, k.HeaderAt(0))
}

// TestErrorKindsConcurrent: kinds made from several goroutines at once
// each keep their own facts (run with -race to check the registry's lock).
func TestErrorKindsConcurrent(t *testing.T) {
	const n = 8
	got := make(chan ipopt.ErrorKind, n)
	for i := range n {
		go func() {
			got <- ipopt.NewErrorKind(errTest, "f", ipopt.Policy, ipopt.KindOptions{PointerBase: true, Pointer: i})
		}()
	}
	seen := map[ipopt.ErrorKind]bool{}
	for range n {
		k := <-got
		assert.False(t, seen[k], "every kind is distinct")
		seen[k] = true
		e := k.At(0)
		assert.Equal(t, ipopt.Policy, e.Class())
		assert.Equal(t, "f", e.Field())
		assert.Equal(t, k, e.Kind())
	}
}

func TestClassString(t *testing.T) {
	for c, want := range map[ipopt.Class]string{
		ipopt.Malformed: "malformed", ipopt.Policy: "policy", ipopt.Limit: "limit",
		ipopt.Missing: "missing", ipopt.Class(9): "class(9)",
	} {
		assert.Equal(t, want, c.String())
	}
}

// TestErrorNoAllocsStack: an error found in a field on the stack, returned
// as an error, compared and read, allocates nothing.
func TestErrorNoAllocsStack(t *testing.T) {
	var text [128]byte
	n := testing.AllocsPerRun(1000, func() {
		field := [8]byte{1, 7, 1, 0, 0, 0, 0, 0} // RR with length 1
		err := ipopt.Check(field[:])
		e, ok := err.(ipopt.Error)
		if !ok || !errors.Is(err, ipopt.ErrBadLength) || e.Offset() != 1 || e.Pointer() != 21 || e.Kind() != ipopt.KindBadLength ||
			e.Field() != "length" || e.Offset() < 0 || e.HeaderOffset() != 21 {
			panic("wrong error")
		}
		if b, _ := e.AppendText(text[:0]); string(b) != "ipopt: bad option length: length at offset 1 (pointer 21)" {
			panic("wrong text")
		}
	})
	assert.Zero(t, n)
}

func TestErrorNoAllocs(t *testing.T) {
	k := ipopt.NewErrorKind(errTest, "categories", ipopt.Malformed)
	buf := make([]byte, 0, 128)
	var err error
	n := testing.AllocsPerRun(1000, func() {
		err = ipopt.Shift(k.At(4), 26)
		buf, _ = err.(ipopt.Error).AppendText(buf[:0])
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
