//go:build !linux

package netlabeltest

import (
	"errors"
	"testing"
)

var errLinuxOnly = errors.New("netlabeltest: NetLabel is Linux-only")

// Holder holds nothing on this system.
type Holder struct{}

// Acquire fails: NetLabel is Linux-only.
func (h *Holder) Acquire() error { return errLinuxOnly }

// Release does nothing.
func (h *Holder) Release() error { return nil }

// ForTest skips tb.
func ForTest(tb testing.TB) *Holder {
	tb.Helper()
	tb.Skip("netlabeltest: needs Linux")
	return nil
}
