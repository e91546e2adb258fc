package main

import (
	"fmt"
	"strconv"
	"strings"
)

// The chains dsmd's rules live in, in the mangle table. The built-in
// chains get one jump each to them and nothing else, so the host's own
// rules are never touched: --setup creates or refills these chains and adds
// each jump only if it is missing, --teardown deletes the jumps and the
// chains, and the daemon rewrites only their contents (ArmScript).
const (
	ChainOut = "DSMD-OUT" // from OUTPUT: label
	ChainIn  = "DSMD-IN"  // from PREROUTING: verify and neutralise
	ChainMSS = "DSMD-MSS" // from POSTROUTING: TCP MSS clamp
)

// Rule is one iptables rule of dsmd's, as the argument list that follows
// "iptables -t mangle -A Chain".
type Rule struct {
	Chain string
	Args  []string
}

// jumps are the built-in chain of each dsmd chain.
var jumps = []struct{ from, to string }{
	{"OUTPUT", ChainOut},
	{"PREROUTING", ChainIn},
	{"POSTROUTING", ChainMSS},
}

// SetupRules returns the rules a configuration needs, in dsmd's own chains
// of the mangle table. armed says whether the queue rules are the
// daemon's armed (fail-closed) form; unarmed rules always carry
// --queue-bypass, so that packets pass while no daemon is bound to the
// queue (xt_NFQUEUE NFQ_FLAG_BYPASS: nf_queue then lets the packet go on
// instead of dropping it).
//
//   - DSMD-OUT (from OUTPUT) -> NFQUEUE (queue out), with the owner's
//     uid/gid asked for by the daemon: every locally sent packet that does
//     not leave through lo gets its label (DSM labeled every non-local
//     AF_INET send, fips188/dsm/RULES.md);
//   - DSMD-IN (from PREROUTING) -> NFQUEUE (queue in): NFQUEUE at
//     PREROUTING runs before the kernel compiles the IP options
//     (ip_rcv_finish), the only place a tag-7 label can be checked and
//     neutralised before the kernel drops it (cipso_v4_validate in
//     net/ipv4/cipso_ipv4.c; checked on Linux 6.18);
//   - DSMD-MSS (from POSTROUTING) TCPMSS --set-mss on SYNs and SYN-ACKs:
//     the label makes every segment 20 to 32 octets longer than TCP
//     planned, and TCP sets DF, so a full-sized segment would no longer fit
//     the link (DSM reduced the MSS by the aligned label length,
//     fips188/dsm/RULES.md). The MSS announced to the peer becomes MTU - 40 -
//     MaxLabelLen, which bounds what the peer sends; the peer's own clamp
//     bounds what this host sends. --clamp-mss-to-pmtu does not do:
//     xt_TCPMSS subtracts a fixed 40 octets (sizeof iphdr + tcphdr), not
//     the labeled header's length (checked on Linux 6.18: segments of MTU
//     size were labeled to MTU + 20 and never left).
//
// With "overload fail-open" the queue rules keep --queue-bypass even when
// armed. The kernel has the iptables NFQUEUE target but not the nftables
// queue expression, so these are iptables rules (iptables-nft and
// iptables-legacy both work on Linux 6.18).
func SetupRules(c *Config, armed bool) []Rule {
	var rules []Rule
	bypass := func(a []string) []string {
		if c.FailOpen || !armed {
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
			Rule{ChainOut, bypass(append(o[:len(o):len(o)], "-j", "NFQUEUE", "--queue-num", q(c.QueueOut)))},
			Rule{ChainIn, bypass(append(i[:len(i):len(i)], "-j", "NFQUEUE", "--queue-num", q(c.QueueIn)))},
			Rule{ChainMSS, append(o[:len(o):len(o)], "-p", "tcp", "--tcp-flags", "SYN,RST", "SYN",
				"-j", "TCPMSS", "--set-mss", strconv.Itoa(c.ClampedMSS()))},
		)
	}
	return rules
}

// restoreInput is the iptables-restore input (for use with --noflush)
// that sets the contents of dsmd's chains. In setup form (armed false)
// each chain is declared, which creates it or, with --noflush, empties an
// existing one; in armed form only the two queue chains are flushed and
// refilled, which fails (and changes nothing) if --setup has not created
// them. Either way iptables-restore commits the table in one step, so no
// packet sees a half-written chain.
func restoreInput(c *Config, armed bool) string {
	var b strings.Builder
	b.WriteString("*mangle\n")
	chains := []string{ChainOut, ChainIn, ChainMSS}
	if armed {
		chains = chains[:2]
	}
	for _, ch := range chains {
		if armed {
			fmt.Fprintf(&b, "-F %s\n", ch)
		} else {
			fmt.Fprintf(&b, ":%s - [0:0]\n", ch)
		}
		for _, r := range SetupRules(c, armed) {
			if r.Chain == ch {
				fmt.Fprintf(&b, "-A %s %s\n", ch, strings.Join(r.Args, " "))
			}
		}
	}
	b.WriteString("COMMIT\n")
	return b.String()
}

// ArmInput is what the daemon feeds "iptables-restore --noflush" once
// both its queues are bound, in "overload fail-closed" mode: the queue
// rules lose --queue-bypass, so that from then on a packet that finds no
// daemon is dropped instead of passing unlabeled or unchecked. It is
// empty in fail-open mode, whose rules keep --queue-bypass.
func ArmInput(c *Config) string {
	if c.FailOpen {
		return ""
	}
	return restoreInput(c, true)
}

// ScriptOptions are the command-line settings the scripts depend on.
type ScriptOptions struct {
	// IPTables is the iptables command ("iptables" if empty); its restore
	// command is that name with "-restore" appended.
	IPTables string
	// StateDir is where setup records what it added that is not its own
	// by name, so that teardown removes that and nothing else: the
	// translate DOI (DefaultStateDir if empty).
	StateDir string
}

// DefaultStateDir is the --state-dir default. /run is emptied at boot, as
// the NetLabel configuration is, so a record never outlives what it
// records.
const DefaultStateDir = "/run/dsmd"

// SetupScript is what --setup (or, with teardown, --teardown) prints: a
// POSIX shell script that installs (removes) dsmd's chains and the jumps
// to them, and in translate mode the NetLabel DOI.
//
// Setup is idempotent: the chains are (re)filled in one iptables-restore
// commit and a jump is added only when "iptables -C" does not find it, so
// running it twice leaves the same ruleset as running it once. It installs
// no rule that drops or queues without --queue-bypass: until the daemon is
// bound, every packet passes. It adds the translate DOI only if the kernel
// does not have it, and then records that in o.StateDir. Teardown removes
// the jumps and the chains and nothing else, and succeeds when they are
// already gone; it deletes the DOI only if setup's record says setup
// added it.
func SetupScript(c *Config, teardown bool, o ScriptOptions) string {
	iptables := o.IPTables
	if iptables == "" {
		iptables = "iptables"
	}
	state := o.StateDir
	if state == "" {
		state = DefaultStateDir
	}
	ipt := iptables + " -w -t mangle"
	var b strings.Builder
	if teardown {
		b.WriteString("# dsmd: remove what --setup added (the jumps to dsmd's chains, then the chains)\n")
		for _, j := range jumps {
			fmt.Fprintf(&b, "while %s -D %s -j %s 2>/dev/null; do :; done\n", ipt, j.from, j.to)
		}
		for _, j := range jumps {
			fmt.Fprintf(&b, "%s -F %s 2>/dev/null || true\n", ipt, j.to)
			fmt.Fprintf(&b, "%s -X %s 2>/dev/null || true\n", ipt, j.to)
		}
		b.WriteString(netlabelScript(c, true, state))
		return b.String()
	}
	fmt.Fprintf(&b, "# dsmd: rules for %s (node %d, DOI %d)\n", c.File, c.Node, c.DOI)
	b.WriteString("# NFQUEUE is an iptables target (this kernel lacks the nftables queue expression);\n")
	b.WriteString("# iptables-nft and iptables-legacy both load it.\n")
	fmt.Fprintf(&b, "# Labels take up to %d octets of every packet; the TCPMSS rule keeps TCP segments within a %d-octet MTU (\"mtu\" directive).\n", c.MaxLabelLen(), c.MTU)
	fmt.Fprintf(&b, "# The rules live in the chains %s, %s and %s; running this again changes nothing.\n", ChainOut, ChainIn, ChainMSS)
	b.WriteString("# Every queue rule has --queue-bypass: packets pass while dsmd is not bound.\n")
	if c.FailOpen {
		b.WriteString("# overload fail-open: the rules keep --queue-bypass while dsmd runs.\n")
	} else {
		b.WriteString("# overload fail-closed: once bound, dsmd removes --queue-bypass, and from then on\n")
		b.WriteString("# queued packets are dropped while it is not running (run this again to undo that).\n")
	}
	b.WriteString("set -e\n")
	fmt.Fprintf(&b, "%s-restore -w --noflush <<'EOF'\n%sEOF\n", iptables, restoreInput(c, false))
	for _, j := range jumps {
		fmt.Fprintf(&b, "%s -C %s -j %s 2>/dev/null || %s -A %s -j %s\n", ipt, j.from, j.to, ipt, j.from, j.to)
	}
	b.WriteString(netlabelScript(c, false, state))
	return b.String()
}

// ClampedMSS is the TCP MSS the --setup rules announce: the MTU less the
// IPv4 and TCP base headers and the longest label (dsm.EffectiveMSS
// does the same subtraction for one label).
func (c *Config) ClampedMSS() int { return max(c.MTU-40-c.MaxLabelLen(), 0) }

// netlabelScript is the NetLabel part of the setup (teardown) script:
// in translate mode, the DOI of the translated labels is added if the
// kernel does not have it, and a record of that is left in state; the
// teardown deletes the DOI only where that record is, so a DOI configured
// before --setup stays. Empty in other modes.
func netlabelScript(c *Config, teardown bool, state string) string {
	if c.Mode != NeutraliseTranslate {
		return ""
	}
	doi := c.TranslateDOI
	mark := shellQuote(fmt.Sprintf("%s/netlabel-doi-%d", state, doi))
	if teardown {
		return fmt.Sprintf("# the translate DOI, only if --setup added it\n"+
			"if [ -e %[2]s ]; then netlabelctl cipsov4 del doi:%[1]d || true; rm -f %[2]s; fi\n", doi, mark)
	}
	// The record is written as root: the state directory must be root's
	// and writable by no one else, and the record is created with
	// noclobber (O_EXCL), so that no link planted there can redirect it.
	return fmt.Sprintf("# translate mode: the kernel must know the DOI of the translated tag-1 labels.\n"+
		"# A DOI the kernel already has is left alone (and left in place by --teardown).\n"+
		"if ! netlabelctl cipsov4 list doi:%[1]d >/dev/null 2>&1; then\n"+
		"\tmkdir -p -m 0755 %[3]s\n"+
		"\tif [ ! -O %[3]s ] || [ -L %[3]s ] || [ -n \"$(find %[3]s -maxdepth 0 -perm /022)\" ]; then\n"+
		"\t\techo \"dsmd setup: \"%[3]s\" must be a directory of this user's that no one else can write\" >&2; exit 1\n"+
		"\tfi\n"+
		"\tnetlabelctl cipsov4 add pass doi:%[1]d tags:1\n"+
		"\trm -f %[2]s; (set -C; : >%[2]s)\n"+
		"fi\n", doi, mark, shellQuote(state))
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
