package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// loadEBPFDatapathForTest loads the programs with c's maps filled (the
// receive profile, the receive policy, the egress rules), or skips.
func loadEBPFDatapathForTest(t testing.TB, c *Config) *EBPFIngress {
	t.Helper()
	e := loadEBPFForTest(t, EBPFIngressConfig{RBMStrictValid: true, DSM: c.receiveProfile()})
	require.NoError(t, e.ConfigureEgress(c))
	require.NoError(t, e.ConfigurePolicy(c))
	return e
}

// ebpfFrame is ip in an Ethernet frame.
func ebpfFrame(ip []byte) []byte {
	f := make([]byte, 14+len(ip))
	copy(f[0:6], macB)
	copy(f[6:12], macA)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	copy(f[14:], ip)
	return f
}

// egressModel is Config.Label on ip for a sender of uid 0 (the socket
// BPF_PROG_RUN gives the packet) and mark: the outcome and the datagram
// as it leaves.
func egressModel(c *Config, ip []byte, mark uint32) (OutOutcome, []byte) {
	buf := make([]byte, Headroom+len(ip)+Headroom)
	copy(buf[Headroom:], ip)
	p, err := ipopt.FromBytes(buf, Headroom, len(ip))
	if err != nil {
		return OutMalformed, nil
	}
	o, _ := c.Label(&p, SenderInfo{UID: 0, HasUID: true, Mark: mark})
	if o == OutLabeled {
		return o, append([]byte(nil), p.Bytes()...)
	}
	return o, ip
}

// checkEgress runs the egress program on ip and compares it with the
// model: the same outcome, and for a labeled packet the same octets.
func checkEgress(t *testing.T, e *EBPFIngress, c *Config, ip []byte, mark uint32) OutOutcome {
	t.Helper()
	want, wantIP := egressModel(c, ip, mark)
	r, drop, out, err := e.RunEgress(ebpfFrame(ip), mark)
	require.NoError(t, err)
	ok := assert.Equal(t, EBPFOutReason(want).String(), r.String(), "reason") &&
		assert.Equal(t, want >= OutDropped, drop, "dropped")
	if ok && !drop {
		ok = assert.Equal(t, fmt.Sprintf("% x", wantIP), fmt.Sprintf("% x", out[14:]), "datagram as it leaves")
	}
	if !ok {
		t.Logf("config:\n%s\ndatagram % x mark %#x", describeConfigForTest(c), ip, mark)
		t.FailNow()
	}
	return want
}

func describeConfigForTest(c *Config) string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %d doi %d serial %v/%d\n", c.Node, c.DOI, c.HasSerial, c.Serial)
	for _, l := range c.Labels {
		fmt.Fprintf(&b, "label %+v\n", l)
	}
	for _, d := range c.DestSIDs {
		fmt.Fprintf(&b, "dest-sid %s %#x\n", d.Prefix, d.SID)
	}
	return b.String()
}

// TestEBPFEgressFixed: the worked example of fips188/dsm/RULES.md (no
// options in, the 20-octet label out, IHL 10), a CIPSO option replaced
// in place, options kept behind the label, the label rules' actions and
// a label that no longer fits.
func TestEBPFEgressFixed(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel mark 7 sid 0x66\nlabel mark 9 unlabeled\nlabel mark 10 drop\n")
	e := loadEBPFDatapathForTest(t, c)
	plain := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, "hello"))
	_, _, out, err := e.RunEgress(ebpfFrame(plain), 0)
	require.NoError(t, err)
	ip := out[14:]
	assert.Equal(t, byte(0x4a), ip[0])
	assert.Equal(t, specLabel, ip[20:40])
	headerOK(t, ip)
	assert.Equal(t, uint16(len(plain)+20), binary.BigEndian.Uint16(ip[2:]))
	assert.Equal(t, plain[20:], ip[40:], "payload untouched")

	rr := []byte{7, 7, 4, 0, 0, 0, 0, 0}
	for name, tc := range map[string]struct {
		opts []byte
		mark uint32
		want OutOutcome
	}{
		"no options":             {nil, 0, OutLabeled},
		"mark 7":                 {nil, 7, OutLabeled},
		"unlabeled":              {nil, 9, OutUnlabeled},
		"drop":                   {nil, 10, OutDropped},
		"record route kept":      {rr, 0, OutLabeled},
		"CIPSO replaced":         {append(label(1, 2), rr...), 0, OutLabeled},
		"nops":                   {[]byte{1, 1, 1, 1}, 0, OutLabeled},
		"after EOL dropped":      {[]byte{0, 7, 3, 4}, 0, OutLabeled},
		"no room":                {append(bytes.Repeat([]byte{7, 12, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 2), 1, 1, 1, 1), 0, OutUnfit},
		"framing fault":          {[]byte{7, 9, 4, 0}, 0, OutMalformed},
		"length octet missing":   {[]byte{1, 1, 1, 7}, 0, OutMalformed},
		"TS within room":         {[]byte{68, 12, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, OutLabeled},
		"too long with the TS":   {[]byte{68, 24, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, 0, OutUnfit},
		"unlabeled keeps a junk": {[]byte{7, 9, 4, 0}, 9, OutUnlabeled},
		"two CIPSO options":      {[]byte{0x86, 6, 0, 0, 0, 9, 0x86, 6, 0, 0, 0, 8}, 0, OutMalformed},
	} {
		t.Run(name, func(t *testing.T) {
			ip := mkIPv4(tc.opts, protoUDP, ipA, ipB, udp(40000, 5000, "x"))
			assert.Equal(t, tc.want, checkEgress(t, e, c, ip, tc.mark))
		})
	}
	t.Run("total length over 65535", func(t *testing.T) {
		ip := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, "x"))
		binary.BigEndian.PutUint16(ip[2:], 65520)
		assert.Equal(t, OutUnfit, checkEgress(t, e, c, ip, 0))
	})
	t.Run("malformed header", func(t *testing.T) {
		ip := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, "x"))
		ip[0] = 0x44
		assert.Equal(t, OutMalformed, checkEgress(t, e, c, ip, 0))
	})
	cs, err := e.OutCounters()
	require.NoError(t, err)
	assert.NotZero(t, cs[EBPFOutLabeled])
	assert.NotZero(t, cs[EBPFOutUnfit])
}

// vlanFrame is ip in an Ethernet frame behind one VLAN tag (ID 42) per
// entry of tpids, outermost first, with the EtherType inner after them.
func vlanFrame(ip []byte, tpids []uint16, inner uint16) []byte {
	f := append([]byte(nil), ebpfFrame(ip)[:12]...)
	for _, tp := range tpids {
		f = binary.BigEndian.AppendUint16(f, tp)
		f = binary.BigEndian.AppendUint16(f, 42)
	}
	f = binary.BigEndian.AppendUint16(f, inner)
	return append(f, ip...)
}

// TestEBPFEgressVLAN: IPv4 behind a VLAN tag held in the frame (a parent
// device without VLAN transmit offload) cannot be labelled at the fixed
// link offset the programs read, so egress drops and counts it rather
// than send it unlabelled; other tagged frames pass.
func TestEBPFEgressVLAN(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel mark 7 sid 0x66\n")
	e := loadEBPFDatapathForTest(t, c)
	ip := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, "x"))
	tagged := func(tpids []uint16, inner uint16) []byte { return vlanFrame(ip, tpids, inner) }
	for name, tc := range map[string]struct {
		frame []byte
		want  EBPFOutReason
		drop  bool
	}{
		"802.1Q IPv4":         {tagged([]uint16{0x8100}, 0x0800), EBPFOutVLAN, true},
		"802.1ad+802.1Q IPv4": {tagged([]uint16{0x88a8, 0x8100}, 0x0800), EBPFOutVLAN, true},
		"802.1Q ARP":          {tagged([]uint16{0x8100}, 0x0806), EBPFOutPass, false},
		"802.1Q IPv6":         {tagged([]uint16{0x8100}, 0x86dd), EBPFOutPass, false},
		"untagged IPv4":       {ebpfFrame(ip), EBPFOutLabeled, false},
	} {
		t.Run(name, func(t *testing.T) {
			r, drop, _, err := e.RunEgress(tc.frame, 0)
			require.NoError(t, err)
			assert.Equal(t, tc.want.String(), r.String())
			assert.Equal(t, tc.drop, drop)
		})
	}
	cs, err := e.OutCounters()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), cs[EBPFOutVLAN])
}

// TestEBPFIngressVLAN: the kernel takes only the outer VLAN tag out of
// the frame before tc ingress, so IPv4 in a QinQ frame reaches the
// ingress program behind the inner tag; the program cannot check it at
// its fixed link offset, so it drops and counts it (vlan) rather than
// pass it unchecked, as egress does. Other tagged frames pass.
func TestEBPFIngressVLAN(t *testing.T) {
	c := mustConfig(t, "node 1\nlabel mark 7 sid 0x66\n")
	e := loadEBPFDatapathForTest(t, c)
	ip := mkIPv4(nil, protoUDP, ipA, ipB, udp(40000, 5000, "x"))
	tagged := func(tpids []uint16, inner uint16) []byte { return vlanFrame(ip, tpids, inner) }
	for name, tc := range map[string]struct {
		frame []byte
		want  EBPFReason
		drop  bool
	}{
		"802.1Q IPv4":         {tagged([]uint16{0x8100}, 0x0800), EBPFVLAN, true},
		"802.1ad+802.1Q IPv4": {tagged([]uint16{0x88a8, 0x8100}, 0x0800), EBPFVLAN, true},
		"802.1Q ARP":          {tagged([]uint16{0x8100}, 0x0806), EBPFPass, false},
		"802.1Q IPv6":         {tagged([]uint16{0x8100}, 0x86dd), EBPFPass, false},
		// Checked: the receive policy refuses it, unlabeled.
		"untagged IPv4": {ebpfFrame(ip), EBPFRejected, true},
	} {
		t.Run(name, func(t *testing.T) {
			r, _, drop := runIngressFrame(t, e, tc.frame)
			assert.Equal(t, tc.want.String(), r.String())
			assert.Equal(t, tc.drop, drop)
		})
	}
	cs, err := e.Counters()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), cs[EBPFVLAN])
}

// ebpfRandomSendConf is a configuration of random label rules, serial
// and dest-sid lines.
func ebpfRandomSendConf(r *rand.Rand) string {
	var b strings.Builder
	fmt.Fprintf(&b, "node %d\n", r.Uint32())
	if r.IntN(2) == 0 {
		fmt.Fprintf(&b, "serial %d\n", r.Uint32())
	}
	if r.IntN(3) == 0 {
		fmt.Fprintf(&b, "doi %d\n", 1+r.Uint32N(1<<31))
	}
	act := func() string {
		switch r.IntN(6) {
		case 0:
			return "unlabeled"
		case 1:
			return "drop"
		}
		return fmt.Sprintf("sid %#x", r.Uint32())
	}
	for range r.IntN(5) {
		switch r.IntN(5) {
		case 0:
			fmt.Fprintf(&b, "label uid %d %s\n", r.IntN(2)*5, act())
		case 4:
			// BPF_PROG_RUN's socket has no file, so no gid: a gid
			// line never matches there (the socket owner is tested
			// end to end, TestEndToEndEBPFSocketOwner).
			fmt.Fprintf(&b, "label gid %d %s\n", r.IntN(2)*5, act())
		case 1:
			fmt.Fprintf(&b, "label mark %d/%d %s\n", r.IntN(4), 3, act())
		case 2:
			fmt.Fprintf(&b, "label mark %d %s\n", r.IntN(4), act())
		default:
			if r.IntN(3) == 0 {
				fmt.Fprintf(&b, "label default %s\n", act())
			}
		}
	}
	for range r.IntN(3) {
		fmt.Fprintf(&b, "dest-sid 192.0.2.%d/%d %#x\n", r.IntN(256), 24+r.IntN(9), r.Uint32())
	}
	return b.String()
}

// ebpfRandomOptions is an options field that is often well framed: NOPs,
// record route, timestamps, CIPSO options (replaced by the label), EOL
// and junk, padded to a multiple of 4.
func ebpfRandomOptions(r *rand.Rand) []byte {
	var o []byte
	for range r.IntN(4) {
		switch r.IntN(7) {
		case 0:
			o = append(o, 1)
		case 1:
			n := 3 + 4*r.IntN(4)
			o = append(o, 7, byte(n), 4)
			o = append(o, make([]byte, n-3)...)
		case 2:
			n := 4 + 4*r.IntN(3)
			o = append(o, 68, byte(n), 5, 0)
			o = append(o, make([]byte, n-4)...)
		case 3:
			o = append(o, label(r.Uint32(), r.Uint32())...)
		case 4:
			n := 6 + r.IntN(8)
			c := []byte{134, byte(n)}
			for len(c) < n {
				c = append(c, byte(r.IntN(256)))
			}
			o = append(o, c...)
		case 5:
			o = append(o, 0)
		default:
			for range 1 + r.IntN(5) {
				o = append(o, byte(r.IntN(256)))
			}
		}
	}
	for len(o)%4 != 0 {
		o = append(o, 0)
	}
	if len(o) > 40 {
		o = o[:40]
	}
	return o
}

// TestEBPFEgressDifferential: on random configurations and packets, the
// egress program's outcome and the octets it sends equal Config.Label's
// (ipopt.Packet.SetOption's splice, the Go encoder's label).
func TestEBPFEgressDifferential(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	r := rand.New(rand.NewPCG(17, 4))
	seen := map[OutOutcome]int{}
	for range 25 {
		text := ebpfRandomSendConf(r)
		c := mustConfig(t, text)
		e := loadEBPFDatapathForTest(t, c)
		for range 120 {
			opts := ebpfRandomOptions(r)
			dst := [4]byte{192, 0, 2, byte(r.IntN(256))}
			if r.IntN(4) == 0 {
				dst = [4]byte{10, 0, 0, 1}
			}
			ip := mkIPv4(opts, protoUDP, ipA, dst, udp(40000, 5000, strings.Repeat("p", r.IntN(64))))
			if r.IntN(20) == 0 {
				binary.BigEndian.PutUint16(ip[2:], uint16(65535-r.IntN(40)))
			}
			seen[checkEgress(t, e, c, ip, uint32(r.IntN(4)))]++
		}
		e.Close()
	}
	t.Logf("outcomes: %v", seen)
	for _, o := range []OutOutcome{OutLabeled, OutUnlabeled, OutDropped, OutUnfit, OutMalformed} {
		assert.NotZero(t, seen[o], "no case gave %s", o)
	}
}

// FuzzEBPFEgress feeds the egress program and Config.Label the same
// options field, destination and mark, on a configuration with label
// rules, a serial and a dest-sid line.
func FuzzEBPFEgress(f *testing.F) {
	c := mustConfig(f, "node 1\nserial 3\nlabel mark 1 sid 0x66\nlabel mark 2 unlabeled\nlabel mark 3 drop\ndest-sid 192.0.2.128/25 0x99\n")
	e := loadEBPFDatapathForTest(f, c)
	f.Add([]byte{}, byte(2), uint8(0))
	f.Add(label(1, 2), byte(200), uint8(1))
	f.Add([]byte{7, 7, 4, 0, 0, 0, 0, 1}, byte(2), uint8(0))
	f.Add([]byte{68, 24, 5, 0}, byte(2), uint8(2))
	f.Fuzz(func(t *testing.T, opts []byte, dst byte, mark uint8) {
		if len(opts) > 40 {
			opts = opts[:40]
		}
		opts = append([]byte(nil), opts...)
		for len(opts)%4 != 0 {
			opts = append(opts, 0)
		}
		ip := mkIPv4(opts, protoUDP, ipA, [4]byte{192, 0, 2, dst}, udp(40000, 5000, "fuzz"))
		checkEgress(t, e, c, ip, uint32(mark&3))
	})
}
