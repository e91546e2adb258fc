package calipso_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// TestKernelRewrittenDelivered: the Hop-by-Hop headers SetLabel and
// RemoveOption write are delivered by a Linux with the DOI configured
// (ipopt/linuxtest's IPv6 oracle, checked on Linux 6.18), whatever other
// options the header held, and the library's own walk agrees.
func TestKernelRewrittenDelivered(t *testing.T) {
	ns := linuxtest.ForTest(t)
	used, err := ns.ConfigureCALIPSO(t, 16, 17)
	require.NoError(t, err)
	d16, d17 := used.Of(16), used.Of(17)
	v, err := ns.IPv6()
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })
	reg, err := calipso.NewRegistry(d16, d17)
	require.NoError(t, err)
	walk := ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}

	old, err := calipso.AppendHopByHop(nil, ipv6.UDP, d17, label(t, "s1:c3"))
	require.NoError(t, err)
	bases := [][]byte{nil, old}
	for _, ks := range [][]uint8{{0}, {1}, {2}, {0, 1}, {2, 2, 0}, {1, 1, 1, 1}, {4, 5, 7}} {
		bases = append(bases, hbhOf(ks))
	}
	var labels []cipso.Label
	for _, s := range []string{"s0", "s3:c0,c5", "s255:c0.c255", "s7:c1951", "s9:c0,c100,c200,c300,c400"} {
		labels = append(labels, *label(t, s))
	}
	var hdrs [][]byte
	var want []bool // delivered
	hbhOf6 := func(pkt []byte) []byte {
		h, found, err := ipv6.FindHopByHop(pkt)
		require.NoError(t, err)
		if !found {
			return nil
		}
		return append([]byte{}, h...)
	}
	for _, b := range bases {
		for i := range labels {
			doi := d16
			if i%2 == 1 {
				doi = d17
			}
			p := inBuffer(t, packetWith(b), 300, 0)
			require.NoError(t, calipso.SetLabel(&p, doi, &labels[i]))
			require.NoError(t, walk.CheckPacket(p.Bytes()))
			hdrs, want = append(hdrs, hbhOf6(p.Bytes())), append(want, true)
			for calipso.RemoveOption(&p) == nil {
			}
			require.NoError(t, walk.CheckPacket(p.Bytes()))
			hdrs, want = append(hdrs, hbhOf6(p.Bytes())), append(want, true)
		}
	}
	// A label in a DOI the kernel does not know is dropped: the oracle
	// sees the option.
	host, err := ns.HostCALIPSO()
	require.NoError(t, err)
	unknown := d17 + 1000
	for slices.Contains(host, unknown) || unknown == d16 {
		unknown++
	}
	p := inBuffer(t, packetWith(nil), 300, 0)
	require.NoError(t, calipso.SetLabel(&p, unknown, &labels[1]))
	hdrs, want = append(hdrs, hbhOf6(p.Bytes())), append(want, false)

	got, err := v.VerdictHopByHop(hdrs)
	require.NoError(t, err)
	for i, g := range got {
		assert.Equal(t, want[i], g.Delivered, "header %d %x: %v", i, hdrs[i], g)
	}
}
