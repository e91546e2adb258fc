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
// (ArmInput) through an iptables-restore it started before the drop. Counters are printed on SIGUSR1 and at exit. See
// README.md and example.conf.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	// eBPF datapath (ebpf_*.go): the diagnosis subcommand.
	if len(args) > 0 && args[0] == "bpf-verdict" {
		return runBPFVerdict(args[1:], os.Stdin, stdout, stderr)
	}
	fs := flag.NewFlagSet("dsmd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	config := fs.String("config", "/etc/dsmd.conf", "configuration `file`")
	setup := fs.Bool("setup", false, "print the iptables (and netlabelctl) commands the configuration needs, and exit")
	teardown := fs.Bool("teardown", false, "print the commands that undo --setup, and exit")
	check := fs.Bool("check", false, "check the configuration and exit")
	iptables := fs.String("iptables", "iptables", "iptables `command` of the scripts and of arming (iptables-nft, iptables-legacy); its restore command is this name with -restore appended")
	stateDir := fs.String("state-dir", DefaultStateDir, "`directory` where the --setup script records what it added for --teardown (the translate DOI)")
	datapath := fs.String("datapath", "nfqueue", "`path` of the packets: nfqueue (iptables rules and two queues) or ebpf (tc programs, ebpf_*.go)")
	pinDir := fs.String("pin-dir", DefaultBPFPinDir, "`directory` on a bpf file system where a fail-closed --datapath ebpf pins its links")
	disarm := fs.Bool("disarm", false, "with --datapath ebpf: remove the links a fail-closed dsmd left pinned in --pin-dir (packets pass again), and exit")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dsmd: unexpected argument %q\n", fs.Arg(0))
		return 2
	}
	if *disarm { // eBPF datapath (ebpf_*.go): needs no configuration
		if *datapath != "ebpf" {
			fmt.Fprintln(stderr, "dsmd: --disarm is for --datapath ebpf (the NFQUEUE rules are disarmed by --setup)")
			return 2
		}
		return disarmEBPF(*pinDir, stdout, stderr)
	}
	cfg, err := LoadConfig(*config)
	if err != nil {
		fmt.Fprintf(stderr, "dsmd: %v\n", err)
		return 1
	}
	if *datapath != "nfqueue" { // eBPF datapath (ebpf_*.go)
		return runEBPFDatapath(*datapath, cfg, ebpfRun{Setup: *setup, Teardown: *teardown, Check: *check, IPTables: *iptables, PinDir: *pinDir}, stdout, stderr)
	}
	switch {
	case *setup || *teardown:
		fmt.Fprint(stdout, SetupScript(cfg, *teardown, ScriptOptions{IPTables: *iptables, StateDir: *stateDir}))
		return 0
	case *check:
		fmt.Fprintf(stdout, "%s: ok\n", cfg.File)
		return 0
	}
	return serve(cfg, *iptables, stderr)
}

// serve runs the daemon until SIGINT or SIGTERM, printing the counters on
// SIGUSR1 and at exit. Once the queues are bound it drops its privileges
// and then arms the fail-closed rules; the startup line is printed after
// that.
func serve(cfg *Config, iptables string, stderr io.Writer) int {
	// Everything DropPrivileges needs is checked before anything is
	// bound or armed: a dsmd that cannot drop its privileges leaves the
	// rules as --setup made them (bypassing), so the host keeps its
	// network.
	if err := CheckPrivileges(cfg); err != nil {
		fmt.Fprintf(stderr, "dsmd: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	d, err := Start(ctx, cfg, Options{})
	if err != nil {
		fmt.Fprintf(stderr, "dsmd: %v\n", err)
		return 1
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
			fmt.Fprintf(stderr, "dsmd: arming the fail-closed rules: %v\n", err)
			return 1
		}
	}
	if err := DropPrivileges(cfg); err != nil {
		if arming != nil {
			arming.abort()
		}
		d.Close()
		fmt.Fprintf(stderr, "dsmd: %v (the rules were not armed)\n", err)
		return 1
	}
	if arming != nil {
		if err := arming.commit(armInput); err != nil {
			d.Close()
			fmt.Fprintf(stderr, "dsmd: arming the fail-closed rules (were they installed with --setup?): %v; they were left as they were\n", err)
			return 1
		}
	}
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	fmt.Fprintf(stderr, "dsmd: node %d, queues out %d in %d\n", cfg.Node, cfg.QueueOut, cfg.QueueIn)
	for {
		select {
		case <-usr1:
			fmt.Fprintf(stderr, "dsmd: counters: %s\n", d.Counters().Snapshot())
		case <-d.Done():
			err := d.Close()
			fmt.Fprintf(stderr, "dsmd: counters at exit: %s\n", d.Counters().Snapshot())
			if err != nil {
				fmt.Fprintf(stderr, "dsmd: %v\n", err)
				return 1
			}
			return 0
		}
	}
}
