package main

import (
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// openPty returns both ends of a new pseudo-terminal.
func openPty(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	require.NoError(t, unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0))
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	require.NoError(t, err)
	s, err := os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|unix.O_NOCTTY, 0)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return m, s
}

// TestProgressOnTerminal: progress is written only to a terminal, after a
// second, as one line rewritten in place and erased at the end.
func TestProgressOnTerminal(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.False(t, isTerminal(w), "a pipe")
	assert.False(t, newProgress(w, "dump", 100).w != nil)

	m, s := openPty(t)
	require.True(t, isTerminal(s))
	p := newProgress(s, "dump", 1000)
	require.NotNil(t, p.w)
	p.tick(10, 4096) // less than a second in: nothing
	p.start = time.Now().Add(-2 * time.Second)
	p.tick(10, 4095) // not a multiple of 4096: the clock is not read
	p.tick(500, 8192)
	p.done()
	// The two writes (the line, then its erasure) may arrive in separate
	// reads from the pty: read until both are there or the deadline.
	want := "\riplabel: dump: 50%, 8192 packets\x1b[K\r\x1b[K"
	var got []byte
	buf := make([]byte, 256)
	require.NoError(t, m.SetReadDeadline(time.Now().Add(2*time.Second)))
	for len(got) < len(want) {
		n, err := m.Read(buf)
		got = append(got, buf[:n]...)
		if err != nil {
			break
		}
	}
	assert.Equal(t, want, string(got))
}
