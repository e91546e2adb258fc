package linuxtest

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/internal/testutil"
)

// RFC 1071 §3's worked example: the one's complement sum of
// 00 01 f2 03 f4 f5 f6 f7 is ddf2, so the checksum is its complement.
func TestChecksumRFC1071(t *testing.T) {
	assert.Equal(t, uint16(^uint16(0xddf2)), checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}))
	assert.Equal(t, uint16(0xffff), checksum(nil))
}

// icmpErrorFrame wraps the IP datagram of an injected frame in an ICMP
// error as RFC 792 lays it out: type, code, checksum, the pointer in octet
// 4 (Parameter Problem), three unused octets, then the original IP header
// and the first 64 bits of its data. The error's own header carries
// replyOpts.
func icmpErrorFrame(frame []byte, typ, code, ptr byte, replyOpts []byte) []byte {
	orig := frame[ethLen:]
	quoted := orig[:int(orig[0]&0x0f)*4+8]
	icmp := append([]byte{typ, code, 0, 0, ptr, 0, 0, 0}, quoted...)
	binary.BigEndian.PutUint16(icmp[2:], testutil.Checksum(icmp))
	ihl := 20 + len(replyOpts)
	ip := []byte{0x40 | byte(ihl/4), 0, 0, 0, 0, 0, 0, 0, 64, 1, 0, 0}
	binary.BigEndian.PutUint16(ip[2:], uint16(ihl+len(icmp)))
	ip = append(ip, loopback[:]...)
	ip = append(ip, loopback[:]...)
	ip = append(ip, replyOpts...)
	binary.BigEndian.PutUint16(ip[10:], testutil.Checksum(ip))
	out := append(make([]byte, 12), 0x08, 0x00)
	out = append(out, ip...)
	return append(out, icmp...)
}

func genFrameOpts() gopter.Gen {
	return gen.IntRange(0, 10).FlatMap(func(v any) gopter.Gen {
		return gen.SliceOfN(4*v.(int), gen.UInt8())
	}, nil)
}

// Property: a built frame is a well-formed IPv4/UDP datagram (version 4,
// IHL and total length right, header checksum verifying to zero, RFC 1071)
// carrying the options and the case number, and an ICMP error quoting it
// is traced back to the same case, pointer and options.
func TestPropFrameRoundTrip(t *testing.T) {
	p := gopter.DefaultTestParametersWithSeed(791)
	p.MinSuccessfulTests = 2000
	props := gopter.NewProperties(p)
	props.Property("parseICMPError(icmp(appendFrame(opts, seq))) == seq, opts", prop.ForAll(
		func(opts []byte, seq uint32, port uint16, ptr uint8) bool {
			seq &= seqMask
			f := appendFrame([]byte{0xFF}, [6]byte{1, 2, 3, 4, 5, 6}, opts, seq, port)[1:]
			ip := f[ethLen:]
			ihl := int(ip[0]&0x0f) * 4
			ok := bytes.Equal(f[:6], []byte{1, 2, 3, 4, 5, 6}) &&
				ip[0]>>4 == 4 && ihl == 20+len(opts) &&
				int(binary.BigEndian.Uint16(ip[2:])) == len(ip) &&
				testutil.Checksum(ip[:ihl]) == 0 &&
				bytes.Equal(ip[20:ihl], opts) &&
				binary.BigEndian.Uint16(ip[ihl+2:]) == port
			s, sok := payloadSeq(ip[ihl+udpLen:])
			if !ok || !sok || s != seq {
				return false
			}
			e, eok := parseICMPError(icmpErrorFrame(f, 12, 0, ptr, []byte{1, 1, 1, 0}), port)
			return eok && e.seq == seq && e.typ == 12 && e.pointer == ptr &&
				bytes.Equal(e.quotedOpts, opts) && bytes.Equal(e.replyOpts, []byte{1, 1, 1, 0})
		},
		genFrameOpts(), gen.UInt32(), gen.UInt16(), gen.UInt8(),
	))
	props.TestingRun(t)
}

// ICMP messages that are not errors about our datagrams are ignored.
func TestParseICMPErrorIgnores(t *testing.T) {
	f := appendFrame(nil, [6]byte{}, nil, 7, 4000)
	_, ok := parseICMPError(icmpErrorFrame(f, 12, 0, 22, nil), 4001)
	assert.False(t, ok, "another port")
	_, ok = parseICMPError(icmpErrorFrame(f, 0, 0, 0, nil), 4000)
	assert.False(t, ok, "echo reply is not an error")
	e, ok := parseICMPError(icmpErrorFrame(f, 3, 10, 0, nil), 4000)
	assert.True(t, ok, "destination unreachable is an error")
	assert.Equal(t, uint32(7), e.seq)
	g := icmpErrorFrame(f, 12, 0, 22, nil)
	_, ok = parseICMPError(g[:len(g)-1], 4000)
	assert.False(t, ok, "quoted UDP header cut short")
}

// FuzzParseICMPError: any frame from the tap is parsed without panicking,
// and a case number is never out of range.
func FuzzParseICMPError(f *testing.F) {
	fr := appendFrame(nil, [6]byte{}, []byte{0x86, 0x0A, 0, 0, 0, 0, 1, 4, 0, 5, 0, 0}, 12345, 4000)
	f.Add(icmpErrorFrame(fr, 12, 0, 22, []byte{0x86, 0x0A, 0, 0, 0, 0, 1, 4, 0, 5, 0, 0}))
	f.Add(fr)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		e, ok := parseICMPError(b, 4000)
		if ok && e.seq > seqMask {
			t.Fatalf("seq %d", e.seq)
		}
	})
}

// Property: a datagram of Datagram's form, stamped for case seq, carries
// the case everywhere the collectors look (identification, UDP source
// port, payload) with a right checksum; made ICMP instead, an error quoting
// it is traced back by its identification alone (parseQuote: not ours).
func TestPropStamp(t *testing.T) {
	p := gopter.DefaultTestParametersWithSeed(792)
	p.MinSuccessfulTests = 2000
	props := gopter.NewProperties(p)
	props.Property("stamp(datagram(opts), seq)", prop.ForAll(
		func(opts []byte, old, seq uint32, port uint16) bool {
			seq &= seqMask
			d := appendDatagram(nil, opts, old&seqMask, port)
			stamp(d, seq, port)
			ihl := 20 + len(opts)
			f := append(appendEth(nil, [6]byte{}), d...)
			e, ours, ok := parseQuote(icmpErrorFrame(f, 12, 0, 22, nil), port)
			s, sok := payloadSeq(d[ihl+udpLen:])
			if !ok || !ours || e.seq != seq || !sok || s != seq || testutil.Checksum(d[:ihl]) != 0 {
				return false
			}
			d[9] = 1 // ICMP: the UDP octets are now an ICMP header
			stamp(d, seq, port)
			f = append(appendEth(nil, [6]byte{}), d...)
			e, ours, ok = parseQuote(icmpErrorFrame(f, 12, 0, 22, nil), port)
			return ok && !ours && e.id == uint16(seq) && testutil.Checksum(d[:ihl]) == 0 &&
				bytes.Equal(e.quotedOpts, opts)
		},
		genFrameOpts(), gen.UInt32(), gen.UInt32(), gen.UInt16(),
	))
	props.TestingRun(t)
}

// An ICMP error quoting a bare header (an ICMP datagram without a type
// octet) is still traced back by its identification.
func TestParseQuoteBareHeader(t *testing.T) {
	d := appendDatagram(nil, []byte{7, 1, 0, 0}, 0, 4000)[:24]
	d[9] = 1
	binary.BigEndian.PutUint16(d[2:], 24)
	stamp(d, 0x12345, 4000)
	f := append(appendEth(nil, [6]byte{}), d...)
	g := icmpErrorFrame(append(f, make([]byte, 8)...), 12, 0, 20, nil) // quotes 8 octets more
	e, ours, ok := parseQuote(g[:len(g)-8], 4000)
	assert.True(t, ok)
	assert.False(t, ours)
	assert.Equal(t, uint16(0x2345), e.id)
	assert.Equal(t, []byte{7, 1, 0, 0}, e.quotedOpts)
	_, ok = parseICMPError(g[:len(g)-8], 4000)
	assert.False(t, ok, "not one of the options oracle's datagrams")
}
