package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// bsoPacket writes into buf a 20-octet IPv4 header followed by opts (a
// multiple of 4 octets) and returns it.
func bsoPacket(buf []byte, opts ...byte) []byte {
	hl := 20 + len(opts)
	p := buf[:hl]
	clear(p)
	p[0], p[3], p[8], p[9] = 0x40|byte(hl/4), byte(hl), 64, 17
	copy(p[20:], opts)
	return p
}

func TestFindPacketLabel(t *testing.T) {
	cases := []struct {
		name  string
		pkt   []byte
		found bool
		label string
		err   error
		off   int // options-field offset of err; -1 for none
	}{
		{name: "no options", pkt: bsoPacket(make([]byte, 60))},
		// RFC 1108 §2: SECRET is 0x5A; GENSER and NSA are the first and
		// fourth PAF bits (0x80, 0x10).
		{name: "secret genser nsa", pkt: bsoPacket(make([]byte, 60), 0x01, 0x82, 0x04, 0x5A, 0x90, 0, 0, 0), found: true, label: "level=secret,authorities=genser+nsa"},
		{name: "after EOL", pkt: bsoPacket(make([]byte, 60), 0x00, 0x82, 0x04, 0x5A, 0x90, 0, 0, 0)},
		{name: "FTI on last octet", pkt: bsoPacket(make([]byte, 60), 0x82, 0x04, 0x5A, 0x91), found: true, err: rfc1108.ErrBadFTI, off: 3},
		{name: "not IPv4", pkt: append([]byte{0x65}, make([]byte, 19)...), err: ipopt.ErrBadHeader, off: -1},
	}
	for _, c := range cases {
		l, found, err := rfc1108.FindPacketLabel(c.pkt)
		assert.Equal(t, c.found, found, c.name)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, c.name)
			e, ok := ipopt.AsError(err)
			require.True(t, ok, c.name)
			if c.off >= 0 {
				assert.Equal(t, c.off+20, e.HeaderOffset(), c.name)
			} else {
				assert.Negative(t, e.Offset(), c.name)
			}
			assert.Equal(t, rfc1108.Label{}, l, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		if found {
			assert.Equal(t, c.label, l.String(), c.name)
		}
		// The packet form agrees with FindLabel on the options field.
		l2, found2, err2 := rfc1108.FindLabel(c.pkt[20:])
		assert.Equal(t, l2, l, c.name)
		assert.Equal(t, found2, found, c.name)
		assert.NoError(t, err2, c.name)
	}
}

func TestFindPacketLabelAllocs(t *testing.T) {
	var buf [60]byte
	pkt := bsoPacket(buf[:], 0x82, 0x04, 0x5A, 0x90)
	n := testing.AllocsPerRun(100, func() {
		if _, found, err := rfc1108.FindPacketLabel(pkt); !found || err != nil {
			t.Fatal(found, err)
		}
	})
	assert.Zero(t, n)
}
