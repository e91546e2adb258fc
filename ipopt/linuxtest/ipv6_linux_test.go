package linuxtest

import (
	"math/rand"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// calipsoNamespace makes a namespace with CALIPSO DOIs 16 and 17 (or free
// numbers) configured, and the model of that kernel: ipv6.Linux with the
// calipso checker over those DOIs and the host's own.
func calipsoNamespace(t *testing.T) (*IPv6, []uint32, ipv6.Linux) {
	needKernel(t)
	ns := ForTest(t)
	used, err := ns.ConfigureCALIPSO(t, 16, 17)
	require.NoError(t, err)
	host, err := ns.HostCALIPSO()
	require.NoError(t, err)
	reg, err := calipso.NewRegistry(append([]uint32{used.Of(16), used.Of(17)}, host...)...)
	require.NoError(t, err)
	v, err := ns.IPv6()
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })
	return v, []uint32{used.Of(16), used.Of(17)}, ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}
}

// model is the library's verdict on the packet the kernel was given.
func model(l ipv6.Linux, pkt []byte) Verdict6 {
	err := l.CheckPacket(pkt)
	if err == nil {
		return Verdict6{Delivered: true}
	}
	if code, ptr, ok := ipv6.ICMP(err); ok {
		return Verdict6{ICMP: true, Type: ipv6.ICMPParameterProblem, Code: code, Pointer: ptr}
	}
	return Verdict6{}
}

func mustLabel(t *testing.T, s string) *cipso.Label {
	l, err := cipso.ParseLabel(s)
	require.NoError(t, err)
	return &l
}

// The kernel's answers to a few headers, by hand.
func TestIPv6HopByHopKernel(t *testing.T) {
	v, dois, _ := calipsoNamespace(t)
	good, err := calipso.AppendHopByHop(nil, 17, dois[0], mustLabel(t, "s3:c0,c5"))
	require.NoError(t, err)
	bad := append([]byte{}, good...)
	bad[10] ^= 1
	hdrs := [][]byte{
		{17, 0, 1, 4, 0, 0, 0, 0},          // PadN
		{17, 0, 0x9e, 2, 0, 0, 1, 0},       // unknown, 10
		{17, 0, 0x5e, 2, 0, 0, 1, 0},       // unknown, 01
		{17, 0, 1, 4, 0, 0, 0, 1},          // non-zero PadN
		{17, 0, 0xc2, 4, 0, 0, 0xff, 0xff}, // Jumbo, small value
		good, bad,
	}
	got, err := v.VerdictHopByHop(hdrs)
	require.NoError(t, err)
	want := []string{"delivered", "icmp 4/2 pointer 42", "dropped", "dropped", "icmp 4/0 pointer 44", "delivered", "dropped"}
	for i := range hdrs {
		assert.Equal(t, want[i], got[i].String(), "%x", hdrs[i])
	}
}

// The checksum Linux accepts is exactly the one calipso computes: of all
// 65,536 values of the field only that one is delivered.
func TestCALIPSOChecksumKernel(t *testing.T) {
	v, dois, _ := calipsoNamespace(t)
	h, err := calipso.AppendHopByHop(nil, 17, dois[0], mustLabel(t, "s7:c1,c40,c99"))
	require.NoError(t, err)
	hdrs := make([][]byte, 1<<16)
	for c := range hdrs {
		x := append([]byte{}, h...)
		x[10], x[11] = byte(c), byte(c>>8)
		hdrs[c] = x
	}
	got, err := v.VerdictHopByHop(hdrs)
	require.NoError(t, err)
	var accepted []int
	for c, g := range got {
		if g.Delivered {
			accepted = append(accepted, c)
		}
	}
	o, _ := calipso.ParseOption(h[2:])
	assert.Equal(t, []int{int(o.Checksum())}, accepted)
}

// No domain mapping is needed: a valid label of a configured DOI is
// delivered and one of a DOI that is not configured is dropped, with no
// "map add" for either.
func TestCALIPSONoMappingNeeded(t *testing.T) {
	v, dois, _ := calipsoNamespace(t)
	ok, _ := calipso.AppendHopByHop(nil, 17, dois[1], mustLabel(t, "s1"))
	free, err := v.ns.FreeDOI(99)
	require.NoError(t, err)
	host, err := v.ns.HostCALIPSO()
	require.NoError(t, err)
	for _, d := range append(host, dois...) {
		if d == free {
			t.Skip("no free CALIPSO DOI number")
		}
	}
	unknown, _ := calipso.AppendHopByHop(nil, 17, free, mustLabel(t, "s1"))
	got, err := v.VerdictHopByHop([][]byte{ok, unknown})
	require.NoError(t, err)
	assert.Equal(t, "delivered", got[0].String())
	assert.Equal(t, "dropped", got[1].String())
}

// TestIPv6DifferentialHopByHop compares the kernel with ipv6.Linux and
// calipso.Linux on thousands of generated Hop-by-Hop headers.
func TestIPv6DifferentialHopByHop(t *testing.T) {
	v, dois, l := calipsoNamespace(t)
	free := uint32(0x7ffffff1)
	require.False(t, l.CALIPSO.(calipso.Linux).DOIs.Has(free))
	r := rand.New(rand.NewSource(15))
	n := 6000
	if testing.Short() {
		n = 600
	}
	hdrs := make([][]byte, n)
	for i := range hdrs {
		hdrs[i] = genHBH(r, dois, free)
	}
	got, err := v.VerdictHopByHop(hdrs)
	require.NoError(t, err)
	kinds := map[string]int{}
	bad := 0
	for i, h := range hdrs {
		want := model(l, v.Packet(h, 0, loopback6))
		kinds[want.String()[:4]]++
		if got[i] != want {
			bad++
			if bad <= 20 {
				t.Errorf("%x: kernel %v, library %v (%v)", h, got[i], want, l.CheckPacket(v.Packet(h, 0, loopback6)))
			}
		}
	}
	t.Logf("%d headers: %v; %d differ", n, kinds, bad)
	assert.Greater(t, kinds["deli"], n/10)
	assert.Greater(t, kinds["icmp"], n/50)
	assert.Greater(t, kinds["drop"], n/10)
}

// To a multicast destination the kernel answers unknown options with
// action 10 and drops those with 11 silently.
func TestIPv6MulticastUnknownOption(t *testing.T) {
	v, _, l := calipsoNamespace(t)
	ff02 := [16]byte{0: 0xff, 1: 0x02, 15: 1}
	var hdrs [][]byte
	for _, a := range []byte{0x1e, 0x5e, 0x9e, 0xde} {
		for pad := range 4 {
			hdrs = append(hdrs, finishHBH(append(ipv6.AppendPad([]byte{17, 0}, pad), a, 0)))
		}
	}
	// A Jumbo Payload whose length is too small, which a unicast
	// destination answers with code 0: to multicast, nothing.
	hdrs = append(hdrs, finishHBH([]byte{17, 0, 0xc2, 4, 0, 0, 0x01, 0x00}))
	got, err := v.VerdictHopByHopTo(hdrs, ff02)
	require.NoError(t, err)
	for i, h := range hdrs {
		want := model(l, v.Packet(h, 0, ff02))
		// A datagram to ff02::1 is not delivered to the socket on [::1]:
		// compare only the answer.
		assert.Equal(t, want.ICMP, got[i].ICMP, "%x: kernel %v, library %v", h, got[i], want)
		if want.ICMP {
			assert.Equal(t, want, got[i], "%x", h)
		}
	}
}
