// Command dsmd is a user-space Distributed Security Module: it labels every
// outgoing IPv4 packet with the DSM network-SID label (a CIPSO option with
// a FIPS 188 free-form tag: source SID and node ID) and checks those labels
// on receipt, over two NFQUEUE queues fed by iptables rules.
//
//	dsmd --config /etc/dsmd.conf --setup    print the shell script that installs its iptables rules
//	dsmd --config /etc/dsmd.conf            run
//	dsmd --config /etc/dsmd.conf --teardown print the script that removes them
//	dsmd --config /etc/dsmd.conf --check    check the configuration and exit
//	dsmd --config /etc/dsmd.conf --datapath ebpf
//	                                        run with the tc eBPF programs instead of NFQUEUE (ebpf_*.go);
//	                                        with --setup/--teardown, print only the TCP MSS clamp
//	dsmd --datapath ebpf --disarm [--pin-dir DIR]
//	                                        remove the links a fail-closed eBPF datapath left pinned
//	dsmd bpf-verdict [--doi-config FILE] [--rbm-strictvalid 0|1]
//	                                        judge options fields (hex, one a line) with the eBPF ingress program
//
// The rules --setup installs let every packet pass until dsmd is bound to
// its queues (--queue-bypass). dsmd first checks that it will be able to
// drop its privileges (CheckPrivileges), and stops, changing nothing, if
// not. Once bound, it keeps only the capabilities it needs and sets
// no_new_privs (DropPrivileges), switching to the configured "user" if
// there is one, and then arms the rules in "overload fail-closed" mode
// (ArmInput) through an iptables-restore it started before the drop.
//
// As a service (dsmd.service): it logs with log/slog (timestamps; text,
// or JSON with --log-format json), logs its counters on SIGUSR1 and at
// exit, serves them as Prometheus metrics with --metrics ADDR, and
// reloads its configuration on SIGHUP (Daemon.Reload, EBPFDaemon.Reload:
// a configuration that does not parse, or changes what only a restart
// can change, is refused with one log line and the running one kept).
// --version prints the build's version. See README.md and example.conf.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// usageHead is the top of --help.
const usageHead = `Usage:
  dsmd [--config FILE] [--datapath nfqueue|ebpf]   run the daemon
  dsmd --config FILE --setup | sh                  install its rules (as root)
  dsmd --config FILE --teardown | sh               remove them
  dsmd --config FILE --check                       check the configuration
  dsmd --datapath ebpf --disarm [--pin-dir DIR]    remove a fail-closed eBPF dsmd's pinned links
  dsmd bpf-verdict [--doi-config FILE] [--rbm-strictvalid 0|1]
                                                   judge options fields with the eBPF ingress program
  dsmd --version | --help

Signals: SIGHUP reloads the configuration, SIGUSR1 logs the counters,
SIGTERM and SIGINT stop.

Flags:
`

// printUsage writes --help: usageHead, then every flag as it is typed
// (--name).
func printUsage(fs *flag.FlagSet, w io.Writer) {
	fmt.Fprint(w, usageHead)
	printFlags(fs, w)
}

// printFlags lists fs's flags as they are typed (--name), with their
// arguments, usage and defaults.
func printFlags(fs *flag.FlagSet, w io.Writer) {
	fs.VisitAll(func(f *flag.Flag) {
		arg, usage := flag.UnquoteUsage(f)
		line := "  --" + f.Name
		if arg != "" {
			line += " " + arg
		}
		fmt.Fprintf(w, "%s\n    \t%s", line, strings.ReplaceAll(usage, "\n", "\n    \t"))
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %q)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
}

// flagError is err from flag.Parse with flags spelled as they are typed
// (the flag package writes "-config").
func flagError(err error) string {
	s := err.Error()
	for _, from := range []string{"defined: -", "argument: -", "flag -", "for -"} {
		s = strings.Replace(s, from, strings.TrimSuffix(from, "-")+"--", 1)
	}
	return s
}

func run(args []string, stdout, stderr io.Writer) int {
	// eBPF datapath (ebpf_*.go): the diagnosis subcommand.
	if len(args) > 0 && args[0] == "bpf-verdict" {
		return runBPFVerdict(args[1:], os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("dsmd", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	config := fs.String("config", "/etc/dsmd.conf", "configuration `file`")
	setup := fs.Bool("setup", false, "print the iptables (and netlabelctl) commands the configuration needs, and exit")
	teardown := fs.Bool("teardown", false, "print the commands that undo --setup, and exit")
	check := fs.Bool("check", false, "check the configuration and exit")
	iptables := fs.String("iptables", "iptables", "iptables `command` of the scripts and of arming (iptables-nft, iptables-legacy); its restore command is this name with -restore appended")
	stateDir := fs.String("state-dir", DefaultStateDir, "`directory` where the --setup script records what it added for --teardown (the translate DOI)")
	datapath := fs.String("datapath", "nfqueue", "`path` of the packets: nfqueue (iptables rules and two queues) or ebpf (tc programs, ebpf_*.go)")
	pinDir := fs.String("pin-dir", DefaultBPFPinDir, "`directory` on a bpf file system where a fail-closed --datapath ebpf pins its links")
	disarm := fs.Bool("disarm", false, "with --datapath ebpf: remove the links a fail-closed dsmd left pinned in --pin-dir (packets pass again), and exit")
	logFormat := fs.String("log-format", "text", "`format` of the daemon's log lines on standard error: text or json (log/slog, with timestamps)")
	metrics := fs.String("metrics", "", "`address` (host:port) on which to serve the counters as Prometheus metrics (GET /metrics); off when empty")
	version := fs.Bool("version", false, "print the version and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printUsage(fs, stdout)
			return 0
		}
		fmt.Fprintf(stderr, "dsmd: %s (dsmd --help lists the flags)\n", flagError(err))
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dsmd: unexpected argument %q (dsmd --help lists the flags)\n", fs.Arg(0))
		return 2
	}
	if *version {
		fmt.Fprintln(stdout, versionLine())
		return 0
	}
	if *disarm { // eBPF datapath (ebpf_*.go): needs no configuration
		if *datapath != "ebpf" {
			fmt.Fprintln(stderr, "dsmd: --disarm is for --datapath ebpf (the NFQUEUE rules are disarmed by --setup)")
			return 2
		}
		return disarmEBPF(*pinDir, stdout, stderr)
	}
	logger, err := newLogger(*logFormat, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "dsmd: %v\n", err)
		return 2
	}
	daemon := !*setup && !*teardown && !*check
	cfg, err := LoadConfig(*config)
	if err != nil {
		if daemon {
			logger.Error(err.Error())
		} else {
			fmt.Fprintf(stderr, "dsmd: %v\n", err)
		}
		return 1
	}
	svc := &service{config: *config, log: logger, metrics: *metrics}
	if *datapath != "nfqueue" { // eBPF datapath (ebpf_*.go)
		return runEBPFDatapath(*datapath, cfg, ebpfRun{Setup: *setup, Teardown: *teardown, Check: *check, IPTables: *iptables, PinDir: *pinDir}, svc, stdout, stderr)
	}
	switch {
	case *setup || *teardown:
		fmt.Fprint(stdout, SetupScript(cfg, *teardown, ScriptOptions{IPTables: *iptables, StateDir: *stateDir}))
		return 0
	case *check:
		fmt.Fprintf(stdout, "%s: ok\n", cfg.File)
		return 0
	}
	return serve(cfg, *iptables, svc)
}

// service is what the daemon of either datapath shares: the
// configuration file it reloads, its log and the metrics address.
type service struct {
	config  string
	log     *slog.Logger
	metrics string
	reloads reloadStats
}

// listenMetrics opens the metrics listener, if one is configured: before
// the privileges are dropped, so that a port below 1024 can be used.
func (s *service) listenMetrics() (net.Listener, error) {
	if s.metrics == "" {
		return nil, nil
	}
	ln, err := net.Listen("tcp", s.metrics)
	if err != nil {
		return nil, fmt.Errorf("--metrics: %w", err)
	}
	return ln, nil
}

// reload is SIGHUP: it reads and checks the configuration file afresh and
// hands it to apply; on any error it logs one line and the running
// configuration stays.
func (s *service) reload(apply func(*Config) error) {
	c, err := LoadConfig(s.config)
	if err == nil {
		err = apply(c)
	}
	if err != nil {
		s.reloads.failed.Add(1)
		s.log.Error("reload refused, the running configuration stays", "err", err)
		return
	}
	s.reloads.ok.Add(1)
	s.log.Info("reloaded", "config", s.config)
}

// serve runs the daemon until SIGINT or SIGTERM, logging the counters on
// SIGUSR1 and at exit and reloading the configuration on SIGHUP. Once
// the queues are bound it drops its privileges and then arms the
// fail-closed rules; the startup line is logged after that.
func serve(cfg *Config, iptables string, svc *service) int {
	log := svc.log
	fail := func(msg string, err error) int {
		log.Error(msg, "err", strings.TrimPrefix(err.Error(), "dsmd: "))
		return 1
	}
	// Everything DropPrivileges needs is checked before anything is
	// bound or armed: a dsmd that cannot drop its privileges leaves the
	// rules as --setup made them (bypassing), so the host keeps its
	// network.
	if err := CheckPrivileges(cfg); err != nil {
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
	d, err := Start(ctx, cfg, Options{Logf: printfTo(log)})
	if err != nil {
		return fail("start", err)
	}
	// The fail-closed rules are armed only once the privileges are
	// dropped, by an iptables-restore started before the drop
	// (pendingRestore): a dsmd that fails to start never leaves them
	// armed.
	var arming *pendingRestore
	armInput := ArmInput(cfg)
	if armInput != "" {
		if arming, err = startRestore(iptables); err != nil {
			d.Close()
			return fail("arming the fail-closed rules", err)
		}
	}
	if err := DropPrivileges(cfg); err != nil {
		if arming != nil {
			arming.abort()
		}
		d.Close()
		return fail("dropping privileges (the rules were not armed)", err)
	}
	if arming != nil {
		if err := arming.commit(armInput); err != nil {
			d.Close()
			return fail("arming the fail-closed rules (were they installed with --setup?); they were left as they were", err)
		}
	}
	if ln != nil {
		serveMetrics(ln, func() ([]counter, error) { return d.Counters().Snapshot().Counters(), nil }, &svc.reloads, log)
	}
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGUSR1, syscall.SIGHUP)
	defer signal.Stop(sigs)
	log.Info("started", "node", cfg.Node, "datapath", "nfqueue", "queue-out", cfg.QueueOut, "queue-in", cfg.QueueIn, "metrics", svc.metrics)
	for {
		select {
		case sig := <-sigs:
			if sig == syscall.SIGHUP {
				svc.reload(d.Reload)
				continue
			}
			log.Info("counters", logAttrs(d.Counters().Snapshot().Counters())...)
		case <-d.Done():
			err := d.Close()
			log.Info("counters at exit", logAttrs(d.Counters().Snapshot().Counters())...)
			if err != nil {
				return fail("stopped", err)
			}
			return 0
		}
	}
}
