package calipso_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt"
)

// ipv6Packet writes into buf a 40-octet IPv6 fixed header whose Next
// Header is next, followed by rest and 8 octets of UDP, and returns it.
func ipv6Packet(buf []byte, next uint8, rest ...byte) []byte {
	n := 40 + len(rest) + 8
	p := buf[:n]
	clear(p)
	p[0], p[5], p[6], p[7] = 0x60, byte(len(rest)+8), next, 64
	copy(p[40:], rest)
	return p
}

// hbhDOI16 is a Hop-by-Hop header (next header UDP) holding a CALIPSO
// option of DOI 16, level 3 and categories 0 and 5 (RFC 5570 §5), its
// checksum as Linux computes it, and padding.
var hbhDOI16 = []byte{0x11, 0x01, 0x07, 0x0c, 0, 0, 0, 16, 0x01, 0x03, 0xf6, 0x6b, 0x84, 0, 0, 0}

func TestFindPacketLabel(t *testing.T) {
	var has16, hasNone calipso.Registry
	require.NoError(t, has16.Add(16))
	short := append([]byte(nil), hbhDOI16...)
	short[8] = 0x03 // a compartment bitmap of 3 words in an option of 12 octets
	cases := []struct {
		name  string
		pkt   []byte
		reg   *calipso.Registry
		found bool
		label string
		err   error
		off   int // offset after the fixed header
	}{
		{name: "no Hop-by-Hop header", pkt: ipv6Packet(make([]byte, 100), 17)},
		{name: "only padding", pkt: ipv6Packet(make([]byte, 100), 0, 0x11, 0, 0x01, 0x04, 0, 0, 0, 0)},
		{name: "any DOI", pkt: ipv6Packet(make([]byte, 100), 0, hbhDOI16...), found: true, label: "s3:c0,c5"},
		{name: "DOI registered", pkt: ipv6Packet(make([]byte, 100), 0, hbhDOI16...), reg: &has16, found: true, label: "s3:c0,c5"},
		{name: "DOI not registered", pkt: ipv6Packet(make([]byte, 100), 0, hbhDOI16...), reg: &hasNone, found: true, err: calipso.ErrUnknownDOI, off: 4},
		{name: "bitmap past the option", pkt: ipv6Packet(make([]byte, 100), 0, short...), found: true, err: ipopt.ErrBadLength, off: 8},
	}
	for _, c := range cases {
		l, found, err := calipso.FindPacketLabel(c.pkt, c.reg)
		assert.Equal(t, c.found, found, c.name)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, c.name)
			e, ok := ipopt.AsError(err)
			require.True(t, ok, c.name)
			assert.Equal(t, c.off, e.Offset(), c.name)
			assert.Equal(t, calipso.PacketLabel{}, l, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		if c.found {
			assert.Equal(t, uint32(16), l.DOI, c.name)
			assert.Equal(t, c.label, l.Label.String(), c.name)
		}
	}
}

func TestFindPacketLabelAllocs(t *testing.T) {
	var r calipso.Registry
	require.NoError(t, r.Add(16))
	var buf [100]byte
	pkt := ipv6Packet(buf[:], 0, hbhDOI16...)
	for _, reg := range []*calipso.Registry{nil, &r} {
		n := testing.AllocsPerRun(100, func() {
			if l, found, err := calipso.FindPacketLabel(pkt, reg); !found || err != nil || l.DOI != 16 {
				t.Fatal(l, found, err)
			}
		})
		assert.Zero(t, n)
	}
}
