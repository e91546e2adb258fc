package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"
)

// runIngressFrame runs the ingress program on frame and returns its
// reason, the frame as it left it and whether it dropped it.
func runIngressFrame(t testing.TB, e *EBPFIngress, frame []byte) (EBPFReason, []byte, bool) {
	t.Helper()
	ctxOut := make([]byte, ebpfCtxLen)
	opts := &ebpf.RunOptions{Data: frame, DataOut: make([]byte, len(frame)+256), Context: make([]byte, ebpfCtxLen), ContextOut: ctxOut}
	ret, err := e.objs.DsmdIngress.Run(opts)
	require.NoError(t, err)
	return EBPFReason(binary.NativeEndian.Uint32(ctxOut[ebpfCtxCB+8:])), opts.DataOut, ret == 2 // TC_ACT_SHOT
}

// ebpfReasonFor is the ingress reason that stands for Verify's outcome.
// A label without the source SID or node ID is refused by the receive
// profile in the program (dsm-refused), rejected by policy in Verify.
func ebpfReasonFor(o InOutcome, err error, optlen int, foreign bool) []EBPFReason {
	switch o {
	case InAccepted:
		return []EBPFReason{EBPFLabeled}
	case InUnlabeled:
		if optlen == 0 {
			return []EBPFReason{EBPFPass}
		}
		if foreign {
			return []EBPFReason{EBPFForeign}
		}
		return []EBPFReason{EBPFValid}
	case InRejected:
		if err != nil { // the label lacks a required parameter
			return []EBPFReason{EBPFDSM}
		}
		return []EBPFReason{EBPFRejected}
	case InForged:
		return []EBPFReason{EBPFForged}
	case InStale:
		return []EBPFReason{EBPFStale}
	}
	return []EBPFReason{EBPFDSM, EBPFLinux}
}

func ebpfRandomRecvConf(r *rand.Rand) string {
	var b strings.Builder
	b.WriteString("node 9\n")
	if r.IntN(2) == 0 {
		b.WriteString("foreign-cipso pass\n")
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, "serial %d\n", r.IntN(3))
	}
	for range r.IntN(3) {
		fmt.Fprintf(&b, "peer %d 192.0.2.%d/%d\n", 1+r.IntN(3), r.IntN(8), 29+r.IntN(4))
	}
	for range r.IntN(6) {
		b.WriteString([]string{"allow", "reject"}[r.IntN(2)])
		if r.IntN(3) == 0 {
			b.WriteString(" unlabeled")
		} else {
			if r.IntN(2) == 0 {
				fmt.Fprintf(&b, " node %d-%d", r.IntN(2), 1+r.IntN(3))
			}
			if r.IntN(2) == 0 {
				fmt.Fprintf(&b, " sid %d", r.IntN(3))
			}
			if r.IntN(4) == 0 {
				lo := r.IntN(2)
				fmt.Fprintf(&b, " dsid %d-%d", lo, lo+r.IntN(2))
			}
		}
		if r.IntN(3) == 0 {
			fmt.Fprintf(&b, " from 192.0.2.%d/%d", r.IntN(8), 29+r.IntN(4))
		}
		proto := r.IntN(4)
		if proto < 3 {
			fmt.Fprintf(&b, " proto %s", []string{"udp", "tcp", "icmp"}[proto])
		}
		if proto < 2 && r.IntN(2) == 0 {
			lo := 5000 + r.IntN(3)
			fmt.Fprintf(&b, " port %d-%d", lo, lo+r.IntN(2))
		}
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "default %s\n", []string{"allow", "reject"}[r.IntN(2)])
	return b.String()
}

// TestEBPFPolicyDifferential: with a daemon configuration's receive
// policy loaded, the ingress program decides as Verify does (accepted,
// unlabeled, rejected, forged, stale, malformed) on random rules, peers,
// serials, labels, sources, protocols, ports and fragments, and leaves
// the same neutralised header.
func TestEBPFPolicyDifferential(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	seen := map[EBPFReason]int{}
	for range 20 {
		c := mustConfig(t, ebpfRandomRecvConf(r))
		e := loadEBPFDatapathForTest(t, c)
		for range 150 {
			var opts []byte
			if r.IntN(5) != 0 {
				ps := [][2]uint32{}
				if r.IntN(4) == 0 {
					ps = append(ps, [2]uint32{pSerial, uint32(r.IntN(3))})
				}
				if r.IntN(8) != 0 {
					ps = append(ps, [2]uint32{pSSID, uint32(r.IntN(3))})
				}
				if r.IntN(4) == 0 {
					ps = append(ps, [2]uint32{pDSID, uint32(r.IntN(3))})
				}
				if r.IntN(8) != 0 {
					ps = append(ps, [2]uint32{pNode, uint32(r.IntN(4))})
				}
				doi := uint32(dsmDOI)
				if r.IntN(6) == 0 { // a foreign CIPSO option
					doi = 16 + uint32(r.IntN(2))
				}
				opts = pad4(dsmLabel(doi, ps...))
				if r.IntN(10) == 0 {
					opts[r.IntN(len(opts))] ^= byte(1 << r.IntN(8))
				}
			} else if r.IntN(2) == 0 {
				opts = []byte{1, 1, 1, 0}
			}
			proto := []uint8{protoUDP, protoTCP, protoICMP}[r.IntN(3)]
			l4 := udp(40000, uint16(5000+r.IntN(4)), "x")
			if proto == protoTCP {
				l4 = append(l4, make([]byte, 12)...)
			}
			ip := mkIPv4(opts, proto, [4]byte{192, 0, 2, byte(r.IntN(8))}, ipB, l4)
			if r.IntN(6) == 0 { // a later fragment
				binary.BigEndian.PutUint16(ip[6:], 0x2000|uint16(1+r.IntN(100)))
				binary.BigEndian.PutUint16(ip[10:], 0)
				binary.BigEndian.PutUint16(ip[10:], rfc1071(ip[:20+len(opts)]))
			}
			var v Verdict
			c.Verify(ip, &v)
			got, out, drop := runIngressFrame(t, e, ebpfFrame(ip))
			if v.Outcome == InAccepted || v.Outcome == InUnlabeled {
				require.False(t, drop, "Verify %s, program %s: dropped", v.Outcome, got)
			} else if v.Outcome != InMalformed {
				require.True(t, drop, "Verify %s, program %s: not dropped", v.Outcome, got)
			}
			seen[got]++
			want := ebpfReasonFor(v.Outcome, v.Err, len(opts), c.ForeignPass && v.Outcome == InUnlabeled && c.foreign(ip[20:20+len(opts)]))
			ok := false
			for _, w := range want {
				ok = ok || w == got
			}
			if !ok {
				t.Fatalf("config:\n%s\ndatagram % x: Verify %s (%v), program %s", describeRecvConf(c), ip, v.Outcome, v.Err, got)
			}
			if v.Outcome == InAccepted {
				pkt := append([]byte(nil), ip...)
				require.NoError(t, c.Neutralise(pkt, &v))
				require.Equal(t, pkt, out[14:14+len(pkt)], "neutralised header")
			}
		}
		e.Close()
	}
	t.Logf("reasons: %v", seen)
	for _, w := range []EBPFReason{EBPFLabeled, EBPFPass, EBPFValid, EBPFRejected, EBPFForged, EBPFStale, EBPFDSM, EBPFForeign, EBPFLinux} {
		require.NotZero(t, seen[w], "no case gave %s", w)
	}
}

func describeRecvConf(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "serial %v/%d default %s\n", c.HasSerial, c.Serial, c.Default)
	for _, p := range c.Peers {
		fmt.Fprintf(&b, "peer %+v\n", p)
	}
	for _, r := range c.Rules {
		fmt.Fprintf(&b, "rule %+v\n", r)
	}
	return b.String()
}
