//go:build linux && !386 && !s390x

package sockopt

import (
	"unsafe"

	"golang.org/x/sys/unix"
)

// getsockopt reads a socket option of octets into buf and returns its
// length; x/sys/unix has no call for one that may hold NUL octets.
func getsockopt(fd, level, opt int, buf []byte) (int, error) {
	n := uint32(len(buf))
	_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(unsafe.SliceData(buf))), uintptr(unsafe.Pointer(&n)), 0)
	if e != 0 {
		return 0, e
	}
	return int(min(n, uint32(len(buf)))), nil
}
