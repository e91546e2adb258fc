package main

import (
	"testing"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPerPacketNoAllocs asserts that the per-packet functions (label,
// verify, neutralise), their error paths included, allocate nothing.
func TestPerPacketNoAllocs(t *testing.T) {
	send := mustConfig(t, "node 1\nserial 3\ndest-sid 192.0.2.0/24 0x77\nlabel uid 1000 sid 0x10\nlabel mark 5 unlabeled\n")
	recv := mustConfig(t, receiverConf)
	trans := mustConfig(t, "node 2\nneutralise translate doi 16 level 1\npeer 1 192.0.2.1\nallow node 1\n")

	plain := udpPacket(nil, ipA, 5000)
	unfit := udpPacket(append(make([]byte, 36), 1, 1, 1, 0), ipA, 5000)
	unfit[20], unfit[21], unfit[22] = 68, 36, 5
	unfit[10], unfit[11] = 0, 0
	buf := make([]byte, Headroom+len(unfit)+Headroom)
	labelOf := func(pkt []byte, s SenderInfo) func() {
		return func() {
			copy(buf[Headroom:], pkt)
			p, _ := ipopt.FromBytes(buf, Headroom, len(pkt))
			_, _ = send.Label(&p, s)
		}
	}
	labeled := udpPacket(label(0x10, 1), ipA, 5000)
	work := make([]byte, len(labeled))
	var v Verdict
	verifyOf := func(c *Config, pkt []byte) func() {
		return func() { c.Verify(pkt, &v) }
	}
	neutraliseOf := func(c *Config) func() {
		return func() {
			copy(work, labeled)
			c.Verify(work, &v)
			_ = c.Neutralise(work, &v)
		}
	}
	cases := map[string]func(){
		"label":             labelOf(plain, SenderInfo{UID: 1000, HasUID: true}),
		"label default":     labelOf(plain, SenderInfo{}),
		"label unlabeled":   labelOf(plain, SenderInfo{Mark: 5}),
		"label unfit":       labelOf(unfit, SenderInfo{}),
		"label malformed":   labelOf(plain[:12], SenderInfo{}),
		"verify accepted":   verifyOf(recv, labeled),
		"verify unlabeled":  verifyOf(recv, udpPacket(nil, ipA, 6000)),
		"verify rejected":   verifyOf(recv, udpPacket(label(0x11, 1), ipA, 5000)),
		"verify forged":     verifyOf(recv, udpPacket(label(0x10, 1), ipC, 5000)),
		"verify malformed":  verifyOf(recv, udpPacket(patch(label(0x10, 1), 7, 0x0d), ipA, 5000)),
		"verify bad header": verifyOf(recv, labeled[:30]),
		"neutralise nop":    neutraliseOf(recv),
		"neutralise trans":  neutraliseOf(trans),
	}
	for name, f := range cases {
		f()
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	// The cases do what their names say.
	copy(work, labeled)
	trans.Verify(work, &v)
	require.Equal(t, InAccepted, v.Outcome)
	require.NoError(t, trans.Neutralise(work, &v))
	assert.Equal(t, byte(0x01), work[26], "translated to tag 1")
}

func BenchmarkLabel(b *testing.B) {
	c := mustConfig(b, "node 1\nlabel uid 1000 sid 0x10\n")
	pkt := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, string(make([]byte, 64))))
	buf := make([]byte, Headroom+len(pkt)+Headroom)
	s := SenderInfo{UID: 1000, HasUID: true}
	b.ReportAllocs()
	b.SetBytes(int64(len(pkt)))
	for b.Loop() {
		copy(buf[Headroom:], pkt)
		p, _ := ipopt.FromBytes(buf, Headroom, len(pkt))
		if o, _ := c.Label(&p, s); o != OutLabeled {
			b.Fatal(o)
		}
	}
}

func BenchmarkVerifyNeutralise(b *testing.B) {
	for _, mode := range []string{"nop", "translate doi 16"} {
		b.Run(mode, func(b *testing.B) {
			c := mustConfig(b, receiverConf+"neutralise "+mode+"\n")
			pkt := mkIPv4(label(0x10, 1), protoUDP, ipA, ipB, udp(40000, 5000, string(make([]byte, 64))))
			work := make([]byte, len(pkt))
			var v Verdict
			b.ReportAllocs()
			b.SetBytes(int64(len(pkt)))
			for b.Loop() {
				copy(work, pkt)
				c.Verify(work, &v)
				if v.Outcome != InAccepted {
					b.Fatal(v.Outcome)
				}
				_ = c.Neutralise(work, &v)
			}
		})
	}
}
