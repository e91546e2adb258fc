package ipopt_test

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// badOptions is an options field Linux refuses (an RR of length 1, pointer
// 20): ICMPErrorSuppressed does not look at it, but it makes each case a
// datagram that Linux would answer if nothing suppressed the answer.
var badOptions = []byte{byte(ipopt.RR), 1, 0, 0}

// recvDatagram is a received IPv4/UDP datagram from 10.0.0.1 to 10.0.0.2 with
// badOptions and 8 octets of UDP header and 8 of payload, after edit has
// changed its header (and possibly cut or extended it), with the checksum
// then set.
func recvDatagram(t testing.TB, edit func(h ipopt.Header) []byte) []byte {
	t.Helper()
	p := make([]byte, 20+len(badOptions)+16)
	h := ipopt.Header(p[:20+len(badOptions)])
	require.NoError(t, h.Encode(ipopt.HeaderFields{TotalLen: uint16(len(p)), TTL: 64, Protocol: 17,
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2"), Options: badOptions}))
	if edit != nil {
		p = append(p[:0:0], p...)
		h = ipopt.Header(p[:h.HeaderLen()])
		if q := edit(h); q != nil {
			p = q
		}
	}
	ipopt.Header(p).SetChecksum() // over IHL*4 octets, or what there is

	return p
}

// The cases write single header fields themselves, at their RFC 791 §3.1
// octets: they make headers that Header.Encode refuses to write (version
// 6, IHL 4, a total length below the header, a wrong checksum).
func putTotalLen(h ipopt.Header, n int)             { binary.BigEndian.PutUint16(h[2:], uint16(n)) }
func putFlagsFragment(h ipopt.Header, v uint16)     { binary.BigEndian.PutUint16(h[6:], v) }
func putProtocol(h ipopt.Header, v uint8)           { h[9] = v }
func putAddr(h ipopt.Header, off int, a netip.Addr) { a4 := a.As4(); copy(h[off:off+4], a4[:]) }

func setSrc(a string) func(ipopt.Header) []byte {
	return func(h ipopt.Header) []byte { putAddr(h, 12, netip.MustParseAddr(a)); return nil }
}

func setDst(a string) func(ipopt.Header) []byte {
	return func(h ipopt.Header) []byte { putAddr(h, 16, netip.MustParseAddr(a)); return nil }
}

func setFrag(v uint16) func(ipopt.Header) []byte {
	return func(h ipopt.Header) []byte { putFlagsFragment(h, v); return nil }
}

// icmpType makes the datagram ICMP with type t in the first payload octet.
func icmpType(t byte) func(ipopt.Header) []byte {
	return func(h ipopt.Header) []byte {
		putProtocol(h, 1)
		h[:cap(h)][h.HeaderLen()] = t
		return nil
	}
}

// TestICMPErrorSuppressed checks each reason of ICMPErrorSuppressed
// (RULES.md §4) and its neighbours on the other side, against the kernel's
// verdicts in ipopt/linuxtest TestSuppressedKernel (checked on Linux 6.18).
func TestICMPErrorSuppressed(t *testing.T) {
	tests := []struct {
		name string
		edit func(ipopt.Header) []byte
		want bool
	}{
		{"unicast UDP, first fragment: answered", nil, false},
		{"no options: nothing to refuse, nothing suppressed", func(h ipopt.Header) []byte {
			p := h[:cap(h)]
			p = append(p[:20:20], p[24:]...)
			p[0] = 0x45
			putTotalLen(p, len(p))
			return p
		}, false},

		// ip_rcv_core (RULES.md §2); a bad checksum is TestICMPErrorSuppressedChecksum's.
		{"version 6", func(h ipopt.Header) []byte { h[0] = 0x60 | h[0]&0x0f; return nil }, true},
		{"IHL 4", func(h ipopt.Header) []byte { h[0] = h[0]&0xf0 | 4; return nil }, true},
		{"header cut short", func(h ipopt.Header) []byte { return h[:22] }, true},
		{"total length below the header", func(h ipopt.Header) []byte { putTotalLen(h, 23); return nil }, true},
		{"nothing", func(ipopt.Header) []byte { return []byte{} }, true},

		// Routing: martians.
		{"source 0.0.0.0", setSrc("0.0.0.0"), true},
		{"source 0.0.0.1", setSrc("0.0.0.1"), false},
		{"source 0.1.2.3", setSrc("0.1.2.3"), false},
		{"source 224.0.0.1", setSrc("224.0.0.1"), true},
		{"source 239.255.255.255", setSrc("239.255.255.255"), true},
		{"source 223.255.255.255", setSrc("223.255.255.255"), false},
		{"source 240.0.0.1", setSrc("240.0.0.1"), false},
		{"source 255.255.255.254", setSrc("255.255.255.254"), false},
		{"source 255.255.255.255", setSrc("255.255.255.255"), true},
		{"source 127.0.0.1 (route_localnet: the host's)", setSrc("127.0.0.1"), false},
		{"destination 0.0.0.0", setDst("0.0.0.0"), true},
		{"destination 0.0.0.1", setDst("0.0.0.1"), false},

		// __icmp_send: broadcast and multicast routes.
		{"destination 224.0.0.1", setDst("224.0.0.1"), true},
		{"destination 239.1.1.1", setDst("239.1.1.1"), true},
		{"destination 239.255.255.255", setDst("239.255.255.255"), true},
		{"destination 223.255.255.255", setDst("223.255.255.255"), false},
		{"destination 240.0.0.1", setDst("240.0.0.1"), false},
		{"destination 255.255.255.254", setDst("255.255.255.254"), false},
		{"destination 255.255.255.255", setDst("255.255.255.255"), true},
		{"destination 10.255.255.255 (a subnet broadcast: host-dependent)", setDst("10.255.255.255"), false},
		{"0.0.0.0 to 0.0.0.0 (a broadcast route)", func(h ipopt.Header) []byte {
			putAddr(h, 12, netip.IPv4Unspecified())
			putAddr(h, 16, netip.IPv4Unspecified())
			return nil
		}, true},

		// __icmp_send: fragments.
		{"MF, offset 0: the first fragment", setFrag(0x2000), false},
		{"DF", setFrag(0x4000), false},
		{"reserved flag", setFrag(0x8000), false},
		{"offset 8", setFrag(0x0001), true},
		{"offset 8, MF", setFrag(0x2001), true},
		{"largest offset", setFrag(0x1fff), true},

		// __icmp_send: an ICMP error never answers an ICMP error.
		{"ICMP echo reply", icmpType(0), false},
		{"ICMP redirect", icmpType(5), true},
		{"ICMP parameter problem", icmpType(12), true},
		{"ICMP address mask reply (18)", icmpType(18), false},
		{"ICMP 19, above NR_ICMP_TYPES", icmpType(19), true},
		{"ICMP without a type octet", func(h ipopt.Header) []byte {
			putProtocol(h, 1)
			putTotalLen(h, h.HeaderLen())
			return nil
		}, true},
		{"ICMP without a type octet, trailing octets past the total length", func(h ipopt.Header) []byte {
			putProtocol(h, 1)
			putTotalLen(h, h.HeaderLen())
			h[:cap(h)][h.HeaderLen()] = 8 // an echo, but not part of the datagram
			return nil
		}, true},
		{"ICMP type cut by a capture", func(h ipopt.Header) []byte {
			putProtocol(h, 1)
			return h[:h.HeaderLen()]
		}, false},
		{"UDP without payload", func(h ipopt.Header) []byte {
			putTotalLen(h, h.HeaderLen())
			return nil
		}, false},
		{"ICMP echo, non-first fragment", func(h ipopt.Header) []byte {
			icmpType(8)(h)
			putFlagsFragment(h, 1)
			return nil
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := recvDatagram(t, tt.edit)
			assert.Equal(t, tt.want, ipopt.ICMPErrorSuppressed(p), "% x", p)
		})
	}
}

// A datagram whose header checksum is wrong is dropped by ip_rcv_core
// (RULES.md §2), whatever else it holds.
func TestICMPErrorSuppressedChecksum(t *testing.T) {
	p := recvDatagram(t, nil)
	require.False(t, ipopt.ICMPErrorSuppressed(p))
	p[10] ^= 1
	assert.True(t, ipopt.ICMPErrorSuppressed(p))
}

// The ICMP types Linux answers with an ICMP error: 0, 8 and 13 to 18, the
// types of net/ipv4/icmp.c's icmp_pointers table not marked as errors
// (checked on Linux 6.18 for all 256 types by ipopt/linuxtest).
func TestICMPErrorSuppressedTypes(t *testing.T) {
	answered := map[int]bool{0: true, 8: true, 13: true, 14: true, 15: true, 16: true, 17: true, 18: true}
	for typ := range 256 {
		p := recvDatagram(t, icmpType(byte(typ)))
		assert.Equal(t, !answered[typ], ipopt.ICMPErrorSuppressed(p), "ICMP type %d", typ)
	}
}

// suppressedModel restates ICMPErrorSuppressed's rules with netip, for the
// property below.
func suppressedModel(p []byte) bool {
	h, err := ipopt.ParseHeader(p)
	if err != nil || !h.VerifyChecksum() {
		return true
	}
	src, dst := h.Src(), h.Dst()
	bcast := netip.AddrFrom4([4]byte{255, 255, 255, 255})
	if src.IsMulticast() || src == bcast || src.IsUnspecified() || dst.IsUnspecified() ||
		dst.IsMulticast() || dst == bcast || h.FragmentOffset() != 0 {
		return true
	}
	if h.Protocol() != 1 {
		return false
	}
	if int(h.TotalLen()) == h.HeaderLen() {
		return true
	}
	if len(p) == h.HeaderLen() {
		return false
	}
	switch p[h.HeaderLen()] {
	case 0, 8, 13, 14, 15, 16, 17, 18:
		return false
	}
	return true
}

// genDatagram generates received datagrams around the boundaries of the
// rules: addresses from a list of special ones, fragment words with and
// without an offset, UDP or ICMP with any type, total lengths from the
// header's to beyond the octets present, and a checksum that is right
// nine times in ten.
func genDatagram() gopter.Gen {
	addrs := []netip.Addr{
		netip.MustParseAddr("0.0.0.0"), netip.MustParseAddr("0.0.0.1"),
		netip.MustParseAddr("10.0.0.1"), netip.MustParseAddr("127.0.0.1"),
		netip.MustParseAddr("223.255.255.255"), netip.MustParseAddr("224.0.0.0"),
		netip.MustParseAddr("239.255.255.255"), netip.MustParseAddr("240.0.0.0"),
		netip.MustParseAddr("255.255.255.254"), netip.MustParseAddr("255.255.255.255"),
	}
	return gopter.CombineGens(
		gen.IntRange(0, 10), gen.IntRange(0, len(addrs)-1), gen.IntRange(0, len(addrs)-1),
		gen.OneConstOf(uint16(0), uint16(0x2000), uint16(0x4000), uint16(1), uint16(0x1fff), uint16(0x3001)),
		gen.OneConstOf(uint8(17), uint8(1), uint8(6)), gen.SliceOfN(3, gen.UInt8()),
		gen.IntRange(-1, 3), gen.IntRange(0, 9),
	).Map(func(v []any) []byte {
		ihl := 5 + v[0].(int)
		payload := v[5].([]byte)
		p := make([]byte, ihl*4, ihl*4+len(payload))
		p = append(p, payload...)
		h := ipopt.Header(p[:ihl*4])
		frag := v[3].(uint16)
		if err := h.Encode(ipopt.HeaderFields{
			TotalLen: uint16(max(0, ihl*4+v[6].(int))),
			Flags:    uint8(frag >> 13), FragmentOffset: int(frag&0x1fff) * 8,
			Protocol: v[4].(uint8), Src: addrs[v[1].(int)], Dst: addrs[v[2].(int)],
			Options: make([]byte, ihl*4-20),
		}); err != nil {
			panic(err)
		}
		if v[7].(int) == 0 {
			binary.BigEndian.PutUint16(h[10:], h.ChecksumField()+1)
		}
		return p
	})
}

// Property: ICMPErrorSuppressed agrees with suppressedModel, does not
// change its input, and the octets after the total length (link-layer
// padding, which Linux trims) do not change the answer.
func TestPropICMPErrorSuppressed(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(792)
	params.MinSuccessfulTests = 5000
	props := gopter.NewProperties(params)
	props.Property("model, input unchanged, padding ignored", prop.ForAll(func(p []byte, pad []byte) bool {
		snap := bytes.Clone(p)
		got := ipopt.ICMPErrorSuppressed(p)
		if got != suppressedModel(p) || !bytes.Equal(p, snap) {
			return false
		}
		if h, err := ipopt.ParseHeader(p); err == nil && int(h.TotalLen()) <= len(p) {
			return ipopt.ICMPErrorSuppressed(append(p[:h.TotalLen():h.TotalLen()], pad...)) == got
		}
		return true
	}, genDatagram(), gen.SliceOf(gen.UInt8())))
	props.TestingRun(t)
}

// FuzzICMPErrorSuppressed: no input makes ICMPErrorSuppressed panic,
// change its input or disagree with suppressedModel.
func FuzzICMPErrorSuppressed(f *testing.F) {
	f.Add(recvDatagram(f, nil))
	f.Add(recvDatagram(f, icmpType(8)))
	f.Add(recvDatagram(f, setFrag(1)))
	f.Add(recvDatagram(f, setDst("224.0.0.1")))
	f.Add([]byte{})
	f.Add([]byte{0x45})
	f.Fuzz(func(t *testing.T, p []byte) {
		snap := bytes.Clone(p)
		if got, want := ipopt.ICMPErrorSuppressed(p), suppressedModel(p); got != want {
			t.Fatalf("% x: %v, model %v", p, got, want)
		}
		if !bytes.Equal(p, snap) {
			t.Fatalf("input changed")
		}
	})
}

// ICMPErrorSuppressed does not allocate, on any of its paths.
func TestICMPErrorSuppressedAllocs(t *testing.T) {
	ps := [][]byte{
		recvDatagram(t, nil), recvDatagram(t, setSrc("0.0.0.0")), recvDatagram(t, setDst("255.255.255.255")),
		recvDatagram(t, setFrag(1)), recvDatagram(t, icmpType(3)), recvDatagram(t, icmpType(8)),
		recvDatagram(t, func(h ipopt.Header) []byte { h[0] = 0x60 | h[0]&0x0f; return nil }), nil,
	}
	n := testing.AllocsPerRun(1000, func() {
		for _, p := range ps {
			_ = ipopt.ICMPErrorSuppressed(p)
		}
	})
	assert.Zero(t, n)
}
