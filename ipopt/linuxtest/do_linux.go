package linuxtest

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"golang.org/x/sys/unix"
)

// Do runs f inside the namespace and returns f's error, so that tests can
// open their own sockets there next to the ones [Namespace.Verdict] uses:
//
//	var c *net.UDPConn
//	err := ns.Do(func() (err error) {
//		c, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
//		return err
//	})
//
// f runs on an OS thread of its own that has joined the namespace
// (setns(CLONE_NEWNET)) and that ends with f: it is never handed back to
// the Go runtime to run other goroutines in the namespace. The rules are
// those of network namespaces (network_namespaces(7)):
//
//   - A socket belongs to the namespace of the thread that called socket(2)
//     (net.ListenUDP, net.Dial, unix.Socket). Create sockets inside f; once
//     made they stay in the namespace and may be used, and closed, from any
//     goroutine after Do has returned [TestDo].
//   - Only the goroutine that runs f is in the namespace. Goroutines f
//     starts are not, and neither are those the net package starts for
//     name resolution: use literal addresses (127.0.0.1) inside f.
//   - /proc/sys/net read or written by f is the namespace's, and a child
//     process started by f (os/exec) starts in the namespace.
//
// f shares the namespace with the machinery of Verdict: it should not take
// lo down or change the sysctls [New] sets. Global state (NetLabel, the
// cipso_* sysctls) is changed only through [Namespace.ConfigureNetLabel]
// and [Namespace.SetCIPSOStrictValid], which f may call, as it may call
// every method of ns (f does not run on the thread those methods use), so
// that Close still restores it. Several calls of Do may run at once.
// Between batches of verdicts the namespace's packet tap ignores what lo
// sends, so the traffic of f's sockets costs what it would on a bare
// loopback (benchmarks may measure it).
//
// If f panics, Do panics in the caller's goroutine with an error that
// wraps the value (when it is an error) and carries f's stack. If f calls
// runtime.Goexit, as t.FailNow and testify's require do, Do calls it too,
// so a failed require inside f ends the calling test as it would outside.
// Do returns [ErrClosed] without running f after Close; Close does not wait
// for a running f.
func (ns *Namespace) Do(f func() error) error {
	type result struct {
		err      error
		returned bool // f (or joining the namespace) returned normally
		panicked *doPanic
	}
	done := make(chan result, 1)
	go func() {
		var r result
		defer func() {
			if !r.returned {
				if p := recover(); p != nil {
					r.panicked = &doPanic{value: p, stack: debug.Stack()}
				}
			}
			done <- r
		}()
		// Never unlocked: when this goroutine ends, the runtime ends the
		// thread instead of reusing it outside the namespace.
		runtime.LockOSThread()
		if err := ns.join(); err != nil {
			r.err, r.returned = err, true
			return
		}
		r.err = f()
		r.returned = true
	}()
	r := <-done
	switch {
	case r.panicked != nil:
		panic(r.panicked)
	case !r.returned:
		runtime.Goexit()
	}
	return r.err
}

// join moves the calling (locked) thread into the namespace.
func (ns *Namespace) join() error {
	ns.netnsMu.RLock()
	defer ns.netnsMu.RUnlock()
	if ns.netns < 0 {
		return ErrClosed
	}
	if err := unix.Setns(ns.netns, unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("linuxtest: setns(CLONE_NEWNET): %w", err)
	}
	return nil
}

// closeNetns releases the namespace's descriptor; Do fails from then on.
func (ns *Namespace) closeNetns() {
	ns.netnsMu.Lock()
	defer ns.netnsMu.Unlock()
	if ns.netns >= 0 {
		unix.Close(ns.netns)
		ns.netns = -1
	}
}

// doPanic is what Do panics with when f panicked.
type doPanic struct {
	value any
	stack []byte
}

var _ error = (*doPanic)(nil)

func (p *doPanic) Error() string {
	return fmt.Sprintf("linuxtest: panic in the function given to Do: %v\n\n%s", p.value, p.stack)
}

// Unwrap returns the value f panicked with, if it is an error.
func (p *doPanic) Unwrap() error {
	err, _ := p.value.(error)
	return err
}
