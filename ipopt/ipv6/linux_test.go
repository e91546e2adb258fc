package ipv6_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

func TestLinuxHopByHop(t *testing.T) {
	const none = -1
	tests := []struct {
		name      string
		hdr       []byte
		multicast bool
		payload   int // payload length field; 0 means len(hdr)+8
		err       error
		off       int
		icmp      int // ICMPv6 code, or none for a silent drop
	}{
		{name: "PadN 4", hdr: hbh(1, 4, 0, 0, 0, 0), off: none},
		{name: "Pad1 x6", hdr: hbh(0, 0, 0, 0, 0, 0), off: none},
		{name: "PadN 6 then Pad1 x2 (run 8)", hdr: hbh(1, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), err: ipv6.ErrBadPadding, off: 9, icmp: none},
		{name: "PadN 8", hdr: hbh(1, 6, 0, 0, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0), err: ipv6.ErrBadPadding, off: 2, icmp: none},
		{name: "PadN non-zero", hdr: hbh(1, 4, 0, 0, 1, 0), err: ipv6.ErrBadPadding, off: 6, icmp: none},
		{name: "padding restarts after an option", hdr: hbh(1, 3, 0, 0, 0, 0x1e, 0, 1, 5, 0, 0, 0, 0, 0), off: none},
		{name: "option past the end", hdr: hbh(0x1e, 5, 0, 0, 0, 0), err: ipopt.ErrBadLength, off: 2, icmp: none},
		{name: "no length octet", hdr: hbh(1, 3, 0, 0, 0, 0x1e), err: ipopt.ErrTruncated, off: 7, icmp: none},
		{name: "unknown 00 skipped", hdr: hbh(0x1e, 4, 1, 2, 3, 4), off: none},
		{name: "unknown 01 dropped", hdr: hbh(0x5e, 4, 1, 2, 3, 4), err: ipv6.ErrUnknownOption, off: 2, icmp: none},
		{name: "unknown 10 ICMP", hdr: hbh(1, 0, 0x9e, 2, 0, 0), err: ipv6.ErrUnknownOption, off: 4, icmp: ipv6.CodeUnknownOption},
		{name: "unknown 11 ICMP", hdr: hbh(0xde, 4, 1, 2, 3, 4), err: ipv6.ErrUnknownOption, off: 2, icmp: ipv6.CodeUnknownOption},
		{name: "unknown 11 multicast", hdr: hbh(0xde, 4, 1, 2, 3, 4), multicast: true, err: ipv6.ErrUnknownOption, off: 2, icmp: none},
		{name: "unknown 10 multicast", hdr: hbh(0x9e, 4, 1, 2, 3, 4), multicast: true, err: ipv6.ErrUnknownOption, off: 2, icmp: ipv6.CodeUnknownOption},
		{name: "router alert", hdr: hbh(5, 2, 0, 0, 1, 0), off: none},
		{name: "router alert length 3", hdr: hbh(5, 3, 0, 0, 0, 0), err: ipopt.ErrBadLength, off: 3, icmp: none},
		{name: "jumbo small value", hdr: hbh(0xc2, 4, 0, 0, 0xff, 0xff), err: ipopt.ErrBadValue, off: 4, icmp: ipv6.CodeHeaderField},
		{name: "jumbo with payload length", hdr: hbh(0xc2, 4, 0, 1, 0, 0), err: ipopt.ErrBadValue, off: 2, icmp: ipv6.CodeHeaderField},
		{name: "jumbo beyond the packet", hdr: hbh(0xc2, 4, 0, 1, 0, 0), payload: -1, err: ipopt.ErrTotalLength, off: 4, icmp: none},
		{name: "jumbo misaligned", hdr: hbh(0, 0xc2, 4, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0), err: ipv6.ErrBadAlignment, off: 3, icmp: none},
		{name: "jumbo length 3", hdr: hbh(0xc2, 3, 0, 1, 0, 0), err: ipopt.ErrBadLength, off: 3, icmp: none},
		{name: "ioam aligned is ignored", hdr: hbh(0, 0, 0x31, 2, 0, 0), off: none},
		{name: "ioam misaligned", hdr: hbh(0x31, 2, 0, 0, 1, 0), err: ipv6.ErrBadAlignment, off: 2, icmp: none},
		{name: "calipso length 6", hdr: hbh(7, 4, 0, 0, 0, 1), err: ipopt.ErrBadLength, off: 3, icmp: none},
		{name: "calipso stub", hdr: hbh(7, 8, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0), off: none},
		{name: "calipso compartments past the option", hdr: hbh(7, 8, 0, 0, 0, 1, 1, 0, 0, 0, 1, 2, 0, 0), err: ipopt.ErrBadLength, off: 3, icmp: none},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l ipv6.Linux
			p := ipv6.Packet{Multicast: tt.multicast, PayloadLen: len(tt.hdr) + 8, Len: len(tt.hdr) + 8}
			if tt.payload < 0 {
				p.PayloadLen = 0
			}
			err := l.CheckHopByHop(tt.hdr, p)
			if tt.off == none {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tt.err)
			off, ptr := testutil.Position(t, err)
			assert.Equal(t, tt.off, off)
			assert.Equal(t, tt.off+40, ptr)
			code, pointer, ok := ipv6.ICMP(err)
			if tt.icmp == none {
				assert.False(t, ok, "answered with code %d", code)
				return
			}
			require.True(t, ok)
			assert.EqualValues(t, tt.icmp, code)
			assert.EqualValues(t, tt.off+40, pointer)
		})
	}
}

func TestLinuxOptionCount(t *testing.T) {
	// Eight unknown skip options pass, a ninth is refused at its type
	// octet even with action bits that would draw an ICMP error.
	opts := []byte{}
	for range 8 {
		opts = append(opts, 0x1e, 0)
	}
	ok := append(append([]byte{}, opts...), 1, 4, 0, 0, 0, 0)
	var l ipv6.Linux
	require.NoError(t, l.CheckHopByHop(hbh(ok...), ipv6.Packet{}))
	bad := append(append([]byte{}, opts...), 0x9e, 0, 1, 2, 0, 0)
	err := l.CheckHopByHop(hbh(bad...), ipv6.Packet{})
	require.ErrorIs(t, err, ipv6.ErrTooManyOptions)
	off, _ := testutil.Position(t, err)
	assert.Equal(t, 18, off)
	_, _, answered := ipv6.ICMP(err)
	assert.False(t, answered)

	// Negative: the count is the absolute value and unknown options are
	// dropped silently.
	s := ipv6.DefaultSysctls
	s.MaxHBHOpts = -2
	l.Sysctls = &s
	err = l.CheckHopByHop(hbh(0xde, 4, 0, 0, 0, 0), ipv6.Packet{})
	require.ErrorIs(t, err, ipv6.ErrUnknownOption)
	_, _, answered = ipv6.ICMP(err)
	assert.False(t, answered)
	require.ErrorIs(t, l.CheckHopByHop(hbh(5, 2, 0, 0, 5, 2, 0, 0, 5, 2, 0, 0, 1, 0), ipv6.Packet{}), ipv6.ErrTooManyOptions)

	s.MaxHBHLen = 8
	require.ErrorIs(t, l.CheckHopByHop(hbh(1, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), ipv6.Packet{}), ipv6.ErrHeaderTooLong)
}

func TestLinuxDestOptions(t *testing.T) {
	var l ipv6.Linux
	// CALIPSO and Router Alert mean nothing in a Destination Options
	// header: unknown with action 00.
	require.NoError(t, l.CheckDestOptions(hbh(5, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0, 0), ipv6.Packet{Offset: 8}))
	err := l.CheckDestOptions(hbh(0xc2, 4, 0, 0, 0, 0), ipv6.Packet{Offset: 8})
	require.ErrorIs(t, err, ipv6.ErrUnknownOption)
	off, ptr := testutil.Position(t, err)
	assert.Equal(t, 10, off)
	assert.Equal(t, 50, ptr)
}

func TestLinuxShortHeaders(t *testing.T) {
	var l ipv6.Linux
	for _, b := range [][]byte{nil, {17}, {17, 0, 1, 4, 0, 0, 0}, {17, 1, 1, 4, 0, 0, 0, 0}} {
		err := l.CheckHopByHop(b, ipv6.Packet{})
		require.ErrorIs(t, err, ipopt.ErrTruncated, "%x", b)
		_, _, ok := ipv6.ICMP(err)
		assert.False(t, ok)
	}
}

func packet(hdr []byte, payload int) []byte {
	p := make([]byte, 40, 40+len(hdr)+8)
	p[0] = 0x60
	binary.BigEndian.PutUint16(p[4:], uint16(payload))
	p[6] = ipv6.HopByHop
	p[23], p[39] = 1, 1
	p = append(p, hdr...)
	return append(p, 0x30, 0x39, 0x30, 0x39, 0, 8, 0, 0)
}

func TestCheckPacket(t *testing.T) {
	var l ipv6.Linux
	h := hbh(0xde, 4, 0, 0, 0, 0)
	require.NoError(t, l.CheckPacket(packet(hbh(1, 4, 0, 0, 0, 0), 16)))
	err := l.CheckPacket(packet(h, 16))
	code, ptr, ok := ipv6.ICMP(err)
	require.True(t, ok)
	assert.EqualValues(t, 2, code)
	assert.EqualValues(t, 42, ptr)
	// Payload length past the packet: dropped before the options.
	err = l.CheckPacket(packet(h, 17))
	require.ErrorIs(t, err, ipv6.ErrBadHeader)
	// Payload length shorter than the header: the header is cut.
	require.ErrorIs(t, l.CheckPacket(packet(h, 4)), ipopt.ErrTruncated)
	// Multicast destination.
	m := packet(h, 16)
	m[24] = 0xff
	_, _, ok = ipv6.ICMP(l.CheckPacket(m))
	assert.False(t, ok)
	bad := packet(h, 16)
	bad[0] = 0x40
	require.ErrorIs(t, l.CheckPacket(bad), ipv6.ErrBadHeader)
	require.ErrorIs(t, l.CheckPacket(bad[:30]), ipv6.ErrBadHeader)
}

func TestChain(t *testing.T) {
	p := packet(hbh(1, 4, 0, 0, 0, 0), 16)
	p[40] = ipv6.DestOptions
	p = append(p[:48], append([]byte{ipv6.UDP, 0, 1, 4, 0, 0, 0, 0}, p[48:]...)...)
	c := ipv6.NewChain(p)
	var types []uint8
	var offs []int
	for c.Next() {
		types, offs = append(types, c.Type()), append(offs, c.Offset())
	}
	require.NoError(t, c.Err())
	assert.Equal(t, []uint8{ipv6.HopByHop, ipv6.DestOptions}, types)
	assert.Equal(t, []int{40, 48}, offs)
	assert.Equal(t, 56, c.End())
	assert.EqualValues(t, ipv6.UDP, c.Proto())

	c = ipv6.NewChain(p[:50])
	for c.Next() {
	}
	require.ErrorIs(t, c.Err(), ipopt.ErrTruncated)
}

func TestIterAndFind(t *testing.T) {
	h := hbh(0, 5, 2, 0, 0, 7, 7, 0, 0, 0, 0, 0, 0, 0)
	it := ipv6.NewIter(h)
	var got []uint8
	for it.Next() {
		got = append(got, it.Option().Type)
	}
	require.NoError(t, it.Err())
	assert.Equal(t, []uint8{0, 5, 7}, got)
	o, ok := ipv6.Find(h, ipv6.RouterAlert)
	require.True(t, ok)
	assert.Equal(t, 3, o.Offset)
	assert.Equal(t, []byte{0, 0}, o.Data())
	_, ok = ipv6.Find(h, ipv6.Jumbo)
	assert.False(t, ok)

	it = ipv6.NewIter(hbh(1, 3, 0, 0, 0, 9))
	for it.Next() {
	}
	require.ErrorIs(t, it.Err(), ipopt.ErrTruncated)
}

func TestAppendPad(t *testing.T) {
	assert.Empty(t, ipv6.AppendPad(nil, 0))
	assert.Equal(t, []byte{0}, ipv6.AppendPad(nil, 1))
	assert.Equal(t, []byte{1, 0}, ipv6.AppendPad(nil, 2))
	assert.Equal(t, []byte{1, 5, 0, 0, 0, 0, 0}, ipv6.AppendPad(nil, 9))
}

func TestAllocs(t *testing.T) {
	var l ipv6.Linux
	ok := packet(hbh(5, 2, 0, 0, 1, 0), 16)
	bad := packet(hbh(1, 0, 0xde, 2, 0, 0), 16)
	n := testing.AllocsPerRun(100, func() {
		_ = l.CheckPacket(ok)
		_ = l.CheckPacket(bad)
		c := ipv6.NewChain(ok)
		for c.Next() {
		}
		it := ipv6.NewIter(ok[40:48])
		for it.Next() {
		}
	})
	assert.Zero(t, n)
}
