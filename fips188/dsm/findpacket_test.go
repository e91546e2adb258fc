package dsm_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// nsidPacket writes into buf a 20-octet IPv4 header followed by opts (a
// multiple of 4 octets) and returns it.
func nsidPacket(buf []byte, opts ...byte) []byte {
	hl := 20 + len(opts)
	p := buf[:hl]
	clear(p)
	p[0], p[3], p[8], p[9] = 0x40|byte(hl/4), byte(hl), 64, 6
	copy(p[20:], opts)
	return p
}

// nsidOption is DSM's label as its sender wrote it (RULES.md §2): DOI
// 0x10001000, tag 7 of 14 octets, source SID 42 (type 3) and node ID 3
// (type 6), then EOL padding.
var nsidOption = []byte{
	0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
	0x03, 0x06, 0x00, 0x00, 0x00, 0x2A, 0x06, 0x06, 0x00, 0x00, 0x00, 0x03,
	0, 0, 0, 0,
}

func TestFindPacketLabel(t *testing.T) {
	otherDOI := append([]byte(nil), nsidOption...)
	otherDOI[5] = 0x01
	badParam := append([]byte(nil), nsidOption...)
	badParam[14] = 0x02 // the node ID becomes a policy serial, which Receiver refuses
	twice := append(append([]byte(nil), nsidOption[:20]...), 0x86, 0x06, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0)
	cases := []struct {
		name  string
		pkt   []byte
		p     dsm.Profile
		found bool
		err   error
		off   int // options-field offset of err, -1 for a header error
	}{
		{name: "no options", pkt: nsidPacket(make([]byte, 60)), p: dsm.Receiver},
		{name: "receiver", pkt: nsidPacket(make([]byte, 60), nsidOption...), p: dsm.Receiver, found: true},
		{name: "lenient", pkt: nsidPacket(make([]byte, 60), nsidOption...), p: dsm.Lenient, found: true},
		{name: "another DOI", pkt: nsidPacket(make([]byte, 60), otherDOI...), p: dsm.Receiver},
		{name: "refused parameter", pkt: nsidPacket(make([]byte, 60), badParam...), p: dsm.Receiver, found: true, err: dsm.ErrUnknownParam, off: 14},
		{name: "second CIPSO option", pkt: nsidPacket(make([]byte, 60), twice...), p: dsm.Receiver, err: ipopt.ErrDuplicate, off: 20},
		{name: "not IPv4", pkt: append([]byte{0x65}, make([]byte, 19)...), p: dsm.Receiver, err: ipopt.ErrBadHeader, off: -1},
	}
	for _, c := range cases {
		l, found, err := dsm.FindPacketLabel(c.pkt, c.p)
		assert.Equal(t, c.found, found, c.name)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, c.name)
			e, ok := ipopt.AsError(err)
			require.True(t, ok, c.name)
			if c.off >= 0 {
				assert.Equal(t, c.off, e.Offset(), c.name)
			} else {
				assert.Negative(t, e.Offset(), c.name)
			}
			assert.Equal(t, dsm.Label{}, l, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		if c.found {
			assert.Equal(t, dsm.New(42, 3), l, c.name)
		} else {
			assert.Equal(t, dsm.Label{}, l, c.name)
		}
	}
}

func TestFindPacketLabelAllocs(t *testing.T) {
	var buf [60]byte
	pkt := nsidPacket(buf[:], nsidOption...)
	n := testing.AllocsPerRun(100, func() {
		if l, found, err := dsm.FindPacketLabel(pkt, dsm.Receiver); !found || err != nil || l.SourceSID != 42 {
			t.Fatal(l, found, err)
		}
	})
	assert.Zero(t, n)
}
