package calipso_test

import (
	"errors"
	"testing"

	"github.com/iplabel/iplabel/cipso"
)

// where reads the position of one of the module's errors without naming
// its type.
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

func label(t testing.TB, s string) *cipso.Label {
	t.Helper()
	l, err := cipso.ParseLabel(s)
	if err != nil {
		t.Fatal(err)
	}
	return &l
}
