package ipv6_test

import (
	"errors"
	"testing"
)

// where reads the position of one of the module's errors without naming
// its type (it may be a value or a pointer).
func where(t testing.TB, err error) (off, pointer int) {
	t.Helper()
	var e interface {
		Offset() int
		Pointer() int
		HasOffset() bool
	}
	if !errors.As(err, &e) {
		t.Fatalf("%v is not a positioned error", err)
	}
	if !e.HasOffset() {
		return -1, -1
	}
	return e.Offset(), e.Pointer()
}

// hbh builds a Hop-by-Hop header: next header 17, Hdr Ext Len from the
// length, then opts, which must make the whole a multiple of 8.
func hbh(opts ...byte) []byte {
	n := 2 + len(opts)
	if n%8 != 0 {
		panic("hbh: not a multiple of 8")
	}
	return append([]byte{17, byte(n/8 - 1)}, opts...)
}
