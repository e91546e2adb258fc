package linuxtest

import (
	"errors"
	"net"
	"os"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// netnsCookie is the SO_NETNS_COOKIE of a socket: a number the kernel
// gives each network namespace, the same for all its sockets.
func netnsCookie(t *testing.T, fd int) uint64 {
	t.Helper()
	v, err := unix.GetsockoptUint64(fd, unix.SOL_SOCKET, unix.SO_NETNS_COOKIE)
	require.NoError(t, err, "SO_NETNS_COOKIE")
	return v
}

func connCookie(t *testing.T, c *net.UDPConn) uint64 {
	t.Helper()
	rc, err := c.SyscallConn()
	require.NoError(t, err)
	var v uint64
	require.NoError(t, rc.Control(func(fd uintptr) { v = netnsCookie(t, int(fd)) }))
	return v
}

// TestDo: sockets made by the function given to Do are in the namespace
// (the namespace cookie of the sockets Verdict uses), not the host's, and
// work from other goroutines after Do has returned; /proc/sys/net inside
// f is the namespace's.
func TestDo(t *testing.T) {
	ns := ForTest(t)
	var nsCookie uint64
	require.NoError(t, ns.do(func() error {
		nsCookie = netnsCookie(t, ns.udp)
		return nil
	}))
	host, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer host.Close()
	require.NotEqual(t, nsCookie, connCookie(t, host), "the namespace is not the host's")

	var rx, tx *net.UDPConn
	var ratemask string
	require.NoError(t, ns.Do(func() (err error) {
		if rx, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			return err
		}
		if tx, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}); err != nil {
			return err
		}
		ratemask, err = readSysctl("net/ipv4/icmp_ratemask")
		return err
	}))
	defer rx.Close()
	defer tx.Close()
	assert.Equal(t, nsCookie, connCookie(t, rx), "socket made in Do")
	assert.Equal(t, nsCookie, connCookie(t, tx), "socket made in Do")
	assert.Equal(t, "0", ratemask, "New sets icmp_ratemask to 0 in the namespace")

	// Used from another goroutine (this one) after Do returned.
	_, err = tx.WriteToUDP([]byte("hi"), rx.LocalAddr().(*net.UDPAddr))
	require.NoError(t, err)
	require.NoError(t, rx.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 8)
	n, from, err := rx.ReadFromUDP(buf)
	require.NoError(t, err)
	assert.Equal(t, "hi", string(buf[:n]))
	assert.Equal(t, tx.LocalAddr().(*net.UDPAddr).Port, from.Port)

}

// TestDoReentrant: f may call the namespace's methods and Do itself, and
// several Do calls may run at once.
func TestDoReentrant(t *testing.T) {
	ns := ForTest(t)
	require.NoError(t, ns.Do(func() error {
		v, err := ns.Verdict(nil)
		if err != nil {
			return err
		}
		assert.Equal(t, Delivered, v.Outcome)
		return ns.Do(func() error {
			_, err := ns.Sysctl("net/ipv4/icmp_ratelimit")
			return err
		})
	}))

	// Two calls blocked at once: each waits for the other, so they must run
	// on two threads.
	var wg sync.WaitGroup
	a, b := make(chan struct{}), make(chan struct{})
	wg.Go(func() {
		assert.NoError(t, ns.Do(func() error { close(a); <-b; return nil }))
	})
	wg.Go(func() {
		assert.NoError(t, ns.Do(func() error { close(b); <-a; return nil }))
	})
	wg.Wait()
}

// TestDoThreadsEnd: threads that ran f are not reused for other
// goroutines, which stay in the host's namespace.
func TestDoThreadsEnd(t *testing.T) {
	ns := ForTest(t)
	// Not /proc/self: the main thread may be parked for good in a
	// namespace, if a goroutine that ended locked there ran on it (the
	// runtime cannot end the main thread).
	runtime.LockOSThread()
	hostNS, err := os.Readlink("/proc/thread-self/ns/net")
	runtime.UnlockOSThread()
	require.NoError(t, err)
	var inside string
	for range 20 {
		require.NoError(t, ns.Do(func() (err error) {
			inside, err = os.Readlink("/proc/thread-self/ns/net")
			return err
		}))
	}
	require.NotEqual(t, hostNS, inside)
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			here, err := os.Readlink("/proc/thread-self/ns/net")
			assert.NoError(t, err)
			assert.Equal(t, hostNS, here)
		})
	}
	wg.Wait()
}

var errFromF = errors.New("from f")

// TestDoErrors: f's error is returned; after Close f is not run.
func TestDoErrors(t *testing.T) {
	needKernel(t)
	ns, err := New()
	require.NoError(t, err)
	assert.ErrorIs(t, ns.Do(func() error { return errFromF }), errFromF)
	require.NoError(t, ns.Close())
	ran := false
	assert.ErrorIs(t, ns.Do(func() error { ran = true; return nil }), ErrClosed)
	assert.False(t, ran)
}

// TestDoPanic: a panic in f reaches the caller, wrapping f's value and
// carrying f's stack.
func TestDoPanic(t *testing.T) {
	ns := ForTest(t)
	p := func() (p any) {
		defer func() { p = recover() }()
		_ = ns.Do(func() error { panic(errFromF) })
		return nil
	}()
	require.NotNil(t, p)
	err, ok := p.(error)
	require.True(t, ok, "%T", p)
	assert.ErrorIs(t, err, errFromF)
	assert.Contains(t, err.Error(), "TestDoPanic", "f's stack")

	p = func() (p any) {
		defer func() { p = recover() }()
		_ = ns.Do(func() error { panic("text") })
		return nil
	}()
	require.NotNil(t, p)
	assert.Contains(t, p.(error).Error(), "text")
	assert.Nil(t, errors.Unwrap(p.(error)))

	// The namespace still works.
	_, err = ns.Verdict(nil)
	assert.NoError(t, err)
}

// TestDoGoexit: runtime.Goexit in f (t.FailNow, require) ends the
// goroutine that called Do, running its deferred calls.
func TestDoGoexit(t *testing.T) {
	ns := ForTest(t)
	after, deferred := false, false
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer func() { deferred = true }()
		_ = ns.Do(func() error { runtime.Goexit(); return nil })
		after = true
	}()
	<-done
	assert.True(t, deferred)
	assert.False(t, after, "Do did not return")
	_, err := ns.Verdict(nil)
	assert.NoError(t, err, "the namespace still works")
}

// TestTapIdleBetweenBatches: between batches the tap does not see the
// frames lo sends (PACKET_IGNORE_OUTGOING), so the caller's own traffic is
// not copied to it; during a batch it does. The frame is an ICMP Port
// Unreachable, which the tap's filter accepts; ECONNREFUSED on the
// connected sender shows that the kernel sent it.
func TestTapIdleBetweenBatches(t *testing.T) {
	ns := ForTest(t)
	_, err := ns.Verdict(nil)
	require.NoError(t, err)
	tapped := func() int {
		n := 0
		require.NoError(t, ns.do(func() error {
			buf := make([]byte, 2048)
			for {
				if _, _, err := unix.Recvfrom(ns.tap, buf, 0); err != nil {
					return nil
				}
				n++
			}
		}))
		return n
	}
	refused := func() {
		require.NoError(t, ns.Do(func() error {
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
			if err != nil {
				return err
			}
			closed := c.LocalAddr().(*net.UDPAddr)
			c.Close()
			tx, err := net.DialUDP("udp4", nil, closed)
			if err != nil {
				return err
			}
			defer tx.Close()
			if _, err := tx.Write([]byte("x")); err != nil {
				return err
			}
			require.NoError(t, tx.SetReadDeadline(time.Now().Add(5*time.Second)))
			_, err = tx.Read(make([]byte, 1))
			assert.ErrorIs(t, err, unix.ECONNREFUSED, "port unreachable sent")
			return nil
		}))
	}
	tapped()
	refused()
	assert.Equal(t, 0, tapped(), "idle tap")

	require.NoError(t, ns.do(func() error { return ns.watchOutgoing(true) }))
	refused()
	assert.Equal(t, 1, tapped(), "tap watching outgoing frames")
	require.NoError(t, ns.do(func() error { return ns.watchOutgoing(false) }))
}
