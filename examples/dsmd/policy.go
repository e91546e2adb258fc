package main

import (
	"net/netip"

	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// SenderInfo is what NFQUEUE tells about the sender of an outgoing packet:
// the socket owner's uid and gid (present with NFQA_CFG_F_UID_GID for
// packets of a full socket that has a file) and the packet mark (the
// socket's SO_MARK, or what a rule set).
type SenderInfo struct {
	UID, GID       uint32
	HasUID, HasGID bool
	Mark           uint32
}

// sendDecision is the send policy's answer.
type sendDecision struct {
	action SendAction
	sid    uint32
	rule   int // config line, 0 for the built-in default
}

// chooseSource applies the label rules in file order; the first match
// wins. With no match the packet is labeled with DSM's default SID
// (0x12341234 for a socket with none, as DSM sent; fips188/dsm/RULES.md).
func (c *Config) chooseSource(s SenderInfo) sendDecision {
	for i := range c.Labels {
		r := &c.Labels[i]
		match := false
		switch r.Kind {
		case SelDefault:
			match = true
		case SelUID:
			match = s.HasUID && s.UID == r.Value
		case SelGID:
			match = s.HasGID && s.GID == r.Value
		case SelMark:
			match = s.Mark&r.Mask == r.Value
		}
		if match {
			return sendDecision{action: r.Action, sid: r.SID, rule: r.Line}
		}
	}
	return sendDecision{action: SendLabel, sid: dsm.DefaultSID}
}

// destSID returns the destination SID configured for dst, if any (first
// matching dest-sid line).
func (c *Config) destSID(dst netip.Addr) (uint32, bool) {
	for i := range c.DestSIDs {
		if c.DestSIDs[i].Prefix.Contains(dst) {
			return c.DestSIDs[i].SID, true
		}
	}
	return 0, false
}

// nsidFor builds the label for an outgoing packet: source SID then node
// ID, as DSM sent them, plus the policy serial and the destination SID
// when configured.
func (c *Config) nsidFor(sid uint32, dst netip.Addr) dsm.Label {
	n := dsm.New(sid, c.Node)
	if c.HasSerial {
		n = n.With(dsm.ParamPolicySerial, c.Serial)
	}
	if d, ok := c.destSID(dst); ok {
		n = n.With(dsm.ParamDestSID, d)
	}
	return n
}

// MaxLabelLen is the longest label this configuration sends, aligned to 4
// octets: 20 for DSM's usual source SID and node ID, 28 with the serial
// and a destination SID (fips188/dsm/RULES.md). It is what
// a TCP MSS must give up.
func (c *Config) MaxLabelLen() int {
	n := dsm.New(0, 0)
	if c.HasSerial {
		n = n.With(dsm.ParamPolicySerial, 0)
	}
	if len(c.DestSIDs) > 0 {
		n = n.With(dsm.ParamDestSID, 0)
	}
	return ipopt.PaddedLen(n.OptionLen())
}

// Flow is what the receive policy looks at besides the label.
type Flow struct {
	Src   netip.Addr
	Proto uint8
	// DPort is the destination port of a TCP or UDP packet; PortKnown is
	// false for other protocols, for a truncated transport header, and for
	// fragments other than the first (which carry no ports; see
	// RecvRule.matches).
	DPort     uint16
	PortKnown bool
	// Fragment is true for a fragment other than the first.
	Fragment bool
}

// checkPeer reports whether a label naming node may come from src: false
// when node has peer lines and src is in none of them, or when src is
// bound to another node by a peer line (a forged label).
func (c *Config) checkPeer(node uint32, src netip.Addr) bool {
	bound, inOwn, inOther := false, false, false
	for i := range c.Peers {
		pe := &c.Peers[i]
		for _, pr := range pe.Prefixes {
			if pe.Node == node {
				bound = true
				if pr.Contains(src) {
					inOwn = true
				}
			} else if pr.Contains(src) {
				inOther = true
			}
		}
	}
	if inOwn {
		return true
	}
	return !bound && !inOther
}

// decide applies the receive rules in file order to a packet with the
// label n (labeled) or without one; the first matching rule wins, else the
// default. It returns the action and the rule's line (0 for the default).
func (c *Config) decide(labeled bool, n *dsm.Label, f *Flow) (Action, int) {
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.matches(labeled, n, f) {
			return r.Action, r.Line
		}
	}
	return c.Default, 0
}

// matches reports whether the rule applies. A fragment other than the
// first has no ports; port matches are taken as met for it, because such a
// fragment is only delivered once reassembled with a first fragment that
// did pass the port check (the label is copied into every fragment, RFC 791
// §3.1 copy flag, Linux ip_options_fragment in net/ipv4/ip_options.c, so
// the label checks still apply to it).
func (r *RecvRule) matches(labeled bool, n *dsm.Label, f *Flow) bool {
	if r.Unlabeled && labeled || r.Labeled && !labeled {
		return false
	}
	if r.Labeled {
		if !r.Node.Has(n.NodeID) || !r.SID.Has(n.SourceSID) {
			return false
		}
		if !r.DSID.Any {
			d, ok := n.Get(dsm.ParamDestSID)
			if !ok || !r.DSID.Has(d) {
				return false
			}
		}
	}
	if r.HasFrom && !r.From.Contains(f.Src) {
		return false
	}
	if r.HasProto && r.Proto != f.Proto {
		return false
	}
	if r.HasPort && !f.Fragment && (!f.PortKnown || !r.Port.Has(uint32(f.DPort))) {
		return false
	}
	return true
}
