package cipso_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// ipv4Packet writes into buf a 20-octet IPv4 header followed by opts (a
// multiple of 4 octets) and 4 octets of payload, and returns it.
func ipv4Packet(buf []byte, opts ...byte) []byte {
	hl := 20 + len(opts)
	p := buf[:hl+4]
	clear(p)
	p[0] = 0x40 | byte(hl/4)
	p[2], p[3] = 0, byte(hl+4)
	p[8], p[9] = 64, 17
	copy(p[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	copy(p[20:], opts)
	return p
}

// tag1DOI16 is a CIPSO option of DOI 16 with tag 1, level 3 and the
// bitmap 0x84 (categories 0 and 5; draft §3.4.2), padded with EOL.
var tag1DOI16 = []byte{0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x05, 0, 3, 0x84, 0}

func TestFindPacketLabel(t *testing.T) {
	trans, err := cipso.ParseConfig(strings.NewReader("cipsov4 add trans doi:16 tags:1 levels:7=3 categories:100=0,200=5\n"))
	require.NoError(t, err)
	cases := []struct {
		name    string
		pkt     []byte
		reg     *cipso.Registry
		found   bool
		doi     cipso.DOI
		label   string
		err     error
		errAt   int // options-field offset of err
		errHead int // header offset of an error outside the options
	}{
		{name: "no options", pkt: ipv4Packet(make([]byte, 64))},
		{name: "only NOPs", pkt: ipv4Packet(make([]byte, 64), 1, 1, 1, 0)},
		{name: "tag 1, wire values", pkt: ipv4Packet(make([]byte, 64), tag1DOI16...), found: true, doi: 16, label: "s3:c0,c5"},
		{name: "after NOPs", pkt: ipv4Packet(make([]byte, 64), append([]byte{1, 1, 1, 1}, tag1DOI16...)...), found: true, doi: 16, label: "s3:c0,c5"},
		{name: "translated", pkt: ipv4Packet(make([]byte, 64), tag1DOI16...), reg: trans, found: true, doi: 16, label: "s7:c100,c200"},
		{name: "DOI not registered", pkt: ipv4Packet(make([]byte, 64), tag1DOI16...), reg: &cipso.Registry{}, found: true, err: cipso.ErrUnknownDOI, errAt: 2},
		{name: "after EOL", pkt: ipv4Packet(make([]byte, 64), append([]byte{0, 0, 0, 0}, tag1DOI16...)...)},
		{name: "framing error first", pkt: ipv4Packet(make([]byte, 64), 0x44, 0x30, 5, 0), err: ipopt.ErrBadLength, errAt: 0},
		{name: "bad tag length", pkt: ipv4Packet(make([]byte, 64), 1, 1, 0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x09, 0, 3), found: true, err: cipso.ErrBadTagLength, errAt: 9},
		{name: "not IPv4", pkt: append([]byte{0x65}, make([]byte, 23)...), err: ipopt.ErrBadHeader, errAt: -1, errHead: 0},
		{name: "cut short", pkt: ipv4Packet(make([]byte, 64), tag1DOI16...)[:24], err: ipopt.ErrTruncated, errAt: -1, errHead: -1},
	}
	for _, c := range cases {
		l, found, err := cipso.FindPacketLabel(c.pkt, c.reg)
		assert.Equal(t, c.found, found, c.name)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, c.name)
			e, ok := ipopt.AsError(err)
			if assert.True(t, ok, c.name) {
				if c.errAt >= 0 {
					assert.Equal(t, c.errAt, e.Offset(), c.name)
					assert.Equal(t, c.errAt+20, e.HeaderOffset(), c.name)
				} else {
					assert.Negative(t, e.Offset(), c.name)
					assert.Equal(t, c.errHead, e.HeaderOffset(), c.name)
				}
			}
			assert.Equal(t, cipso.PacketLabel{}, l, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		// The options-field form agrees.
		l2, found2, err2 := cipso.FindLabel(c.pkt[20:(c.pkt[0]&15)*4], c.reg)
		assert.Equal(t, l, l2, c.name)
		assert.Equal(t, found, found2, c.name)
		assert.NoError(t, err2, c.name)
		assert.Equal(t, c.doi, l.DOI, c.name)
		if c.found {
			assert.Equal(t, c.label, l.Label.String(), c.name)
		}
	}
}

// TestFindPacketLabelAllocs: reading a label from a packet on the stack,
// through a translated DOI or not, allocates nothing.
func TestFindPacketLabelAllocs(t *testing.T) {
	reg, err := cipso.ParseConfig(strings.NewReader("cipsov4 add trans doi:16 tags:1 levels:7=3 categories:100=0,200=5\n"))
	require.NoError(t, err)
	var buf [64]byte
	pkt := ipv4Packet(buf[:], tag1DOI16...)
	var bad [64]byte
	badPkt := ipv4Packet(bad[:], 0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x09, 0, 3, 0, 0)
	for _, r := range []*cipso.Registry{nil, reg} {
		n := testing.AllocsPerRun(100, func() {
			l, found, err := cipso.FindPacketLabel(pkt, r)
			if !found || err != nil || l.DOI != 16 {
				t.Fatal(l, found, err)
			}
			if _, _, err := cipso.FindPacketLabel(badPkt, r); !errors.Is(err, cipso.ErrBadTagLength) {
				t.Fatal(err)
			}
		})
		assert.Zero(t, n)
	}
}
