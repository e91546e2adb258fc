package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"math"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// runRewrite is "iplabel rewrite --in FILE|- --out FILE|- (--set LABEL |
// --strip | --translate[=FROM:TO,...]) [--doi-config FILE] [--skip-unfit]
// [--fix-checksum]".
//
// Every IPv4 packet is relabeled with ipopt.Packet, which inserts,
// replaces or removes one option atomically, keeps every other option and
// the payload byte for byte, re-pads with EOL and fixes IHL, total length
// and header checksum; every IPv6 packet with calipso.SetOption and
// RemoveOption, which do the same in the Hop-by-Hop header as Linux's
// calipso_skbuff_setattr and calipso_skbuff_delattr do (creating the
// header or removing it, fixing Next Header and payload length):
//
//   - --set LABEL (see parseSetLabel) replaces the first option of the
//     label's type (134 or 130) or inserts the label first;
//     --set calipso:doi=N,level=L[,categories=...] (parseSetCALIPSO)
//     labels the IPv6 packets instead: it replaces the first CALIPSO
//     option or adds one after the other options;
//   - --strip removes every CIPSO, BSO and ESO option, and every CALIPSO
//     option of the Hop-by-Hop header;
//   - --translate decodes each CIPSO label of a DOI defined in
//     --doi-config to its host label and encodes that in the other DOI
//     (Linux's tag selection; a tag-1 bitmap keeps its optimized form).
//     Bare --translate needs a config with exactly two pass or trans DOIs
//     and maps each to the other; --translate=3:16,16:3 names the pairs.
//     Labels of other DOIs are left as they are.
//
// A packet that cannot be rewritten (the label does not fit under 60
// octets of header, the options are malformed, a translated label is not
// mapped in the other DOI) stops the run with its number, unless
// --skip-unfit, which copies it unchanged and counts it. Packets the
// rewrite does not apply to (not IPv4 for an IPv4 label or --translate,
// not IPv6 for a CALIPSO label, neither for --strip) are copied unchanged
// and counted. A packet whose IPv4 header checksum is
// wrong is copied as it was, counted and noted on stderr (the first one),
// unless --fix-checksum, which relabels it and writes the right checksum.
//
// The output keeps the input's format and what it holds beside the
// packets (see capWriter): pcap in, pcap out (byte order, timestamp
// resolution, thiszone, sigfigs and each raw timestamp kept); pcapng in,
// pcapng out (every section, interface, option, comment, statistics and
// custom block as stored, but custom blocks marked not to be copied;
// Simple Packet Blocks stay so, with no timestamp). The snapshot length
// grows by 40 octets, the most an IPv4 header can grow, or by 264 for a
// CALIPSO label (headroom6). "-" reads stdin or
// writes stdout; any other --out is written through symbolic links, in
// place for devices and FIFOs, else atomically, keeping an existing file's
// mode and owner and removing the temporary file on failure, SIGINT,
// SIGTERM and SIGHUP (see createOutput). The input is never modified and
// --out may not be the input. The summary line goes to stderr.
//
// Exit status: 0; 2 for a usage, configuration or I/O error, a bad
// capture, or a packet that stopped the run; a run ended by SIGINT,
// SIGTERM or SIGHUP dies of that signal.
func runRewrite(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("rewrite", flag.ContinueOnError)
	in := fs.String("in", "", "input capture (pcap or pcapng; - for standard input)")
	out := fs.String("out", "", "output capture (- for standard output)")
	set := fs.String("set", "", "label to insert or replace: doi=16,level=3,categories=0-5[,tags=1] | doi=16,label=s3:c0.c5 | nsid=ssid:N,node:N | level=secret,authorities=genser | calipso:doi=16,level=3,categories=0-5")
	strip := fs.Bool("strip", false, "remove every CIPSO, BSO, ESO and CALIPSO option")
	var tr translateFlag
	fs.Var(&tr, "translate", "map labels between the DOIs of --doi-config (or FROM:TO,...)")
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax, or kernel for the running kernel's")
	skip := fs.Bool("skip-unfit", false, "copy packets that cannot be rewritten unchanged, and count them")
	fix := fs.Bool("fix-checksum", false, "relabel packets whose IPv4 header checksum is wrong, and fix it (default: copy them as they are)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usagef("unexpected argument %q", pos[0])
	}
	if *in == "" || *out == "" {
		return 0, usagef("--in and --out are required")
	}
	setGiven := flagSet(fs, "set")
	n := 0
	for _, b := range []bool{setGiven, *strip, tr.on} {
		if b {
			n++
		}
	}
	if n != 1 {
		return 0, usagef("give exactly one of --set, --strip and --translate")
	}
	reg, creg, err := loadConfigs(*cfg)
	if err != nil {
		return 0, err
	}
	rw := &rewriter{}
	switch {
	case setGiven && strings.HasPrefix(*set, calipsoSetPrefix):
		opt, err := parseSetCALIPSO(*set, creg, *cfg)
		if err != nil {
			return 0, err
		}
		rw.kind, rw.opt6 = rewriteSet, opt
	case setGiven:
		opt, err := parseSetLabel(*set, reg, *cfg)
		if err != nil {
			return 0, err
		}
		rw.kind, rw.opt = rewriteSet, opt
	case *strip:
		rw.kind = rewriteStrip
	default:
		if rw.pairs, err = translatePairs(reg, *cfg, tr.spec); err != nil {
			return 0, err
		}
		rw.kind = rewriteTranslate
	}

	if err := sameFile(*in, *out); err != nil {
		return 0, err
	}
	name, r, size, closeIn, err := openInput(*in, e.stdin)
	if err != nil {
		return 0, err
	}
	defer closeIn()
	c, err := openCapture(name, r, size)
	if err != nil {
		return 0, err
	}
	c.notes, c.notePrefix = e.stderr, "iplabel: rewrite: "
	o, err := createOutput(*out, e.stdout)
	if err != nil {
		return 0, err
	}
	st, err := rewriteCapture(e, c, o, rw, *skip, *fix, size)
	if err != nil {
		o.abort()
		return 0, err
	}
	if err := o.commit(); err != nil {
		return 0, err
	}
	outName := *out
	if outName == "-" {
		outName = "stdout"
	}
	fmt.Fprintf(e.stderr, "iplabel: rewrite: %s: %d packets: %d rewritten, %d unchanged, %d %s, %d skipped (unfit)",
		outName, st.packets, st.changed, st.unchanged, st.others, rw.others(), st.skipped)
	switch {
	case st.badSum > 0 && *fix:
		fmt.Fprintf(e.stderr, ", %d with a bad header checksum (fixed)", st.badSum)
	case st.badSum > 0:
		fmt.Fprintf(e.stderr, ", %d with a bad header checksum (copied as they were)", st.badSum)
	}
	fmt.Fprintln(e.stderr)
	return exitOK, nil
}

// translateFlag is --translate: a boolean flag that may carry pairs
// (--translate=3:16).
type translateFlag struct {
	on   bool
	spec string
}

func (f *translateFlag) String() string { return f.spec }

func (f *translateFlag) Set(s string) error {
	switch s {
	case "true":
		f.on = true
	case "false":
		f.on = false
	default:
		f.on, f.spec = true, s
	}
	return nil
}

func (f *translateFlag) IsBoolFlag() bool { return true }

// translatePairs returns the translation for each source DOI.
func translatePairs(reg *cipso.Registry, cfgPath, spec string) (map[cipso.DOI]doiPair, error) {
	if cfgPath == "" {
		return nil, usagef("--translate needs --doi-config with the DOIs to translate between")
	}
	pairs := map[cipso.DOI]doiPair{}
	if spec == "" {
		var ds []*cipso.Domain
		for d := range reg.All() {
			if d.Type() != cipso.MapLocal {
				ds = append(ds, d)
			}
		}
		if len(ds) != 2 {
			return nil, usagef("--translate without pairs needs exactly two pass or trans DOIs in %s (it has %d); name them: --translate=FROM:TO", cfgPath, len(ds))
		}
		pairs[ds[0].DOI()] = doiPair{ds[0], ds[1]}
		pairs[ds[1].DOI()] = doiPair{ds[1], ds[0]}
		return pairs, nil
	}
	for _, it := range splitItems(spec, len("--translate=")+1) {
		from, to, ok := strings.Cut(it.s, ":")
		if !ok {
			return nil, specError("--translate", spec, it.col, "want FROM:TO")
		}
		var ds [2]*cipso.Domain
		for i, s := range []string{from, to} {
			v, msg := parseUint(s, 1<<32-1, true)
			if msg != "" {
				return nil, specError("--translate", spec, it.col, "DOI: "+msg)
			}
			d := reg.Lookup(cipso.DOI(v))
			if d == nil {
				return nil, fmt.Errorf("%s: DOI %d is not defined", cfgPath, v)
			}
			if d.Type() == cipso.MapLocal {
				return nil, usagef("--translate: DOI %d is a local DOI (tag 128 carries a secid, not a label)", v)
			}
			ds[i] = d
		}
		if _, dup := pairs[ds[0].DOI()]; dup {
			return nil, specError("--translate", spec, it.col, "DOI "+from+" translated twice")
		}
		pairs[ds[0].DOI()] = doiPair{ds[0], ds[1]}
	}
	return pairs, nil
}

// rewriteStats counts what happened to the packets.
type rewriteStats struct {
	packets, changed, unchanged, others, skipped, badSum int
}

// rewriteCapture rewrites every packet of c to w.
func rewriteCapture(e *env, c *capture, w io.Writer, rw *rewriter, skip, fix bool, size int64) (rewriteStats, error) {
	var st rewriteStats
	cw, err := newCapWriter(w, c, rw.growth())
	if err != nil {
		return st, err
	}
	prog := newProgress(e.stderr, "rewrite", size)
	defer prog.done()
	for {
		frame, ci, link, err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return st, err
		}
		st.packets++
		if c.ng && c.rec.typ == blockSPB && ci.CaptureLength < ci.Length {
			return st, fmt.Errorf("%s: packet %d: %w", c.name, c.packets, errSPBCut)
		}
		out, changed := frame, false
		fi := locateIPv4(link, frame)
		switch {
		case fi.ipv6 && rw.ipv6():
			o, rerr := rw.apply6(frame, fi.off)
			out, changed, err = st.count(o, frame, rerr, skip)
			if err != nil {
				return st, fmt.Errorf("%s: packet %d: cannot rewrite: %w (use --skip-unfit to copy such packets unchanged)", c.name, c.packets, err)
			}
		case !fi.ipv4 || !rw.ipv4():
			st.others++
		default:
			if h, herr := ipopt.ParseHeader(frame[min(fi.off, len(frame)):]); herr == nil && !h.VerifyChecksum() {
				st.badSum++
				if st.badSum == 1 {
					what := "copied as it was (--fix-checksum relabels such packets and fixes the checksum)"
					if fix {
						what = "relabeled and fixed (--fix-checksum)"
					}
					fmt.Fprintf(e.stderr, "iplabel: rewrite: %s: packet %d: IPv4 header checksum 0x%04x, want 0x%04x: %s\n",
						c.name, c.packets, h.ChecksumField(), h.Checksum(), what)
				}
				if !fix {
					break
				}
			}
			o, rerr := rw.apply(frame, fi.off, fix)
			out, changed, err = st.count(o, frame, rerr, skip)
			if err != nil {
				return st, fmt.Errorf("%s: packet %d: cannot rewrite: %w (use --skip-unfit to copy such packets unchanged)", c.name, c.packets, err)
			}
		}
		if err := cw.write(out, grownLength(c.rec.length, len(frame), len(out)), changed); err != nil {
			return st, err
		}
		prog.tick(c.consumed(), c.packets)
	}
	return st, nil
}

// count counts the outcome of one rewrite, o of frame or rerr, and says
// what to write: rerr is returned when it stops the run (no skip).
func (st *rewriteStats) count(o, frame []byte, rerr error, skip bool) ([]byte, bool, error) {
	switch {
	case rerr != nil && !skip:
		return frame, false, rerr
	case rerr != nil:
		st.skipped++
	case bytes.Equal(o, frame):
		st.unchanged++
	default:
		st.changed++
		return o, true, nil
	}
	return frame, false, nil
}

// grownLength is the original length of a packet of length orig whose
// captured frame of in octets became out octets: it changes by as much,
// but never below out (the reader refuses a captured length over the
// original, so this is only a guard) nor past 2^32-1, where it stays
// rather than wrapping.
func grownLength(orig uint32, in, out int) uint32 {
	return uint32(min(max(int64(orig)+int64(out)-int64(in), int64(out)), math.MaxUint32))
}
