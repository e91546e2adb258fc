package ipv6_test

import (
	"bytes"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// ip6 is an IPv6 packet: the fixed header with Next Header next and the
// payload length of rest, then rest.
func ip6(next uint8, rest ...byte) []byte {
	b := make([]byte, 40, 40+len(rest))
	b[0], b[6], b[7] = 0x60, next, 64
	binary.BigEndian.PutUint16(b[4:], uint16(len(rest)))
	return append(b, rest...)
}

func packetIn(t testing.TB, pkt []byte, head, tail int) ipopt.Packet {
	t.Helper()
	buf := bytes.Repeat([]byte{0xee}, head+len(pkt)+tail)
	copy(buf[head:], pkt)
	p, err := ipopt.FromBytes(buf, head, len(pkt))
	require.NoError(t, err)
	return p
}

func TestSetHopByHop(t *testing.T) {
	udp := []byte{1, 2, 3, 4, 0, 8, 5, 6}
	ra := hbh(5, 2, 0, 0, 1, 0)                                  // 8 octets
	long := hbh(0x1e, 12, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12) // 16 octets
	for _, tc := range []struct {
		name      string
		in        []byte
		hdr       []byte
		want      []byte
		head, tai int
	}{
		{"inserted", ip6(ipv6.UDP, udp...), ra, ip6(ipv6.HopByHop, append(hbh(5, 2, 0, 0, 1, 0), udp...)...), 8, 0},
		{"inserted into the tailroom", ip6(ipv6.UDP, udp...), ra, ip6(ipv6.HopByHop, append(hbh(5, 2, 0, 0, 1, 0), udp...)...), 0, 8},
		{"replaced by a longer one", ip6(ipv6.HopByHop, append(hbh(5, 2, 0, 0, 1, 0), udp...)...), long, ip6(ipv6.HopByHop, append(long, udp...)...), 8, 0},
		{"replaced by a shorter one", ip6(ipv6.HopByHop, append(long, udp...)...), ra, ip6(ipv6.HopByHop, append(hbh(5, 2, 0, 0, 1, 0), udp...)...), 0, 0},
		{"removed", ip6(ipv6.HopByHop, append(hbh(5, 2, 0, 0, 1, 0), udp...)...), nil, ip6(ipv6.UDP, udp...), 0, 0},
		{"nothing to remove", ip6(ipv6.UDP, udp...), nil, ip6(ipv6.UDP, udp...), 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := packetIn(t, tc.in, tc.head, tc.tai)
			hdr := append([]byte{}, tc.hdr...)
			if len(hdr) > 0 {
				hdr[0] = 99 // not read
			}
			require.NoError(t, ipv6.SetHopByHop(&p, hdr))
			assert.Equal(t, tc.want, p.Bytes())
			_, found, err := ipv6.FindHopByHop(p.Bytes())
			assert.NoError(t, err)
			assert.Equal(t, tc.hdr != nil, found)
		})
	}
}

func TestSetHopByHopErrors(t *testing.T) {
	ra := hbh(5, 2, 0, 0, 1, 0)
	big := ip6(ipv6.UDP, make([]byte, 65535-4)...)
	jumbo := ip6(ipv6.HopByHop, hbh(0xc2, 4, 0, 1, 0, 0)...)
	jumbo[4], jumbo[5] = 0, 0
	for _, tc := range []struct {
		name string
		pkt  []byte
		hdr  []byte
		room int
		want error
	}{
		{"no room", ip6(ipv6.UDP, 1, 2, 3, 4), ra, 7, ipopt.ErrNoRoom},
		{"payload over 65,535", big, ra, 8, ipopt.ErrTotalLength},
		{"a jumbogram", jumbo, ra, 8, ipv6.ErrBadHeader},
		{"short", ip6(ipv6.UDP)[:39], ra, 8, ipv6.ErrBadHeader},
		{"header not a multiple of 8", ip6(ipv6.UDP), ra[:6], 8, ipopt.ErrBadLength},
		{"header that does not frame", ip6(ipv6.UDP), hbh(0x1e, 9, 0, 0, 0, 0), 8, ipopt.ErrBadLength},
		{"old header past the payload", ip6(ipv6.HopByHop, 17, 1, 0, 0, 0, 0, 0, 0), ra, 8, ipopt.ErrTruncated},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := packetIn(t, tc.pkt, tc.room, tc.room)
			before := bytes.Clone(p.Buffer())
			err := ipv6.SetHopByHop(&p, tc.hdr)
			require.ErrorIs(t, err, tc.want)
			_, ok := ipopt.AsError(err)
			assert.True(t, ok)
			assert.True(t, bytes.Equal(before, p.Buffer()), "unchanged")
			assert.Equal(t, tc.room, p.Headroom())
		})
	}
	var zero ipopt.Packet
	assert.Error(t, ipv6.SetHopByHop(&zero, ra))
}

func TestSetHopByHopAllocs(t *testing.T) {
	in := ip6(ipv6.UDP, 1, 2, 3, 4, 0, 8, 5, 6)
	ra := hbh(5, 2, 0, 0, 1, 0)
	a := testing.AllocsPerRun(100, func() {
		var buf [128]byte
		copy(buf[16:], in)
		p, _ := ipopt.FromBytes(buf[:], 16, len(in))
		if ipv6.SetHopByHop(&p, ra) != nil || ipv6.SetHopByHop(&p, nil) != nil {
			panic("failed")
		}
		if _, found, err := ipv6.FindHopByHop(p.Bytes()); found || err != nil {
			panic("left")
		}
	})
	assert.Zero(t, a)
}
