package main

import (
	"encoding/binary"
	"slices"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/require"
)

// benchDatagram is the datagram BenchmarkUDPOverhead's pings are: UDP
// from 192.0.2.1:40000 to 192.0.2.2:7000 with 64 octets of payload, no
// options, its header checksum right.
func benchDatagram() []byte {
	ip := make([]byte, 20+8+64)
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(len(ip)))
	ip[8], ip[9] = 64, 17
	copy(ip[12:], addrA)
	copy(ip[16:], addrB)
	binary.BigEndian.PutUint16(ip[10:], ^ebpfSum(ip[:20]))
	binary.BigEndian.PutUint16(ip[20:], 40000)
	binary.BigEndian.PutUint16(ip[22:], 7000)
	binary.BigEndian.PutUint16(ip[24:], 8+64)
	return ip
}

// runReason runs p once on frame and returns the reason it left in cb[i].
func runReason(tb testing.TB, p *ebpf.Program, frame []byte, i int) uint32 {
	ctxOut := make([]byte, ebpfCtxLen)
	opts := &ebpf.RunOptions{Data: frame, DataOut: make([]byte, len(frame)+256), Context: make([]byte, ebpfCtxLen), ContextOut: ctxOut}
	_, err := p.Run(opts)
	require.NoError(tb, err)
	return binary.NativeEndian.Uint32(ctxOut[ebpfCtxCB+4*i:])
}

// BenchmarkEBPFProgram measures one run of each program (the kernel's
// own timing of BPF_PROG_RUN, as ns/run) on the frames of
// BenchmarkUDPOverhead's round trip, with its configurations: egress on
// a datagram without options (labeled), ingress on the labeled datagram
// egress made (verified, neutralised, allowed), and ingress on a datagram
// without options (judged by the rules for unlabeled packets); and, for
// the floor (the timing itself, counting and the verdict), ingress on a
// frame that is not IPv4. The median of the runs is the figure to read
// on a loaded machine: an interrupted run only ever takes longer.
func BenchmarkEBPFProgram(b *testing.B) {
	ca := mustConfig(b, "node 1\nlabel default sid 0x10\nallow node 2 proto udp\n")
	cb := mustConfig(b, "node 2\nlabel default sid 0x20\nallow node 1 sid 0x10 proto udp port 7000-7001\n")
	ea := loadEBPFDatapathForTest(b, ca)
	eb := loadEBPFDatapathForTest(b, cb)
	plain := ebpfFrame(benchDatagram())
	r, drop, labeled, err := ea.RunEgress(plain, 0)
	require.NoError(b, err)
	require.Equal(b, EBPFOutLabeled, r)
	require.False(b, drop)
	labeled = append([]byte(nil), labeled...)
	ipv6 := append([]byte(nil), plain...)
	binary.BigEndian.PutUint16(ipv6[12:], 0x86dd)

	for _, c := range []struct {
		name  string
		p     *ebpf.Program
		frame []byte
		cb    int
		want  uint32
	}{
		{"egress-plain", ea.objs.DsmdEgress, plain, 0, uint32(EBPFOutLabeled)},
		{"ingress-labeled", eb.objs.DsmdIngress, labeled, 2, uint32(EBPFLabeled)},
		{"ingress-plain", eb.objs.DsmdIngress, plain, 2, uint32(EBPFRejected)},
		{"ingress-ipv6", eb.objs.DsmdIngress, ipv6, 2, uint32(EBPFPass)},
	} {
		b.Run(c.name, func(b *testing.B) {
			r := runReason(b, c.p, c.frame, c.cb)
			if r != c.want {
				b.Fatalf("reason %d, want %d", r, c.want)
			}
			var total time.Duration
			runs := make([]time.Duration, 0, b.N)
			for b.Loop() {
				_, d, err := c.p.Benchmark(c.frame, 1, nil)
				if err != nil {
					b.Fatal(err)
				}
				total += d
				runs = append(runs, d)
			}
			slices.Sort(runs)
			b.ReportMetric(float64(total.Nanoseconds())/float64(b.N), "ns/run")
			b.ReportMetric(float64(runs[len(runs)/2].Nanoseconds()), "median-ns/run")
		})
	}
}
