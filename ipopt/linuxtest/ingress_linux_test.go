package linuxtest

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLocalTagNeedsLoopback settles checklist case 16 (ipopt/RULES.md §9) on
// both kinds of device: with a LOCAL DOI the local tag 128 is accepted when
// the datagram arrives on lo and refused at the tag-type octet (pointer 26)
// when it arrives on an Ethernet device (cipso_v4_validate tests IFF_LOOPBACK
// on skb->dev; checked on Linux 6.18).
func TestLocalTagNeedsLoopback(t *testing.T) {
	ns := cipsoNamespace(t)
	local := "86 0C 00 00 00 11 80 06 00 00 00 2A"
	require.NoError(t, ns.SetIngress(Ethernet))
	checkKernel(t, ns, []kernelCase{
		{"16 tag 128, local DOI, on ethernet", local, "parameter problem, pointer 26"},
		{"1 minimal tag 1, on ethernet", "86 0A 00 00 00 10 01 04 00 05 00 00", "delivered"},
		{"6 DOI 0, on ethernet", "86 0A 00 00 00 00 01 04 00 05 00 00", "parameter problem, pointer 22"},
		{"LSRR, on ethernet", "83 07 04 7F 00 00 01 00", "dropped"},
		{"RR twice, on ethernet", "07 03 04 07 03 04 00 00", "parameter problem, pointer 23"},
	})
	require.NoError(t, ns.SetIngress(Loopback))
	checkKernel(t, ns, []kernelCase{
		{"16 tag 128, local DOI, on lo", local, "delivered"},
	})
	require.NoError(t, ns.SetIngress(Ethernet))
	checkKernel(t, ns, []kernelCase{
		{"16 tag 128, local DOI, on ethernet again", local, "parameter problem, pointer 26"},
	})
}
