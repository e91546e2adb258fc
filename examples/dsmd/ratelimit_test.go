package main

import (
	"net/netip"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/icmp"
	"golang.org/x/net/ipv4"
)

func TestRateLimiter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	l := newRateLimiter(2)
	assert.True(t, l.allow(t0))
	assert.True(t, l.allow(t0))
	assert.False(t, l.allow(t0), "burst of 2 spent")
	assert.False(t, l.allow(t0.Add(400*time.Millisecond)), "0.8 token")
	assert.True(t, l.allow(t0.Add(500*time.Millisecond)), "a token every 500 ms")
	assert.True(t, l.allow(t0.Add(10*time.Second)))
	assert.True(t, l.allow(t0.Add(10*time.Second)))
	assert.False(t, l.allow(t0.Add(10*time.Second)), "saved tokens capped at the burst")

	off := newRateLimiter(0)
	assert.False(t, off.allow(t0))
	assert.False(t, off.allow(t0.Add(time.Hour)))
}

func TestAllowLogCounts(t *testing.T) {
	now := time.Unix(1000, 0)
	d := &Daemon{logLim: newRateLimiter(1), now: func() time.Time { return now }}
	assert.True(t, d.allowLog())
	assert.False(t, d.allowLog())
	assert.False(t, d.allowLog())
	assert.Equal(t, uint64(2), d.ctrs.LogsLimited.Load())
	now = now.Add(time.Second)
	assert.True(t, d.allowLog())
}

// TestDestUnreach: the error is type 3 code 10 (RFC 1812 §5.2.7.1; what
// Linux's cipso_v4_error in net/ipv4/cipso_ipv4.c sends) quoting the
// refused datagram, parsed back with golang.org/x/net/icmp.
func TestDestUnreach(t *testing.T) {
	orig := udpPacket(label(0x11, 1), ipA, 5000)
	msg, dst, ok := DestUnreach(orig)
	require.True(t, ok)
	assert.Equal(t, netip.AddrFrom4(ipA), dst)
	m, err := icmp.ParseMessage(1, msg)
	require.NoError(t, err)
	assert.Equal(t, ipv4.ICMPTypeDestinationUnreachable, m.Type)
	assert.Equal(t, 10, m.Code)
	body, ok := m.Body.(*icmp.DstUnreach)
	require.True(t, ok)
	assert.Equal(t, orig, body.Data)

	big := mkIPv4(nil, protoUDP, ipA, ipB, udp(1, 2, string(make([]byte, 1400))))
	msg, _, ok = DestUnreach(big)
	require.True(t, ok)
	assert.Len(t, msg, 8+548, "quote capped at 576 octets in all")

	// RFC 1122 §3.2.2: no error about an ICMP message, a later fragment,
	// a non-unicast source or a broadcast or multicast destination.
	icmpPkt := mkIPv4(nil, protoICMP, ipA, ipB, []byte{8, 0, 0, 0, 0, 0, 0, 0})
	frag := append([]byte(nil), orig...)
	frag[6], frag[7] = 0, 10
	bcast := mkIPv4(nil, protoUDP, ipA, [4]byte{255, 255, 255, 255}, udp(1, 2, ""))
	mcast := mkIPv4(nil, protoUDP, ipA, [4]byte{224, 0, 0, 1}, udp(1, 2, ""))
	zero := mkIPv4(nil, protoUDP, [4]byte{}, ipB, udp(1, 2, ""))
	for name, p := range map[string][]byte{"icmp": icmpPkt, "fragment": frag, "broadcast": bcast,
		"multicast": mcast, "unspecified source": zero, "garbage": {1, 2, 3}} {
		_, _, ok := DestUnreach(p)
		assert.False(t, ok, name)
	}
}
