package linuxtest

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Receive buffers large enough for a whole batch, so that nothing is lost
// between injecting and collecting (SO_RCVBUFFORCE: root ignores rmem_max).
const rcvbuf = 32 << 20

// openSockets makes, on the namespace's thread, the four sockets a
// namespace uses. Sockets belong to the namespace they were made in.
func (ns *Namespace) openSockets() error {
	var err error
	// The receiver: every injected datagram is sent to 127.0.0.1:port.
	// IP_RECVOPTS hands back the options as the kernel left them (with
	// RR/TS filled in and the octets after an EOL zeroed).
	if ns.udp, err = socket(unix.AF_INET, unix.SOCK_DGRAM, 0); err != nil {
		return err
	}
	if err := unix.Bind(ns.udp, &unix.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return fmt.Errorf("linuxtest: bind 127.0.0.1: %w", err)
	}
	sa, err := unix.Getsockname(ns.udp)
	if err != nil {
		return fmt.Errorf("linuxtest: getsockname: %w", err)
	}
	ns.port = uint16(sa.(*unix.SockaddrInet4).Port)
	if err := unix.SetsockoptInt(ns.udp, unix.IPPROTO_IP, unix.IP_RECVOPTS, 1); err != nil {
		return fmt.Errorf("linuxtest: IP_RECVOPTS: %w", err)
	}
	if err := unix.SetsockoptInt(ns.udp, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		return fmt.Errorf("linuxtest: SO_RCVBUFFORCE: %w", err)
	}

	// The injector: raw Ethernet frames out of lo, which loops them back
	// into ip_rcv as if they had arrived there. Protocol 0: it receives
	// nothing.
	if ns.inject, err = socket(unix.AF_PACKET, unix.SOCK_RAW, 0); err != nil {
		return err
	}
	if err := unix.Bind(ns.inject, &unix.SockaddrLinklayer{Ifindex: ns.lo}); err != nil {
		return fmt.Errorf("linuxtest: bind packet socket to lo: %w", err)
	}

	// The tap: every frame on lo, filtered down to outgoing IPv4 ICMP, so
	// it sees the errors the kernel sends even when their own receive
	// fails (a Parameter Problem echoing a bad CIPSO option is dropped by
	// the same check).
	if ns.tap, err = socket(unix.AF_PACKET, unix.SOCK_RAW, int(htons(unix.ETH_P_ALL))); err != nil {
		return err
	}
	if err := unix.SetsockoptSockFprog(ns.tap, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, icmpOutFilter()); err != nil {
		return fmt.Errorf("linuxtest: SO_ATTACH_FILTER: %w", err)
	}
	if err := unix.SetsockoptInt(ns.tap, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
		return fmt.Errorf("linuxtest: SO_RCVBUFFORCE: %w", err)
	}
	if err := unix.Bind(ns.tap, &unix.SockaddrLinklayer{Ifindex: ns.lo, Protocol: htons(unix.ETH_P_ALL)}); err != nil {
		return fmt.Errorf("linuxtest: bind tap to lo: %w", err)
	}
	if err := ns.watchOutgoing(false); err != nil {
		return err
	}

	// The setsockopt(IP_OPTIONS) subject.
	if ns.sockopt, err = socket(unix.AF_INET, unix.SOCK_DGRAM, 0); err != nil {
		return err
	}
	return nil
}

// watchOutgoing turns the tap's view of outgoing frames on for a batch and
// off between batches (PACKET_IGNORE_OUTGOING, which dev_queue_xmit_nit
// checks before cloning the frame for the tap), so that traffic of the
// caller's own sockets ([Namespace.Do]) on lo costs what it costs on a
// bare loopback.
func (ns *Namespace) watchOutgoing(on bool) error {
	ignore := 1
	if on {
		ignore = 0
	}
	if err := unix.SetsockoptInt(ns.tap, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, ignore); err != nil {
		return fmt.Errorf("linuxtest: PACKET_IGNORE_OUTGOING: %w", err)
	}
	return nil
}

func socket(domain, typ, proto int) (int, error) {
	fd, err := unix.Socket(domain, typ|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, proto)
	if err != nil {
		return -1, fmt.Errorf("linuxtest: socket(%d, %d, %d): %w", domain, typ, proto, err)
	}
	return fd, nil
}

func (ns *Namespace) closeSockets() {
	for _, fd := range []*int{&ns.inject, &ns.tap, &ns.udp, &ns.sockopt} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// Classic BPF for the tap: accept a frame only if it is outgoing
// (PACKET_OUTGOING, read through the SKF_AD_PKTTYPE ancillary field),
// IPv4 (ethertype 0x0800) and ICMP (protocol 1).
const (
	skfAdOff     = 0xfffff000 // SKF_AD_OFF, -0x1000
	skfAdPkttype = 4          // SKF_AD_PKTTYPE
)

func icmpOutFilter() *unix.SockFprog {
	const (
		ldW  = unix.BPF_LD | unix.BPF_W | unix.BPF_ABS
		ldH  = unix.BPF_LD | unix.BPF_H | unix.BPF_ABS
		ldB  = unix.BPF_LD | unix.BPF_B | unix.BPF_ABS
		jeq  = unix.BPF_JMP | unix.BPF_JEQ | unix.BPF_K
		retK = unix.BPF_RET | unix.BPF_K
	)
	prog := []unix.SockFilter{
		{Code: ldW, K: skfAdOff + skfAdPkttype},
		{Code: jeq, Jt: 0, Jf: 5, K: unix.PACKET_OUTGOING},
		{Code: ldH, K: 12},
		{Code: jeq, Jt: 0, Jf: 3, K: unix.ETH_P_IP},
		{Code: ldB, K: 14 + 9},
		{Code: jeq, Jt: 0, Jf: 1, K: unix.IPPROTO_ICMP},
		{Code: retK, K: 0xffff},
		{Code: retK, K: 0},
	}
	return &unix.SockFprog{Len: uint16(len(prog)), Filter: &prog[0]}
}
