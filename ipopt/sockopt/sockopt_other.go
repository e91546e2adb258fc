//go:build !linux

package sockopt

import (
	"errors"
	"net"
	"net/netip"
	"syscall"
)

// SetOptions needs Linux.
func SetOptions(c syscall.Conn, opts []byte) error { return errors.ErrUnsupported }

// Options needs Linux.
func Options(c syscall.Conn, dst []byte) ([]byte, error) { return dst, errors.ErrUnsupported }

// SetRecvOptions needs Linux.
func SetRecvOptions(c syscall.Conn, on bool) error { return errors.ErrUnsupported }

// SetRetOptions needs Linux.
func SetRetOptions(c syscall.Conn, on bool) error { return errors.ErrUnsupported }

// SetPassSec needs Linux.
func SetPassSec(c syscall.Conn, on bool) error { return errors.ErrUnsupported }

// PeerSecurityContext needs Linux.
func PeerSecurityContext(c syscall.Conn) (string, error) { return "", errors.ErrUnsupported }

// ParseControl needs Linux.
func ParseControl(oob []byte) (Control, error) { return Control{}, errors.ErrUnsupported }

// ReadMsgUDP needs Linux.
func ReadMsgUDP(c *net.UDPConn, b, oob []byte) (n int, from netip.AddrPort, m Control, err error) {
	return 0, netip.AddrPort{}, Control{}, errors.ErrUnsupported
}
