package cipso_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// FuzzFindPacketLabel: on any input FindPacketLabel does not panic, fails
// exactly when ParseHeader does or with an ipopt.Error and the zero label,
// and agrees with FindLabel on the header's options field.
func FuzzFindPacketLabel(f *testing.F) {
	f.Add(ipv4Packet(make([]byte, 64), tag1DOI16...))
	f.Add(ipv4Packet(make([]byte, 64), append([]byte{1, 1, 1, 1}, tag1DOI16...)...))
	f.Add(ipv4Packet(make([]byte, 64), 0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x09, 0, 3, 0, 0))
	f.Add(ipv4Packet(make([]byte, 64), 0x86, 0x0c, 0, 0, 0, 16, 0x02, 0x06, 0, 1, 0x01, 0x2c))
	f.Add([]byte{0x45, 0, 0, 20})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		l, found, err := cipso.FindPacketLabel(pkt, nil)
		h, herr := ipopt.ParseHeader(pkt)
		if herr != nil {
			require.Equal(t, herr, err)
			require.False(t, found)
			return
		}
		l2, found2, err2 := cipso.FindLabel(h.Options(), nil)
		require.Equal(t, l2, l)
		require.Equal(t, found2, found)
		require.Equal(t, err2, err)
		if err != nil {
			_, ok := ipopt.AsError(err)
			require.True(t, ok, "%v", err)
			require.Equal(t, cipso.PacketLabel{}, l)
		}
		_, inField, ferr := ipopt.Find(h.Options(), ipopt.CIPSO)
		require.Equal(t, inField, found)
		if !found {
			require.Equal(t, ferr, err)
		}
	})
}
