package gopacketlabel_test

import (
	"testing"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/gopacketlabel"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// FuzzFromIPv4: for any datagram gopacket decodes, FromIPv4 gives the
// labels cipso.FindPacketLabel and rfc1108.FindPacketLabel read from the
// same octets, and, for a header ParseHeader accepts (gopacket does not
// check the version), the same again from the layer's Options alone.
func FuzzFromIPv4(f *testing.F) {
	f.Add(udpPacket(cat(cipsoDOI16, []byte{0})...))
	f.Add(udpPacket(cat(bsoSecret, cipsoDOI16, []byte{1, 0, 0, 0, 0})...))
	f.Add(udpPacket(cat([]byte{0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x09, 0, 3, 0x84}, []byte{1}, bsoSecret)...))
	f.Add(udpPacket(0x82, 0x04, 0x5A, 0x91))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var ip layers.IPv4
		if ip.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback) != nil {
			return
		}
		l, err := gopacketlabel.FromIPv4(&ip, nil)
		c, hasC, cerr := cipso.FindPacketLabel(pkt, nil)
		b, hasB, berr := rfc1108.FindPacketLabel(pkt)
		require.Equal(t, hasC && cerr == nil, l.HasCIPSO)
		require.Equal(t, hasB && berr == nil, l.HasBSO)
		if l.HasCIPSO {
			require.Equal(t, c, l.CIPSO)
		}
		if l.HasBSO {
			require.Equal(t, b, l.BSO)
		}
		switch {
		case cerr != nil:
			require.Equal(t, cerr, err)
		case berr != nil:
			require.Equal(t, berr, err)
		default:
			require.NoError(t, err)
		}
		if _, herr := ipopt.ParseHeader(pkt); herr == nil {
			fromOptions, err2 := gopacketlabel.FromIPv4(&layers.IPv4{Options: ip.Options}, nil)
			require.Equal(t, l, fromOptions)
			require.Equal(t, err, err2)
		}
	})
}
