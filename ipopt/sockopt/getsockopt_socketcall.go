//go:build linux && (386 || s390x)

package sockopt

import "golang.org/x/sys/unix"

// getsockopt reads a socket option of octets into buf. These platforms
// reach getsockopt through socketcall, which x/sys/unix does not export, so
// this goes through unix.GetsockoptString, which stops at the first NUL
// octet (an options field's EOL) and at 256 octets.
func getsockopt(fd, level, opt int, buf []byte) (int, error) {
	s, err := unix.GetsockoptString(fd, level, opt)
	if err != nil {
		return 0, err
	}
	return copy(buf, s), nil
}
