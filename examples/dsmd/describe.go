package main

import (
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/ipopt"
)

// describe summarises a datagram for a log line: addresses, protocol and
// ports. It allocates; it is only called for rate-limited logs.
func describe(pkt []byte) string {
	h, err := ipopt.ParseHeader(pkt)
	if err != nil {
		return fmt.Sprintf("%d octets, not IPv4 (%v)", len(pkt), err)
	}
	f := flowOf(h, pkt[:min(len(pkt), int(h.TotalLen()))])
	var b strings.Builder
	fmt.Fprintf(&b, "%s -> %s proto %d", f.Src, h.Dst(), f.Proto)
	if f.PortKnown {
		fmt.Fprintf(&b, " dport %d", f.DPort)
	}
	if f.Fragment {
		b.WriteString(" (fragment)")
	}
	return b.String()
}

// describeVerdict explains why an incoming packet was dropped.
func describeVerdict(pkt []byte, v *Verdict) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", v.Outcome, describe(pkt))
	if v.Labeled {
		fmt.Fprintf(&b, " label [%s]", v.Label)
	}
	switch {
	case v.Err != nil:
		fmt.Fprintf(&b, ": %v", v.Err)
	case v.Outcome == InRejected && v.Rule > 0:
		fmt.Fprintf(&b, " (rule at line %d)", v.Rule)
	case v.Outcome == InRejected:
		b.WriteString(" (default)")
	case v.Outcome == InForged:
		b.WriteString(" (node not bound to this source address)")
	case v.Outcome == InStale:
		b.WriteString(" (policy serial differs)")
	}
	return b.String()
}

// String formats the sender for logs.
func (s SenderInfo) String() string {
	var b strings.Builder
	b.WriteString("uid=")
	if s.HasUID {
		fmt.Fprint(&b, s.UID)
	} else {
		b.WriteString("-")
	}
	b.WriteString(" gid=")
	if s.HasGID {
		fmt.Fprint(&b, s.GID)
	} else {
		b.WriteString("-")
	}
	fmt.Fprintf(&b, " mark=%#x", s.Mark)
	return b.String()
}
