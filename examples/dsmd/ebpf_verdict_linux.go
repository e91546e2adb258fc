package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/cilium/ebpf/rlimit"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// runBPFVerdict is "dsmd bpf-verdict [--doi-config FILE] [--rbm-strictvalid
// 0|1]": it loads the tc ingress program with the DOIs of FILE (netlabelctl
// syntax, cipso.ParseConfig) and DSM's receiver rules
// (dsm.Receiver, DOI dsm.DefaultDOI), reads options fields as
// hex from standard input, one per line (the syntax of `iplabel
// validate`; empty lines and lines starting with '#' are skipped), runs
// the program on each through BPF_PROG_RUN as on a packet arriving on the
// loopback interface, and prints {"ok":true|false,"pointer":P|null} per
// field. P is the ICMP Parameter Problem pointer, counted from the IP
// header, or null when there is none. A line that is not a field gets
// {"ok":false,"pointer":null,"error":"input: line N: ..."}.
//
// Exit status: 0 when every field is accepted, 1 when some is not, 2 on
// usage, configuration or load errors.
func runBPFVerdict(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("dsmd bpf-verdict", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	cfgPath := fs.String("doi-config", "", "DOI definitions in netlabelctl `file` syntax")
	rbm := fs.String("rbm-strictvalid", "1", "sysctl net.ipv4.cipso_rbm_strictvalid: 0 or 1")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, "Usage: dsmd bpf-verdict [--doi-config FILE] [--rbm-strictvalid 0|1] < fields\n"+
				"judges IPv4 options fields (hex, one a line) with the eBPF ingress program\n\nFlags:\n")
			printFlags(fs, stdout)
			return 0
		}
		fmt.Fprintf(stderr, "dsmd bpf-verdict: %s (dsmd bpf-verdict --help lists the flags)\n", flagError(err))
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "dsmd bpf-verdict: unexpected argument %q (fields are read from standard input)\n", fs.Arg(0))
		return 2
	}
	if *rbm != "0" && *rbm != "1" {
		fmt.Fprintf(stderr, "dsmd bpf-verdict: --rbm-strictvalid %q: want 0 or 1\n", *rbm)
		return 2
	}
	reg, err := ebpfLoadDOIs(*cfgPath)
	if err != nil {
		fmt.Fprintf(stderr, "dsmd bpf-verdict: %v\n", err)
		return 2
	}
	_ = rlimit.RemoveMemlock()
	e, err := LoadEBPFIngress(EBPFIngressConfig{Registry: reg, RBMStrictValid: *rbm == "1", DSM: dsm.Receiver})
	if err != nil {
		fmt.Fprintf(stderr, "dsmd bpf-verdict: %v\n", err)
		return 2
	}
	defer e.Close()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	sc := bufio.NewScanner(stdin)
	sc.Buffer(make([]byte, 64<<10), 64<<10)
	status := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		opts, err := ebpfParseHex(line)
		if err != nil {
			fmt.Fprintf(w, "{\"ok\":false,\"pointer\":null,\"error\":%s}\n", strconv.Quote("input: line "+strconv.Itoa(n)+": "+err.Error()))
			fmt.Fprintf(stderr, "dsmd bpf-verdict: line %d: %v\n", n, err)
			status = 1
			continue
		}
		v, err := e.RunOptions(opts)
		if err != nil {
			w.Flush()
			fmt.Fprintf(stderr, "dsmd bpf-verdict: line %d: %v\n", n, err)
			return 2
		}
		ptr := "null"
		if v.Pointer >= 0 {
			ptr = strconv.Itoa(v.Pointer)
		}
		fmt.Fprintf(w, "{\"ok\":%v,\"pointer\":%s}\n", v.OK, ptr)
		if !v.OK {
			status = 1
		}
	}
	if err := sc.Err(); err != nil {
		w.Flush()
		fmt.Fprintf(stderr, "dsmd bpf-verdict: stdin: %v\n", err)
		return 2
	}
	return status
}

// ebpfLoadDOIs reads a --doi-config file (netlabelctl syntax); errors name
// the file, line and column. No file is an empty registry.
func ebpfLoadDOIs(path string) (*cipso.Registry, error) {
	if path == "" {
		return &cipso.Registry{}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	reg, err := cipso.ParseConfig(f)
	if err != nil {
		var pe *ipopt.ParseError
		if errors.As(err, &pe) {
			msg := pe.Err.Error()
			if pe.Msg != "" {
				msg += ": " + pe.Msg
			}
			return nil, fmt.Errorf("%s:%d:%d: %s", path, pe.Line, pe.Column, msg)
		}
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return reg, nil
}
