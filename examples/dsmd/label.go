package main

import "github.com/iplabel/iplabel/ipopt"

// OutOutcome is what happened to an outgoing packet.
type OutOutcome uint8

// Outgoing outcomes; each has a counter.
const (
	OutLabeled   OutOutcome = iota // label added: accept the rewritten packet
	OutUnlabeled                   // policy bypass: accept unchanged
	OutDropped                     // policy drop
	OutUnfit                       // the label does not fit: drop
	OutMalformed                   // not a well-formed IPv4 header: drop
)

var outNames = [...]string{"labeled", "unlabeled", "dropped", "unfit", "malformed"}

func (o OutOutcome) String() string {
	if int(o) < len(outNames) {
		return outNames[o]
	}
	return "?"
}

// Headroom is the room a packet buffer keeps before the datagram: the
// options field never grows by more than 40 octets.
const Headroom = ipopt.MaxOptionsLen

// Label labels an outgoing datagram held in p (an ipopt.Packet with at
// least Headroom octets of headroom or tailroom) for the sender s: the
// send policy picks the source SID, the label is built with dsm (source
// SID, node ID, then the serial and destination SID when configured) and
// set as the packet's CIPSO option with ipopt.Packet.SetOption, which
// replaces an existing CIPSO option or puts the label first, re-pads the
// options to 4 octets and fixes IHL, total length and checksum, all or
// nothing. A label that does not fit (options over 40 octets, datagram
// over 65,535) gives OutUnfit and leaves p unchanged: the packet must be
// dropped, never sent unlabeled. Options that hold two CIPSO options give
// OutMalformed (ErrDuplicate): replacing one would leave two labels.
// Label does not allocate.
func (c *Config) Label(p *ipopt.Packet, s SenderInfo) (OutOutcome, error) {
	h, err := p.Header()
	if err != nil {
		return OutMalformed, err
	}
	d := c.chooseSource(s)
	switch d.action {
	case SendUnlabeled:
		return OutUnlabeled, nil
	case SendDrop:
		return OutDropped, nil
	}
	var ob [ipopt.MaxOptionsLen]byte
	opt, err := c.nsidFor(d.sid, h.Dst()).AppendOption(ob[:0], c.DOI)
	if err != nil {
		return OutUnfit, err
	}
	if err := p.SetOption(opt); err != nil {
		if e, ok := err.(ipopt.Error); ok && e.Class() == ipopt.Limit {
			return OutUnfit, err
		}
		return OutMalformed, err
	}
	return OutLabeled, nil
}
