package gopacketlabel_test

import (
	"strings"
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/gopacketlabel"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// udpPacket is an IPv4/UDP datagram with opts (a multiple of 4 octets)
// and 4 octets of UDP payload, its lengths and header checksum right.
func udpPacket(opts ...byte) []byte {
	hl := 20 + len(opts)
	p := make([]byte, hl+12)
	p[0], p[3], p[8], p[9] = 0x40|byte(hl/4), byte(len(p)), 64, 17
	copy(p[12:], []byte{10, 0, 0, 1, 10, 0, 0, 2})
	copy(p[20:], opts)
	u := p[hl:]
	u[0], u[1], u[2], u[3], u[5] = 0x9c, 0x40, 0x9c, 0x41, 12
	copy(u[8:], "ping")
	ipopt.Header(p[:hl]).SetChecksum()
	return p
}

var (
	// A CIPSO option of DOI 16, tag 1, level 3, bitmap 0x84 (categories
	// 0 and 5; CIPSO draft §3.4.2).
	cipsoDOI16 = []byte{0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x05, 0, 3, 0x84}
	// A BSO: SECRET (0x5A), GENSER and NSA (RFC 1108 §2).
	bsoSecret = []byte{0x82, 0x04, 0x5A, 0x90}
)

func cat(parts ...[]byte) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func TestFromIPv4Decoded(t *testing.T) {
	reg, err := cipso.ParseConfig(strings.NewReader("cipsov4 add trans doi:16 tags:1 levels:7=3 categories:100=0,200=5\n"))
	require.NoError(t, err)
	badTag := []byte{0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x09, 0, 3, 0x84}
	cases := []struct {
		name     string
		pkt      []byte
		reg      *cipso.Registry
		cipso    string // "" for none
		bso      string // "" for none
		err      error
		errAtOpt int
	}{
		{name: "none", pkt: udpPacket()},
		{name: "CIPSO", pkt: udpPacket(cat(cipsoDOI16, []byte{0})...), cipso: "16 s3:c0,c5"},
		{name: "CIPSO translated", pkt: udpPacket(cat(cipsoDOI16, []byte{0})...), reg: reg, cipso: "16 s7:c100,c200"},
		{name: "BSO", pkt: udpPacket(bsoSecret...), bso: "level=secret,authorities=genser+nsa"},
		{name: "both", pkt: udpPacket(cat(bsoSecret, cipsoDOI16, []byte{1, 0, 0, 0, 0})...), cipso: "16 s3:c0,c5", bso: "level=secret,authorities=genser+nsa"},
		{name: "bad CIPSO, good BSO", pkt: udpPacket(cat(badTag, []byte{1}, bsoSecret)...), bso: "level=secret,authorities=genser+nsa", err: cipso.ErrBadTagLength, errAtOpt: 7},
	}
	for _, c := range cases {
		p := gopacket.NewPacket(c.pkt, layers.LayerTypeIPv4, gopacket.Default)
		ip, ok := p.Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		require.True(t, ok, c.name)
		l, err := gopacketlabel.FromIPv4(ip, c.reg)
		checkLabels(t, c.name, l, err, c.cipso, c.bso, c.err, c.errAtOpt)

		// The same through a DecodingLayerParser.
		var dl gopacketlabel.IPv4
		dl.Registry = c.reg
		var udp layers.UDP
		var payload gopacket.Payload
		parser := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &dl, &udp, &payload)
		var decoded []gopacket.LayerType
		require.NoError(t, parser.DecodeLayers(c.pkt, &decoded), c.name)
		assert.Equal(t, []gopacket.LayerType{layers.LayerTypeIPv4, layers.LayerTypeUDP, gopacket.LayerTypePayload}, decoded, c.name)
		assert.Equal(t, "ping", string(payload), c.name)
		checkLabels(t, c.name+" (parser)", dl.Labels, dl.LabelErr, c.cipso, c.bso, c.err, c.errAtOpt)
	}
}

func checkLabels(t *testing.T, name string, l gopacketlabel.Labels, err error, wantCIPSO, wantBSO string, wantErr error, errAt int) {
	t.Helper()
	if wantErr != nil {
		assert.ErrorIs(t, err, wantErr, name)
		e, ok := ipopt.AsError(err)
		if assert.True(t, ok, name) {
			assert.Equal(t, errAt, e.Offset(), name)
		}
	} else {
		assert.NoError(t, err, name)
	}
	assert.Equal(t, wantCIPSO != "", l.HasCIPSO, name)
	if wantCIPSO != "" {
		assert.Equal(t, wantCIPSO, l.CIPSO.DOI.String()+" "+l.CIPSO.Label.String(), name)
	} else {
		assert.Equal(t, cipso.PacketLabel{}, l.CIPSO, name)
	}
	assert.Equal(t, wantBSO != "", l.HasBSO, name)
	if wantBSO != "" {
		assert.Equal(t, wantBSO, l.BSO.String(), name)
	} else {
		assert.Equal(t, rfc1108.Label{}, l.BSO, name)
	}
}

// TestFromIPv4Options: a layer made by hand, without Contents, is read
// from its Options as SerializeTo would write them, and gives what the
// serialized packet gives.
func TestFromIPv4Options(t *testing.T) {
	cases := []struct {
		name  string
		opts  []layers.IPv4Option
		cipso string
		err   error
		at    int
	}{
		{name: "CIPSO", opts: []layers.IPv4Option{{OptionType: 1}, {OptionType: 0x86, OptionLength: 11, OptionData: cipsoDOI16[2:]}}, cipso: "16 s3:c0,c5"},
		{name: "short data zero-filled", opts: []layers.IPv4Option{{OptionType: 0x86, OptionLength: 11, OptionData: cipsoDOI16[2:10]}}, cipso: "16 s3"},
		{name: "length below 2", opts: []layers.IPv4Option{{OptionType: 1}, {OptionType: 0x86, OptionLength: 1}}, err: ipopt.ErrBadLength, at: 1},
		{name: "data longer than the length", opts: []layers.IPv4Option{{OptionType: 0x86, OptionLength: 4, OptionData: cipsoDOI16[2:]}}, err: ipopt.ErrBadLength, at: 0},
		{name: "over 40 octets", opts: []layers.IPv4Option{{OptionType: 0x86, OptionLength: 30, OptionData: cipsoDOI16[2:]}, {OptionType: 0x86, OptionLength: 11, OptionData: cipsoDOI16[2:]}}, err: ipopt.ErrTooLong, at: 40},
	}
	for _, c := range cases {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: []byte{10, 0, 0, 1}, DstIP: []byte{10, 0, 0, 2}, Options: c.opts}
		l, err := gopacketlabel.FromIPv4(ip, nil)
		if c.err != nil {
			assert.ErrorIs(t, err, c.err, c.name)
			e, ok := ipopt.AsError(err)
			if assert.True(t, ok, c.name) {
				assert.Equal(t, c.at, e.Offset(), c.name)
			}
			assert.Equal(t, gopacketlabel.Labels{}, l, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		require.True(t, l.HasCIPSO, c.name)
		assert.Equal(t, c.cipso, l.CIPSO.DOI.String()+" "+l.CIPSO.Label.String(), c.name)

		// Serialize the layer with gopacket and decode it again.
		buf := gopacket.NewSerializeBuffer()
		require.NoError(t, gopacket.SerializeLayers(buf, gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}, ip, gopacket.Payload("ping")), c.name)
		back := gopacket.NewPacket(buf.Bytes(), layers.LayerTypeIPv4, gopacket.Default).Layer(layers.LayerTypeIPv4).(*layers.IPv4)
		require.NotEmpty(t, back.Contents, c.name)
		l2, err := gopacketlabel.FromIPv4(back, nil)
		require.NoError(t, err, c.name)
		assert.Equal(t, l, l2, c.name)
	}
}

// TestDecodeLayersAllocs: once the layer has decoded a packet, decoding
// more packets and their labels allocates nothing.
func TestDecodeLayersAllocs(t *testing.T) {
	pkt := udpPacket(cat(bsoSecret, cipsoDOI16, []byte{1, 0, 0, 0, 0})...)
	var dl gopacketlabel.IPv4
	var udp layers.UDP
	var payload gopacket.Payload
	parser := gopacket.NewDecodingLayerParser(layers.LayerTypeIPv4, &dl, &udp, &payload)
	decoded := make([]gopacket.LayerType, 0, 4)
	require.NoError(t, parser.DecodeLayers(pkt, &decoded))
	n := testing.AllocsPerRun(100, func() {
		if err := parser.DecodeLayers(pkt, &decoded); err != nil || !dl.Labels.HasCIPSO || !dl.Labels.HasBSO {
			t.Fatal(err, dl.Labels)
		}
	})
	assert.Zero(t, n)
	ip := &layers.IPv4{Options: []layers.IPv4Option{{OptionType: 0x86, OptionLength: 11, OptionData: cipsoDOI16[2:]}}}
	n = testing.AllocsPerRun(100, func() {
		if l, err := gopacketlabel.FromIPv4(ip, nil); err != nil || !l.HasCIPSO {
			t.Fatal(err, l)
		}
	})
	assert.Zero(t, n)
}
