package linuxtest

import "encoding/binary"

// Frame layout. Each injected datagram is an Ethernet frame to the
// receiving device's own address (zero for lo), so that eth_type_trans
// marks it PACKET_HOST, with a zero source address,
// an IPv4 header from 127.0.0.1 to 127.0.0.1 with the options under test,
// and a UDP datagram to the receiver's port whose payload names the case.
//
// A case is identified by a 31-bit sequence number: its low 16 bits are
// the IP identification and the high 15 the UDP source port's low bits
// (the port is 0x8000|high). An ICMP error quotes the IP header and the
// UDP header, so both survive in it; the payload repeats the number.
const (
	ethLen     = 14
	udpLen     = 8
	payloadLen = 8
	magic      = 0x49504c54 // "IPLT"
	seqMask    = 1<<31 - 1
)

var loopback = [4]byte{127, 0, 0, 1}

// appendFrame appends the frame for case seq with options opts (a multiple
// of 4 octets, at most 40) sent to port, to Ethernet address mac.
func appendFrame(dst []byte, mac [6]byte, opts []byte, seq uint32, port uint16) []byte {
	return appendDatagram(appendEth(dst, mac), opts, seq, port)
}

// appendEth appends an Ethernet header to mac, from the zero address, for
// an IPv4 payload.
func appendEth(dst []byte, mac [6]byte) []byte {
	var eth [ethLen]byte
	copy(eth[:], mac[:]) // source stays zero
	binary.BigEndian.PutUint16(eth[12:], 0x0800)
	return append(dst, eth[:]...)
}

// appendDatagram appends the IPv4/UDP datagram of case seq with options
// opts sent to port.
func appendDatagram(dst []byte, opts []byte, seq uint32, port uint16) []byte {
	ihl := 20 + len(opts)
	total := ihl + udpLen + payloadLen
	h := len(dst)
	dst = append(dst,
		0x40|byte(ihl/4), 0, // version, IHL, TOS
		byte(total>>8), byte(total), // total length
		byte(seq>>8), byte(seq), // identification
		0, 0, // flags, fragment offset
		64, 17, // TTL, protocol UDP
		0, 0, // checksum, below
	)
	dst = append(dst, loopback[:]...)
	dst = append(dst, loopback[:]...)
	dst = append(dst, opts...)
	binary.BigEndian.PutUint16(dst[h+10:], checksum(dst[h:h+ihl]))

	sport := 0x8000 | uint16(seq>>16)
	dst = binary.BigEndian.AppendUint16(dst, sport)
	dst = binary.BigEndian.AppendUint16(dst, port)
	dst = binary.BigEndian.AppendUint16(dst, udpLen+payloadLen)
	dst = binary.BigEndian.AppendUint16(dst, 0) // no UDP checksum (RFC 768)
	dst = binary.BigEndian.AppendUint32(dst, magic)
	dst = binary.BigEndian.AppendUint32(dst, seq)
	return dst
}

// stamp makes d, a datagram of a test's own ([Namespace.VerdictDatagrams]),
// the datagram of case seq: its identification becomes the low 16 bits of
// seq and, when it is UDP to port, its source port and (if its payload
// is this package's) the payload's case number are set as appendDatagram
// sets them. The header checksum is recomputed. d has passed
// checkDatagram.
func stamp(d []byte, seq uint32, port uint16) {
	ihl := int(d[0]&0x0f) * 4
	binary.BigEndian.PutUint16(d[4:], uint16(seq))
	if u := d[ihl:]; d[9] == 17 && len(u) >= udpLen && binary.BigEndian.Uint16(u[2:]) == port {
		binary.BigEndian.PutUint16(u, 0x8000|uint16(seq>>16))
		if _, ok := payloadSeq(u[udpLen:min(len(u), udpLen+payloadLen)]); ok {
			binary.BigEndian.PutUint32(u[udpLen+4:], seq)
		}
	}
	binary.BigEndian.PutUint16(d[10:], 0)
	binary.BigEndian.PutUint16(d[10:], checksum(d[:ihl]))
}

// checksum is the Internet checksum (RFC 1071) of b.
func checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	return ^uint16(sum)
}

// payloadSeq reads the case number from a received UDP payload.
func payloadSeq(p []byte) (uint32, bool) {
	if len(p) != payloadLen || binary.BigEndian.Uint32(p) != magic {
		return 0, false
	}
	return binary.BigEndian.Uint32(p[4:]), true
}

// icmpError is what the tap learnt from one ICMP error the kernel sent.
type icmpError struct {
	seq        uint32
	id         uint16 // the quoted datagram's identification
	typ, code  uint8
	pointer    uint8
	quotedOpts []byte
	replyOpts  []byte
}

// parseICMPError reads an outgoing Ethernet frame from the tap. It reports
// ok only for an ICMP error (destination unreachable, time exceeded,
// parameter problem, ...) that quotes one of our datagrams to port.
func parseICMPError(f []byte, port uint16) (e icmpError, ok bool) {
	e, ours, ok := parseQuote(f, port)
	return e, ok && ours
}

// parseQuote reads an outgoing Ethernet frame from the tap. It reports ok
// for an ICMP error that quotes a whole IPv4 header, and ours when the
// quoted datagram is one of this package's UDP datagrams to port, whose
// case number is then in e.seq.
func parseQuote(f []byte, port uint16) (e icmpError, ours, ok bool) {
	if len(f) < ethLen+20 {
		return e, false, false
	}
	ip := f[ethLen:]
	ihl := int(ip[0]&0x0f) * 4
	if ip[0]>>4 != 4 || ihl < 20 || len(ip) < ihl+8 || ip[9] != 1 {
		return e, false, false
	}
	icmp := ip[ihl:]
	switch icmp[0] {
	case 3, 4, 5, 11, 12: // the error types (RFC 792)
	default:
		return e, false, false
	}
	e.typ, e.code, e.pointer = icmp[0], icmp[1], icmp[4]
	e.replyOpts = append([]byte{}, ip[20:ihl]...)
	q := icmp[8:] // the quoted datagram
	if len(q) < 20 {
		return e, false, false
	}
	qihl := int(q[0]&0x0f) * 4
	if q[0]>>4 != 4 || qihl < 20 || len(q) < qihl {
		return e, false, false
	}
	e.id = binary.BigEndian.Uint16(q[4:])
	e.quotedOpts = append([]byte{}, q[20:qihl]...)
	if len(q) < qihl+udpLen || q[9] != 17 {
		return e, false, true
	}
	udp := q[qihl:]
	sport, dport := binary.BigEndian.Uint16(udp), binary.BigEndian.Uint16(udp[2:])
	if dport != port || sport&0x8000 == 0 {
		return e, false, true
	}
	e.seq = uint32(sport&0x7fff)<<16 | uint32(e.id)
	return e, true, true
}
