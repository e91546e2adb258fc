package main

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specLabel is the worked example of fips188/dsm/RULES.md, built from the
// wire format: default SID 0x12341234, node ID 1.
var specLabel = []byte{0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
	0x03, 0x06, 0x12, 0x34, 0x12, 0x34, 0x06, 0x06, 0x00, 0x00, 0x00, 0x01}

func TestLabelSpecVector(t *testing.T) {
	c := mustConfig(t, "node 1\n") // no label rules: DSM's default SID
	orig := udpPacket(nil, ipA, 5000)
	p := packetBuf(t, orig)
	o, err := c.Label(&p, SenderInfo{})
	require.NoError(t, err)
	require.Equal(t, OutLabeled, o)
	out := p.Bytes()

	require.Len(t, out, len(orig)+20)
	assert.Equal(t, byte(0x4a), out[0], "IHL 10")
	assert.Equal(t, uint16(len(orig)+20), uint16(out[2])<<8|uint16(out[3]), "total length")
	assert.Equal(t, specLabel, out[20:40])
	headerOK(t, out)
	// Everything else of the base header and the payload is unchanged.
	assert.Equal(t, orig[4:10], out[4:10])
	assert.Equal(t, orig[12:20], out[12:20])
	assert.Equal(t, orig[20:], out[40:])
}

func TestLabelSenderPolicy(t *testing.T) {
	c := mustConfig(t, `node 2
label mark 0x100/0xf00 sid 0x30
label uid 1000 sid 0x10
label gid 100 sid 0x20
label uid 7 unlabeled
label uid 8 drop
label mark 0x5 sid 0x50
`)
	cases := []struct {
		name string
		s    SenderInfo
		want OutOutcome
		sid  uint32
	}{
		{"uid", SenderInfo{UID: 1000, HasUID: true, GID: 100, HasGID: true}, OutLabeled, 0x10},
		{"gid", SenderInfo{UID: 1001, HasUID: true, GID: 100, HasGID: true}, OutLabeled, 0x20},
		{"mark under mask wins by order", SenderInfo{UID: 1000, HasUID: true, Mark: 0x1ab}, OutLabeled, 0x30},
		{"exact mark", SenderInfo{Mark: 5}, OutLabeled, 0x50},
		{"mark outside mask", SenderInfo{Mark: 0x205}, OutLabeled, 0x12341234},
		{"uid absent (kernel packet)", SenderInfo{UID: 1000}, OutLabeled, 0x12341234},
		{"unlabeled", SenderInfo{UID: 7, HasUID: true}, OutUnlabeled, 0},
		{"drop", SenderInfo{UID: 8, HasUID: true}, OutDropped, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			orig := udpPacket(nil, ipB, 5000)
			p := packetBuf(t, orig)
			o, err := c.Label(&p, tc.s)
			require.NoError(t, err)
			require.Equal(t, tc.want, o)
			if o != OutLabeled {
				assert.Equal(t, orig, p.Bytes(), "packet untouched")
				return
			}
			want := dsmLabel(dsmDOI, [2]uint32{pSSID, tc.sid}, [2]uint32{pNode, 2})
			assert.Equal(t, want, p.Bytes()[20:40])
			headerOK(t, p.Bytes())
		})
	}
}

// TestLabelSerialAndDestSID: the parameters go in ascending type order,
// the order DSM wrote them (fips188/dsm/RULES.md), padded with EOL to 4.
func TestLabelSerialAndDestSID(t *testing.T) {
	c := mustConfig(t, "node 9\nserial 0xabcdef01\ndest-sid 192.0.2.2 0x77\ndest-sid 192.0.2.0/24 0x78\nlabel default sid 0x10\n")
	p := packetBuf(t, udpPacket(nil, ipA, 5000)) // to 192.0.2.2
	o, err := c.Label(&p, SenderInfo{})
	require.NoError(t, err)
	require.Equal(t, OutLabeled, o)
	want := dsmLabel(dsmDOI, [2]uint32{pSerial, 0xabcdef01}, [2]uint32{pSSID, 0x10},
		[2]uint32{pDSID, 0x77}, [2]uint32{pNode, 9})
	require.Len(t, want, 32)
	out := p.Bytes()
	assert.Equal(t, byte(0x40|13), out[0])
	assert.Equal(t, want, out[20:52])
	headerOK(t, out)

	// Without a matching dest-sid line there is no destination SID: 26
	// octets, padded with two EOL octets to 28.
	c = mustConfig(t, "node 9\nserial 1\ndest-sid 198.51.100.0/24 0x77\nlabel default sid 0x10\n")
	p = packetBuf(t, udpPacket(nil, ipA, 5000))
	_, err = c.Label(&p, SenderInfo{})
	require.NoError(t, err)
	want = append(dsmLabel(dsmDOI, [2]uint32{pSerial, 1}, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 9}), 0, 0)
	assert.Equal(t, want, p.Bytes()[20:48])
	headerOK(t, p.Bytes())
}

func TestLabelKeepsOtherOptions(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel default sid 0x10\n")
	// A record-route option (type 7, length 7, pointer 4) and one EOL.
	rr := []byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00}
	p := packetBuf(t, udpPacket(rr, ipA, 5000))
	o, err := c.Label(&p, SenderInfo{})
	require.NoError(t, err)
	require.Equal(t, OutLabeled, o)
	out := p.Bytes()
	// Label first, then the record route, then EOL padding to 28.
	want := append(dsmLabel(dsmDOI, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1}), rr[:7]...)
	want = pad4(want)
	assert.Equal(t, byte(0x40|byte((20+len(want))/4)), out[0])
	assert.Equal(t, want, out[20:20+len(want)])
	headerOK(t, out)
}

func TestLabelReplacesExistingCIPSO(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel default sid 0x10\n")
	// A tag-1 CIPSO option of DOI 16, level 3, no categories.
	old := []byte{0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x04, 0x00, 0x03, 0x00, 0x00}
	p := packetBuf(t, udpPacket(old, ipA, 5000))
	o, err := c.Label(&p, SenderInfo{})
	require.NoError(t, err)
	require.Equal(t, OutLabeled, o)
	out := p.Bytes()
	assert.Equal(t, byte(0x45+5), out[0])
	assert.Equal(t, dsmLabel(dsmDOI, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1}), out[20:40])
	assert.Equal(t, 1, bytes.Count(out[20:40], []byte{0x86}), "one CIPSO option")
	headerOK(t, out)
}

// TestLabelUnfit: a label that does not fit the 40-octet options field is
// refused and the packet is left as it was (never sent unlabeled).
func TestLabelUnfit(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel default sid 0x10\n")
	// A timestamp option of 36 octets (type 68, length 36, pointer 5,
	// flags 0) and 4 NOPs... the label needs 20 more: 56 > 40.
	ts := make([]byte, 36)
	ts[0], ts[1], ts[2] = 68, 36, 5
	opts := append(ts, 1, 1, 1, 0)
	orig := udpPacket(opts, ipA, 5000)
	p := packetBuf(t, orig)
	o, err := c.Label(&p, SenderInfo{})
	require.Error(t, err)
	assert.Equal(t, OutUnfit, o)
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ipopt.Limit, e.Class())
	assert.Equal(t, orig, p.Bytes())
}

func TestLabelMalformed(t *testing.T) {
	c := mustConfig(t, "node 1\n")
	for name, pkt := range map[string][]byte{
		"short":      {0x45, 0, 0, 20},
		"version 6":  append([]byte{0x60}, make([]byte, 39)...),
		"ihl beyond": {0x4f, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0},
	} {
		t.Run(name, func(t *testing.T) {
			p := packetBuf(t, pkt)
			o, err := c.Label(&p, SenderInfo{})
			require.Error(t, err)
			assert.Equal(t, OutMalformed, o)
			assert.Equal(t, pkt, p.Bytes())
		})
	}
	// Options whose framing is broken (a length running past the field).
	bad := udpPacket([]byte{0x07, 0x20, 4, 0}, ipA, 5000)
	p := packetBuf(t, bad)
	o, err := c.Label(&p, SenderInfo{})
	require.Error(t, err)
	assert.Equal(t, OutMalformed, o)
	assert.Equal(t, bad, p.Bytes())

	// Two CIPSO options: replacing one would send a packet with two
	// labels, which every Linux receiver drops (found by FuzzLabel).
	two := udpPacket([]byte{0x86, 6, 0, 0, 0, 9, 0x86, 6, 0, 0, 0, 8}, ipA, 5000)
	p = packetBuf(t, two)
	o, err = c.Label(&p, SenderInfo{})
	require.ErrorIs(t, err, ipopt.ErrDuplicate)
	assert.Equal(t, OutMalformed, o)
	assert.Equal(t, two, p.Bytes())
}
