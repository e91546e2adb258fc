package linuxtest

import (
	"errors"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"
)

// DefaultTimeout is how long a batch of verdicts waits for the kernel
// before giving up with an error. Verdicts do not wait for a timeout to
// conclude "dropped": a marker datagram sent after each batch tells when
// the kernel has finished with it.
const DefaultTimeout = 5 * time.Second

// ErrClosed is returned by the methods of a closed [Namespace].
var ErrClosed = errors.New("linuxtest: namespace closed")

// Available reports why this package cannot work here, or nil. It needs
// Linux, root (it checks that a network namespace can be made), and a
// kernel with NetLabel (cipso/netlabel's client must reach it). The answer
// is computed once per process.
func Available() error { return available() }

var available = sync.OnceValue(func() error {
	if runtime.GOOS != "linux" {
		return errors.New("linuxtest: needs Linux")
	}
	if os.Geteuid() != 0 {
		return errors.New("linuxtest: needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN)")
	}
	if err := probeNamespace(); err != nil {
		return err
	}
	return probeNetLabel()
})

// ForTest returns a new Namespace that is closed when tb ends, and skips
// the test when [Available] fails. A failure to create or close the
// namespace fails the test.
func ForTest(tb testing.TB) *Namespace {
	tb.Helper()
	if err := Available(); err != nil {
		tb.Skip(err)
	}
	ns, err := New()
	if err != nil {
		tb.Fatalf("linuxtest.New: %v", err)
	}
	tb.Cleanup(func() {
		if err := ns.Close(); err != nil {
			tb.Errorf("linuxtest: Close: %v", err)
		}
	})
	return ns
}
