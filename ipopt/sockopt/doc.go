// Package sockopt labels sockets with IPv4 options and reads the labels of
// their peers, on Linux, with the socket options Go's net package does not
// offer (golang.org/x/sys/unix underneath; x/net/ipv4 has no IP_OPTIONS).
// Every function takes a syscall.Conn, such as a *net.UDPConn or
// *net.TCPConn, and works on its descriptor through SyscallConn and
// RawConn.Control.
//
// To label what a socket sends, give SetOptions an options field, such as a
// CIPSO option from cipso.Domain.AppendOption padded to a multiple of 4:
// setsockopt(IP_OPTIONS), after which every datagram (or every segment of a
// stream) carries it. Linux checks the field then, as ip_options_get does
// (net/ipv4/ip_options.c): a CIPSO option needs CAP_NET_RAW and a DOI the
// kernel has configured (cipso_v4_validate in net/ipv4/cipso_ipv4.c, which
// also refuses the local tag 128 there), and the error is EINVAL. Options
// reads the field back (getsockopt), and SetOptions with none removes it.
//
// To read the options of the datagrams a UDP socket receives, turn on
// SetRecvOptions (IP_RECVOPTS: the options as they arrived) or
// SetRetOptions (IP_RETOPTS: the options to answer with, as Linux's
// __ip_options_echo builds them) and read with ReadMsgUDP, or with
// net.UDPConn.ReadMsgUDPAddrPort and ParseControl, into an out-of-band buffer
// of ControlLen octets. Control holds what arrived; package cipso
// (cipso.FindLabel), ipopt/rfc1108 (rfc1108.FindLabel) and fips188/dsm
// decode the label from Control.Options.
//
// To read the security context a Linux security module (SELinux, Smack)
// gives the peer: PeerSecurityContext for a connected stream socket
// (getsockopt SO_PEERSEC), and SetPassSec for datagrams (IP_PASSSEC: each
// datagram's context in an SCM_SECURITY message, Control.SecurityContext).
// Without such a module, or when it gives the peer no context,
// PeerSecurityContext fails with ErrNoSecurityContext and datagrams carry
// none.
//
// ParseControl does not allocate. Failing system calls give an
// *os.SyscallError that unwraps to the errno. Elsewhere than Linux every
// function fails with errors.ErrUnsupported.
package sockopt

import "errors"

// Control is what the control messages of one datagram carry: each field
// aliases the out-of-band buffer and is nil when its message was absent.
type Control struct {
	// Options is the IPv4 options field of the datagram as it arrived
	// (IP_RECVOPTS), as long as its header's IHL says.
	Options []byte
	// RetOptions is the options field to answer it with (IP_RETOPTS),
	// which Linux builds with __ip_options_echo: source routes reversed,
	// a CIPSO option copied.
	RetOptions []byte
	// SecurityContext is the security context of the sender
	// (SCM_SECURITY, after SetPassSec), as the security module writes it.
	SecurityContext []byte
}

// ControlLen is an out-of-band buffer length that holds all three control
// messages, a security context of up to 3,800 octets included.
const ControlLen = 4096

var (
	// ErrNoSecurityContext: no security module gives this socket's peer a
	// context (SO_PEERSEC fails with ENOPROTOOPT).
	ErrNoSecurityContext = errors.New("sockopt: no security context for the peer (no security module labels it)")
	// ErrControlTruncated: the out-of-band buffer was too small for the
	// control messages of a datagram (MSG_CTRUNC).
	ErrControlTruncated = errors.New("sockopt: control messages truncated")
)
