// Command iplabel validates, decodes, encodes, dumps and rewrites the
// security labels carried in IPv4 options, and lists the kernel's DOIs: CIPSO (option 134, tags 1, 2,
// 5 and Linux's local tag 128), the FIPS 188 tags 6 and 7 (and the DSM
// network SID inside tag 7), and the RFC 1108 Basic and Extended Security
// Options (130, 133).
//
// Usage:
//
//	iplabel validate [--profile linux|strict] [--doi-config FILE|kernel] [--loopback] [--rbm-strictvalid 0|1] [HEX...]
//	iplabel validate --ipv6 [--profile linux|strict] [--doi-config FILE|kernel] [HEX...]
//	iplabel decode [--doi-config FILE|kernel] [HEX...]
//	iplabel decode --ipv6 [--doi-config FILE|kernel] [HEX...]
//	iplabel encode --doi N --level L [--categories 0,5,10-20] [--tags 1,2,5] [--doi-config FILE|kernel] [--optfmt]
//	iplabel encode --doi N --label s3:c0,c5.c9 [--tags 1,2,5] [--doi-config FILE|kernel] [--optfmt]
//	iplabel encode --nsid ssid=N,node=N[,serial=N,msid=N,dsid=N,bypass] [--doi N]
//	iplabel encode --bso level=secret,authorities=genser+nsa
//	iplabel encode --calipso doi=N,level=L[,categories=0,5,10-20] [--hop-by-hop [--next-header N]]
//	iplabel dump [--json] [-l] [--doi-config FILE|kernel] FILE|-
//	iplabel rewrite --in FILE|- --out FILE|- (--set LABEL | --strip | --translate[=FROM:TO]) [--doi-config FILE|kernel] [--skip-unfit] [--fix-checksum]
//	iplabel dois
//	iplabel completion bash|zsh|fish
//	iplabel version | iplabel --version
//	iplabel help [COMMAND] | iplabel COMMAND --help
//
// validate and decode read IPv4 options fields (the octets after the
// 20-octet base header) as hex, from their arguments or, when there are
// none, one per line from standard input, and print exactly one JSON
// object per field; with --ipv6, validate reads IPv6 Hop-by-Hop Options
// headers and checks their CALIPSO labels (RFC 5570) and other options as
// Linux does, and decode --ipv6 decodes them. dump prints one line per
// packet of a pcap or pcapng capture, IPv4 and IPv6 (CALIPSO) labels
// alike; rewrite relabels its IPv4 packets (CIPSO, BSO) or its IPv6
// packets (CALIPSO, --set calipso:...), and --strip removes both. --doi-config names a file of DOIs in netlabelctl syntax, or
// "kernel" for the running kernel's, which dois prints in that syntax.
// Without it, dump checks labels of DOIs not configured structurally and
// says so.
//
// Exit status: 0 success; 1 some input is not a valid label (validate
// only); 2 usage, configuration, input or I/O error, with a one-line
// message on standard error naming the file and the line or byte.
//
// See README.md in this directory for the JSON shapes and examples.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// Exit statuses (the CLI contract).
const (
	exitOK      = 0 // success
	exitInvalid = 1 // validate: some input is not a valid label
	exitError   = 2 // usage, configuration, input or I/O error
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// env is what a command runs with: its streams, so that tests can run the
// whole command in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// command is one subcommand: it returns the exit status, or an error that
// run prints as one line and turns into exit status 2.
type command func(e *env, args []string) (int, error)

var commands = map[string]command{
	"validate": runValidate,
	"decode":   runDecode,
	"encode":   runEncode,
	"dump":     runDump,
	"rewrite":  runRewrite,
	"dois":     runDOIs,
}

// usageText is what a bare "iplabel" prints on stderr: the usage of
// every command.
func usageText() string {
	var b strings.Builder
	b.WriteString("usage:\n")
	for _, d := range commandDocs {
		for _, u := range d.usage {
			b.WriteString("  iplabel " + u + "\n")
		}
	}
	b.WriteString("Run \"iplabel help\" for what each command does.\n")
	return b.String()
}

// run is the whole program: it parses args, runs the command and returns
// the exit status. Everything it prints goes to stdout and stderr.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		fmt.Fprint(stderr, usageText())
		return exitError
	}
	name := args[0]
	var cmd command
	switch name {
	case "help", "-h", "-help", "--help":
		name, cmd = "help", runHelp
	case "version", "-version", "--version":
		name, cmd = "version", runVersion
	case "completion":
		cmd = runCompletion
	default:
		var ok bool
		if cmd, ok = commands[name]; !ok {
			if strings.HasPrefix(name, "-") {
				fmt.Fprintf(stderr, "iplabel: unknown flag %q (a command comes first; iplabel help lists them)\n", name)
			} else {
				fmt.Fprintf(stderr, "iplabel: unknown command %q (iplabel help lists them)\n", name)
			}
			return exitError
		}
	}
	status, err := cmd(e, args[1:])
	if err != nil {
		var h helpRequested
		if errors.As(err, &h) {
			writeCommandHelp(stdout, docOf(name), h.fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "iplabel: %s: %s\n", name, oneLine(err.Error()))
		return exitError
	}
	return status
}

// oneLine keeps an error message on one line, whatever a library put in
// it.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// usageError is a bad command line: unknown flag, missing or conflicting
// argument, bad label spec.
type usageError struct{ msg string }

func (u usageError) Error() string { return u.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

// helpRequested is -h or --help on a command: run prints the command's
// help with its flag set fs.
type helpRequested struct{ fs *flag.FlagSet }

func (helpRequested) Error() string { return "help requested" }

// parseFlags parses args with fs, allowing flags and positional arguments
// in any order (flag.Parse alone stops at the first positional). "--" ends
// the flags; "-" is a positional argument. -h and --help return
// helpRequested; a bad flag is a usage error naming it as it was given.
func parseFlags(fs *flag.FlagSet, args []string) ([]string, error) {
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, helpRequested{fs}
			}
			return nil, usageError{flagError(err.Error(), args)}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// fs.Parse stops at the first non-flag argument, or after "--".
		consumed := len(args) - len(rest)
		if consumed > 0 && args[consumed-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// flagError rewrites the flag package's message, which spells every flag
// with one dash ("flag provided but not defined: -xml"), to name the flag
// as it was given on the command line (--xml) or, failing that, as the
// usage spells it.
func flagError(msg string, args []string) string {
	const unknown = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(msg, unknown); ok {
		return "unknown flag " + givenFlag(name, args)
	}
	for _, sep := range []string{"argument: -", " for flag -", " for -"} {
		i := strings.Index(msg, sep)
		if i < 0 {
			continue
		}
		name := msg[i+len(sep):]
		if j := strings.IndexAny(name, ": "); j >= 0 {
			name = name[:j]
		}
		start := i + len(sep) - 1
		return msg[:start] + givenFlag(name, args) + msg[start+1+len(name):]
	}
	return msg
}

// givenFlag is flag name as args spell it (-name or --name, with or
// without =value), or as the usage spells it when args do not hold it.
func givenFlag(name string, args []string) string {
	for _, a := range args {
		if a == "--" {
			break
		}
		for _, dash := range []string{"--", "-"} {
			if a == dash+name || strings.HasPrefix(a, dash+name+"=") {
				return dash + name
			}
		}
	}
	return flagSpelling(name)
}
