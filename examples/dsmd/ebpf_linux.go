package main

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/cilium/ebpf"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/examples/dsmd/bpf"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// EBPFIngress is dsmd's tc ingress program (bpf/dsmd.c), loaded with its
// maps filled: it checks the DSM label with a dsm receiver profile,
// neutralises an accepted one with NOPs and validates the options field
// as Linux does (ipopt.Linux with cipso.Linux for the configured DOIs).
type EBPFIngress struct {
	objs bpf.DsmdObjects
}

// EBPFIngressConfig is what the ingress program's maps hold.
type EBPFIngressConfig struct {
	// Registry holds the DOIs cipso_v4_validate knows (every type:
	// pass, trans and local). At most ebpfMaxDOIs.
	Registry *cipso.Registry
	// RBMStrictValid is sysctl net.ipv4.cipso_rbm_strictvalid.
	RBMStrictValid bool
	// DSM is the receiver profile of the DSM label (its DOI 0 meaning
	// dsm.DefaultDOI).
	DSM dsm.Profile
}

// ebpfMaxDOIs is the size of the program's dois map.
const ebpfMaxDOIs = 64

// Bits of the config map's dsm_flags (DSM_* in bpf/dsmd.c).
const (
	ebpfDSMSkipUnknown = 1 << iota
	ebpfDSMRejectDups
	ebpfDSMOrdered
	ebpfDSMPointers
)

// EBPFReason is why the ingress program decided as it did; it is also the
// index of the program's counters (enum reason in bpf/dsmd.c).
type EBPFReason uint32

// The reasons.
const (
	EBPFPass      EBPFReason = iota // not IPv4 or no options: untouched
	EBPFValid                       // options valid, no DSM label
	EBPFLabeled                     // DSM label accepted and neutralised
	EBPFLinux                       // refused by the Linux rules: dropped
	EBPFDSM                         // DSM label refused: dropped
	EBPFMalformed                   // IPv4 header unusable: left to the kernel
	EBPFRejected                    // refused by the receive rules (ConfigurePolicy): dropped
	EBPFForged                      // the label's node is not bound to the source: dropped
	EBPFStale                       // the label's policy serial is another: dropped
	EBPFForeign                     // a CIPSO option of another DOI, allowed ("foreign-cipso pass"): left to the kernel
	EBPFVLAN                        // IPv4 behind VLAN tags held in the frame (QinQ): dropped
	ebpfReasons
)

var ebpfReasonNames = [...]string{"pass", "valid", "labeled", "linux-refused", "dsm-refused", "malformed", "rejected", "forged", "stale", "foreign", "vlan"}

func (r EBPFReason) String() string {
	if int(r) < len(ebpfReasonNames) {
		return ebpfReasonNames[r]
	}
	return fmt.Sprintf("reason(%d)", uint32(r))
}

// LoadEBPFIngress loads the ingress program and fills its maps from c.
// The error wraps ebpf.ErrNotSupported or an os permission error when the
// kernel or the caller cannot load BPF programs.
func LoadEBPFIngress(c EBPFIngressConfig) (*EBPFIngress, error) {
	e := &EBPFIngress{}
	if err := bpf.LoadDsmdObjects(&e.objs, nil); err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			return nil, fmt.Errorf("loading the ingress program: %+v", ve)
		}
		return nil, fmt.Errorf("loading the ingress program: %w", err)
	}
	if err := e.configure(c); err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// Close releases the program and its maps.
func (e *EBPFIngress) Close() error { return e.objs.Close() }

// Program is the tc ingress program, for attaching.
func (e *EBPFIngress) Program() *ebpf.Program { return e.objs.DsmdIngress }

func (e *EBPFIngress) configure(c EBPFIngressConfig) error {
	p := c.DSM
	doi := p.DOI
	if doi == 0 {
		doi = dsm.DefaultDOI
	}
	cfg := bpf.DsmdConfig{DsmDoi: uint32(doi), DsmAccept: uint8(p.Accept), DsmRequire: uint8(p.Require)}
	if c.RBMStrictValid {
		cfg.RbmStrictvalid = 1
	}
	for _, f := range []struct {
		on  bool
		bit uint8
	}{{p.SkipUnknown, ebpfDSMSkipUnknown}, {p.RejectDuplicates, ebpfDSMRejectDups}, {p.Ordered, ebpfDSMOrdered}, {p.DSMPointers, ebpfDSMPointers}} {
		if f.on {
			cfg.DsmFlags |= f.bit
		}
	}
	if err := e.objs.Config.Put(uint32(0), &cfg); err != nil {
		return fmt.Errorf("config map: %w", err)
	}
	if c.Registry == nil {
		return nil
	}
	if n := c.Registry.Len(); n > ebpfMaxDOIs {
		return fmt.Errorf("%d DOIs configured, the ingress program holds at most %d", n, ebpfMaxDOIs)
	}
	for d := range c.Registry.All() {
		v := ebpfDOI(d)
		if err := e.objs.Dois.Put(uint32(d.DOI()), &v); err != nil {
			return fmt.Errorf("dois map, DOI %d: %w", d.DOI(), err)
		}
	}
	return nil
}

// ebpfDOI is d as the dois map holds it: its tag slots, and bitmaps of
// the wire levels (bit l&7 of octet l>>3) and tag-1 categories (the
// bitmap's own order, 0x80 of octet 0 being category 0) that map, which
// is what cipso_v4_map_lvl_valid and cipso_v4_map_cat_rbm_valid ask. A
// tag-1 bitmap has at most 30 octets, so categories 0 to 239 are all it
// can name.
func ebpfDOI(d *cipso.Domain) bpf.DsmdDoi {
	var v bpf.DsmdDoi
	for i, t := range d.Slots() {
		v.Tags[i] = uint8(t)
	}
	for l := range 256 {
		if _, ok := d.LevelFromWire(uint8(l)); ok {
			v.Levels[l>>3] |= 1 << (l & 7)
		}
	}
	for c := range 256 {
		if _, ok := d.CatFromWire(uint32(c)); ok {
			v.Cats[c>>3] |= 0x80 >> (c & 7)
		}
	}
	return v
}

// EBPFVerdict is what the ingress program decided about one packet.
type EBPFVerdict struct {
	OK bool
	// Pointer is the ICMP Parameter Problem pointer (from the IP header),
	// or -1 when there is none: accepted, or dropped silently by Linux.
	Pointer int
	// Offset is the options-field offset of the fault (0 when accepted).
	Offset int
	Reason EBPFReason
	// Drop is whether the program returned TC_ACT_SHOT.
	Drop bool
	// Options is the options field as the program left it (the label
	// neutralised when it was accepted).
	Options []byte
}

// sizeof(struct __sk_buff) (Linux 6.18), and the offset of its cb.
const (
	ebpfCtxLen = 192
	ebpfCtxCB  = 48
)

// RunOptions runs the program once (BPF_PROG_RUN) on a UDP datagram from
// 192.0.2.1 to 192.0.2.2 whose IPv4 header carries opts (at most 40
// octets, a multiple of 4), as arriving on the loopback interface.
func (e *EBPFIngress) RunOptions(opts []byte) (EBPFVerdict, error) {
	if len(opts) > ipopt.MaxOptionsLen || len(opts)%4 != 0 {
		return EBPFVerdict{}, fmt.Errorf("options field of %d octets: want at most 40, a multiple of 4", len(opts))
	}
	pkt := ebpfPacket(opts)
	out := make([]byte, len(pkt)+256)
	ctxOut := make([]byte, ebpfCtxLen)
	ret, err := e.objs.DsmdIngress.Run(&ebpf.RunOptions{
		Data:       pkt,
		DataOut:    out,
		Context:    make([]byte, ebpfCtxLen),
		ContextOut: ctxOut,
	})
	if err != nil {
		return EBPFVerdict{}, fmt.Errorf("BPF_PROG_RUN: %w", err)
	}
	cb := func(i int) uint32 { return binary.NativeEndian.Uint32(ctxOut[ebpfCtxCB+4*i:]) }
	v := EBPFVerdict{OK: cb(0) == 1, Pointer: -1, Offset: int(cb(3)), Reason: EBPFReason(cb(2)), Drop: ret == 2}
	if p := cb(1); p != 0xffffffff {
		v.Pointer = int(p)
	}
	if len(out) >= 14+20+len(opts) {
		v.Options = out[14+20 : 14+20+len(opts)]
	}
	return v, nil
}

// ebpfPacket is an Ethernet frame holding an IPv4 UDP datagram from
// 192.0.2.1 to 192.0.2.2 with options opts and 4 octets of payload, its
// header checksum right.
func ebpfPacket(opts []byte) []byte {
	hl := 20 + len(opts)
	pkt := make([]byte, 14+hl+8+4)
	binary.BigEndian.PutUint16(pkt[12:], 0x0800)
	ip := pkt[14:]
	ip[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(ip[2:], uint16(hl+12))
	ip[8], ip[9] = 64, 17
	copy(ip[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	copy(ip[20:], opts)
	binary.BigEndian.PutUint16(ip[10:], ^ebpfSum(ip[:hl]))
	udp := ip[hl:]
	binary.BigEndian.PutUint16(udp[0:], 40000)
	binary.BigEndian.PutUint16(udp[2:], 9)
	binary.BigEndian.PutUint16(udp[4:], 12)
	return pkt
}

// ebpfSum is the RFC 1071 one's-complement sum of b (even length).
func ebpfSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

// Counters reads the program's per-reason counters, summed over CPUs.
func (e *EBPFIngress) Counters() ([ebpfReasons]uint64, error) {
	var c [ebpfReasons]uint64
	for r := range ebpfReasons {
		var per []uint64
		if err := e.objs.Counters.Lookup(uint32(r), &per); err != nil {
			return c, err
		}
		for _, v := range per {
			c[r] += v
		}
	}
	return c, nil
}
