package main

import (
	"encoding/binary"
	"errors"
	"net"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// setsockopt sets an int socket option on c.
func setsockopt(tb testing.TB, c syscall.Conn, level, opt, v int) {
	tb.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		tb.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetsockoptInt(int(fd), level, opt, v) }); err != nil {
		tb.Fatal(err)
	}
	if serr != nil {
		tb.Fatalf("setsockopt(%d, %d): %v", level, opt, serr)
	}
}

// setMark sets SO_MARK: the packet mark the OUTPUT queue reports.
func setMark(tb testing.TB, c syscall.Conn, mark int) {
	setsockopt(tb, c, unix.SOL_SOCKET, unix.SO_MARK, mark)
}

// recvOpts asks for the received IP options (IP_RECVOPTS) with each
// datagram.
func recvOpts(tb testing.TB, c *net.UDPConn) {
	setsockopt(tb, c, unix.IPPROTO_IP, unix.IP_RECVOPTS, 1)
}

// readWithOpts waits up to d for a datagram and returns it with the IP
// options the kernel delivered with it.
func readWithOpts(c *net.UDPConn, d time.Duration) (payload, opts []byte, ok bool) {
	buf, oob := make([]byte, 65536), make([]byte, 256)
	_ = c.SetReadDeadline(time.Now().Add(d))
	k, ko, _, _, err := c.ReadMsgUDP(buf, oob)
	if err != nil {
		return nil, nil, false
	}
	msgs, _ := unix.ParseSocketControlMessage(oob[:ko])
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVOPTS {
			opts = m.Data
		}
	}
	return buf[:k], opts, true
}

// icmpErr is what IP_RECVERR reports about an ICMP error (struct
// sock_extended_err, ip(7)).
type icmpErr struct {
	errno     unix.Errno
	origin    uint8
	typ, code uint8
	info      uint32 // ee_info: the pointer of a Parameter Problem
	offender  net.IP
}

// readICMPErr waits up to d for an error on c's error queue.
func readICMPErr(c *net.UDPConn, d time.Duration) (icmpErr, bool) {
	rc, err := c.SyscallConn()
	if err != nil {
		return icmpErr{}, false
	}
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		var e icmpErr
		var got bool
		_ = rc.Control(func(fd uintptr) {
			buf, oob := make([]byte, 2048), make([]byte, 512)
			_, ko, _, _, err := unix.Recvmsg(int(fd), buf, oob, unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
			if err != nil {
				return
			}
			msgs, _ := unix.ParseSocketControlMessage(oob[:ko])
			for _, m := range msgs {
				if m.Header.Level != unix.IPPROTO_IP || m.Header.Type != unix.IP_RECVERR || len(m.Data) < 16 {
					continue
				}
				e.errno = unix.Errno(binary.NativeEndian.Uint32(m.Data[0:4]))
				e.origin, e.typ, e.code = m.Data[4], m.Data[5], m.Data[6]
				e.info = binary.NativeEndian.Uint32(m.Data[8:12])
				if len(m.Data) >= 16+8 {
					e.offender = net.IP(append([]byte(nil), m.Data[16+4:16+8]...))
				}
				got = true
			}
		})
		if got {
			return e, true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return icmpErr{}, false
}

var errTimeout = errors.New("timeout")

// waitFor polls cond every 5 ms for up to d.
func waitFor(d time.Duration, cond func() bool) error {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return errTimeout
		}
		time.Sleep(5 * time.Millisecond)
	}
	return nil
}
