//go:build linux

package sockopt

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"syscall"

	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/ipopt"
)

// control runs f on the descriptor of c.
func control(c syscall.Conn, f func(fd int) error) error {
	rc, err := c.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := rc.Control(func(fd uintptr) { ferr = f(int(fd)) }); err != nil {
		return err
	}
	return ferr
}

// SetOptions sets the IPv4 options every packet c sends carries:
// setsockopt(IPPROTO_IP, IP_OPTIONS). opts is a whole options field; the
// kernel pads it with EOL to a multiple of 4 and refuses, with EINVAL, what
// ip_options_get refuses: a malformed field or one over 40 octets, a CIPSO
// option of a DOI not configured, and, without CAP_NET_RAW, a CIPSO option
// or one Linux does not know (RFC 1108's among them). An empty opts
// removes the options.
func SetOptions(c syscall.Conn, opts []byte) error {
	return control(c, func(fd int) error {
		return os.NewSyscallError("setsockopt IP_OPTIONS", unix.SetsockoptString(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, string(opts)))
	})
}

// Options appends to dst the options c's packets carry, as the kernel
// keeps them (getsockopt IP_OPTIONS, padded to a multiple of 4), and
// returns it.
func Options(c syscall.Conn, dst []byte) ([]byte, error) {
	err := control(c, func(fd int) error {
		var buf [ipopt.MaxOptionsLen]byte
		n, err := getsockopt(fd, unix.IPPROTO_IP, unix.IP_OPTIONS, buf[:])
		if err != nil {
			return os.NewSyscallError("getsockopt IP_OPTIONS", err)
		}
		dst = append(dst, buf[:n]...)
		return nil
	})
	return dst, err
}

// setBool sets an integer socket option to 0 or 1.
func setBool(c syscall.Conn, level, opt int, name string, on bool) error {
	v := 0
	if on {
		v = 1
	}
	return control(c, func(fd int) error {
		return os.NewSyscallError("setsockopt "+name, unix.SetsockoptInt(fd, level, opt, v))
	})
}

// SetRecvOptions turns IP_RECVOPTS on or off: every datagram c receives
// then comes with its options field as it arrived (Control.Options).
func SetRecvOptions(c syscall.Conn, on bool) error {
	return setBool(c, unix.IPPROTO_IP, unix.IP_RECVOPTS, "IP_RECVOPTS", on)
}

// SetRetOptions turns IP_RETOPTS on or off: every datagram c receives
// then comes with the options to answer it with (Control.RetOptions).
func SetRetOptions(c syscall.Conn, on bool) error {
	return setBool(c, unix.IPPROTO_IP, unix.IP_RETOPTS, "IP_RETOPTS", on)
}

// SetPassSec turns IP_PASSSEC on or off: every datagram c receives then
// comes with its sender's security context (Control.SecurityContext) when
// a security module gives it one.
func SetPassSec(c syscall.Conn, on bool) error {
	return setBool(c, unix.IPPROTO_IP, unix.IP_PASSSEC, "IP_PASSSEC", on)
}

// PeerSecurityContext returns the security context of the peer of a
// connected stream socket (getsockopt SO_PEERSEC), as the security module
// writes it (SELinux: "user:role:type:level"), without a trailing NUL. It
// fails with ErrNoSecurityContext, wrapping ENOPROTOOPT, when no module
// gives the peer one, and with ERANGE for a context over 4,096 octets (256
// on 386 and s390x, where only unix.GetsockoptString reaches getsockopt).
func PeerSecurityContext(c syscall.Conn) (string, error) {
	var ctx string
	err := control(c, func(fd int) error {
		var buf [4096]byte
		n, err := getsockopt(fd, unix.SOL_SOCKET, unix.SO_PEERSEC, buf[:])
		if errors.Is(err, unix.ENOPROTOOPT) {
			return fmt.Errorf("%w: %w", ErrNoSecurityContext, os.NewSyscallError("getsockopt SO_PEERSEC", err))
		}
		if err != nil {
			return os.NewSyscallError("getsockopt SO_PEERSEC", err)
		}
		ctx = string(bytes.TrimRight(buf[:n], "\x00"))
		return nil
	})
	return ctx, err
}

// ParseControl reads the control messages of one datagram, oob as
// recvmsg filled it, into a Control; messages of other kinds are skipped.
// A malformed message is EINVAL. It does not allocate.
func ParseControl(oob []byte) (Control, error) {
	var m Control
	for len(oob) > 0 {
		h, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			return Control{}, os.NewSyscallError("control message", err)
		}
		if h.Level == unix.IPPROTO_IP {
			switch h.Type {
			case unix.IP_RECVOPTS:
				m.Options = data
			case unix.IP_RETOPTS:
				m.RetOptions = data
			case unix.SCM_SECURITY:
				m.SecurityContext = data
			}
		}
		oob = rest
	}
	return m, nil
}

// ReadMsgUDP reads one datagram into b, its control messages into oob (of
// ControlLen octets, or as many as the messages turned on need), and
// returns the payload length, the sender and the parsed control messages,
// which alias oob. Control messages cut short by a small oob are
// ErrControlTruncated, with n and from set.
func ReadMsgUDP(c *net.UDPConn, b, oob []byte) (n int, from netip.AddrPort, m Control, err error) {
	n, oobn, flags, from, err := c.ReadMsgUDPAddrPort(b, oob)
	if err != nil {
		return n, from, Control{}, err
	}
	if flags&unix.MSG_CTRUNC != 0 {
		return n, from, Control{}, ErrControlTruncated
	}
	m, err = ParseControl(oob[:oobn])
	return n, from, m, err
}
