package linuxtest

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// addDefaultRoute adds "default dev lo" to the namespace's main table
// (rtnetlink RTM_NEWROUTE), on the namespace's thread.
//
// Why: an ICMP error about a datagram whose options hold a source route
// goes back along the reversed route (__ip_options_echo, icmp_route_lookup),
// so its first hop is an address from the option. With only 127.0.0.0/8
// routed, the kernel finds no route and sends nothing, and a Parameter
// Problem it decided to send would look like a silent drop. With a default
// route on lo the error is sent and seen by the tap; it cannot leave the
// namespace, whose only device is lo (and forwarding is off).
func addDefaultRoute(ifindex int) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return fmt.Errorf("linuxtest: netlink socket: %w", err)
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("linuxtest: netlink bind: %w", err)
	}

	const size = unix.SizeofNlMsghdr + unix.SizeofRtMsg + 8
	msg := make([]byte, size)
	ne := binary.NativeEndian
	ne.PutUint32(msg[0:], size)
	ne.PutUint16(msg[4:], unix.RTM_NEWROUTE)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	ne.PutUint32(msg[8:], 1) // sequence number
	rt := msg[unix.SizeofNlMsghdr:]
	rt[0] = unix.AF_INET       // family; dst_len, src_len, tos stay 0
	rt[4] = unix.RT_TABLE_MAIN // table
	rt[5] = unix.RTPROT_BOOT   // protocol
	rt[6] = unix.RT_SCOPE_LINK // scope
	rt[7] = unix.RTN_UNICAST   // type
	attr := rt[unix.SizeofRtMsg:]
	ne.PutUint16(attr[0:], 8)
	ne.PutUint16(attr[2:], unix.RTA_OIF)
	ne.PutUint32(attr[4:], uint32(ifindex))
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return fmt.Errorf("linuxtest: RTM_NEWROUTE: %w", err)
	}

	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return fmt.Errorf("linuxtest: RTM_NEWROUTE answer: %w", err)
	}
	if n < unix.SizeofNlMsghdr+4 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return fmt.Errorf("linuxtest: RTM_NEWROUTE: unexpected answer")
	}
	if code := int32(ne.Uint32(buf[unix.SizeofNlMsghdr:])); code != 0 {
		return fmt.Errorf("linuxtest: RTM_NEWROUTE: %w", unix.Errno(-code))
	}
	return nil
}
