package linuxtest

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"golang.org/x/sys/unix"
)

// Ext6 is one extension header of a [Chain6]: the Next Header value that
// names it (0 Hop-by-Hop, 60 Destination Options, ...) and its octets, a
// whole header whose own Next Header octet [IPv6.PacketChain] overwrites.
type Ext6 struct {
	Type   uint8
	Header []byte
}

// Chain6 describes one packet for [IPv6.VerdictChain]: the extension
// headers, then a UDP datagram to the receiving socket or an ICMPv6
// message.
type Chain6 struct {
	// Src and Dst are the addresses; the zero netip.Addr is ::1.
	Src, Dst netip.Addr
	// LinkDst is the frame's destination MAC address: the zero value is
	// the address of lo, a frame for this host (PACKET_HOST); ff:ff:ff:ff:ff:ff
	// makes it a link-layer broadcast, 33:33:... a multicast.
	LinkDst [6]byte
	// Exts are the extension headers in order.
	Exts []Ext6
	// Jumbo makes the payload length field and the UDP length 0, as in a
	// jumbogram (RFC 2675 §3, §4); the Jumbo Payload option, with the
	// length it should carry, is the caller's.
	Jumbo bool
	// Extra is how many octets (zero) follow the sequence number in the
	// UDP payload.
	Extra int
	// ICMP, if not nil, is an ICMPv6 message (type, code, checksum
	// field, body) sent instead of the UDP datagram; its checksum is
	// computed when it has one (4 octets or more).
	ICMP []byte
	// Trailer are octets after the datagram that no length counts.
	Trailer []byte
}

// UpperLen is how many octets follow the extension headers, trailer
// excluded.
func (c *Chain6) UpperLen() int {
	if c.ICMP != nil {
		return len(c.ICMP)
	}
	return 8 + 4 + c.Extra
}

// PayloadLen is the octets after the fixed header, trailer excluded:
// what the payload length field says, or the Jumbo Payload option must.
func (c *Chain6) PayloadLen() int {
	n := c.UpperLen()
	for _, e := range c.Exts {
		n += len(e.Header)
	}
	return n
}

// PacketChain returns the packet [IPv6.VerdictChain] injects for c, from
// its fixed header: the flow label is seq, and a UDP payload starts with
// seq. Checksums are right.
func (v *IPv6) PacketChain(c *Chain6, seq uint32) []byte {
	src, dst := loopback6, loopback6
	if c.Src.IsValid() {
		src = c.Src.As16()
	}
	if c.Dst.IsValid() {
		dst = c.Dst.As16()
	}
	pl := c.PayloadLen()
	p := make([]byte, 40, 40+pl+len(c.Trailer))
	binary.BigEndian.PutUint32(p[0:4], 6<<28|seq&0xfffff)
	if !c.Jumbo {
		binary.BigEndian.PutUint16(p[4:6], uint16(pl))
	}
	p[7] = 64
	copy(p[8:24], src[:])
	copy(p[24:40], dst[:])
	nh := 6 // where the Next Header octet naming the next header is
	for _, e := range c.Exts {
		p[nh] = e.Type
		nh = len(p)
		p = append(p, e.Header...)
	}
	u := len(p)
	if c.ICMP != nil {
		p[nh] = 58
		p = append(p, c.ICMP...)
		if len(c.ICMP) >= 4 {
			p[u+2], p[u+3] = 0, 0
			binary.BigEndian.PutUint16(p[u+2:], upperChecksum(p[8:24], p[24:40], 58, p[u:]))
		}
	} else {
		p[nh] = 17
		ulen := uint16(8 + 4 + c.Extra)
		if c.Jumbo {
			ulen = 0
		}
		p = append(p, 0x30, 0x39, byte(v.port>>8), byte(v.port), byte(ulen>>8), byte(ulen), 0, 0, 0, 0, 0, 0)
		binary.BigEndian.PutUint32(p[u+8:], seq)
		p = append(p, make([]byte, c.Extra)...)
		binary.BigEndian.PutUint16(p[u+6:], upperChecksum(p[8:24], p[24:40], 17, p[u:]))
	}
	return append(p, c.Trailer...)
}

// upperChecksum is the Internet checksum of an upper-layer message with
// the IPv6 pseudo-header (RFC 8200 §8.1), whose length is 32 bits wide, so
// right for jumbograms too.
func upperChecksum(src, dst []byte, proto uint8, msg []byte) uint16 {
	var s uint64
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint64(b[i])<<8 | uint64(b[i+1])
		}
		if len(b)%2 == 1 {
			s += uint64(b[len(b)-1]) << 8
		}
	}
	add(src)
	add(dst)
	s += uint64(len(msg)>>16) + uint64(len(msg)&0xffff) + uint64(proto)
	add(msg)
	for s > 0xffff {
		s = s&0xffff + s>>16
	}
	c := ^uint16(s)
	if c == 0 && proto == 17 {
		c = 0xffff
	}
	return c
}

// VerdictChain injects one frame per packet description and reports what
// the kernel did with each. Delivered means the UDP socket on [::1] got
// the datagram; a packet to a multicast group is not delivered there, and
// an ICMPv6 message never is. An ICMPv6 error comes back only to a source
// of this host that can receive it (::1, or a group lo has joined such as
// ff02::1). A packet to a multicast group is dropped by routing on lo
// after its Hop-by-Hop header is read, before its Destination Options
// are (checked on Linux 6.18). A packet longer than lo's MTU (a jumbogram) raises the MTU
// first.
func (v *IPv6) VerdictChain(cs []Chain6) ([]Verdict6, error) {
	longest := 0
	for i := range cs {
		longest = max(longest, 40+cs[i].PayloadLen()+len(cs[i].Trailer))
	}
	if longest > 65536 {
		if err := v.setLoopbackMTU(longest); err != nil {
			return nil, err
		}
	}
	return v.verdicts(len(cs), func(k int, seq uint32) ([]byte, [6]byte) {
		return v.PacketChain(&cs[k], seq), cs[k].LinkDst
	})
}

// VerdictDestOpts injects one IPv6/UDP packet per Destination Options
// header (a whole header; its Next Header octet is overwritten), with no
// Hop-by-Hop header before it, and reports what the kernel did with each.
func (v *IPv6) VerdictDestOpts(hdrs [][]byte) ([]Verdict6, error) {
	cs := make([]Chain6, len(hdrs))
	for i, h := range hdrs {
		cs[i] = Chain6{Exts: []Ext6{{Type: 60, Header: h}}}
	}
	return v.VerdictChain(cs)
}

// setLoopbackMTU raises lo's MTU in the namespace to at least n octets
// (SIOCSIFMTU); lo allows up to 2^31-1. It is never lowered again.
func (v *IPv6) setLoopbackMTU(n int) error {
	return v.ns.Do(func() error {
		fd, err := socket(unix.AF_INET6, unix.SOCK_DGRAM, 0)
		if err != nil {
			return err
		}
		defer unix.Close(fd)
		ifr, err := unix.NewIfreq("lo")
		if err != nil {
			return err
		}
		if err := unix.IoctlIfreq(fd, unix.SIOCGIFMTU, ifr); err != nil {
			return fmt.Errorf("linuxtest: SIOCGIFMTU lo: %w", err)
		}
		if int(ifr.Uint32()) >= n {
			return nil
		}
		ifr.SetUint32(uint32(n))
		if err := unix.IoctlIfreq(fd, unix.SIOCSIFMTU, ifr); err != nil {
			return fmt.Errorf("linuxtest: SIOCSIFMTU lo %d: %w", n, err)
		}
		return nil
	})
}
