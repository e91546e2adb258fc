// Command ratios reads go test -bench output (several -count runs) and
// writes the Markdown tables of bench/RESULTS.md: for every operation and
// case of BenchmarkCompare the median time and allocations of each
// library and its time as a multiple of iplabel's; the issues' targets
// checked against those medians; and the medians of BenchmarkLoopbackUDP's
// metrics next to the figures DSM published in 2004 (Linux Journal 120).
// With -suite BenchmarkCompareIPv6 it writes the tables of the IPv6
// suite instead (which has no targets), one heading level down.
//
//	go test -bench . -count 10 | ratios
//	go test -bench '^BenchmarkCompareIPv6$' -count 10 | ratios -suite BenchmarkCompareIPv6
//
// Medians, not means: the runs are taken on a shared machine, and
// benchstat (whose output bench/report adds) gives the confidence
// intervals.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// samples holds every value seen for one benchmark and unit.
type samples map[string]map[string][]float64 // name -> unit -> values

func parse(r io.Reader) (samples, []string, error) {
	s := samples{}
	var order []string
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		name := f[0]
		// Drop the -N GOMAXPROCS suffix.
		if i := strings.LastIndexByte(name, '-'); i > 0 {
			if _, err := strconv.Atoi(name[i+1:]); err == nil {
				name = name[:i]
			}
		}
		if s[name] == nil {
			s[name] = map[string][]float64{}
			order = append(order, name)
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				return nil, nil, fmt.Errorf("%q: %v", sc.Text(), err)
			}
			s[name][f[i+1]] = append(s[name][f[i+1]], v)
		}
	}
	return s, order, sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	v = slices.Clone(v)
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func main() {
	suite := flag.String("suite", "BenchmarkCompare", "the suite whose tables to write: BenchmarkCompare (with the targets and BenchmarkLoopbackUDP) or BenchmarkCompareIPv6")
	flag.Parse()
	s, order, err := parse(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "ratios:", err)
		os.Exit(1)
	}
	w := bufio.NewWriter(os.Stdout)
	defer w.Flush()
	switch *suite {
	case "BenchmarkCompare":
		write(w, s, order)
	case "BenchmarkCompareIPv6":
		tables(w, s, order, *suite, "####")
	default:
		fmt.Fprintln(os.Stderr, "ratios: unknown suite", *suite)
		os.Exit(2)
	}
}

type key struct{ op, cas, impl string }

// write writes BenchmarkCompare's tables, the targets and the loopback
// figures.
func write(w io.Writer, s samples, order []string) {
	med, cases := tables(w, s, order, "BenchmarkCompare", "###")
	if len(med) > 0 {
		targets(w, med, cases)
	}
	loopback(w, s, order)
}

// tables writes one table per operation of suite (heading at the given
// level) and returns the medians and the cases.
func tables(w io.Writer, s samples, order []string, suite, heading string) (map[key][2]float64, []string) {
	med := map[key][2]float64{} // ns/op, allocs/op
	var ops, cases, impls []string
	add := func(list *[]string, v string) {
		if !slices.Contains(*list, v) {
			*list = append(*list, v)
		}
	}
	runs := 0
	for _, name := range order {
		p := strings.Split(name, "/")
		if len(p) != 4 || p[0] != suite {
			continue
		}
		k := key{p[1], p[2], p[3]}
		add(&ops, k.op)
		add(&cases, k.cas)
		add(&impls, k.impl)
		med[k] = [2]float64{median(s[name]["ns/op"]), median(s[name]["allocs/op"])}
		runs = max(runs, len(s[name]["ns/op"]))
	}
	if len(ops) > 0 {
		fmt.Fprintf(w, "Medians of %d runs. Each cell: ns/op (allocs/op); for a peer, its time as a multiple of iplabel's (above 1x: slower than iplabel).\n\n", runs)
	}
	for _, op := range ops {
		fmt.Fprintf(w, "%s %s\n\n| case |", heading, op)
		var cols []string
		for _, im := range impls {
			if _, ok := med[key{op, cases[0], im}]; ok {
				cols = append(cols, im)
				fmt.Fprintf(w, " %s |", im)
			}
		}
		fmt.Fprintf(w, "\n|---|%s\n", strings.Repeat("---:|", len(cols)))
		for _, c := range cases {
			base := med[key{op, c, "iplabel"}][0]
			fmt.Fprintf(w, "| %s |", c)
			for _, im := range cols {
				m, ok := med[key{op, c, im}]
				switch {
				case !ok:
					fmt.Fprint(w, " – |")
				case im == "iplabel" || base == 0:
					fmt.Fprintf(w, " %.1f (%g) |", m[0], m[1])
				default:
					fmt.Fprintf(w, " %.1f (%g), %.2fx |", m[0], m[1], m[0]/base)
				}
			}
			fmt.Fprintln(w)
		}
		fmt.Fprintln(w)
	}
	return med, cases
}

// targets checks the issues' targets against the medians: decode and
// validate no slower than gopacket's bare decode, insert no slower than
// gopacket's SerializeTo (issue 6) and than gVisor's hand-written insert
// (issue 14), and no allocation.
func targets(w io.Writer, med map[key][2]float64, cases []string) {
	fmt.Fprintf(w, "### Targets (issues 6 and 14)\n\n| target | case | iplabel | reference | met |\n|---|---|---:|---:|---|\n")
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "**no**"
	}
	for _, c := range cases {
		ref, ok := med[key{"decode", c, "gopacket"}]
		if !ok {
			continue
		}
		for _, op := range []string{"decode", "validate"} {
			m := med[key{op, c, "iplabel"}]
			fmt.Fprintf(w, "| %s no slower than gopacket's bare decode | %s | %.1f ns | %.1f ns | %s |\n", op, c, m[0], ref[0], yes(m[0] <= ref[0]))
		}
	}
	for _, c := range cases {
		m, ref := med[key{"insert", c, "iplabel"}], med[key{"insert", c, "gopacket"}]
		fmt.Fprintf(w, "| insert no slower than gopacket's SerializeTo | %s | %.1f ns | %.1f ns | %s |\n", c, m[0], ref[0], yes(m[0] <= ref[0]))
	}
	for _, c := range cases {
		ref, ok := med[key{"insert", c, "gvisor"}]
		if !ok {
			continue
		}
		m := med[key{"insert", c, "iplabel"}]
		fmt.Fprintf(w, "| insert no slower than gVisor's hand-written insert | %s | %.1f ns | %.1f ns | %s |\n", c, m[0], ref[0], yes(m[0] <= ref[0]))
	}
	allZero := true
	for k, m := range med {
		if k.impl == "iplabel" && m[1] != 0 {
			allZero = false
		}
	}
	fmt.Fprintf(w, "| 0 allocs/op for every iplabel benchmark | all | | | %s |\n\n", yes(allZero))
}

// loopback reports BenchmarkLoopbackUDP's metrics.
func loopback(w io.Writer, s samples, order []string) {
	for _, name := range order {
		if !strings.HasPrefix(name, "BenchmarkLoopbackUDP") {
			continue
		}
		m := s[name]
		n := len(m["overhead-%"])
		fmt.Fprintf(w, "### Labelling overhead on loopback (%s, medians of %d runs)\n\n", name, n)
		fmt.Fprintf(w, "| plain exchange | labelled exchange | overhead | receiver's check + decode | its share | DSM (2004) |\n|---:|---:|---:|---:|---:|---:|\n")
		fmt.Fprintf(w, "| %.0f ns | %.0f ns | %.1f%% | %.0f ns | %.1f%% | 30%%, then 14%% |\n\n",
			median(m["plain-ns"]), median(m["labeled-ns"]), median(m["overhead-%"]), median(m["userspace-ns"]), median(m["userspace-%"]))
		verdict := map[bool]string{true: "met", false: "**not met**"}
		fmt.Fprintf(w, "Target: overhead <= 2%% of the exchange: %s (runs: %s). The library's own part, the receiver's check and decode, is %.1f%% of the exchange (%s for 2%%); the rest is the kernel's: building the option on send, ip_options_compile and cipso_v4_validate on receive, the IP_RECVOPTS control message.\n\n",
			verdict[median(m["overhead-%"]) <= 2], fmtList(m["overhead-%"]), median(m["userspace-%"]), verdict[median(m["userspace-%"]) <= 2])
	}
}

func fmtList(v []float64) string {
	var b []string
	for _, x := range v {
		b = append(b, strconv.FormatFloat(x, 'f', 1, 64)+"%")
	}
	return strings.Join(b, ", ")
}
