package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/cilium/ebpf"

	"github.com/iplabel/iplabel/examples/dsmd/bpf"
	"github.com/iplabel/iplabel/fips188/dsm"
)

// EBPFOutReason is what the egress program did with a packet; it is also
// the index of its out_counters (enum out_reason in bpf/dsmd.c). The
// first five are the OutOutcomes of Config.Label.
type EBPFOutReason uint32

// The egress reasons.
const (
	EBPFOutLabeled   EBPFOutReason = iota // label inserted
	EBPFOutUnlabeled                      // a label rule said unlabeled
	EBPFOutDropped                        // a label rule said drop
	EBPFOutUnfit                          // over 40 octets of options or 65,535 in all: dropped
	EBPFOutMalformed                      // IPv4 header or options unusable: dropped
	EBPFOutTooBig                         // the labeled packet exceeds the device MTU: dropped
	EBPFOutNoRoom                         // bpf_skb_adjust_room refused (UDP GSO): dropped
	EBPFOutPass                           // not IPv4: untouched
	EBPFOutVLAN                           // IPv4 behind a VLAN tag in the frame (no transmit offload): dropped
	ebpfOutReasons
)

var ebpfOutNames = [...]string{"labeled", "unlabeled", "dropped", "unfit", "malformed", "too-big", "no-room", "pass", "vlan"}

func (r EBPFOutReason) String() string {
	if int(r) < len(ebpfOutNames) {
		return ebpfOutNames[r]
	}
	return fmt.Sprintf("out-reason(%d)", uint32(r))
}

// The sizes of the maps the daemon fills (bpf/dsmd.c).
const (
	ebpfMaxLabelRules = 64
	ebpfMaxDestRules  = 64
	ebpfMaxRecvRules  = 64
	ebpfMaxPeers      = 64
)

// EBPFUnsupported reports what in c the eBPF datapath cannot do, so that
// `--datapath ebpf` refuses the configuration rather than run with
// another policy than the file says.
func EBPFUnsupported(c *Config) error {
	switch {
	case c.Mode == NeutraliseTranslate:
		return errors.New("neutralise translate: the eBPF datapath only overwrites labels with NOPs")
	case len(c.Labels) > ebpfMaxLabelRules:
		return fmt.Errorf("%d label lines: the eBPF datapath holds at most %d", len(c.Labels), ebpfMaxLabelRules)
	case len(c.DestSIDs) > ebpfMaxDestRules:
		return fmt.Errorf("%d dest-sid lines: the eBPF datapath holds at most %d", len(c.DestSIDs), ebpfMaxDestRules)
	case len(c.Rules) > ebpfMaxRecvRules:
		return fmt.Errorf("%d allow/reject lines: the eBPF datapath holds at most %d", len(c.Rules), ebpfMaxRecvRules)
	}
	n := 0
	for _, p := range c.Peers {
		n += len(p.Prefixes)
	}
	if n > ebpfMaxPeers {
		return fmt.Errorf("%d peer prefixes: the eBPF datapath holds at most %d", n, ebpfMaxPeers)
	}
	for _, d := range c.DestSIDs {
		if !d.Prefix.Addr().Is4() {
			return fmt.Errorf("dest-sid %s: IPv4 prefixes only", d.Prefix)
		}
	}
	return nil
}

// ebpfLabelTemplate is the label the Go encoder makes for c, with or
// without a destination SID (as Config.nsidFor builds it: source SID,
// node ID, the serial when configured), and the offsets of the source
// and destination SID values in it, found by encoding twice with other
// values, so that the egress program only writes those octets.
func ebpfLabelTemplate(c *Config, dest bool) (tmpl []byte, sidOff, dsidOff int, err error) {
	enc := func(sid, dsid uint32) ([]byte, error) {
		n := dsm.New(sid, c.Node)
		if c.HasSerial {
			n = n.With(dsm.ParamPolicySerial, c.Serial)
		}
		if dest {
			n = n.With(dsm.ParamDestSID, dsid)
		}
		return n.AppendOption(nil, c.DOI)
	}
	diff := func(a, b []byte) int {
		for i := range a {
			if a[i] != b[i] {
				return i
			}
		}
		return -1
	}
	t0, err := enc(0, 0)
	if err != nil {
		return nil, 0, 0, err
	}
	t1, _ := enc(0xffffffff, 0)
	t2, _ := enc(0, 0xffffffff)
	sidOff, dsidOff = diff(t0, t1), -1
	if dest {
		dsidOff = diff(t0, t2)
	}
	if len(t0) > 40 || sidOff < 0 || sidOff+4 > 32 || dest && (dsidOff < 0 || dsidOff+4 > 32) || !bytes.Equal(t0[sidOff:sidOff+4], make([]byte, 4)) {
		return nil, 0, 0, fmt.Errorf("label template of %d octets: SID at %d, destination SID at %d", len(t0), sidOff, dsidOff)
	}
	return t0, sidOff, dsidOff, nil
}

// ebpfPrefix is p as the programs compare it: address and mask as the
// packet holds them, read as a native-endian u32.
func ebpfPrefix(p netip.Prefix) (addr, mask uint32) {
	a := p.Masked().Addr().As4()
	var m [4]byte
	for i := range p.Bits() {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return binary.NativeEndian.Uint32(a[:]), binary.NativeEndian.Uint32(m[:])
}

// ebpfRange is r as lo and hi.
func ebpfRange(r Range) (lo, hi uint32) {
	if r.Any {
		return 0, 0xffffffff
	}
	return r.Lo, r.Hi
}

// ConfigureEgress fills the egress program's maps from c: the two label
// templates, the label rules (in file order) and the dest-sid rules.
func (e *EBPFIngress) ConfigureEgress(c *Config) error {
	if err := EBPFUnsupported(c); err != nil {
		return err
	}
	var oc bpf.DsmdOutConfig
	t, so, _, err := ebpfLabelTemplate(c, false)
	if err != nil {
		return err
	}
	oc.Len, oc.SidOff = uint32(len(t)), uint32(so)
	copy(oc.Tmpl[:], t)
	t, so, do, err := ebpfLabelTemplate(c, true)
	if err != nil {
		return err
	}
	oc.Dlen, oc.DsidSidOff, oc.DsidOff = uint32(len(t)), uint32(so), uint32(do)
	copy(oc.Dtmpl[:], t)
	oc.Nlabels, oc.Ndests = uint32(len(c.Labels)), uint32(len(c.DestSIDs))
	for i, r := range c.Labels {
		v := bpf.DsmdLabelRule{Kind: uint32(r.Kind), Value: r.Value, Mask: r.Mask, Action: uint32(r.Action), Sid: r.SID}
		if err := e.objs.LabelRules.Put(uint32(i), &v); err != nil {
			return fmt.Errorf("label_rules map: %w", err)
		}
	}
	for i, d := range c.DestSIDs {
		a, m := ebpfPrefix(d.Prefix)
		v := bpf.DsmdDestRule{Addr: a, Mask: m, Sid: d.SID}
		if err := e.objs.DestRules.Put(uint32(i), &v); err != nil {
			return fmt.Errorf("dest_rules map: %w", err)
		}
	}
	// The config last: until it is there the program passes packets.
	if err := e.objs.OutConfig.Put(uint32(0), &oc); err != nil {
		return fmt.Errorf("out_config map: %w", err)
	}
	return nil
}

// ConfigurePolicy makes the ingress program apply c's receive policy as
// Verify does: the policy serial, the peer bindings and the allow/reject
// rules (first match wins, else the default), for labeled and unlabeled
// packets alike.
func (e *EBPFIngress) ConfigurePolicy(c *Config) error {
	if err := EBPFUnsupported(c); err != nil {
		return err
	}
	for i, r := range c.Rules {
		v := bpf.DsmdRule{Proto: r.Proto}
		v.NodeLo, v.NodeHi = ebpfRange(r.Node)
		v.SidLo, v.SidHi = ebpfRange(r.SID)
		v.DsidLo, v.DsidHi = ebpfRange(r.DSID)
		if r.Action == Allow {
			v.Allow = 1
		}
		for _, f := range []struct {
			on  bool
			bit uint8
		}{{r.Labeled, 1}, {r.Unlabeled, 2}, {r.Labeled && !r.DSID.Any, 4}, {r.HasFrom, 8}, {r.HasProto, 16}, {r.HasPort, 32}} {
			if f.on {
				v.Flags |= f.bit
			}
		}
		if r.HasFrom {
			v.FromAddr, v.FromMask = ebpfPrefix(r.From)
		}
		if r.HasPort {
			v.PortLo, v.PortHi = uint16(min(r.Port.Lo, 0xffff)), uint16(min(r.Port.Hi, 0xffff))
		}
		if err := e.objs.Rules.Put(uint32(i), &v); err != nil {
			return fmt.Errorf("rules map: %w", err)
		}
	}
	np := 0
	for _, p := range c.Peers {
		for _, pr := range p.Prefixes {
			a, m := ebpfPrefix(pr)
			v := bpf.DsmdPeer{Node: p.Node, Addr: a, Mask: m}
			if err := e.objs.Peers.Put(uint32(np), &v); err != nil {
				return fmt.Errorf("peers map: %w", err)
			}
			np++
		}
	}
	var cfg bpf.DsmdConfig
	if err := e.objs.Config.Lookup(uint32(0), &cfg); err != nil {
		return fmt.Errorf("config map: %w", err)
	}
	cfg.Policy, cfg.Nrules, cfg.Npeers = 1, uint8(len(c.Rules)), uint32(np)
	if c.Default == Allow {
		cfg.DfltAllow = 1
	}
	if c.HasSerial {
		cfg.HasSerial, cfg.Serial = 1, c.Serial
	}
	if c.ForeignPass {
		cfg.ForeignPass = 1
	}
	if err := e.objs.Config.Put(uint32(0), &cfg); err != nil {
		return fmt.Errorf("config map: %w", err)
	}
	return nil
}

// Egress is the tc egress program, for attaching.
func (e *EBPFIngress) Egress() *ebpf.Program { return e.objs.DsmdEgress }

// OutCounters reads the egress program's per-reason counters, summed
// over CPUs.
func (e *EBPFIngress) OutCounters() ([ebpfOutReasons]uint64, error) {
	var c [ebpfOutReasons]uint64
	for r := range ebpfOutReasons {
		var per []uint64
		if err := e.objs.OutCounters.Lookup(uint32(r), &per); err != nil {
			return c, err
		}
		for _, v := range per {
			c[r] += v
		}
	}
	return c, nil
}

// ebpfCtxMark is the offset of mark in struct __sk_buff.
const ebpfCtxMark = 8

// RunEgress runs the egress program once (BPF_PROG_RUN) on frame, an
// Ethernet frame, with the packet mark mark. BPF_PROG_RUN gives the
// packet a socket of uid 0. It returns the reason, whether the program
// dropped the packet, and the frame as the program left it.
func (e *EBPFIngress) RunEgress(frame []byte, mark uint32) (EBPFOutReason, bool, []byte, error) {
	ctx := make([]byte, ebpfCtxLen)
	binary.NativeEndian.PutUint32(ctx[ebpfCtxMark:], mark)
	ctxOut := make([]byte, ebpfCtxLen)
	out := make([]byte, len(frame)+256)
	opts := &ebpf.RunOptions{Data: frame, DataOut: out, Context: ctx, ContextOut: ctxOut}
	ret, err := e.objs.DsmdEgress.Run(opts)
	if err != nil {
		return 0, false, nil, fmt.Errorf("BPF_PROG_RUN: %w", err)
	}
	r := EBPFOutReason(binary.NativeEndian.Uint32(ctxOut[ebpfCtxCB:]))
	return r, ret == 2, opts.DataOut, nil
}
