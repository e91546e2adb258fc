package ipopt_test

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// workedExample is the worked example of RULES.md §7: a UDP header with a
// 12-octet options field holding a tag-1 CIPSO option (level 5) and two EOL
// octets, whose checksum is 0xDCAD.
func workedExample() []byte {
	return []byte{
		0x48, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xdc, 0xad,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		0x86, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0x05, 0x00, 0x00,
	}
}

// wikiHeader is the widely quoted example of the IPv4 header checksum (a
// UDP datagram from 192.168.0.1 to 192.168.0.199, DF set, checksum 0xB861).
func wikiHeader() []byte {
	return []byte{
		0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0xb8, 0x61,
		0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
	}
}

func TestHeaderAccessors(t *testing.T) {
	b := append(workedExample(), 0xEE, 0xEE) // payload octets after the header
	h, err := ipopt.ParseHeader(b)
	require.NoError(t, err)
	assert.Len(t, h, 32, "the Header is the header only")
	assert.Equal(t, 32, cap(h), "capacity cut to the header")
	assert.Equal(t, uint8(4), h.Version())
	assert.Equal(t, uint8(8), h.IHL())
	assert.Equal(t, 32, h.HeaderLen())
	assert.Equal(t, uint8(0), h.TOS())
	assert.Equal(t, uint16(40), h.TotalLen())
	assert.Equal(t, uint16(1), h.ID())
	assert.Equal(t, uint8(0), h.Flags())
	assert.Equal(t, 0, h.FragmentOffset())
	assert.Equal(t, uint8(64), h.TTL())
	assert.Equal(t, uint8(17), h.Protocol())
	assert.Equal(t, uint16(0xdcad), h.ChecksumField())
	assert.Equal(t, netip.MustParseAddr("10.0.0.1"), h.Src())
	assert.Equal(t, netip.MustParseAddr("10.0.0.2"), h.Dst())
	assert.Equal(t, b[20:32], h.Options())
	assert.Equal(t, &b[20], &h.Options()[0], "Options aliases the header")

	w, err := ipopt.ParseHeader(wikiHeader())
	require.NoError(t, err)
	assert.True(t, w.DontFragment())
	assert.False(t, w.MoreFragments())
	assert.Equal(t, uint8(0x2), w.Flags())
	assert.Equal(t, uint16(0x73), w.TotalLen())
	assert.Equal(t, netip.MustParseAddr("192.168.0.1"), w.Src())
	assert.Equal(t, netip.MustParseAddr("192.168.0.199"), w.Dst())
	assert.Nil(t, w.Options())
}

func TestHeaderChecksumVectors(t *testing.T) {
	for name, b := range map[string][]byte{"worked example (options covered)": workedExample(), "wikipedia": wikiHeader()} {
		h, err := ipopt.ParseHeader(b)
		require.NoError(t, err, name)
		want := h.ChecksumField()
		assert.True(t, h.VerifyChecksum(), name)
		assert.Equal(t, want, h.Checksum(), name)
		binary.BigEndian.PutUint16(h[10:], 0xFFFF)
		assert.False(t, h.VerifyChecksum(), name)
		h.SetChecksum()
		assert.Equal(t, want, h.ChecksumField(), name)
	}
	// The checksum covers the options: flipping an option octet breaks it
	// (dpkt's checksum did not cover options, kbandla/dpkt issue 42).
	h, _ := ipopt.ParseHeader(workedExample())
	h.Options()[3] ^= 0x40
	assert.False(t, h.VerifyChecksum())
}

func TestUpdateChecksumWorkedExample(t *testing.T) {
	// RULES.md §7 and checklist 42: raise the level 05 -> 07; word 0x0005
	// becomes 0x0007 and Eqn. 3 gives 0xDCAB, equal to a full recompute.
	assert.Equal(t, uint16(0xdcab), ipopt.UpdateChecksum(0xdcad, 0x0005, 0x0007))
	h, err := ipopt.ParseHeader(workedExample())
	require.NoError(t, err)
	h.Options()[9] = 0x07
	assert.Equal(t, uint16(0xdcab), h.Checksum())
}

func TestUpdateChecksumRFC1624(t *testing.T) {
	// RFC 1624 §3: sum of the other words 0xCD7A, m 0x5555 -> m' 0x3285,
	// HC 0xDD2F. Recomputing gives 0x0000; Eqn. 2 would give 0xFFFF (-0).
	assert.Equal(t, uint16(0x0000), ipopt.UpdateChecksum(0xdd2f, 0x5555, 0x3285))
	// Erratum 4782: with m == m' the checksum must not change, even 0.
	assert.Equal(t, uint16(0x0000), ipopt.UpdateChecksum(0x0000, 0x1234, 0x1234))
	assert.Equal(t, uint16(0xdcad), ipopt.UpdateChecksum(0xdcad, 0xffff, 0xffff))
}

// Property: for any header (options included) and any change of one word
// other than the checksum, the incremental update equals a full
// recompute (RULES.md §7).
func TestUpdateChecksumProperty(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(2)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)
	props.Property("incremental == full", prop.ForAll(
		func(raw []byte, ihl uint8, word int, v uint16) bool {
			b := make([]byte, 60)
			copy(b, raw)
			b[0] = 0x40 | ihl
			binary.BigEndian.PutUint16(b[2:], 60)
			h, err := ipopt.ParseHeader(b)
			if err != nil {
				return false
			}
			h.SetChecksum()
			off := 2 * (word % (len(h) / 2))
			if off == 0 || off == 10 { // keep version/IHL; skip the checksum
				off += 2
			}
			old := binary.BigEndian.Uint16(h[off:])
			binary.BigEndian.PutUint16(h[off:], v)
			return ipopt.UpdateChecksum(h.ChecksumField(), old, v) == h.Checksum()
		},
		gen.SliceOfN(60, gen.UInt8()), gen.UInt8Range(5, 15), gen.IntRange(0, 29), gen.UInt16()))
	props.TestingRun(t)
}

func TestParseHeaderErrors(t *testing.T) {
	good := workedExample()
	mod := func(f func(b []byte) []byte) []byte { return f(append([]byte(nil), good...)) }
	tests := []struct {
		name     string
		in       []byte
		sentinel error
		field    string
		off, ptr int
		text     string
	}{
		// A header cut short has no octet at fault and no pointer (Linux's
		// ip_rcv_core drops it without an ICMP answer).
		{"empty", nil, ipopt.ErrTruncated, "header shorter than 20 octets", -1, -1,
			"ipopt: truncated option: header shorter than 20 octets"},
		{"19 octets", good[:19], ipopt.ErrTruncated, "header shorter than 20 octets", -1, -1,
			"ipopt: truncated option: header shorter than 20 octets"},
		{"version 6", mod(func(b []byte) []byte { b[0] = 0x68; return b }), ipopt.ErrBadHeader, "version", atHeader(0), 0,
			"ipopt: bad IPv4 header: version at header octet 0"},
		{"ihl 4", mod(func(b []byte) []byte { b[0] = 0x44; return b }), ipopt.ErrBadHeader, "ihl", atHeader(0), 0,
			"ipopt: bad IPv4 header: ihl at header octet 0"},
		{"ihl 0", mod(func(b []byte) []byte { b[0] = 0x40; return b }), ipopt.ErrBadHeader, "ihl", atHeader(0), 0,
			"ipopt: bad IPv4 header: ihl at header octet 0"},
		{"options cut short", good[:31], ipopt.ErrTruncated, "header shorter than its IHL says", -1, -1,
			"ipopt: truncated option: header shorter than its IHL says"},
		{"ihl 15, 32 octets", mod(func(b []byte) []byte { b[0] = 0x4f; return b }), ipopt.ErrTruncated, "header shorter than its IHL says", -1, -1,
			"ipopt: truncated option: header shorter than its IHL says"},
		{"total length below header", mod(func(b []byte) []byte { b[3] = 31; return b }), ipopt.ErrTotalLength, "total length", atHeader(2), 2,
			"ipopt: bad total length: total length at header octet 2"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := ipopt.ParseHeader(tc.in)
			assert.Nil(t, h)
			requireErr(t, err, tc.sentinel, ipopt.Malformed, tc.off)
			var e ipopt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.ptr, e.Pointer())
			assert.Equal(t, tc.field, e.Field())
			assert.Equal(t, tc.text, err.Error())
			requirePosition(t, err, tc.off != noOffset)
		})
	}
	// Total length equal to the header, and a payload that is not there,
	// are both fine.
	_, err := ipopt.ParseHeader(mod(func(b []byte) []byte { b[3] = 32; return b }))
	assert.NoError(t, err)
	_, err = ipopt.ParseHeader(mod(func(b []byte) []byte { b[3] = 0xff; return b }))
	assert.NoError(t, err)
}

func TestHeaderEncode(t *testing.T) {
	b := bytes.Repeat([]byte{0xFF}, 28)
	h := ipopt.Header(b)
	f := ipopt.HeaderFields{
		TOS: 0x10, TotalLen: 0x1234, ID: 0xBEEF,
		Flags: 0x1, FragmentOffset: 185 * 8, // MF, offset 185*8
		TTL: 9, Protocol: 6,
		Src:     netip.MustParseAddr("192.0.2.1"),
		Dst:     netip.MustParseAddr("::ffff:198.51.100.7"),
		Options: []byte{0x94, 0x04, 0, 0, 0x01}, // RA and a NOP: padded to 8
	}
	require.NoError(t, h.Encode(f))
	want := []byte{0x47, 0x10, 0x12, 0x34, 0xBE, 0xEF, 0x20, 0xb9, 9, 6, 0, 0,
		192, 0, 2, 1, 198, 51, 100, 7, 0x94, 0x04, 0, 0, 0x01, 0, 0, 0}
	binary.BigEndian.PutUint16(want[10:], testutil.HeaderChecksum(want))
	assert.Equal(t, want, []byte(h))
	p, err := ipopt.ParseHeader(b)
	require.NoError(t, err)
	assert.True(t, p.VerifyChecksum())
	assert.True(t, p.MoreFragments())
	assert.False(t, p.DontFragment())
	assert.Equal(t, 1480, p.FragmentOffset())
	assert.Equal(t, netip.MustParseAddr("198.51.100.7"), p.Dst())
	assert.Equal(t, []byte{0x94, 0x04, 0, 0, 0x01, 0, 0, 0}, p.Options())

	// Without options, into a buffer longer than the header.
	long := bytes.Repeat([]byte{0xFF}, 30)
	require.NoError(t, ipopt.Header(long).Encode(ipopt.HeaderFields{Flags: 0x2, TTL: 64, TotalLen: 20,
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}))
	p, err = ipopt.ParseHeader(long)
	require.NoError(t, err)
	assert.Equal(t, 20, len(p))
	assert.True(t, p.DontFragment())
	assert.True(t, p.VerifyChecksum())
	assert.Equal(t, bytes.Repeat([]byte{0xFF}, 10), long[20:], "nothing written past the header")

	snap := append([]byte(nil), b...)
	with := func(m func(*ipopt.HeaderFields)) ipopt.HeaderFields { g := f; m(&g); return g }
	for _, tc := range []struct {
		name     string
		f        ipopt.HeaderFields
		sentinel error
		class    ipopt.Class
		off      int
	}{
		{"flags over 7", with(func(g *ipopt.HeaderFields) { g.Flags = 8 }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(6)},
		{"fragment offset not a multiple of 8", with(func(g *ipopt.HeaderFields) { g.FragmentOffset = 12 }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(6)},
		{"fragment offset negative", with(func(g *ipopt.HeaderFields) { g.FragmentOffset = -8 }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(6)},
		{"fragment offset over 13 bits", with(func(g *ipopt.HeaderFields) { g.FragmentOffset = 0x2000 * 8 }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(6)},
		{"IPv6 source", with(func(g *ipopt.HeaderFields) { g.Src = netip.MustParseAddr("2001:db8::1") }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(12)},
		{"no destination", with(func(g *ipopt.HeaderFields) { g.Dst = netip.Addr{} }), ipopt.ErrBadValue, ipopt.Malformed, atHeader(16)},
		{"options over 40 octets", with(func(g *ipopt.HeaderFields) { g.Options = make([]byte, 41) }), ipopt.ErrHeaderTooLong, ipopt.Limit, noOffset},
		{"buffer shorter than the header", with(func(g *ipopt.HeaderFields) { g.Options = make([]byte, 9) }), ipopt.ErrNoRoom, ipopt.Limit, noOffset},
	} {
		t.Run(tc.name, func(t *testing.T) {
			requireErr(t, h.Encode(tc.f), tc.sentinel, tc.class, tc.off)
			assert.Equal(t, snap, b, "a refused Encode changes nothing")
		})
	}
	// The largest fragment offset fits.
	require.NoError(t, h.Encode(with(func(g *ipopt.HeaderFields) { g.FragmentOffset = 0x1fff * 8 })))
	assert.Equal(t, 0x1fff*8, h.FragmentOffset())
}

func TestHeaderShortNeverPanics(t *testing.T) {
	f := ipopt.HeaderFields{Src: netip.MustParseAddr("192.0.2.1"), Dst: netip.MustParseAddr("192.0.2.2")}
	for n := 0; n < 20; n++ {
		h := ipopt.Header(make([]byte, n))
		assert.NotPanics(t, func() {
			_ = h.Version() + h.IHL() + h.TOS() + h.TTL() + h.Protocol() + h.Flags()
			_ = h.TotalLen() + h.ID() + h.ChecksumField() + h.Checksum()
			_ = h.HeaderLen() + h.FragmentOffset()
			_, _ = h.Src(), h.Dst()
			_ = h.Options()
			_ = h.VerifyChecksum()
			h.SetChecksum()
			requireErr(t, h.Encode(f), ipopt.ErrNoRoom, ipopt.Limit, noOffset)
		})
		assert.Equal(t, make([]byte, n), []byte(h), "a short header is never written")
		assert.False(t, h.VerifyChecksum())
	}
	// IHL claiming more than there is: Options and Checksum stop at len(h).
	h := ipopt.Header(append(wikiHeader(), 0x01, 0x01))
	h[0] = 0x4f // IHL 15
	assert.Equal(t, []byte{0x01, 0x01}, h.Options())
	assert.NotPanics(t, func() { h.SetChecksum() })
	assert.True(t, h.VerifyChecksum())
}

func TestHeaderNoAllocs(t *testing.T) {
	b := workedExample()
	bad := b[:19]
	var out [60]byte
	fields := ipopt.HeaderFields{TTL: 64, Protocol: 17, TotalLen: 28, Options: b[20:],
		Src: netip.MustParseAddr("10.0.0.1"), Dst: netip.MustParseAddr("10.0.0.2")}
	var sink uint64
	n := testing.AllocsPerRun(1000, func() {
		h, err := ipopt.ParseHeader(b)
		if err != nil {
			panic(err)
		}
		sink += uint64(h.Version()) + uint64(h.TotalLen()) + uint64(h.ID()) + uint64(h.TTL())
		if h.Src().Is4() && h.Dst().Is4() && h.VerifyChecksum() {
			sink++
		}
		sink += uint64(len(h.Options()))
		h.SetChecksum()
		sink += uint64(ipopt.UpdateChecksum(h.ChecksumField(), 5, 7))
		if _, err := ipopt.ParseHeader(bad); err == nil {
			panic("want error")
		}
		if err := ipopt.Header(out[:]).Encode(fields); err != nil {
			panic(err)
		}
		if ipopt.Header(out[:]).Encode(ipopt.HeaderFields{}) == nil {
			panic("want error")
		}
	})
	assert.Zero(t, n)
	_ = sink
}

// TestChecksumMatchesRFC1071 compares the 64-bit-word sum with the
// plain 16-bit loop of RFC 1071 §4.1 (testutil.HeaderChecksum) over random
// headers of every length.
func TestChecksumMatchesRFC1071(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1071))
	for n := 20; n <= 60; n += 4 {
		for range 500 {
			h := make([]byte, n)
			for i := range h {
				h[i] = byte(rng.Uint32())
				if rng.IntN(4) == 0 {
					h[i] = 0xff // many carries
				}
			}
			h[0] = 0x40 | byte(n/4)
			require.Equal(t, testutil.HeaderChecksum(h), ipopt.Header(h).Checksum(), "% x", h)
			ipopt.Header(h).SetChecksum()
			require.True(t, ipopt.Header(h).VerifyChecksum())
		}
	}
	// A header cut short of its IHL (odd lengths included) is summed over
	// the octets it has.
	for n := 20; n < 60; n++ {
		for range 100 {
			h := make([]byte, n)
			for i := range h {
				h[i] = byte(rng.Uint32())
			}
			h[0] = 0x4f
			require.Equal(t, testutil.HeaderChecksum(h), ipopt.Header(h).Checksum(), "% x", h)
		}
	}
}
