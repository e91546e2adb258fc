package main

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// InOutcome is what the verifier decided about an incoming packet.
type InOutcome uint8

// Incoming outcomes; each has a counter.
const (
	InAccepted  InOutcome = iota // valid label, allowed: neutralise, then accept
	InUnlabeled                  // no label (or a foreign CIPSO passed), allowed: accept unchanged
	InRejected                   // refused by the receive rules: drop
	InForged                     // label's node does not match the source address: drop
	InStale                      // label carries another policy serial: drop
	InMalformed                  // broken header, options or label: drop
)

var inNames = [...]string{"accepted", "unlabeled", "rejected", "forged", "stale", "malformed"}

func (o InOutcome) String() string {
	if int(o) < len(inNames) {
		return inNames[o]
	}
	return "?"
}

// Drop reports whether the packet must be dropped.
func (o InOutcome) Drop() bool { return o >= InRejected }

// Verdict is the verifier's result for one packet. It is filled in place
// so that verifying does not allocate.
type Verdict struct {
	Outcome InOutcome
	// Labeled is true when a DSM label of this host's DOI was decoded
	// into Label.
	Labeled bool
	Label   dsm.Label
	// OptOff and OptLen place the label in the options field (offsets
	// from the first octet after the 20-octet base header).
	OptOff, OptLen int
	// Rule is the configuration line of the receive rule that decided, 0
	// for the default.
	Rule int
	Flow Flow
	// Err is why a packet is malformed (an ipopt.Error), else nil.
	Err error
}

var (
	errBadChecksum = ipopt.NewErrorKind(ipopt.ErrBadHeader, "header checksum", ipopt.Malformed)
	errShortPacket = ipopt.NewErrorKind(ipopt.ErrTotalLength, "total length", ipopt.Malformed)
)

// receiveProfile is the label check: the dsm strict profile (each of
// the six parameters at most once, in ascending order, nothing unknown)
// for the configured DOI, with the source SID and node ID required, the
// two DSM always sent and the policy needs.
func (c *Config) receiveProfile() dsm.Profile {
	p := dsm.Strict{}.Profile()
	p.DOI = c.DOI
	p.Require = dsm.ParamsOf(dsm.ParamSourceSID, dsm.ParamNodeID)
	return p
}

// Verify checks an incoming datagram pkt (from its IPv4 header on) and
// fills v. The checks, in order:
//
//  1. the IPv4 header (ipopt.ParseHeader: what ip_rcv_core checks), its
//     total length against the packet and its checksum: the kernel would
//     drop the packet anyway, and a label read from a corrupted header is
//     worthless;
//  2. the options framing, at most one CIPSO option (a second one is
//     refused as Linux's __ip_options_compile does, net/ipv4/ip_options.c)
//     and the label against the receive profile (dsm strict, source
//     SID and node ID required), with dsm.Profile.DecodeOptions;
//     no CIPSO option at all makes the packet unlabeled;
//  3. a label that fails only because it is a CIPSO option of another DOI
//     is passed to the kernel unchanged when the configuration says
//     "foreign-cipso pass" (the kernel validates it against its own
//     NetLabel DOIs), else it is malformed; a label lacking the source SID
//     or node ID is rejected (class Policy), any other failure is
//     malformed;
//  4. the policy serial, when both the label and the configuration have
//     one (InStale);
//  5. the node against the peer bindings (InForged);
//  6. the receive rules.
//
// Verify reads pkt and never writes it; see Neutralise. It does not
// allocate.
func (c *Config) Verify(pkt []byte, v *Verdict) {
	*v = Verdict{}
	h, err := ipopt.ParseHeader(pkt)
	if err != nil {
		v.Outcome, v.Err = InMalformed, err
		return
	}
	if int(h.TotalLen()) > len(pkt) {
		v.Outcome, v.Err = InMalformed, errShortPacket.HeaderAt(2)
		return
	}
	if !h.VerifyChecksum() {
		v.Outcome, v.Err = InMalformed, errBadChecksum.HeaderAt(10)
		return
	}
	v.Flow = flowOf(h, pkt[:h.TotalLen()])

	opts := h.Options()
	o, err := c.receiveProfile().DecodeOptions(opts, &v.Label)
	switch {
	case isClass(err, ipopt.Missing): // fips188.ErrMissing: no CIPSO option
		c.decideInto(v, false)
		return
	case err != nil && c.foreign(opts):
		v.Label = dsm.Label{}
		c.decideInto(v, false)
		return
	case isClass(err, ipopt.Policy): // well formed, but no source SID or node ID
		v.Outcome, v.Err = InRejected, err
		return
	case err != nil:
		v.Outcome, v.Err = InMalformed, err
		return
	}
	v.Labeled, v.OptOff, v.OptLen = true, o.Offset, len(o.Bytes)
	if s, ok := v.Label.Get(dsm.ParamPolicySerial); ok && c.HasSerial && s != c.Serial {
		v.Outcome = InStale
		return
	}
	if !c.checkPeer(v.Label.NodeID, v.Flow.Src) {
		v.Outcome = InForged
		return
	}
	c.decideInto(v, true)
}

func (c *Config) decideInto(v *Verdict, labeled bool) {
	a, line := c.decide(labeled, &v.Label, &v.Flow)
	v.Rule = line
	switch {
	case a == Reject:
		v.Outcome = InRejected
	case labeled:
		v.Outcome = InAccepted
	default:
		v.Outcome = InUnlabeled
	}
}

// flowOf reads the source, protocol and (for the first or only fragment
// of TCP and UDP) the destination port.
func flowOf(h ipopt.Header, pkt []byte) Flow {
	f := Flow{Src: h.Src(), Proto: h.Protocol(), Fragment: h.FragmentOffset() != 0}
	if f.Fragment || (f.Proto != protoTCP && f.Proto != protoUDP) {
		return f
	}
	l4 := pkt[h.HeaderLen():]
	if len(l4) >= 4 {
		f.DPort, f.PortKnown = binary.BigEndian.Uint16(l4[2:4]), true
	}
	return f
}

// isClass reports whether err is an ipopt.Error of class cl. It is a type
// assertion, not errors.As, so that it does not allocate.
func isClass(err error, cl ipopt.Class) bool {
	e, ok := err.(ipopt.Error)
	return ok && e.Class() == cl
}

// foreign reports whether opts frames cleanly and holds exactly one CIPSO
// option, of a DOI other than this host's, which "foreign-cipso pass"
// leaves to the kernel.
func (c *Config) foreign(opts []byte) bool {
	if !c.ForeignPass || ipopt.Check(opts) != nil {
		return false
	}
	n := 0
	var doi cipso.DOI
	it := ipopt.NewIter(opts)
	for it.Next() {
		if o := it.Option(); o.Type == ipopt.CIPSO {
			n++
			if len(o.Bytes) < cipso.HeaderLen {
				return false
			}
			doi = cipso.DOI(binary.BigEndian.Uint32(o.Bytes[2:6]))
		}
	}
	return n == 1 && doi != c.DOI
}
