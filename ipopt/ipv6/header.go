package ipv6

import (
	"encoding/binary"
	"net/netip"
)

// HeaderLen is the length of the fixed IPv6 header (RFC 8200 §3).
const HeaderLen = 40

// Next Header values of the extension headers this package knows (RFC
// 8200 §4.1, IANA "Assigned Internet Protocol Numbers").
const (
	HopByHop    = 0
	Routing     = 43
	Fragment    = 44
	ESP         = 50
	AH          = 51
	NoNext      = 59
	DestOptions = 60
	UDP         = 17
	ICMPv6      = 58
)

// Header is a view of the fixed IPv6 header: the first 40 octets of a
// packet (RFC 8200 §3). Its accessors read the octets in place.
type Header []byte

// ParseHeader returns the fixed header at the start of pkt. It fails when
// pkt is shorter than 40 octets or its version is not 6; Linux's
// ip6_rcv_core (net/ipv6/ip6_input.c) drops both silently.
func ParseHeader(pkt []byte) (Header, error) {
	if len(pkt) < HeaderLen {
		return nil, kindShort.At(0)
	}
	if pkt[0]>>4 != 6 {
		return nil, kindBadVersion.HeaderAt(0)
	}
	return Header(pkt[:HeaderLen:HeaderLen]), nil
}

// ok reports whether h holds a whole fixed header; every accessor reads
// as zero (and SetPayloadLen does nothing) when it does not.
func (h Header) ok() bool { return len(h) >= HeaderLen }

// TrafficClass is the 8-bit traffic class.
func (h Header) TrafficClass() uint8 {
	if !h.ok() {
		return 0
	}
	return h[0]<<4 | h[1]>>4
}

// FlowLabel is the 20-bit flow label.
func (h Header) FlowLabel() uint32 {
	if !h.ok() {
		return 0
	}
	return binary.BigEndian.Uint32(h[0:4]) & 0xfffff
}

// PayloadLen is the payload length field: the octets after the fixed
// header, extension headers included (0 with a Jumbo Payload option).
func (h Header) PayloadLen() int {
	if !h.ok() {
		return 0
	}
	return int(binary.BigEndian.Uint16(h[4:6]))
}

// SetPayloadLen writes the payload length field.
func (h Header) SetPayloadLen(n uint16) {
	if h.ok() {
		binary.BigEndian.PutUint16(h[4:6], n)
	}
}

// NextHeader is the type of the header after the fixed one.
func (h Header) NextHeader() uint8 {
	if !h.ok() {
		return 0
	}
	return h[6]
}

// HopLimit is the hop limit.
func (h Header) HopLimit() uint8 {
	if !h.ok() {
		return 0
	}
	return h[7]
}

// Src is the source address; the zero Addr when h is short.
func (h Header) Src() netip.Addr {
	if !h.ok() {
		return netip.Addr{}
	}
	return netip.AddrFrom16([16]byte(h[8:24]))
}

// Dst is the destination address; the zero Addr when h is short.
func (h Header) Dst() netip.Addr {
	if !h.ok() {
		return netip.Addr{}
	}
	return netip.AddrFrom16([16]byte(h[24:40]))
}

// ExtHeader is a view of one Hop-by-Hop or Destination Options header
// (RFC 8200 §4.3, §4.6): Next Header, Hdr Ext Len, then options, in all
// (Hdr Ext Len + 1) * 8 octets.
type ExtHeader []byte

// ParseExtHeader returns the options header at the start of b, cut to
// its length. It fails when b is shorter than 8 octets or than the
// header's length, which Linux drops silently (RULES.md §2). Offsets in
// its errors count from b[0].
func ParseExtHeader(b []byte) (ExtHeader, error) {
	if len(b) < 8 {
		return nil, kindHdrTruncated.At(min(len(b), 1))
	}
	n := ExtLen(b[1])
	if n > len(b) {
		return nil, kindHdrTruncated.At(1)
	}
	return ExtHeader(b[:n:n]), nil
}

// ExtLen is the length in octets of an options header whose Hdr Ext Len
// octet is hdrExtLen.
func ExtLen(hdrExtLen uint8) int { return (int(hdrExtLen) + 1) * 8 }

// NextHeader is the type of the header that follows; 0 when h is empty.
func (h ExtHeader) NextHeader() uint8 {
	if len(h) < 1 {
		return 0
	}
	return h[0]
}

// Options is the header's options area: every octet after the first two;
// nil when h is shorter than 2 octets.
func (h ExtHeader) Options() []byte {
	if len(h) < 2 {
		return nil
	}
	return h[2:]
}

// Chain walks the extension headers of a packet in order (RFC 8200
// §4.1): Hop-by-Hop, Destination Options, Routing (Hdr Ext Len in 8-octet
// units), Fragment (8 octets) and AH (Payload Len in 4-octet units, RFC
// 4302 §2.2). It stops at the first other Next Header, the upper-layer
// protocol, which [Chain.Proto] and [Chain.End] then give.
//
//	c := ipv6.NewChain(pkt)
//	for c.Next() {
//		fmt.Println(c.Type(), c.Offset(), len(c.Header()))
//	}
//	if err := c.Err(); err != nil { ... }
type Chain struct {
	pkt  []byte
	next uint8 // type of the header at off
	off  int   // where the header after cur starts, from pkt[0]
	cur  []byte
	at   int // where cur starts
	typ  uint8
	err  error
}

// NewChain starts a walk over the extension headers of pkt, an IPv6
// packet from its fixed header on. A packet shorter than 40 octets or not
// of version 6 ends the walk at once with its error.
func NewChain(pkt []byte) Chain {
	h, err := ParseHeader(pkt)
	if err != nil {
		return Chain{err: err}
	}
	return Chain{pkt: pkt, next: h.NextHeader(), off: HeaderLen}
}

// Next moves to the next extension header and reports whether there is
// one.
func (c *Chain) Next() bool {
	if c.err != nil || c.pkt == nil {
		return false
	}
	var n int
	rest := c.pkt[c.off:]
	switch c.next {
	case HopByHop, DestOptions, Routing:
		if len(rest) < 2 {
			c.err = kindHdrTruncated.At(c.off - HeaderLen)
			return false
		}
		n = ExtLen(rest[1])
	case Fragment:
		n = 8
	case AH:
		if len(rest) < 2 {
			c.err = kindHdrTruncated.At(c.off - HeaderLen)
			return false
		}
		n = (int(rest[1]) + 2) * 4
	default:
		return false
	}
	if n > len(rest) {
		c.err = kindHdrTruncated.At(c.off - HeaderLen + 1)
		return false
	}
	c.cur, c.typ, c.at = rest[:n:n], c.next, c.off
	c.next = rest[0]
	c.off += n
	return true
}

// Header is the current extension header, all its octets.
func (c *Chain) Header() []byte { return c.cur }

// Type is the current header's type (the Next Header value that named
// it).
func (c *Chain) Type() uint8 { return c.typ }

// Offset is where the current header starts, from the packet's first
// octet.
func (c *Chain) Offset() int { return c.at }

// End is where the header after the current one starts; after the walk,
// where the upper-layer header starts.
func (c *Chain) End() int { return c.off }

// Proto is the Next Header value after the current header; after the
// walk, the upper-layer protocol.
func (c *Chain) Proto() uint8 { return c.next }

// Err is the error that ended the walk, or nil.
func (c *Chain) Err() error { return c.err }
