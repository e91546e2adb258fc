package linuxtest

import (
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Two rtnetlink requests, made on the namespace's thread: a default route
// on lo and a veth pair.

// addDefaultRoute adds "default dev lo" to the main table (RTM_NEWROUTE).
//
// Why: an ICMP error about a datagram whose options hold a source route
// goes back along the reversed route (__ip_options_echo, icmp_route_lookup),
// so its first hop is an address from the option. With only 127.0.0.0/8
// routed, the kernel finds no route and sends nothing, and a Parameter
// Problem it decided to send would look like a silent drop. With a default
// route on lo the error is sent and seen by the tap; it cannot leave the
// namespace, whose devices are all local (and forwarding is off).
func addDefaultRoute(ifindex int) error {
	rt := make([]byte, unix.SizeofRtMsg)
	rt[0] = unix.AF_INET       // family; dst_len, src_len, tos stay 0
	rt[4] = unix.RT_TABLE_MAIN // table
	rt[5] = unix.RTPROT_BOOT   // protocol
	rt[6] = unix.RT_SCOPE_LINK // scope
	rt[7] = unix.RTN_UNICAST   // type
	oif := binary.NativeEndian.AppendUint32(nil, uint32(ifindex))
	rt = append(rt, nlattr(unix.RTA_OIF, oif)...)
	if err := rtnetlink(unix.RTM_NEWROUTE, rt); err != nil {
		return fmt.Errorf("linuxtest: adding the default route: %w", err)
	}
	return nil
}

// vethInfoPeer is VETH_INFO_PEER (linux/veth.h).
const vethInfoPeer = 1

// addVeth makes the veth pair name <-> peer (RTM_NEWLINK, kind "veth").
func addVeth(name, peer string) error {
	peerMsg := append(make([]byte, unix.SizeofIfInfomsg), nlattr(unix.IFLA_IFNAME, cstring(peer))...)
	info := append(nlattr(unix.IFLA_INFO_KIND, []byte("veth")),
		nlattr(unix.IFLA_INFO_DATA|unix.NLA_F_NESTED,
			nlattr(vethInfoPeer|unix.NLA_F_NESTED, peerMsg))...)
	msg := make([]byte, unix.SizeofIfInfomsg) // family AF_UNSPEC, no index
	msg = append(msg, nlattr(unix.IFLA_IFNAME, cstring(name))...)
	msg = append(msg, nlattr(unix.IFLA_LINKINFO|unix.NLA_F_NESTED, info)...)
	if err := rtnetlink(unix.RTM_NEWLINK, msg); err != nil {
		return fmt.Errorf("linuxtest: adding veth %s/%s: %w", name, peer, err)
	}
	return nil
}

func cstring(s string) []byte { return append([]byte(s), 0) }

// nlattr encodes one netlink attribute, padded to 4 octets.
func nlattr(typ uint16, data []byte) []byte {
	n := unix.SizeofRtAttr + len(data)
	b := make([]byte, (n+3)&^3)
	binary.NativeEndian.PutUint16(b[0:], uint16(n))
	binary.NativeEndian.PutUint16(b[2:], typ)
	copy(b[unix.SizeofRtAttr:], data)
	return b
}

// rtnetlink sends one creating request and waits for its acknowledgement.
func rtnetlink(typ uint16, body []byte) error {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	if err := unix.Bind(fd, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	ne := binary.NativeEndian
	msg := make([]byte, unix.SizeofNlMsghdr, unix.SizeofNlMsghdr+len(body))
	ne.PutUint32(msg[0:], uint32(unix.SizeofNlMsghdr+len(body)))
	ne.PutUint16(msg[4:], typ)
	ne.PutUint16(msg[6:], unix.NLM_F_REQUEST|unix.NLM_F_ACK|unix.NLM_F_CREATE|unix.NLM_F_EXCL)
	ne.PutUint32(msg[8:], 1) // sequence number
	msg = append(msg, body...)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return err
	}
	buf := make([]byte, 4096)
	n, _, err := unix.Recvfrom(fd, buf, 0)
	if err != nil {
		return err
	}
	if n < unix.SizeofNlMsghdr+4 || ne.Uint16(buf[4:]) != unix.NLMSG_ERROR {
		return errors.New("unexpected netlink answer")
	}
	if code := int32(ne.Uint32(buf[unix.SizeofNlMsghdr:])); code != 0 {
		return unix.Errno(-code)
	}
	return nil
}
