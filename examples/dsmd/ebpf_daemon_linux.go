package main

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/ringbuf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/net/icmp"
	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/examples/dsmd/bpf"
)

// EBPFDaemon is dsmd's eBPF datapath in one network namespace: the
// ingress and egress programs attached with TCX (no qdisc) to the
// configured interfaces, their maps filled from the configuration. The
// kernel labels, verifies and neutralises; the daemon only reads the
// counters.
type EBPFDaemon struct {
	prog *EBPFIngress
	// With "icmp on": the ring of refused datagrams the ingress program
	// quotes, the sender of the errors and its counters.
	ring    *ringbuf.Reader
	icmp    *icmpSender
	ctrs    Counters
	ringEnd chan struct{}

	links   []link.Link
	created []string // the links this daemon pinned
	gated   bool     // the links run the fail-closed gates
	Ifaces  []string

	cfg *Config // the configuration the maps hold (Reload)
}

// Reload fills the programs' maps from c, which must differ from the
// running configuration only in what a reload can change (restartOnly).
// The maps are rewritten in place, entry by entry, each table's count
// and the configuration entries last (ConfigureEgress, ConfigurePolicy):
// the programs stay attached and keep handling packets, and during the
// refill a packet may meet a mix of the old and the new rules. It is not
// safe to call concurrently with itself.
func (d *EBPFDaemon) Reload(c *Config) error {
	if err := restartOnly(d.cfg, c, true); err != nil {
		return err
	}
	if err := EBPFUnsupported(c); err != nil {
		return fmt.Errorf("%s: --datapath ebpf: %w", c.File, err)
	}
	if err := d.configure(c); err != nil {
		// A map update the kernel refused (the limits are checked
		// above): the old configuration goes back in.
		if rerr := d.configure(d.cfg); rerr != nil {
			return fmt.Errorf("%w; restoring the running configuration: %v", err, rerr)
		}
		return err
	}
	if d.icmp != nil {
		d.icmp.lim.setRate(c.ICMPRate)
	}
	d.cfg = c
	return nil
}

// configure fills the label and policy maps from c.
func (d *EBPFDaemon) configure(c *Config) error {
	if err := d.prog.ConfigureEgress(c); err != nil {
		return err
	}
	return d.prog.ConfigurePolicy(c)
}

// StartEBPF loads the programs, fills their maps from cfg (the receive
// profile and policy, the label templates and rules) and attaches them,
// ingress and egress, to cfg's interfaces in the namespace opt.NetNS
// (every interface but lo when the configuration names none). Loading
// needs CAP_BPF, attaching CAP_NET_ADMIN; nothing else afterwards.
func StartEBPF(cfg *Config, opt Options) (*EBPFDaemon, error) {
	if opt.Logf == nil {
		opt.Logf = log.Printf
	}
	if err := EBPFUnsupported(cfg); err != nil {
		return nil, fmt.Errorf("dsmd: --datapath ebpf: %w", err)
	}
	// Linux 6.18 charges BPF memory to the cgroup; this only matters on
	// kernels that still use RLIMIT_MEMLOCK.
	_ = rlimit.RemoveMemlock()
	e, err := LoadEBPFIngress(EBPFIngressConfig{RBMStrictValid: true, DSM: cfg.receiveProfile()})
	if err != nil {
		return nil, fmt.Errorf("dsmd: %w", err)
	}
	d := &EBPFDaemon{prog: e, cfg: cfg}
	if err := e.ConfigurePolicy(cfg); err != nil {
		d.Close()
		return nil, fmt.Errorf("dsmd: %w", err)
	}
	if err := e.ConfigureEgress(cfg); err != nil {
		d.Close()
		return nil, fmt.Errorf("dsmd: %w", err)
	}
	if err := e.objs.Datapath.Put(uint32(0), e.Program()); err != nil {
		d.Close()
		return nil, fmt.Errorf("dsmd: datapath map: %w", err)
	}
	if err := e.objs.Datapath.Put(uint32(1), e.Egress()); err != nil {
		d.Close()
		return nil, fmt.Errorf("dsmd: datapath map: %w", err)
	}
	pinDir := opt.BPFPinDir
	if pinDir == "" {
		pinDir = DefaultBPFPinDir
	}
	// TCX resolves the interface index in the caller's namespace, so the
	// attaching runs on a thread inside it.
	err = inNetNS(opt.NetNS, func() error {
		names := cfg.Interfaces
		if len(names) == 0 {
			ifs, err := net.Interfaces()
			if err != nil {
				return err
			}
			for _, i := range ifs {
				if i.Flags&net.FlagLoopback == 0 {
					names = append(names, i.Name)
				}
			}
		}
		if len(names) == 0 {
			return errors.New("no interface to attach to")
		}
		type target struct {
			name  string
			index int
		}
		var targets []target
		for _, name := range names {
			ifi, err := net.InterfaceByName(name)
			if err != nil {
				return err
			}
			// The programs read a 14-octet Ethernet header; on any other
			// link type (tun, WireGuard, ipip: no link header) they would
			// read the wrong octets and let traffic pass unchecked.
			if typ, err := linkType(name); err != nil {
				return fmt.Errorf("interface %s: %w", name, err)
			} else if typ != unix.ARPHRD_ETHER {
				return fmt.Errorf("interface %s is not Ethernet (ARPHRD %d): the eBPF datapath handles Ethernet devices only; name the devices with \"interface\" or use the NFQUEUE datapath", name, typ)
			}
			targets = append(targets, target{name, ifi.Index})
		}
		dirs := []struct {
			p, gate *ebpf.Program
			typ     ebpf.AttachType
			egress  bool
		}{{e.Program(), e.objs.DsmdIngressGate, ebpf.AttachTCXIngress, false}, {e.Egress(), e.objs.DsmdEgressGate, ebpf.AttachTCXEgress, true}}
		if cfg.FailOpen {
			// Plain links, detached when dsmd exits: packets then pass.
			for _, t := range targets {
				for _, a := range dirs {
					l, err := link.AttachTCX(link.TCXOptions{Interface: t.index, Program: a.p, Attach: a.typ})
					if err != nil {
						return fmt.Errorf("attaching the %s program to %s (TCX): %w", ebpfPinNames[b2i(a.egress)], t.name, err)
					}
					d.links = append(d.links, l)
				}
				d.Ifaces = append(d.Ifaces, t.name)
			}
			// Links a fail-closed dsmd left armed would drop what these
			// pass: they go.
			for _, t := range targets {
				for _, a := range dirs {
					if err := os.Remove(ebpfPin(pinDir, t.name, a.egress)); err != nil && !errors.Is(err, fs.ErrNotExist) {
						return fmt.Errorf("fail-open: removing the armed link: %w", err)
					}
				}
			}
			return nil
		}
		// Fail-closed: the gates, on links pinned in bpffs that outlive
		// dsmd (see dsmd_ingress_gate in bpf/c/dsmd.c). Every pinned link
		// is found first, so that a failure changes nothing; links that
		// an earlier dsmd pinned are taken over.
		if err := checkBPFFS(pinDir); err != nil {
			return err
		}
		var found []pinnedTCX
		defer func() {
			for _, p := range found {
				if p.old != nil && !slices.Contains(d.links, p.old) {
					p.old.Close()
				}
			}
		}()
		for _, t := range targets {
			for _, a := range dirs {
				p, err := findPinned(ebpfPin(pinDir, t.name, a.egress), t.index, a.typ)
				if err != nil {
					return err
				}
				found = append(found, p)
			}
		}
		for i, p := range found {
			t, a := targets[i/2], dirs[i%2]
			l, created, err := p.attach(t.index, a.gate, a.typ)
			if err != nil {
				return fmt.Errorf("attaching the %s gate to %s (TCX): %w", ebpfPinNames[b2i(a.egress)], t.name, err)
			}
			d.links = append(d.links, l)
			if created {
				d.created = append(d.created, p.path)
			}
			if i%2 == 1 {
				d.Ifaces = append(d.Ifaces, t.name)
			}
		}
		d.gated = true
		return nil
	})
	if err != nil {
		d.abort()
		return nil, fmt.Errorf("dsmd: %w", err)
	}
	if cfg.ICMP {
		if err := d.startICMP(cfg, opt); err != nil {
			d.abort()
			return nil, fmt.Errorf("dsmd: %w", err)
		}
	}
	return d, nil
}

// abort is Close for a dsmd that fails to start, by every failure after
// the links are pinned: it first removes the links it pinned itself
// (created), so that they do not stay behind and drop every IPv4 packet
// on the interfaces. A link it took over now holds its gates, which drop
// once it exits, as the earlier dsmd's did.
func (d *EBPFDaemon) abort() error {
	for _, p := range d.created {
		_ = os.Remove(p)
	}
	d.created = nil
	return d.Close()
}

// Close releases the programs and their maps, and the links. Fail-open,
// that detaches the programs: packets then pass the interfaces unlabeled
// and unchecked (the kernel still drops a DSM label it meets, see
// README.md). Fail-closed, the pinned links keep the gates attached,
// which from then on drop every IPv4 packet, until a dsmd takes them
// over or DisarmEBPF removes them.
func (d *EBPFDaemon) Close() error {
	var errs []error
	if d.ring != nil {
		errs = append(errs, d.ring.Close())
		<-d.ringEnd
		d.ring = nil
	}
	if d.icmp != nil {
		errs = append(errs, d.icmp.conn.Close())
		d.icmp = nil
	}
	for _, l := range d.links {
		errs = append(errs, l.Close())
	}
	d.links = nil
	if d.prog != nil {
		errs = append(errs, d.prog.Close())
		d.prog = nil
	}
	return errors.Join(errs...)
}

// Attached are the programs attached to the interfaces, ingress and
// egress: the fail-closed gates, or the programs themselves.
func (d *EBPFDaemon) Attached() (ingress, egress *ebpf.Program) {
	if d.gated {
		return d.prog.objs.DsmdIngressGate, d.prog.objs.DsmdEgressGate
	}
	return d.prog.Program(), d.prog.Egress()
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// startICMP makes dsmd send the ICMP Destination Unreachable code 10
// that the NFQUEUE datapath sends for a packet the receive policy
// refuses: the ingress program quotes the refused datagram into the
// icmp_events ring, and a goroutine reads it and sends the error through
// a raw ICMP socket opened now, in the namespace, rate-limited by
// "icmp-rate" (icmpSender, as the NFQUEUE datapath does). Sending on the
// open socket needs no capability (inet_create checks CAP_NET_RAW only
// when the socket is made).
func (d *EBPFDaemon) startICMP(cfg *Config, opt Options) error {
	var conn *icmp.PacketConn
	if err := inNetNS(opt.NetNS, func() (err error) {
		conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
		return err
	}); err != nil {
		return fmt.Errorf("ICMP socket: %w", err)
	}
	d.icmp = &icmpSender{conn: conn, lim: newRateLimiter(cfg.ICMPRate)}
	rd, err := ringbuf.NewReader(d.prog.objs.IcmpEvents)
	if err != nil {
		return fmt.Errorf("icmp_events ring: %w", err)
	}
	d.ring, d.ringEnd = rd, make(chan struct{})
	var c bpf.DsmdConfig
	if err := d.prog.objs.Config.Lookup(uint32(0), &c); err != nil {
		return fmt.Errorf("config map: %w", err)
	}
	c.Icmp = 1
	if err := d.prog.objs.Config.Put(uint32(0), &c); err != nil {
		return fmt.Errorf("config map: %w", err)
	}
	go func(s *icmpSender) {
		defer close(d.ringEnd)
		var rec ringbuf.Record
		var wait ringBackoff
		for {
			if err := rd.ReadInto(&rec); err != nil {
				if errors.Is(err, ringbuf.ErrClosed) {
					return
				}
				d.ctrs.Errors.Add(1)
				if wait.first() {
					opt.Logf("dsmd: reading the icmp_events ring: %v (retrying, logged once)", err)
				}
				time.Sleep(wait.next())
				continue
			}
			wait.reset()
			// struct icmp_event: the quoted length, then the octets.
			if len(rec.RawSample) < 4 {
				continue
			}
			n := int(binary.NativeEndian.Uint32(rec.RawSample))
			q := rec.RawSample[4:]
			s.send(q[:min(n, len(q))], &d.ctrs, time.Now)
		}
	}(d.icmp)
	return nil
}

// ringBackoff is the pause between failed reads of the icmp_events
// ring: 10 ms, doubling up to 1 s, so that a persistent error does not
// spin; a read that succeeds starts it again.
type ringBackoff struct {
	d      time.Duration
	logged bool
}

// first says whether this is the first failure since the start: the one
// that is logged.
func (b *ringBackoff) first() bool {
	if b.logged {
		return false
	}
	b.logged = true
	return true
}

// next is the pause after a failed read.
func (b *ringBackoff) next() time.Duration {
	switch {
	case b.d == 0:
		b.d = 10 * time.Millisecond
	case b.d < time.Second:
		b.d = min(2*b.d, time.Second)
	}
	return b.d
}

// reset starts the pauses again after a read that succeeded.
func (b *ringBackoff) reset() { b.d = 0 }

// EBPFCounters are the programs' per-reason counters, and with "icmp on"
// the daemon's ICMP errors: sent, not sent because of the rate limit,
// and errors.
type EBPFCounters struct {
	In  [ebpfReasons]uint64
	Out [ebpfOutReasons]uint64

	ICMP                              bool
	ICMPSent, ICMPLimited, ICMPErrors uint64
}

// Counters reads the counters of both programs.
func (d *EBPFDaemon) Counters() (EBPFCounters, error) {
	var c EBPFCounters
	var err error
	if d.ring != nil {
		c.ICMP = true
		c.ICMPSent, c.ICMPLimited, c.ICMPErrors = d.ctrs.ICMPSent.Load(), d.ctrs.ICMPLimited.Load(), d.ctrs.Errors.Load()
	}
	if c.In, err = d.prog.Counters(); err != nil {
		return c, err
	}
	c.Out, err = d.prog.OutCounters()
	return c, err
}

// Counters lists the counters: out and in by reason, then, with "icmp
// on", the ICMP errors.
func (c EBPFCounters) Counters() []counter {
	var cs []counter
	for r, v := range c.Out {
		cs = append(cs, counter{"out", EBPFOutReason(r).String(), v})
	}
	for r, v := range c.In {
		cs = append(cs, counter{"in", EBPFReason(r).String(), v})
	}
	if c.ICMP {
		cs = append(cs, counter{"icmp", "sent", c.ICMPSent}, counter{"icmp", "limited", c.ICMPLimited}, counter{"icmp", "errors", c.ICMPErrors})
	}
	return cs
}

// String gives the counters as "out: labeled=N ... | in: pass=N ...".
func (c EBPFCounters) String() string {
	var b strings.Builder
	b.WriteString("out:")
	for r, v := range c.Out {
		fmt.Fprintf(&b, " %s=%d", EBPFOutReason(r), v)
	}
	b.WriteString(" | in:")
	for r, v := range c.In {
		fmt.Fprintf(&b, " %s=%d", EBPFReason(r), v)
	}
	if c.ICMP {
		fmt.Fprintf(&b, " | icmp: sent=%d limited=%d errors=%d", c.ICMPSent, c.ICMPLimited, c.ICMPErrors)
	}
	return b.String()
}

// ebpfRun is the command line runEBPFDatapath acts on.
type ebpfRun struct {
	Setup, Teardown, Check bool
	IPTables, PinDir       string
}

// runEBPFDatapath is run for --datapath other than nfqueue: with ebpf
// it prints the MSS-clamp script (--setup, --teardown), checks that the
// configuration is one the programs can apply (--check) or serves.
func runEBPFDatapath(datapath string, cfg *Config, r ebpfRun, svc *service, stdout, stderr io.Writer) int {
	switch {
	case datapath != "ebpf":
		fmt.Fprintf(stderr, "dsmd: --datapath %q: want nfqueue or ebpf\n", datapath)
		return 2
	case r.Setup || r.Teardown:
		fmt.Fprint(stdout, EBPFSetupScript(cfg, r.Teardown, ScriptOptions{IPTables: r.IPTables}))
		return 0
	case r.Check:
		if err := EBPFUnsupported(cfg); err != nil {
			fmt.Fprintf(stderr, "dsmd: --datapath ebpf: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s: ok\n", cfg.File)
		return 0
	}
	return serveEBPF(cfg, r.PinDir, svc)
}

// serveEBPF is serve for --datapath ebpf: it checks that it can drop its
// privileges, loads and attaches the programs, drops every capability
// (reading and writing maps through their open descriptors and closing
// the links need none on Linux 6.18, whose bpf(2) checks CAP_BPF only to
// create maps and load programs) and switches to the configured user,
// then logs the counters on SIGUSR1 and at exit, when it detaches, and
// refills the maps from the configuration file on SIGHUP.
func serveEBPF(cfg *Config, pinDir string, svc *service) int {
	log := svc.log
	fail := func(msg string, err error) int {
		log.Error(msg, "err", strings.TrimPrefix(err.Error(), "dsmd: "))
		return 1
	}
	// CAP_PERFMON too: without it the verifier applies its Spectre
	// restrictions to the programs and refuses their variable-offset
	// stack accesses ("variable stack access prohibited for !root",
	// checked on Linux 6.18 with a bounding set of CAP_BPF and
	// CAP_NET_ADMIN only).
	need := []int{unix.CAP_BPF, unix.CAP_PERFMON, unix.CAP_NET_ADMIN}
	if cfg.ICMP {
		need = append(need, unix.CAP_NET_RAW) // to open the ICMP socket
	}
	if err := checkPrivileges(cfg, nil, need); err != nil {
		return fail("cannot drop privileges", err)
	}
	ln, err := svc.listenMetrics()
	if err != nil {
		return fail("metrics", err)
	}
	if ln != nil {
		defer ln.Close()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := StartEBPF(cfg, Options{Logf: printfTo(log), BPFPinDir: pinDir})
	if err != nil {
		return fail("start", err)
	}
	defer d.Close()
	if err := dropPrivileges(cfg, nil); err != nil {
		d.abort()
		return fail("dropping privileges", err)
	}
	counters := func() ([]counter, error) {
		c, err := d.Counters()
		return c.Counters(), err
	}
	// The metrics handlers read the programs' maps: they stop before
	// d.Close releases them.
	stopMetrics := func() {}
	if ln != nil {
		stopMetrics = serveMetrics(ln, counters, &svc.reloads, log)
		defer stopMetrics()
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGHUP)
	defer signal.Stop(sigs)
	log.Info("started", "node", cfg.Node, "datapath", "ebpf", "interfaces", strings.Join(d.Ifaces, ","), "metrics", svc.metrics)
	show := func(what string) bool {
		cs, err := counters()
		if err != nil {
			log.Error("reading the counters", "err", err)
			return false
		}
		log.Info(what, logAttrs(cs)...)
		return true
	}
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				svc.reload(d.Reload)
				continue
			}
			show("counters")
		case <-ctx.Done():
			ok := show("counters at exit")
			stopMetrics()
			if err := d.Close(); err != nil {
				return fail("detaching", err)
			}
			if !ok {
				return 1
			}
			return 0
		}
	}
}

// disarmEBPF is --datapath ebpf --disarm: it removes the links pinned in
// pinDir (DisarmEBPF) and lists them.
func disarmEBPF(pinDir string, stdout, stderr io.Writer) int {
	removed, err := DisarmEBPF(pinDir)
	for _, p := range removed {
		fmt.Fprintf(stdout, "removed %s\n", p)
	}
	if err != nil {
		fmt.Fprintf(stderr, "dsmd: --disarm: %v\n", err)
		return 1
	}
	return 0
}

// EBPFSetupScript is what --setup (or --teardown) prints with --datapath
// ebpf: only the TCP MSS clamp (the DSMD-MSS chain of SetupScript, from
// POSTROUTING), since the programs do the rest; the labels make every
// packet longer and TCP segments must still fit the MTU.
func EBPFSetupScript(c *Config, teardown bool, o ScriptOptions) string {
	iptables := o.IPTables
	if iptables == "" {
		iptables = "iptables"
	}
	ipt := iptables + " -w -t mangle"
	var b strings.Builder
	if teardown {
		b.WriteString("# dsmd --datapath ebpf: remove the TCP MSS clamp\n")
		fmt.Fprintf(&b, "while %s -D POSTROUTING -j %s 2>/dev/null; do :; done\n", ipt, ChainMSS)
		fmt.Fprintf(&b, "%s -F %s 2>/dev/null || true\n", ipt, ChainMSS)
		fmt.Fprintf(&b, "%s -X %s 2>/dev/null || true\n", ipt, ChainMSS)
		return b.String()
	}
	fmt.Fprintf(&b, "# dsmd --datapath ebpf: the TCP MSS clamp for %s (labels of up to %d octets, %d-octet MTU)\n", c.File, c.MaxLabelLen(), c.MTU)
	fmt.Fprintf(&b, "set -e\n%s -N %s 2>/dev/null || %s -F %s\n", ipt, ChainMSS, ipt, ChainMSS)
	for _, r := range SetupRules(c, false) {
		if r.Chain == ChainMSS {
			fmt.Fprintf(&b, "%s -A %s %s\n", ipt, ChainMSS, strings.Join(r.Args, " "))
		}
	}
	fmt.Fprintf(&b, "%s -C POSTROUTING -j %s 2>/dev/null || %s -A POSTROUTING -j %s\n", ipt, ChainMSS, ipt, ChainMSS)
	return b.String()
}

// linkType is the ARPHRD type of the named interface in the calling
// thread's network namespace (SIOCGIFHWADDR: the hardware address's
// family).
func linkType(name string) (uint16, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, err
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFHWADDR, ifr); err != nil {
		return 0, fmt.Errorf("SIOCGIFHWADDR: %w", err)
	}
	return ifr.Uint16(), nil
}
