package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strings"
)

// commandDoc is what the help says about one command: a one-line summary
// (iplabel help), its usage lines and a paragraph (iplabel help CMD), and
// what its positional arguments are ("FILE|-" completes file names).
type commandDoc struct {
	name, summary string
	usage         []string
	about         string
	args          string
}

// commandDocs is the help of every command, in the order iplabel help
// lists them.
var commandDocs = []commandDoc{
	{name: "validate", summary: "check IPv4 options fields (or IPv6 Hop-by-Hop headers) as Linux does, one JSON verdict each",
		usage: []string{
			"validate [--profile linux|strict] [--doi-config FILE|kernel] [--loopback] [--rbm-strictvalid 0|1] [HEX...]",
			"validate --ipv6 [--profile linux|strict] [--doi-config FILE|kernel] [HEX...]",
		},
		about: "Reads options fields as hex from the arguments or, with none, one per line from standard input (- is the empty field), and prints one JSON object per field: {\"ok\":true} or {\"ok\":false,\"pointer\":P,\"error\":\"...\"}. Exit status 1 when some field is not valid.",
		args:  "HEX..."},
	{name: "decode", summary: "decode IPv4 options fields (or IPv6 Hop-by-Hop headers) into JSON, one object each",
		usage: []string{
			"decode [--doi-config FILE|kernel] [HEX...]",
			"decode --ipv6 [--doi-config FILE|kernel] [HEX...]",
		},
		about: "Reads options fields as hex from the arguments or, with none, one per line from standard input (- is the empty field), and prints one JSON object per field with each option and label decoded.",
		args:  "HEX..."},
	{name: "encode", summary: "print the hex of the options field carrying a CIPSO, network SID, BSO or CALIPSO label",
		usage: []string{
			"encode --doi N --level L [--categories 0,5,10-20] [--tags 1,2,5] [--doi-config FILE|kernel] [--optfmt]",
			"encode --doi N --label s3:c0,c5.c9 [--tags 1,2,5] [--doi-config FILE|kernel] [--optfmt]",
			"encode --nsid ssid=N,node=N[,serial=N,msid=N,dsid=N,bypass] [--doi N]",
			"encode --bso level=secret,authorities=genser+nsa",
			"encode --calipso doi=N,level=L[,categories=0,5,10-20] [--hop-by-hop [--next-header N]]",
		},
		about: "Prints one line on standard output: the options field holding the label, padded with EOL octets to a multiple of 4, as Linux's cipso_v4_genopt builds it (or the CALIPSO option, or with --hop-by-hop the whole Hop-by-Hop header)."},
	{name: "dump", summary: "print one line (or JSON object) per packet of a pcap or pcapng capture, with its labels and verdict",
		usage: []string{
			"dump [--json] [-l] [--doi-config FILE|kernel] FILE|-",
		},
		about: "Reads a pcap or pcapng capture from FILE, or from standard input with -, and prints one line per packet: number, addresses, protocol, each IPv4 or IPv6 label in words and Linux's verdict. -l flushes standard output after each line, as tcpdump -l does, for reading the output while the capture is still being written.",
		args:  "FILE|-"},
	{name: "rewrite", summary: "relabel, strip or translate the labels of every packet of a capture",
		usage: []string{
			"rewrite --in FILE|- --out FILE|- (--set LABEL | --strip | --translate[=FROM:TO,...]) [--doi-config FILE|kernel] [--skip-unfit] [--fix-checksum]",
		},
		about: "Copies the capture --in to --out (- for standard input and output) with each packet's label set, removed or translated between DOIs, fixing the IPv4 header checksum and lengths. A summary line goes to standard error."},
	{name: "dois", summary: "print the running kernel's CIPSO DOIs in netlabelctl syntax (Linux)",
		usage: []string{"dois"},
		about: "Prints the kernel's CIPSO DOIs, one netlabelctl command a line: a file that --doi-config reads back."},
	{name: "completion", summary: "print a shell completion script: bash, zsh or fish",
		usage: []string{"completion bash|zsh|fish"},
		about: "Prints a script that completes iplabel's commands, their flags and the files and words the flags take. Load it with\n  source <(iplabel completion bash)     (bash, e.g. in ~/.bashrc)\n  iplabel completion zsh > \"${fpath[1]}/_iplabel\"     (zsh)\n  iplabel completion fish > ~/.config/fish/completions/iplabel.fish",
		args:  "bash|zsh|fish"},
	{name: "version", summary: "print the module version, VCS revision and Go version",
		usage: []string{"version", "--version"},
		about: "Prints one line: the module's version and path, the VCS revision it was built from (with +modified for uncommitted changes) and its time, and the Go version and platform."},
	{name: "help", summary: "print this list, or the help of one command",
		usage: []string{"help [COMMAND]", "COMMAND --help"},
		args:  "COMMAND"},
}

// docOf is the help of the named command, or nil.
func docOf(name string) *commandDoc {
	for i := range commandDocs {
		if commandDocs[i].name == name {
			return &commandDocs[i]
		}
	}
	return nil
}

// writeOverview is iplabel help: the commands with one line each.
func writeOverview(w io.Writer) {
	fmt.Fprint(w, "usage: iplabel COMMAND [FLAGS] [ARGS]\n\n"+
		"iplabel validates, decodes, encodes, dumps and rewrites the security labels\n"+
		"of IPv4 options (CIPSO, FIPS 188, RFC 1108 BSO) and IPv6 (CALIPSO).\n\ncommands:\n")
	for _, d := range commandDocs {
		fmt.Fprintf(w, "  %-10s  %s\n", d.name, d.summary)
	}
	fmt.Fprint(w, "\nRun \"iplabel help COMMAND\" or \"iplabel COMMAND --help\" for a command's flags.\n"+
		"Exit status: 0 success; 1 some input is not a valid label (validate only);\n"+
		"2 usage, configuration, input or I/O error, with a one-line message on stderr.\n")
}

// writeCommandHelp is iplabel help CMD and iplabel CMD --help: what the
// command does, its usage and its flags (fs; nil for commands without a
// flag set), each spelled as on the command line.
func writeCommandHelp(w io.Writer, d *commandDoc, fs *flag.FlagSet) {
	fmt.Fprintf(w, "iplabel %s: %s\n\nusage:\n", d.name, d.summary)
	for _, u := range d.usage {
		fmt.Fprintf(w, "  iplabel %s\n", u)
	}
	if d.about != "" {
		fmt.Fprintf(w, "\n%s\n", wrap(d.about, 78))
	}
	if fs == nil {
		return
	}
	var flags []*flag.Flag
	fs.VisitAll(func(f *flag.Flag) { flags = append(flags, f) })
	if len(flags) == 0 {
		return
	}
	fmt.Fprint(w, "\nflags:\n")
	for _, f := range flags {
		fmt.Fprintf(w, "  %s\n", flagSynopsis(f))
		text := flagText(f)
		if f.DefValue != "" && f.DefValue != "false" {
			text += " (default " + f.DefValue + ")"
		}
		fmt.Fprintf(w, "%s\n", indent(wrap(text, 72), "      "))
	}
	fmt.Fprint(w, "  -h, --help\n      print this help\n")
}

// flagSpelling is the flag's name as the usage spells it: -l for one
// letter, --name for more.
func flagSpelling(name string) string {
	if len(name) == 1 {
		return "-" + name
	}
	return "--" + name
}

// flagSynopsis is the flag with its value: "--doi-config FILE|kernel",
// "--translate[=FROM:TO,...]" for a flag whose value is optional,
// "--json" for a boolean.
func flagSynopsis(f *flag.Flag) string {
	s := flagSpelling(f.Name)
	value := flagValue(f)
	switch {
	case isBoolFlag(f) && value != "" && value != "value":
		return s + "[=" + value + "]"
	case isBoolFlag(f):
		return s
	}
	return s + " " + value
}

// flagValues are the placeholders of the flags' values, as the usage
// lines write them; a flag has the same value in every command. A
// placeholder FILE completes file names, and the lower-case alternatives
// of one with "|" complete as words (completionModel).
var flagValues = map[string]string{
	"doi-config":      "FILE|kernel",
	"profile":         "linux|strict",
	"rbm-strictvalid": "0|1",
	"in":              "FILE|-",
	"out":             "FILE|-",
	"doi":             "N",
	"level":           "L",
	"categories":      "0,5,10-20",
	"label":           "s3:c0,c5.c9",
	"tags":            "1,2,5",
	"nsid":            "ssid=N,node=N[,serial=N,msid=N,dsid=N,bypass]",
	"bso":             "level=L,authorities=A+B",
	"calipso":         "doi=N,level=L[,categories=0,5,10-20]",
	"next-header":     "N",
	"set":             "LABEL",
	"translate":       "FROM:TO,...",
}

// flagValue is the placeholder of the flag's value (flagValues, else the
// flag package's name for it).
func flagValue(f *flag.Flag) string {
	if v, ok := flagValues[f.Name]; ok {
		return v
	}
	v, _ := flag.UnquoteUsage(f)
	return v
}

// flagText is the flag's description without the backquotes that name
// its value.
func flagText(f *flag.Flag) string {
	_, text := flag.UnquoteUsage(f)
	return text
}

// isBoolFlag reports whether the flag takes no value (or an optional one
// after "=").
func isBoolFlag(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// wrap breaks s into lines of at most width characters at spaces, keeping
// its own line breaks.
func wrap(s string, width int) string {
	var out []string
	for _, para := range strings.Split(s, "\n") {
		if strings.HasPrefix(para, " ") {
			out = append(out, para)
			continue
		}
		line := ""
		for _, word := range strings.Fields(para) {
			if line != "" && len(line)+1+len(word) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += word
		}
		out = append(out, line)
	}
	return strings.Join(out, "\n")
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

// runHelp is "iplabel help [COMMAND]".
func runHelp(e *env, args []string) (int, error) {
	if isHelpArgs(args) {
		args = []string{"help"}
	}
	switch len(args) {
	case 0:
		writeOverview(e.stdout)
		return exitOK, nil
	case 1:
	default:
		return 0, usagef("help takes one command")
	}
	d := docOf(args[0])
	if d == nil {
		return 0, usagef("unknown command %q (iplabel help lists them)", args[0])
	}
	writeCommandHelp(e.stdout, d, commandFlags(d.name))
	return exitOK, nil
}

// commandFlags is the flag set of the named command: the command itself
// is run with --help, which returns its flag set before it does anything
// else (parseFlags), so that help and completion list the flags the
// command defines and nothing else. It is nil for a command without one.
func commandFlags(name string) *flag.FlagSet {
	cmd, ok := commands[name]
	if !ok {
		return nil
	}
	_, err := cmd(&env{stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard}, []string{"--help"})
	var h helpRequested
	if errors.As(err, &h) {
		return h.fs
	}
	return nil
}

// commandNames are the commands' names in sorted order.
func commandNames() []string {
	var names []string
	for _, d := range commandDocs {
		names = append(names, d.name)
	}
	sort.Strings(names)
	return names
}

// isHelpArgs reports whether args are a lone -h or --help.
func isHelpArgs(args []string) bool {
	return len(args) == 1 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
}
