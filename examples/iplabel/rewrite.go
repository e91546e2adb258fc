package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/pcapgo"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// runRewrite is "iplabel rewrite --in FILE --out FILE (--set LABEL |
// --strip | --translate[=FROM:TO,...]) [--doi-config FILE] [--skip-unfit]".
//
// Every IPv4 packet is relabeled with ipopt.Packet, which inserts,
// replaces or removes one option atomically, keeps every other option and
// the payload byte for byte, re-pads with EOL and fixes IHL, total length
// and header checksum:
//
//   - --set LABEL (see parseSetLabel) replaces the first option of the
//     label's type (134 or 130) or inserts the label first;
//   - --strip removes every CIPSO, BSO and ESO option;
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
// --skip-unfit, which copies it unchanged and counts it. Packets that are
// not IPv4 are copied unchanged.
//
// The output keeps the input's format, link type and timestamps: pcap in,
// pcap out (same timestamp resolution); pcapng in, pcapng out (one
// section; interfaces keep their link types and names, their statistics
// are not copied). The snapshot length grows by 40 octets, the most a
// header can grow. The output is written to a temporary file in the
// output's directory and renamed over --out only on success; the input is
// never modified and --out may not be the input.
//
// Exit status: 0; 2 for a usage, configuration or I/O error, a bad
// capture, or a packet that stopped the run.
func runRewrite(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("rewrite", flag.ContinueOnError)
	in := fs.String("in", "", "input capture (pcap or pcapng)")
	out := fs.String("out", "", "output capture")
	set := fs.String("set", "", "label to insert or replace: doi=16,level=3,categories=0-5[,tags=1] | nsid=ssid:N,node:N | level=secret,authorities=genser")
	strip := fs.Bool("strip", false, "remove every CIPSO, BSO and ESO option")
	var tr translateFlag
	fs.Var(&tr, "translate", "map labels between the DOIs of --doi-config (or FROM:TO,...)")
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax")
	skip := fs.Bool("skip-unfit", false, "copy packets that cannot be rewritten unchanged, and count them")
	pos, err := parseFlags(fs, args, e.stdout)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usagef("unexpected argument %q", pos[0])
	}
	if *in == "" || *out == "" {
		return 0, usagef("--in and --out are required")
	}
	setGiven := false
	fs.Visit(func(f *flag.Flag) { setGiven = setGiven || f.Name == "set" })
	n := 0
	for _, b := range []bool{setGiven, *strip, tr.on} {
		if b {
			n++
		}
	}
	if n != 1 {
		return 0, usagef("give exactly one of --set, --strip and --translate")
	}
	reg, err := loadConfig(*cfg)
	if err != nil {
		return 0, err
	}
	rw := &rewriter{}
	switch {
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
	f, err := os.Open(*in)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	size := int64(-1)
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	c, err := openCapture(*in, f, size)
	if err != nil {
		return 0, err
	}
	st, err := writeAtomically(*out, func(w io.Writer) (rewriteStats, error) {
		return rewriteCapture(e, c, w, rw, *skip, size)
	})
	if err != nil {
		return 0, err
	}
	fmt.Fprintf(e.stderr, "iplabel: rewrite: %s: %d packets: %d rewritten, %d unchanged, %d not IPv4, %d skipped (unfit)\n",
		*out, st.packets, st.changed, st.unchanged, st.notIPv4, st.skipped)
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

// doiPair is one translation: labels of from go to to.
type doiPair struct{ from, to *cipso.Domain }

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

// sameFile refuses an output that is the input (rename would replace it).
func sameFile(in, out string) error {
	si, err := os.Stat(in)
	if err != nil {
		return err
	}
	if so, err := os.Stat(out); err == nil && os.SameFile(si, so) {
		return usagef("--out %s is the input; the input is never modified", out)
	}
	return nil
}

// writeAtomically calls write with a temporary file in path's directory
// and renames it to path only if write succeeds; otherwise the temporary
// file is removed and path is untouched.
func writeAtomically[T any](path string, write func(io.Writer) (T, error)) (res T, err error) {
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	tmp, err := os.CreateTemp(dir, "."+base+".tmp-*")
	if err != nil {
		return res, err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	bw := bufio.NewWriterSize(tmp, 256<<10)
	if res, err = write(bw); err != nil {
		return res, err
	}
	if err = bw.Flush(); err != nil {
		return res, err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return res, err
	}
	if err = tmp.Sync(); err != nil {
		return res, err
	}
	if err = tmp.Close(); err != nil {
		return res, err
	}
	err = os.Rename(tmp.Name(), path)
	return res, err
}

// rewriteStats counts what happened to the packets.
type rewriteStats struct {
	packets, changed, unchanged, notIPv4, skipped int
}

// packetWriter writes the output in the input's format.
type packetWriter struct {
	w    io.Writer
	pcap *pcapgo.Writer
	ng   *pcapgo.NgWriter
	c    *capture
	ifs  map[[2]int]int // pcapng: (section, input interface) -> output interface
}

func newPacketWriter(w io.Writer, c *capture) (*packetWriter, error) {
	pw := &packetWriter{w: w, c: c}
	if c.ng {
		pw.ifs = map[[2]int]int{}
		return pw, nil
	}
	if c.nanos {
		pw.pcap = pcapgo.NewWriterNanos(w)
	} else {
		pw.pcap = pcapgo.NewWriter(w)
	}
	snap := c.snaplen
	switch {
	case snap == 0:
		snap = 262144 // the input said none; this is what libpcap writes
	case snap < 1<<31:
		snap += ipopt.MaxOptionsLen
	}
	return pw, pw.pcap.WriteFileHeader(snap, c.link)
}

func (pw *packetWriter) write(ci gopacket.CaptureInfo, frame []byte) error {
	if pw.pcap != nil {
		return pw.pcap.WritePacket(ci, frame)
	}
	key := [2]int{pw.c.sections, ci.InterfaceIndex}
	id, ok := pw.ifs[key]
	if !ok {
		intf, err := pw.c.ngr.Interface(ci.InterfaceIndex)
		if err != nil {
			return err
		}
		if intf.SnapLength != 0 && intf.SnapLength < 1<<31 {
			intf.SnapLength += ipopt.MaxOptionsLen
		}
		// Timestamps come out of the reader with the offset applied.
		intf.TimestampOffset = 0
		if pw.ng == nil {
			pw.ng, err = pcapgo.NewNgWriterInterface(pw.w, intf, pcapgo.NgWriterOptions{SectionInfo: pw.c.ngr.SectionInfo()})
		} else {
			id, err = pw.ng.AddInterface(intf)
		}
		if err != nil {
			return err
		}
		pw.ifs[key] = id
	}
	ci.InterfaceIndex = id
	ci.AncillaryData = nil
	return pw.ng.WritePacket(ci, frame)
}

func (pw *packetWriter) flush() error {
	if pw.ng != nil {
		return pw.ng.Flush()
	}
	if pw.pcap == nil && pw.c.ng {
		// No packet: still write a valid, empty pcapng file.
		ng, err := pcapgo.NewNgWriter(pw.w, 1)
		if err != nil {
			return err
		}
		return ng.Flush()
	}
	return nil
}

// rewriteCapture rewrites every packet of c to w.
func rewriteCapture(e *env, c *capture, w io.Writer, rw *rewriter, skip bool, size int64) (rewriteStats, error) {
	var st rewriteStats
	pw, err := newPacketWriter(w, c)
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
		out := frame
		fi := locateIPv4(link, frame)
		switch {
		case !fi.ipv4:
			st.notIPv4++
		default:
			o, rerr := rw.apply(frame, fi.off)
			switch {
			case rerr != nil && !skip:
				return st, fmt.Errorf("%s: packet %d: cannot rewrite: %w (use --skip-unfit to copy such packets unchanged)", c.name, c.packets, rerr)
			case rerr != nil:
				st.skipped++
			case bytes.Equal(o, frame):
				st.unchanged++
			default:
				st.changed++
				ci.Length += len(o) - len(frame)
				ci.CaptureLength = len(o)
				out = o
			}
		}
		if err := pw.write(ci, out); err != nil {
			return st, err
		}
		prog.tick(c.consumed(), c.packets)
	}
	return st, pw.flush()
}

type rewriteKind uint8

const (
	rewriteSet rewriteKind = iota
	rewriteStrip
	rewriteTranslate
)

// rewriter relabels one frame at a time in a reused buffer.
type rewriter struct {
	kind  rewriteKind
	opt   []byte                    // set: the option
	pairs map[cipso.DOI]doiPair     // translate: by source DOI
	buf   []byte                    // headroom + frame
	tmp   [ipopt.MaxOptionsLen]byte // translate: the new option
	label cipso.Label               // translate: the host label
}

// errUntouched is apply's way of saying the packet needs no change.
var errUntouched = errors.New("untouched")

// apply returns the rewritten frame (valid until the next call) or an
// error; frame itself is never modified, so a failed rewrite leaves the
// packet as it was.
func (rw *rewriter) apply(frame []byte, off int) ([]byte, error) {
	const headroom = ipopt.MaxOptionsLen
	need := headroom + len(frame)
	if cap(rw.buf) < need {
		rw.buf = make([]byte, need+need/4)
	}
	buf := rw.buf[:need]
	copy(buf[headroom:], frame)
	p, err := ipopt.FromBytes(buf, headroom, len(frame))
	if err == nil {
		err = p.SetNetworkOffset(off)
	}
	if err != nil {
		return nil, err
	}
	switch rw.kind {
	case rewriteSet:
		err = p.SetOption(rw.opt)
	case rewriteStrip:
		for _, t := range []ipopt.Type{ipopt.CIPSO, ipopt.SEC, ipopt.ESEC} {
			for err == nil {
				err = p.RemoveOption(t)
			}
			if errors.Is(err, ipopt.ErrNotFound) {
				err = nil
			}
			if err != nil {
				break
			}
		}
	case rewriteTranslate:
		err = rw.translate(&p)
		if err == errUntouched {
			return frame, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return p.Bytes(), nil
}

// translate maps the packet's CIPSO label into the paired DOI.
func (rw *rewriter) translate(p *ipopt.Packet) error {
	h, err := p.Header()
	if err != nil {
		return err
	}
	o, ok := ipopt.Find(h.Options(), ipopt.CIPSO)
	if !ok {
		return errUntouched
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return ipopt.Shift(err, o.Offset)
	}
	pr, ok := rw.pairs[opt.DOI()]
	if !ok {
		return errUntouched
	}
	if err := pr.from.Decode(opt, &rw.label); err != nil {
		return fmt.Errorf("label of DOI %d: %w", opt.DOI(), ipopt.Shift(err, o.Offset))
	}
	var f cipso.Format
	if t, err := opt.FirstTag(); err == nil {
		f = cipso.FormatOf(t)
	}
	n, err := pr.to.AppendOption(rw.tmp[:0], &rw.label, f)
	if err != nil {
		return fmt.Errorf("label does not fit DOI %d: %w", pr.to.DOI(), err)
	}
	return p.ReplaceOption(ipopt.CIPSO, n)
}
