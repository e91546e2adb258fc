package linuxtest

import (
	"encoding/binary"
	"math/rand"
	"net/netip"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// modelChain is the library's verdict on a whole packet: ipv6.Linux's
// CheckPacket (the fixed header and the Hop-by-Hop header), then
// CheckDestOptions on each Destination Options header of the chain, as
// ipv6_destopt_rcv runs once the packet is for this host.
func modelChain(l ipv6.Linux, pkt []byte) (Verdict6, error) {
	err := l.CheckPacket(pkt)
	if err == nil {
		h, _ := ipv6.ParseHeader(pkt)
		c := ipv6.NewChain(pkt)
		for err == nil && c.Next() {
			if c.Type() == ipv6.DestOptions {
				err = l.CheckDestOptions(c.Header(), ipv6.Packet{
					Offset: c.Offset() - ipv6.HeaderLen, Multicast: pkt[24] == 0xff,
					PayloadLen: h.PayloadLen(), Len: len(pkt) - ipv6.HeaderLen,
				})
			}
		}
	}
	if err == nil {
		return Verdict6{Delivered: pkt[24] != 0xff}, nil
	}
	if code, ptr, ok := ipv6.ICMP(err); ok {
		return Verdict6{ICMP: true, Type: ipv6.ICMPParameterProblem, Code: code, Pointer: ptr}, err
	}
	return Verdict6{}, err
}

// differential runs cs on the kernel and compares each verdict with
// modelChain's; it returns how many cases gave each verdict kind, and the
// kernel's verdicts.
func differential(t *testing.T, v *IPv6, l ipv6.Linux, cs []Chain6) (map[string]int, []Verdict6) {
	t.Helper()
	got, err := v.VerdictChain(cs)
	require.NoError(t, err)
	kinds := map[string]int{}
	bad := 0
	for i := range cs {
		pkt := v.PacketChain(&cs[i], 0)
		want, werr := modelChain(l, pkt)
		kinds[want.String()[:4]]++
		if got[i] != want {
			if bad++; bad <= 20 {
				t.Errorf("%x (%d octets, jumbo %v, trailer %d): kernel %v, library %v (%v)", pkt[:min(len(pkt), 120)], len(pkt), cs[i].Jumbo, len(cs[i].Trailer), got[i], want, werr)
			}
		}
	}
	t.Logf("%d packets: %v; %d differ", len(cs), kinds, bad)
	return kinds, got
}

// genDestOpts is a Destination Options header: genHBH's cases, where
// Router Alert, CALIPSO, IOAM and Jumbo Payload are unknown options
// (ipv6_destopt_rcv knows only padding, and Home Address with Mobile
// IPv6), plus Home Address options and runs of unknown options around
// max_dst_opts_number.
func genDestOpts(r *rand.Rand, dois []uint32, free uint32) []byte {
	switch r.Intn(8) {
	case 0:
		b := ipv6.AppendPad([]byte{17, 0}, r.Intn(8))
		b = append(b, ipv6.HomeAddress, 16, 0x20, 1)
		return finishHBH(append(b, make([]byte, 14)...))
	case 1:
		b := []byte{17, 0}
		for range r.Intn(12) {
			t := []byte{0x1e, 0x3e, 0x05, 0x07, 0x31}[r.Intn(5)]
			n := r.Intn(3)
			b = append(b, t, byte(n))
			b = append(b, make([]byte, n)...)
		}
		if r.Intn(2) == 0 {
			b = append(b, []byte{0x5e, 0x9e, 0xde}[r.Intn(3)], 0)
		}
		return finishHBH(b)
	}
	return genHBH(r, dois, free)
}

// whole returns the first header gen makes whose length is the one its
// Hdr Ext Len says. A shorter header makes the kernel read the next one
// (here the UDP header) at another place than the packet builder put it,
// which says nothing of the walk; TestIPv6DifferentialHopByHop covers
// options running past the end.
func whole(gen func() []byte) []byte {
	for {
		if h := gen(); len(h) == ipv6.ExtLen(h[1]) {
			return h
		}
	}
}

// TestIPv6DifferentialDestOpts compares the kernel with ipv6.Linux's
// CheckDestOptions on generated Destination Options headers: alone, after
// a Hop-by-Hop header, two in a row, and with max_dst_opts_number
// (positive, negative, 0) and max_dst_opts_length changed.
func TestIPv6DifferentialDestOpts(t *testing.T) {
	v, dois, l := calipsoNamespace(t)
	free := uint32(0x7ffffff1)
	r := rand.New(rand.NewSource(60))
	n := 3000
	if testing.Short() {
		n = 300
	}
	dst := func() []byte { return whole(func() []byte { return genDestOpts(r, dois, free) }) }
	hbh := func() []byte { return whole(func() []byte { return genHBH(r, dois, free) }) }
	var cs []Chain6
	for range n {
		cs = append(cs, Chain6{Exts: []Ext6{{60, dst()}}})
	}
	for range n / 2 {
		cs = append(cs, Chain6{Exts: []Ext6{{0, hbh()}, {60, dst()}}})
	}
	for range n / 6 {
		cs = append(cs, Chain6{Exts: []Ext6{{60, dst()}, {60, dst()}}})
	}
	kinds, _ := differential(t, v, l, cs)
	assert.Greater(t, kinds["deli"], len(cs)/10)
	assert.Greater(t, kinds["icmp"], len(cs)/20)
	assert.Greater(t, kinds["drop"], len(cs)/10)

	for _, max := range []int{2, -2, 0} {
		t.Run("max_dst_opts_number="+strconv.Itoa(max), func(t *testing.T) {
			require.NoError(t, v.ns.SetSysctl("net/ipv6/max_dst_opts_number", strconv.Itoa(max)))
			t.Cleanup(func() { _ = v.ns.SetSysctl("net/ipv6/max_dst_opts_number", "8") })
			s := ipv6.DefaultSysctls
			s.MaxDstOpts = max
			l := l
			l.Sysctls = &s
			var cs []Chain6
			for range n / 10 {
				cs = append(cs, Chain6{Exts: []Ext6{{60, dst()}}})
			}
			kinds, _ := differential(t, v, l, cs)
			assert.Greater(t, kinds["drop"], len(cs)/10)
		})
	}
	t.Run("max_dst_opts_length=16", func(t *testing.T) {
		require.NoError(t, v.ns.SetSysctl("net/ipv6/max_dst_opts_length", "16"))
		t.Cleanup(func() { _ = v.ns.SetSysctl("net/ipv6/max_dst_opts_length", "2147483647") })
		s := ipv6.DefaultSysctls
		s.MaxDstLen = 16
		l := l
		l.Sysctls = &s
		var cs []Chain6
		for range n / 10 {
			cs = append(cs, Chain6{Exts: []Ext6{{60, dst()}}})
		}
		kinds, _ := differential(t, v, l, cs)
		assert.Greater(t, kinds["drop"], len(cs)/10)
	})
}

// jumboHBH is a Hop-by-Hop header whose Jumbo Payload option, after pad
// octets of padding, has data length optLen (4 is right) and value
// length.
func jumboHBH(pad, optLen int, length uint32) []byte {
	b := ipv6.AppendPad([]byte{17, 0}, pad)
	b = append(b, ipv6.Jumbo, byte(optLen))
	var v [8]byte
	binary.BigEndian.PutUint32(v[:], length)
	b = append(b, v[:optLen]...)
	return finishHBH(b)
}

// TestIPv6DifferentialJumbo compares the kernel with ipv6.Linux on the
// Jumbo Payload option (ipv6_hop_jumbo): real jumbograms on lo (its MTU
// raised) with the length right, short, long (the kernel trims the rest),
// with a non-zero payload length, a value up to 65535, misaligned or of
// the wrong option length, followed by a Destination Options header, to
// unicast and multicast.
func TestIPv6DifferentialJumbo(t *testing.T) {
	v, dois, l := calipsoNamespace(t)
	r := rand.New(rand.NewSource(2675))
	n := 300
	if testing.Short() {
		n = 60
	}
	ff02 := netip.MustParseAddr("ff02::1")
	var cs []Chain6
	// A trailer the jumbo length does not count is trimmed by the kernel
	// (pskb_trim_rcsum); a length that falls inside it would cut the UDP
	// datagram, which UDP then drops, so the lengths are the datagram's,
	// beyond the trailer, or not jumbo lengths at all.
	for i := range n {
		c := Chain6{Jumbo: r.Intn(6) != 0}
		if r.Intn(3) == 0 {
			c.Extra = 65536 + r.Intn(4000) // a real jumbogram
		} else {
			c.Extra = r.Intn(64)
		}
		if r.Intn(5) == 0 {
			c.Trailer = make([]byte, 1+r.Intn(40))
		}
		if r.Intn(8) == 0 {
			c.Dst = ff02
		}
		pad := []int{0, 0, 0, 1, 2, 3, 4}[r.Intn(7)]
		optLen := 4
		if r.Intn(10) == 0 {
			optLen = 3 + 2*r.Intn(2)
		}
		hop := Ext6{Type: 0}
		var dest []Ext6
		if r.Intn(4) == 0 {
			dest = []Ext6{{60, whole(func() []byte { return genDestOpts(r, dois, 0x7ffffff1) })}}
		}
		// The header lengths are known before the value is chosen.
		hop.Header = jumboHBH(pad, optLen, 0)
		c.Exts = append([]Ext6{hop}, dest...)
		length := uint32(c.PayloadLen())
		switch i % 5 {
		case 1: // more than there is
			length += uint32(len(c.Trailer) + 1 + r.Intn(3))
		case 2:
			length = uint32(r.Intn(65536)) // not a jumbo length
		}
		c.Exts[0].Header = jumboHBH(pad, optLen, length)
		cs = append(cs, c)
	}
	kinds, got := differential(t, v, l, cs)
	assert.Greater(t, kinds["deli"], len(cs)/20)
	assert.Greater(t, kinds["icmp"], len(cs)/20)
	assert.Greater(t, kinds["drop"], len(cs)/20)
	// The kernel delivers real jumbograms.
	jumbos := 0
	for i, g := range got {
		if g.Delivered && cs[i].PayloadLen() > 65535 {
			jumbos++
		}
	}
	t.Logf("%d jumbograms delivered", jumbos)
	assert.Greater(t, jumbos, len(cs)/50)
}

// A packet to ff02::1 on lo never reaches the Destination Options
// handler: routing drops it (Ip6InNoRoutes), so an unknown option of
// action 10, which icmp6_send would answer even to multicast, draws
// nothing, while the same option in a Hop-by-Hop header is answered.
func TestIPv6MulticastDestOptsNotRead(t *testing.T) {
	needKernel(t)
	ns := ForTest(t)
	v, err := ns.IPv6()
	require.NoError(t, err)
	t.Cleanup(func() { v.Close() })
	ff02 := netip.MustParseAddr("ff02::1")
	opt := []byte{17, 0, 0x9e, 2, 0, 0, 1, 0}
	before, err := ns.SNMP6()
	require.NoError(t, err)
	got, err := v.VerdictChain([]Chain6{
		{Dst: ff02, Exts: []Ext6{{60, opt}}},
		{Dst: ff02, Exts: []Ext6{{0, opt}}},
	})
	require.NoError(t, err)
	after, err := ns.SNMP6()
	require.NoError(t, err)
	assert.Equal(t, "dropped", got[0].String())
	assert.Equal(t, "icmp 4/2 pointer 42", got[1].String())
	assert.Equal(t, uint64(1), after["Ip6InNoRoutes"]-before["Ip6InNoRoutes"], "only the Destination Options packet is dropped by routing")
}
