package main

import (
	"fmt"
	"strconv"
	"strings"
)

// Rule is one iptables rule dsmd needs, as the argument list that follows
// "iptables -t mangle -A" (or -D to remove it).
type Rule struct {
	Chain string
	Args  []string
}

// SetupRules returns the iptables rules a configuration needs, in the
// mangle table:
//
//   - OUTPUT -> NFQUEUE (queue out), with the owner's uid/gid asked for by
//     the daemon: every locally sent packet that does not leave through lo
//     gets its label (DSM labeled every non-local AF_INET send,
//     dsm-network-sid.md "Hooks");
//   - PREROUTING -> NFQUEUE (queue in): NFQUEUE at PREROUTING runs before
//     the kernel compiles the IP options (ip_rcv_finish), the only place a
//     tag-7 label can be checked and neutralised before the kernel drops it
//     (rulebook B.4, B.9);
//   - POSTROUTING TCPMSS --set-mss on SYNs and SYN-ACKs: the label makes
//     every segment 20 to 32 octets longer than TCP planned, and TCP sets
//     DF, so a full-sized segment would no longer fit the link (DSM reduced
//     the MSS by the aligned label length, dsm-network-sid.md). The MSS
//     announced to the peer becomes MTU - 40 - MaxLabelLen, which bounds
//     what the peer sends; the peer's own clamp bounds what this host
//     sends. --clamp-mss-to-pmtu does not do: xt_TCPMSS subtracts a fixed
//     40 octets (sizeof iphdr + tcphdr), not the labeled header's length
//     (checked on Linux 6.18: segments of MTU size were labeled to
//     MTU + 20 and never left).
//
// With "overload fail-open" the queue rules get --queue-bypass: packets
// pass when no daemon is bound. The kernel has the iptables NFQUEUE target
// but not the nftables queue expression, so these are iptables rules
// (iptables-nft and iptables-legacy both work on Linux 6.18).
func SetupRules(c *Config) []Rule {
	var rules []Rule
	bypass := func(a []string) []string {
		if c.FailOpen {
			a = append(a, "--queue-bypass")
		}
		return a
	}
	q := func(n uint16) string { return strconv.Itoa(int(n)) }
	devs := c.Interfaces
	if len(devs) == 0 {
		devs = []string{""}
	}
	for _, dev := range devs {
		o, i := []string{"!", "-o", "lo"}, []string{"!", "-i", "lo"}
		if dev != "" {
			o, i = []string{"-o", dev}, []string{"-i", dev}
		}
		rules = append(rules,
			Rule{"OUTPUT", bypass(append(o[:len(o):len(o)], "-j", "NFQUEUE", "--queue-num", q(c.QueueOut)))},
			Rule{"PREROUTING", bypass(append(i[:len(i):len(i)], "-j", "NFQUEUE", "--queue-num", q(c.QueueIn)))},
			Rule{"POSTROUTING", append(o[:len(o):len(o)], "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN",
				"-j", "TCPMSS", "--set-mss", strconv.Itoa(c.ClampedMSS()))},
		)
	}
	return rules
}

// SetupScript is what --setup prints: the commands to install the rules
// (and, in translate mode, the NetLabel DOI), with comments.
func SetupScript(c *Config, teardown bool) string {
	var b strings.Builder
	op := "-A"
	if teardown {
		op = "-D"
		b.WriteString("# dsmd: remove the rules --setup printed\n")
	} else {
		fmt.Fprintf(&b, "# dsmd: rules for %s (node %d, DOI %d)\n", c.File, c.Node, c.DOI)
		b.WriteString("# NFQUEUE is an iptables target (this kernel lacks the nftables queue expression);\n")
		b.WriteString("# iptables-nft and iptables-legacy both load it.\n")
		fmt.Fprintf(&b, "# Labels take up to %d octets of every packet; the TCPMSS rule keeps TCP segments within a %d-octet MTU (\"mtu\" directive).\n", c.MaxLabelLen(), c.MTU)
		if c.FailOpen {
			b.WriteString("# overload fail-open: --queue-bypass lets packets through while dsmd is not running.\n")
		} else {
			b.WriteString("# overload fail-closed: while dsmd is not running, queued packets are dropped.\n")
		}
	}
	for _, r := range SetupRules(c) {
		fmt.Fprintf(&b, "iptables -t mangle %s %s %s\n", op, r.Chain, strings.Join(r.Args, " "))
	}
	if c.Mode == NeutraliseTranslate {
		if teardown {
			fmt.Fprintf(&b, "netlabelctl cipsov4 del doi:%d\n", c.TranslateDOI)
		} else {
			b.WriteString("# translate mode: the kernel must know the DOI of the translated tag-1 labels.\n")
			fmt.Fprintf(&b, "netlabelctl cipsov4 add pass doi:%d tags:1\n", c.TranslateDOI)
		}
	}
	return b.String()
}

// ClampedMSS is the TCP MSS the --setup rules announce: the MTU less the
// IPv4 and TCP base headers and the longest label (fips188.EffectiveMSS
// does the same subtraction for one label).
func (c *Config) ClampedMSS() int { return max(c.MTU-40-c.MaxLabelLen(), 0) }
