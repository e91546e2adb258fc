package linuxtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// IPv6 asks the kernel of a [Namespace] what it does with IPv6 packets
// carrying a Hop-by-Hop header: it injects IPv6/UDP datagrams from and to
// ::1 on lo and watches a UDP socket on [::1] and an ICMPv6 socket. Make
// one with [Namespace.IPv6]; it is safe for concurrent use, one batch at a
// time. Its sockets belong to the namespace and close with
// [IPv6.Close].
type IPv6 struct {
	ns *Namespace

	mu     sync.Mutex
	inject int // AF_PACKET socket on lo
	udp    int // UDP socket on [::1]:port
	icmp   int // raw ICMPv6 socket
	lo     int
	port   uint16
	seq    uint32
}

// Verdict6 is what the kernel did with one injected packet.
type Verdict6 struct {
	// Delivered: the datagram reached the UDP socket.
	Delivered bool
	// ICMP: the kernel answered with an ICMPv6 error of this type and
	// code, quoting the packet; Pointer is its Parameter Problem pointer.
	ICMP       bool
	Type, Code uint8
	Pointer    uint32
}

// String gives "delivered", "dropped" or "icmp T/C pointer P".
func (v Verdict6) String() string {
	switch {
	case v.Delivered:
		return "delivered"
	case v.ICMP:
		return fmt.Sprintf("icmp %d/%d pointer %d", v.Type, v.Code, v.Pointer)
	}
	return "dropped"
}

// IPv6 opens the sockets for IPv6 verdicts in ns and turns ICMPv6 rate
// limiting off there (net.ipv6.icmp.ratelimit 0, ratemask 0: only echo
// replies would be limited).
func (ns *Namespace) IPv6() (*IPv6, error) {
	v := &IPv6{ns: ns, inject: -1, udp: -1, icmp: -1}
	err := ns.Do(func() error {
		for _, s := range [][2]string{
			{"net/ipv6/icmp/ratelimit", "0"},
			{"net/ipv6/icmp/ratemask", "0"},
			{"net/ipv6/conf/lo/disable_ipv6", "0"},
		} {
			if err := writeSysctl(s[0], s[1]); err != nil {
				return err
			}
		}
		ifi, err := net.InterfaceByName("lo")
		if err != nil {
			return fmt.Errorf("linuxtest: lo: %w", err)
		}
		v.lo = ifi.Index
		if v.udp, err = socket(unix.AF_INET6, unix.SOCK_DGRAM, 0); err != nil {
			return err
		}
		var bound error
		for range 50 { // ::1 appears once addrconf has run for lo
			if bound = unix.Bind(v.udp, &unix.SockaddrInet6{Addr: loopback6}); bound == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		if bound != nil {
			return fmt.Errorf("linuxtest: bind [::1]: %w", bound)
		}
		sa, err := unix.Getsockname(v.udp)
		if err != nil {
			return fmt.Errorf("linuxtest: getsockname: %w", err)
		}
		v.port = uint16(sa.(*unix.SockaddrInet6).Port)
		if v.icmp, err = socket(unix.AF_INET6, unix.SOCK_RAW, unix.IPPROTO_ICMPV6); err != nil {
			return err
		}
		for _, fd := range []int{v.udp, v.icmp} {
			if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rcvbuf); err != nil {
				return fmt.Errorf("linuxtest: SO_RCVBUFFORCE: %w", err)
			}
		}
		if v.inject, err = socket(unix.AF_PACKET, unix.SOCK_RAW, 0); err != nil {
			return err
		}
		if err := unix.Bind(v.inject, &unix.SockaddrLinklayer{Ifindex: v.lo}); err != nil {
			return fmt.Errorf("linuxtest: bind packet socket to lo: %w", err)
		}
		return nil
	})
	if err != nil {
		v.Close()
		return nil, err
	}
	return v, nil
}

var loopback6 = [16]byte{15: 1}

// Close closes the sockets.
func (v *IPv6) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	for _, fd := range []*int{&v.inject, &v.udp, &v.icmp} {
		if *fd >= 0 {
			unix.Close(*fd)
			*fd = -1
		}
	}
	return nil
}

// Packet returns the IPv6/UDP packet, from its fixed header, that
// [IPv6.VerdictHopByHop] injects for hbh: from ::1 to ::1 (or dst), Next
// Header 0, the Hop-by-Hop header as given (its own Next Header octet is
// set to 17), then a UDP datagram to the receiving socket whose payload is
// seq. The UDP checksum is right.
func (v *IPv6) Packet(hbh []byte, seq uint32, dst [16]byte) []byte {
	p := make([]byte, 40, 40+len(hbh)+12)
	p[0] = 0x60
	binary.BigEndian.PutUint32(p[0:4], 6<<28|seq&0xfffff)
	binary.BigEndian.PutUint16(p[4:6], uint16(len(hbh)+12))
	p[6], p[7] = 0, 64
	copy(p[8:24], loopback6[:])
	copy(p[24:40], dst[:])
	if len(hbh) == 0 {
		p[6] = 17
	} else {
		p = append(p, hbh...)
		p[40] = 17
	}
	u := len(p)
	p = append(p, 0x30, 0x39, byte(v.port>>8), byte(v.port), 0, 12, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint32(p[u+8:], seq)
	binary.BigEndian.PutUint16(p[u+6:], udp6Checksum(p[8:24], p[24:40], p[u:]))
	return p
}

func udp6Checksum(src, dst, udp []byte) uint16 {
	var s uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(b[i])<<8 | uint32(b[i+1])
		}
		if len(b)%2 == 1 {
			s += uint32(b[len(b)-1]) << 8
		}
	}
	add(src)
	add(dst)
	s += uint32(len(udp)) + 17
	add(udp)
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	c := ^uint16(s)
	if c == 0 {
		c = 0xffff
	}
	return c
}

// VerdictHopByHop injects one packet per Hop-by-Hop header (each a whole
// header, a multiple of 8 octets; its Next Header octet is overwritten)
// and reports what the kernel did with each.
func (v *IPv6) VerdictHopByHop(hdrs [][]byte) ([]Verdict6, error) {
	return v.VerdictHopByHopTo(hdrs, loopback6)
}

// VerdictHopByHopTo is VerdictHopByHop with another destination address,
// such as a multicast group (ff02::1, which lo has joined).
func (v *IPv6) VerdictHopByHopTo(hdrs [][]byte, dst [16]byte) ([]Verdict6, error) {
	return v.verdicts(len(hdrs), func(k int, seq uint32) ([]byte, [6]byte) {
		return v.Packet(hdrs[k], seq, dst), [6]byte{}
	})
}

// verdicts injects n frames, the k-th being build(k, seq): an IPv6 packet
// whose flow label is seq (and, if it is a UDP datagram to the receiving
// socket, whose payload starts with seq) and the link-layer destination
// of its frame.
func (v *IPv6) verdicts(n int, build func(k int, seq uint32) ([]byte, [6]byte)) ([]Verdict6, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.inject < 0 {
		return nil, ErrClosed
	}
	out := make([]Verdict6, n)
	const batch = 256
	for i := 0; i < n; i += batch {
		j := min(i+batch, n)
		err := v.ns.Do(func() error {
			return v.batch(j-i, func(k int, seq uint32) ([]byte, [6]byte) { return build(i+k, seq) }, out[i:j])
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// batch runs on a thread of the namespace pinned to one CPU, so that the
// frames, the ICMPv6 errors they draw and the closing marker are handled
// in order. The marker draws an ICMPv6 error of its own; once that one is
// read, every answer of the batch has been.
func (v *IPv6) batch(count int, build func(k int, seq uint32) ([]byte, [6]byte), out []Verdict6) error {
	if err := pinThread(); err != nil {
		return err
	}
	runtime.Gosched()
	base := v.seq
	v.seq += uint32(count) + 1
	send := func(p []byte, link [6]byte) error {
		f := make([]byte, 14, 14+len(p))
		copy(f, link[:])
		f[12], f[13] = 0x86, 0xdd
		f = append(f, p...)
		return unix.Sendto(v.inject, f, 0, &unix.SockaddrLinklayer{Ifindex: v.lo, Protocol: htons(unix.ETH_P_IPV6)})
	}
	for k := range count {
		if err := send(build(k, (base+uint32(k))&0xfffff)); err != nil {
			return fmt.Errorf("linuxtest: inject: %w", err)
		}
	}
	marker := (base + uint32(count)) & 0xfffff
	if err := send(v.Packet([]byte{0, 0, 0x9e, 2, 0, 0, 1, 0}, marker, loopback6), [6]byte{}); err != nil {
		return fmt.Errorf("linuxtest: inject: %w", err)
	}
	index := func(seq uint32) int {
		k := int((seq - base) & 0xfffff)
		if k < count {
			return k
		}
		return -1
	}
	deadline := time.Now().Add(5 * time.Second)
	buf := make([]byte, 1<<16)
	for done := false; !done; {
		n, _, err := unix.Recvfrom(v.icmp, buf, 0)
		if errors.Is(err, unix.EAGAIN) {
			if time.Now().After(deadline) {
				return errors.New("linuxtest: the marker's ICMPv6 error never came")
			}
			time.Sleep(time.Millisecond)
			continue
		}
		if err != nil {
			return fmt.Errorf("linuxtest: recv ICMPv6: %w", err)
		}
		m := buf[:n]
		// Errors (types below 128) quote the packet from its IPv6 header.
		if len(m) < 8+40 || m[0] >= 128 || m[8]>>4 != 6 {
			continue
		}
		seq := binary.BigEndian.Uint32(m[8:12]) & 0xfffff
		if seq == marker {
			done = true
			continue
		}
		if k := index(seq); k >= 0 {
			out[k] = Verdict6{ICMP: true, Type: m[0], Code: m[1], Pointer: binary.BigEndian.Uint32(m[4:8])}
		}
	}
	for {
		n, _, err := unix.Recvfrom(v.udp, buf, 0)
		if errors.Is(err, unix.EAGAIN) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("linuxtest: recv UDP: %w", err)
		}
		if n >= 4 { // a jumbogram's payload is longer, and cut to buf
			if k := index(binary.BigEndian.Uint32(buf[:4]) & 0xfffff); k >= 0 {
				out[k].Delivered = true
			}
		}
	}
}
