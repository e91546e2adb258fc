package main

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"flag"
	"io"
	"net/netip"
	"os"

	"github.com/google/gopacket/layers"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// runDump is "iplabel dump [--json] [-l] [--doi-config FILE] FILE|-": one line
// per packet of a pcap or pcapng capture (format told by its magic
// number; "-" is standard input).
//
// -l flushes standard output after each packet's line, as tcpdump -l
// does, so that a reader of a pipe sees each line as its packet is read.
//
// Text (the default): packet number, addresses, protocol, each label in
// words, and the verdict of the linux profile. --json: one object per
// IPv4 packet,
//
//	{"packet":N,"src":"...","dst":"...","options":[...],"valid":true|false,"pointer":P|null}
//
// where "options" is the array decode prints and N the packet's number
// in the file (1-based, as tshark's frame.number); IPv6 packets have
// their CALIPSO label and Hop-by-Hop options, as decode --ipv6 prints
// them, and "version":6 (appendIPv6); other packets have no JSON line
// (their numbers are skipped) and a text line saying what they are.
//
// A packet whose IPv4 header the capture cut (its record holds fewer
// octets than the packet had, and fewer than the header's IHL says) is not
// judged: "header truncated by the capture", in JSON "valid":null,
// "pointer":null and "error":"header truncated by the capture". A header
// that is short in the packet itself is invalid, with no pointer (Linux's
// ip_rcv_core drops it without an ICMP answer).
//
// Validity is the linux profile with the --doi-config DOIs and
// cipso_rbm_strictvalid=1, the packet counting as received on loopback
// (local tag 128 allowed) when the link header says so (Linux cooked
// capture of a loopback device, BSD loopback) or when both addresses are
// in 127.0.0.0/8. The network SID labels of the network-SID DOI are
// checked with its receiver rules (DSM's by default; the text verdict
// ends in "(DSM receiver rules)"). Without --doi-config a CIPSO label
// whose DOI is not configured is checked structurally
// (cipso.Linux.AnyDOI): a sound one is "DOI N not configured" (JSON
// "valid":null,"pointer":null,"error":"DOI N not configured"), a broken
// one invalid with the pointer Linux sends once the DOI is configured,
// and after the last line one line on stderr (notConfiguredHint) says how
// to give the DOIs.
//
// Exit status: 0; 2 for a usage, configuration or I/O error, a truncated
// or corrupt capture or an unsupported link type (a one-line message
// naming the file and the byte; the lines of the packets before it have
// been written).
func runDump(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("dump", flag.ContinueOnError)
	jsonOut := fs.Bool("json", false, "one JSON object per packet")
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax, or kernel for the running kernel's")
	lineBuffered := fs.Bool("l", false, "flush standard output after each packet's line (as tcpdump -l)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) != 1 {
		return 0, usagef("want one capture file (or - for standard input)")
	}
	doiCfg, err := loadDOIConfig(*cfg)
	if err != nil {
		return 0, err
	}
	name, r, size, closeIn, err := openInput(pos[0], e.stdin)
	if err != nil {
		return 0, err
	}
	defer closeIn()
	c, err := openCapture(name, r, size)
	if err != nil {
		return 0, err
	}
	c.notes, c.notePrefix = e.stderr, "iplabel: dump: "
	d := newDumper(doiCfg.cipso, *jsonOut).withCALIPSO(doiCfg.calipso).withDOIs(doiCfg)
	w := bufio.NewWriterSize(e.stdout, dumpBufSize)
	prog := newProgress(e.stderr, "dump", size)
	var rerr error
	for {
		frame, ci, link, err := c.next()
		if err == io.EOF {
			break
		}
		if err != nil {
			rerr = err
			break
		}
		d.cut = ci.Length > len(frame) // the capture kept less than the packet
		d.wireLen = ci.Length
		// The line is formatted straight into w's buffer (no copy through
		// another), which is flushed first when it might not hold a line.
		if w.Available() < maxDumpLine {
			if err := w.Flush(); err != nil {
				rerr = err
				break
			}
		}
		line := d.appendPacket(w.AvailableBuffer(), c.packets, link, frame)
		if _, err := w.Write(line); err != nil {
			rerr = err
			break
		}
		if *lineBuffered {
			if err := w.Flush(); err != nil {
				rerr = err
				break
			}
		}
		prog.tick(c.consumed(), c.packets)
	}
	prog.done()
	if err := w.Flush(); rerr == nil && err != nil {
		rerr = err
	}
	if rerr != nil {
		return 0, rerr
	}
	if d.notConfigured > 0 {
		e.stderr.Write(notConfiguredHint(d.notConfigured))
	}
	return exitOK, nil
}

// dumpBufSize is the size of dump's output buffer: the output goes out in
// writes of at least dumpBufSize-maxDumpLine octets.
const dumpBufSize = 256 << 10

// maxDumpLine bounds the line of one packet in practice (a Hop-by-Hop
// header of 2048 octets with CALIPSO categories in JSON is about 10 KiB);
// a longer one is still written whole, through a buffer of its own.
const maxDumpLine = 64 << 10

// notConfiguredHint is the line dump writes on stderr after n packets
// whose labels it checked structurally because their DOI is not
// configured (no --doi-config).
func notConfiguredHint(n int) []byte {
	b := []byte("iplabel: dump: ")
	b = appendInt(b, n)
	if n == 1 {
		b = append(b, " packet"...)
	} else {
		b = append(b, " packets"...)
	}
	b = append(b, " with labels of DOIs not configured, checked structurally; give the DOIs with --doi-config FILE (netlabelctl syntax) or --doi-config kernel (this host's)\n"...)
	return b
}

// openInput opens a capture named on the command line ("-": stdin) and
// returns its name for messages and its size (-1 if unknown).
func openInput(arg string, stdin io.Reader) (name string, r io.Reader, size int64, closeFn func(), err error) {
	if arg == "-" {
		return "stdin", stdin, -1, func() {}, nil
	}
	f, err := os.Open(arg)
	if err != nil {
		return "", nil, 0, nil, err
	}
	size = -1
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		size = st.Size()
	}
	return arg, f, size, func() { f.Close() }, nil
}

// dumper formats packets. It keeps the two Linux walks (packet received on
// loopback or not) so that formatting a packet allocates nothing.
type dumper struct {
	json         bool
	reg          *cipso.Registry   // nil, or a registry with translated DOIs, whose labels are shown in host values too
	walk, walkLo fips188.Validator // the linux profile, off and on loopback
	walk6        ipv6.Linux        // IPv6 packets: ip6_parse_tlv with calipso_validate
	answers      icmp6Answers
	cut          bool // the packet being formatted was cut by the capture
	wireLen      int  // its length on the wire, link header included

	dois *doiConfig
	// Of the packet being formatted: the DOI of its label when that DOI
	// is not configured and no --doi-config was given (0: none), and
	// whether its label is a network SID checked with DSM's rules.
	unconfigured cipso.DOI
	nsid         bool
	// notConfigured counts the packets with an unconfigured DOI.
	notConfigured int
}

func newDumper(reg *cipso.Registry, json bool) *dumper {
	return &dumper{
		json:    json,
		reg:     transOnly(reg),
		walk:    fips188.NewLinuxValidator(reg, false, true),
		walkLo:  fips188.NewLinuxValidator(reg, true, true),
		walk6:   ipv6.Linux{CALIPSO: calipso.NewLinux(nil)},
		answers: icmp6Answers{},
	}
}

// withCALIPSO sets the CALIPSO DOIs IPv6 packets are checked with (none
// by default).
func (d *dumper) withCALIPSO(reg *calipso.Registry) *dumper {
	d.walk6.CALIPSO = calipso.NewLinux(reg)
	return d
}

// withDOIs sets what the --doi-config gave: the network-SID DOI, checked
// with its receiver rules, and, when no configuration was given, the
// structural check of labels whose DOI is not configured
// (cipso.Linux.AnyDOI), reported as "DOI N not configured" rather than
// invalid.
func (d *dumper) withDOIs(cfg *doiConfig) *dumper {
	d.dois = cfg
	for _, w := range []*fips188.Validator{&d.walk, &d.walkLo} {
		lx := cipso.Linux{Registry: cfg.cipso, RBMStrictValid: true, Loopback: w == &d.walkLo, AnyDOI: !cfg.given}
		*w = w.WithCIPSO(func(ipopt.OptionChecker) ipopt.OptionChecker { return cfg.checker(lx) })
	}
	return d
}

// appendPacket appends the line for packet n (1-based) of link type link.
func (d *dumper) appendPacket(dst []byte, n int, link layers.LinkType, frame []byte) []byte {
	fi := locateIPv4(link, frame)
	if fi.ipv6 && fi.off <= len(frame) {
		return d.appendIPv6(dst, n, &fi, frame[fi.off:])
	}
	if !fi.ipv4 || fi.off > len(frame) {
		if d.json {
			return dst
		}
		dst = appendInt(dst, n)
		dst = append(dst, "  not IPv4"...)
		switch {
		case link == layers.LinkTypeRaw || link == linkRawAlt1 || link == linkRawAlt2 || link == linkIPv4 || link == linkIPv6:
			dst = append(dst, " (IP version "...)
			dst = appendInt(dst, int(fi.proto))
			dst = append(dst, ')')
		case fi.proto != 0:
			dst = append(dst, " (protocol 0x"...)
			dst = append(dst, hexDigits[fi.proto>>12], hexDigits[fi.proto>>8&15], hexDigits[fi.proto>>4&15], hexDigits[fi.proto&15])
			dst = append(dst, ')')
		}
		return append(dst, '\n')
	}
	ip := frame[fi.off:]
	var src, dstAddr netip.Addr
	if len(ip) >= ipopt.BaseHeaderLen {
		src = netip.AddrFrom4([4]byte(ip[12:16]))
		dstAddr = netip.AddrFrom4([4]byte(ip[16:20]))
	}
	h, herr := ipopt.ParseHeader(ip)
	if herr != nil && d.cut && errors.Is(herr, ipopt.ErrTruncated) {
		// The header runs past what the capture kept: the packet had it
		// all, so nothing can be said of it (and there is no pointer).
		return d.appendCut(dst, n, src, dstAddr, ip)
	}
	var verr error
	var c ipopt.Compiled
	silent := false // Linux finds verr but sends no Parameter Problem
	opts := h.Options()
	if herr != nil {
		verr = herr
	} else {
		w := &d.walk
		if fi.loopback || src.IsLoopback() && dstAddr.IsLoopback() {
			w = &d.walkLo
		}
		c, verr = w.Compile(opts)
		// Linux finds verr but answers nothing: the echo of the options
		// fails, or __icmp_send gives up on this datagram whatever its
		// options (a non-first fragment, a broadcast or multicast, an
		// ICMP error, a frame not sent to this host alone).
		silent = verr != nil && (c.Silent || fi.notHost || ipopt.ICMPErrorSuppressed(ip))
	}
	d.unconfigured, d.nsid = 0, false
	if herr == nil && d.dois != nil {
		if verr == nil {
			// The walk found no fault: the CIPSO option it kept is the
			// only one in the field.
			d.unconfigured, d.nsid = d.dois.onlyLabelDOIs(opts, c.CIPSO)
		} else {
			d.unconfigured, d.nsid = d.dois.labelDOIs(opts)
		}
		if d.dois.given {
			d.unconfigured = 0
		} else if d.unconfigured != 0 {
			d.notConfigured++
		}
	}
	if d.json {
		return d.appendJSON(dst, n, src, dstAddr, opts, verr, silent)
	}
	return d.appendText(dst, n, src, dstAddr, h, herr, verr, silent)
}

// onlyLabelDOIs is labelDOIs for an options field whose only CIPSO option
// is at off (-1: none), as the Linux walk records it when it finds no
// fault: the field is not walked again.
func (cfg *doiConfig) onlyLabelDOIs(opts []byte, off int) (unconfigured cipso.DOI, nsid bool) {
	if off < 0 || off+1 >= len(opts) || int(opts[off+1]) > len(opts)-off {
		return 0, false
	}
	o := opts[off : off+int(opts[off+1])]
	switch {
	case len(o) < cipso.HeaderLen:
	case isDOI(o, cfg.nsidDOI):
		nsid = true
	default:
		if doi := cipso.DOI(binary.BigEndian.Uint32(o[2:6])); cfg.cipso.Lookup(doi) == nil {
			unconfigured = doi
		}
	}
	return unconfigured, nsid
}

// truncatedByCapture is the verdict on a packet whose IPv4 header the
// capture cut: not judged.
const truncatedByCapture = "header truncated by the capture"

// appendCut appends the line of a packet whose IPv4 header was cut by the
// capture (fewer octets captured than its IHL says, or than the base
// header): it cannot be judged, so there is no verdict and no pointer.
// Text: "N  SRC > DST  header truncated by the capture (IHL 15: 60 octets,
// 36 captured), not judged"; JSON: "valid":null,"pointer":null and
// "error":"header truncated by the capture".
func (d *dumper) appendCut(dst []byte, n int, src, dstAddr netip.Addr, ip []byte) []byte {
	dst = d.appendCutHead(dst, n, "", src, dstAddr)
	if d.json {
		return dst
	}
	if len(ip) > 0 && ip[0]&0x0f >= 5 {
		ihl := int(ip[0] & 0x0f)
		dst = append(dst, "IHL "...)
		dst = appendInt(dst, ihl)
		dst = append(dst, ": "...)
		dst = appendInt(dst, 4*ihl)
		dst = append(dst, " octets, "...)
	}
	dst = appendInt(dst, len(ip))
	return append(dst, cutTextTail...)
}

// cutTextTail ends the text line of a packet the capture cut.
const cutTextTail = " captured), not judged\n"

// appendCutHead appends the start of the line of a packet the capture
// cut, version being "" (IPv4) or `"version":6,`: the whole JSON line,
// or the text up to the parenthesis that says what was cut, which the
// caller fills and ends with cutTextTail.
func (d *dumper) appendCutHead(dst []byte, n int, version string, src, dstAddr netip.Addr) []byte {
	if d.json {
		dst = appendJSONHead(dst, n, version, src, dstAddr)
		return append(dst, `[],"valid":null,"pointer":null,"error":"`+truncatedByCapture+"\"}\n"...)
	}
	dst = appendTextHead(dst, n, src, dstAddr)
	return append(dst, "  "+truncatedByCapture+" ("...)
}

// appendJSONHead appends {"packet":N,VERSION"src":"SRC","dst":"DST","options":
// (version "" or `"version":6,`; an address that is not there is "").
func appendJSONHead(dst []byte, n int, version string, src, dstAddr netip.Addr) []byte {
	dst = append(dst, `{"packet":`...)
	dst = appendInt(dst, n)
	dst = append(dst, ',')
	dst = append(dst, version...)
	dst = append(dst, `"src":"`...)
	if src.IsValid() {
		dst = appendAddr(dst, src)
	}
	dst = append(dst, `","dst":"`...)
	if dstAddr.IsValid() {
		dst = appendAddr(dst, dstAddr)
	}
	return append(dst, `","options":`...)
}

// appendAddr appends a in its text form (netip.Addr.AppendTo), an IPv4
// address with the digits of each octet copied from a table.
func appendAddr(dst []byte, a netip.Addr) []byte {
	if !a.Is4() {
		return a.AppendTo(dst)
	}
	b := a.As4()
	dst = appendDigits(dst, digits16[b[0]])
	dst = append(dst, '.')
	dst = appendDigits(dst, digits16[b[1]])
	dst = append(dst, '.')
	dst = appendDigits(dst, digits16[b[2]])
	dst = append(dst, '.')
	return appendDigits(dst, digits16[b[3]])
}

// appendJSONVerdict appends ,"valid":B,"pointer":P|null}: the pointer is
// ptr when Linux answers verr with a Parameter Problem (answered).
func appendJSONVerdict(dst []byte, verr error, ptr int, answered bool) []byte {
	switch {
	case verr == nil:
		return append(dst, `,"valid":true,"pointer":null}`+"\n"...)
	case answered:
		dst = append(dst, `,"valid":false,"pointer":`...)
		dst = appendInt(dst, ptr)
		return append(dst, "}\n"...)
	}
	return append(dst, `,"valid":false,"pointer":null}`+"\n"...)
}

// appendTextHead appends "N  SRC > DST" ("N  ?" without addresses).
func appendTextHead(dst []byte, n int, src, dstAddr netip.Addr) []byte {
	dst = appendInt(dst, n)
	dst = append(dst, "  "...)
	if src.IsValid() {
		dst = appendAddr(dst, src)
		dst = append(dst, " > "...)
		return appendAddr(dst, dstAddr)
	}
	return append(dst, "?"...)
}

// appendTextVerdict appends "  valid" or "  INVALID ...: ERROR" and the
// newline: with " pointer P" when Linux answers verr with a Parameter
// Problem (answered), " (dropped silently, no ICMP)" when it finds verr
// but answers nothing (silent), neither when verr has no pointer.
func appendTextVerdict(dst []byte, verr error, ptr int, answered, silent bool) []byte {
	if verr == nil {
		return append(dst, "  valid\n"...)
	}
	dst = append(dst, "  INVALID"...)
	if silent {
		dst = append(dst, " (dropped silently, no ICMP)"...)
	} else if answered {
		dst = append(dst, " pointer "...)
		dst = appendInt(dst, ptr)
	}
	dst = append(dst, ": "...)
	dst = appendErrorText(dst, verr)
	return append(dst, '\n')
}

// appendBadHeader ends a text line with "  bad IPvN header: ERROR" (version
// "IPv4" or "IPv6").
func appendBadHeader(dst []byte, version string, herr error) []byte {
	dst = append(dst, "  bad "...)
	dst = append(dst, version...)
	dst = append(dst, " header: "...)
	dst = appendErrorText(dst, herr)
	return append(dst, '\n')
}

// appendProtoText appends the name of the transport protocol p ("icmp"
// or "icmpv6" being icmpName for protocol icmp).
func appendProtoText(dst []byte, p, icmp uint8, icmpName string) []byte {
	switch p {
	case icmp:
		return append(dst, icmpName...)
	case 6:
		return append(dst, "tcp"...)
	case 17:
		return append(dst, "udp"...)
	}
	dst = append(dst, "proto "...)
	return appendInt(dst, int(p))
}

// appendJSON appends {"packet":N,"src":...,"dst":...,"options":[...],
// "valid":...,"pointer":...}. The pointer is null when verr has none or
// when Linux sends no Parameter Problem for it (silent).
func (d *dumper) appendJSON(dst []byte, n int, src, dstAddr netip.Addr, opts []byte, verr error, silent bool) []byte {
	dst = appendJSONHead(dst, n, "", src, dstAddr)
	dst, _ = appendOptionsJSONIn(dst, opts, d.reg)
	if verr == nil && d.unconfigured != 0 {
		// Structurally sound: what the receiver does depends on the DOI.
		dst = append(dst, `,"valid":null,"pointer":null,"error":"DOI `...)
		dst = appendUint(dst, uint64(d.unconfigured))
		return append(dst, ` not configured"}`+"\n"...)
	}
	p, ok := pointerOf(verr)
	return appendJSONVerdict(dst, verr, p, ok && !silent)
}

// appendText appends "N  SRC > DST  PROTO  LABELS  VERDICT". A verdict
// that Linux answers with no Parameter Problem (silent) says "dropped
// silently" instead of a pointer.
func (d *dumper) appendText(dst []byte, n int, src, dstAddr netip.Addr, h ipopt.Header, herr, verr error, silent bool) []byte {
	dst = appendTextHead(dst, n, src, dstAddr)
	if herr != nil {
		return appendBadHeader(dst, "IPv4", herr)
	}
	dst = append(dst, "  "...)
	dst = appendProtoText(dst, h.Protocol(), 1, "icmp")
	dst = append(dst, "  "...)
	dst = appendOptionsText(dst, h.Options(), d.reg)
	if verr == nil && d.unconfigured != 0 {
		dst = append(dst, "  DOI "...)
		dst = appendUint(dst, uint64(d.unconfigured))
		return append(dst, " not configured\n"...)
	}
	p, ok := pointerOf(verr)
	dst = appendTextVerdict(dst, verr, p, ok && !silent, ok && silent)
	if d.nsid {
		dst = append(dst[:len(dst)-1], " (DSM receiver rules)\n"...)
	}
	return dst
}

// appendOptionsText describes the options in words: each label, the
// other options by name, padding after an EOL that is not zero, and where
// decoding stopped. The labels of reg's translated DOIs are given in host
// values too.
func appendOptionsText(dst, opts []byte, reg *cipso.Registry) []byte {
	start := len(dst)
	it := ipopt.NewIter(opts)
	var err error
	for err == nil && it.Next() {
		o := it.Option()
		switch o.Type {
		case ipopt.NOP, ipopt.EOL:
			continue
		}
		dst = appendSep(dst, start)
		switch o.Type {
		case ipopt.CIPSO:
			dst, err = appendCIPSOText(dst, o, reg)
		case ipopt.SEC:
			var v bsoView
			if v, err = viewBSO(o); err == nil {
				if v.legacy {
					dst = append(dst, "SEC (RFC 791 form)"...)
				} else {
					dst = append(dst, "BSO "...)
					dst = append(dst, v.label.Level.String()...)
					if !v.label.Authorities.IsEmpty() {
						dst = append(dst, ' ')
						dst, _ = v.label.Authorities.AppendText(dst)
					}
				}
			}
		case ipopt.ESEC:
			if e, e2 := viewESO(o); e2 != nil {
				err = e2
			} else {
				dst = append(dst, "ESO format "...)
				dst = appendInt(dst, int(e.FormatCode()))
				if len(e.Info()) > 0 {
					dst = append(dst, " data "...)
					dst = hex.AppendEncode(dst, e.Info())
				}
			}
		default:
			dst = append(dst, o.Type.String()...)
		}
	}
	if err == nil {
		err = it.Err()
	}
	for _, b := range it.Tail() {
		if b != 0 {
			dst = appendSep(dst, start)
			dst = append(dst, "padding after EOL "...)
			dst = hex.AppendEncode(dst, it.Tail())
			break
		}
	}
	return endOptionsText(dst, start, err)
}

// appendSep appends the "; " between two parts of a description that
// began at dst[start] (none before the first).
func appendSep(dst []byte, start int) []byte {
	if len(dst) > start {
		dst = append(dst, "; "...)
	}
	return dst
}

// endOptionsText ends a description of options that began at dst[start]:
// where decoding stopped (err, if not nil), and "no label" when nothing
// was said.
func endOptionsText(dst []byte, start int, err error) []byte {
	if err != nil {
		dst = appendSep(dst, start)
		dst = append(dst, "undecodable at offset "...)
		dst = appendInt(dst, offsetOf(err))
		dst = append(dst, " ("...)
		dst = appendErrorText(dst, err)
		dst = append(dst, ')')
	}
	if len(dst) == start {
		dst = append(dst, "no label"...)
	}
	return dst
}

// appendCIPSOText describes one CIPSO option: "CIPSO DOI 16: restricted
// bitmap s3:c0,c5", each label an SELinux level string of its wire
// values; in a translated DOI of reg followed by the host label, "(host
// s7:c100,c105)", or "(host: not mapped)" when the DOI does not map the
// level or a category.
func appendCIPSOText(dst []byte, o ipopt.Option, reg *cipso.Registry) ([]byte, error) {
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return dst, ipopt.Shift(err, o.Offset)
	}
	trans := transDomain(reg, opt.DOI())
	dst = append(dst, "CIPSO DOI "...)
	dst = appendUint(dst, uint64(opt.DOI()))
	dst = append(dst, ':')
	it := opt.Tags()
	var v tagView
	first := true
	for it.Next() {
		terr := viewTag(it.Tag(), o.Offset, &v)
		if terr != nil {
			return dst, terr
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, ' ')
		dst = appendTagText(dst, &v)
		if trans != nil && isMAC(v.kind) {
			dst = appendHostText(dst, trans, &v)
		}
	}
	if it.Err() != nil {
		return dst, ipopt.Shift(it.Err(), o.Offset)
	}
	if first {
		dst = append(dst, " no tag"...)
	}
	return dst, nil
}

func appendTagText(dst []byte, v *tagView) []byte {
	switch v.kind {
	case tagBitmap:
		if v.typ == cipso.TagPBitmap {
			dst = append(dst, "permissive bitmap"...)
		} else {
			dst = append(dst, "restricted bitmap"...)
		}
	case tagEnum:
		dst = append(dst, "enumerated"...)
	case tagRange:
		dst = append(dst, "ranged"...)
	case tagSecID:
		dst = append(dst, "local secid "...)
		return appendUint(dst, uint64(v.secid))
	case tagFreeForm:
		if v.hasNS {
			dst = append(dst, "network SID"...)
			for _, p := range nsidJSONOrder {
				if val, ok := v.nsid.Get(p.t); ok {
					dst = append(dst, ' ')
					dst = append(dst, p.key...)
					if p.key != "bypass" {
						dst = append(dst, '=')
						dst = appendUint(dst, uint64(val))
					}
				}
			}
			return dst
		}
		dst = append(dst, "free form "...)
		return hex.AppendEncode(dst, v.data)
	default:
		dst = append(dst, "tag "...)
		dst = appendInt(dst, int(v.typ))
		if len(v.data) > 0 {
			dst = append(dst, " data "...)
			dst = hex.AppendEncode(dst, v.data)
		}
		return dst
	}
	dst = append(dst, ' ')
	return appendTagLevelText(dst, v)
}

// isMAC reports whether a tag of kind k carries a level and categories.
func isMAC(k tagKind) bool { return k == tagBitmap || k == tagEnum || k == tagRange }

// appendHostText appends " (host s7:c100,c105)", tag v's label in the
// host values of translated DOI d, or " (host: not mapped)".
func appendHostText(dst []byte, d *cipso.Domain, v *tagView) []byte {
	var h cipso.Label
	if !hostLabel(d, v, &h) {
		return append(dst, " (host: not mapped)"...)
	}
	dst = append(dst, " (host "...)
	dst = appendLevelText(dst, &h)
	return append(dst, ')')
}
