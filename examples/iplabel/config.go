package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/fips188/dsm"
	configlines "github.com/iplabel/iplabel/internal/lines"
	"github.com/iplabel/iplabel/ipopt"
)

// kernelConfig is the --doi-config value that reads the running kernel's
// DOIs instead of a file (a file of that name is "./kernel").
const kernelConfig = "kernel"

// doiConfig is what --doi-config gives a command.
type doiConfig struct {
	cipso   *cipso.Registry
	calipso *calipso.Registry
	// nsidDOI is the DOI whose labels are DSM network SIDs, checked with
	// nsid instead of cipso_v4_validate; 0: none ("iplabel nsid off").
	nsidDOI cipso.DOI
	nsid    dsm.Profile
	// given: a configuration was named (a file or the kernel). Without
	// one, dump checks labels of DOIs not configured structurally.
	given bool
}

// loadConfig reads the CIPSO DOIs of a --doi-config file ([loadDOIConfig]).
func loadConfig(path string) (*cipso.Registry, error) {
	cfg, err := loadDOIConfig(path)
	if err != nil {
		return nil, err
	}
	return cfg.cipso, nil
}

// loadConfigs reads the CIPSO and CALIPSO DOIs of a --doi-config file
// ([loadDOIConfig]).
func loadConfigs(path string) (*cipso.Registry, *calipso.Registry, error) {
	cfg, err := loadDOIConfig(path)
	if err != nil {
		return nil, nil, err
	}
	return cfg.cipso, cfg.calipso, nil
}

// loadDOIConfig reads the DOIs of --doi-config arg: a file written in
// netlabelctl's command syntax, or "kernel" ([readKernelDOIs]).
//
// A file holds the CIPSO DOIs ("cipsov4 add ...", cipso.ParseConfig), the
// CALIPSO ones ("calipso add pass doi:N", calipso.ParseConfig) and the
// command's own directive "iplabel nsid ..." ([parseDirective]), whose
// lines the two parsers see as blank. Each parser skips the other
// module's lines, and a bad line of either module or a bad directive is
// an error for every command. Errors name the file, the line and the
// column ("FILE:LINE:COLUMN: ..."), the earliest line of the first errors
// (CIPSO's first on a line); a line over 64 KiB (cipso.MaxConfigLine, its
// newline not counted) is an error at that line, column 65537, and is not
// read further. The file is read once (a pipe too) and kept in memory
// until parsed.
//
// An empty arg gives empty registries: no DOI is configured, so every
// CIPSO label but a network SID fails validation at its DOI, as on a
// kernel with NetLabel and no configuration (dump checks them
// structurally instead). Whatever arg, labels of dsm.DefaultDOI are
// network SIDs checked with dsm.Receiver unless a cipsov4 DOI of
// that number is configured or a directive says otherwise.
func loadDOIConfig(arg string) (*doiConfig, error) {
	cfg := &doiConfig{cipso: &cipso.Registry{}, calipso: &calipso.Registry{}, given: arg != ""}
	nsid := nsidDirective{doi: dsm.DefaultDOI, profile: dsm.Receiver}
	switch arg {
	case "":
	case kernelConfig:
		reg, err := readKernelDOIs("--doi-config kernel")
		if err != nil {
			return nil, err
		}
		cfg.cipso = reg
	default:
		if err := cfg.readFile(arg, &nsid); err != nil {
			return nil, err
		}
	}
	if nsid.doi != 0 && cfg.cipso.Lookup(nsid.doi) != nil {
		if nsid.line > 0 {
			return nil, fmt.Errorf("%s:%d:%d: %v: DOI %v is also a cipsov4 DOI of this file", arg, nsid.line, nsid.col, errDirective, nsid.doi)
		}
		nsid.doi = 0 // a configured DOI is checked as configured
	}
	cfg.nsidDOI = nsid.doi
	cfg.nsid = nsid.profile
	cfg.nsid.DOI = nsid.doi
	return cfg, nil
}

// readFile reads the file at path into cfg and nsid.
func (cfg *doiConfig) readFile(path string, nsid *nsidDirective) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	// The lines as read, the directives blanked, for the two parsers.
	var text bytes.Buffer
	var first *ipopt.ParseError // the earliest error of the directives
	rerr := configlines.Each(f, cipso.MaxConfigLine, cipso.ErrSyntax, func(n int, line string) error {
		if isDirective(line) {
			if pe := nsid.parse(line, n); pe != nil && first == nil {
				first = pe
			}
			line = ""
		}
		text.WriteString(line)
		text.WriteByte('\n')
		return nil
	})
	var long *ipopt.ParseError
	if rerr != nil && !errors.As(rerr, &long) {
		return fmt.Errorf("%s: %w", path, rerr)
	}
	reg, cerr := cipso.ParseConfig(bytes.NewReader(text.Bytes()))
	creg, lerr := calipso.ParseConfig(bytes.NewReader(text.Bytes()))
	var cpe, lpe *ipopt.ParseError
	switch {
	case cerr != nil && !errors.As(cerr, &cpe):
		return fmt.Errorf("%s: %w", path, cerr)
	case lerr != nil && !errors.As(lerr, &lpe):
		return fmt.Errorf("%s: %w", path, lerr)
	}
	// The earliest error wins; on one line, CIPSO's, then CALIPSO's, then
	// the directive's (which the parsers saw blank), then the long line.
	var pe *ipopt.ParseError
	for _, e := range []*ipopt.ParseError{cpe, lpe, first, long} {
		if e != nil && (pe == nil || e.Line < pe.Line) {
			pe = e
		}
	}
	if pe != nil {
		return configError(path, pe)
	}
	cfg.cipso, cfg.calipso = reg, creg
	return nil
}

// configError is "FILE:LINE:COLUMN: <reason>".
func configError(path string, pe *ipopt.ParseError) error {
	msg := pe.Err.Error()
	if pe.Msg != "" {
		msg += ": " + pe.Msg
	}
	return fmt.Errorf("%s:%d:%d: %s", path, pe.Line, pe.Column, msg)
}

// readKernelDOIs reads the running kernel's CIPSO DOIs through NetLabel's
// generic netlink interface (package cipso/netlabel; Linux only; listing
// needs no privilege). Its errors are one line that begins with what
// ("--doi-config kernel") and says why: not Linux, no NetLabel here (a
// kernel without it, or a network namespace other than the initial one,
// where NetLabel does not answer), not permitted.
func readKernelDOIs(what string) (*cipso.Registry, error) {
	c, err := netlabel.Dial()
	if err == nil {
		defer c.Close()
		var reg *cipso.Registry
		if reg, err = c.Registry(); err == nil {
			return reg, nil
		}
	}
	switch {
	case errors.Is(err, netlabel.ErrLinuxOnly):
		return nil, fmt.Errorf("%s: the kernel's DOIs are read from Linux's NetLabel, and this is not Linux", what)
	case errors.Is(err, netlabel.ErrNoNetLabel):
		return nil, fmt.Errorf("%s: NetLabel is not available here (a kernel without CONFIG_NETLABEL, or a network namespace other than the initial one)", what)
	case errors.Is(err, os.ErrPermission):
		return nil, fmt.Errorf("%s: not permitted to read NetLabel: %w", what, err)
	}
	return nil, fmt.Errorf("%s: %w", what, err)
}

// errDirective is the reason of a bad "iplabel" line.
var errDirective = errors.New("bad iplabel directive")

// nsidDirective is the "iplabel nsid" setting of a configuration: which
// DOI carries DSM network SIDs and the receiver rules they are checked
// with.
type nsidDirective struct {
	doi       cipso.DOI // 0: none
	profile   dsm.Profile
	line, col int // of the directive's doi value (0: the default)
	seen      bool
}

// isDirective reports whether a configuration line is one of the
// command's own ("iplabel ..."), which cipso and calipso do not read.
func isDirective(line string) bool {
	f := strings.Fields(line)
	return len(f) > 0 && f[0] == "iplabel"
}

// nsidProfiles are the receiver rules "profile:" names.
var nsidProfiles = map[string]dsm.Profile{
	"dsm":     dsm.Receiver,
	"strict":  dsm.Strict{}.Profile(),
	"lenient": dsm.Lenient,
}

// parse reads directive line n:
//
//	iplabel nsid doi:N [profile:dsm|strict|lenient]
//	iplabel nsid off
//
// The first makes DOI N (decimal or 0x hex, not 0) the network-SID DOI,
// checked with DSM's receiver rules (dsm.Receiver) or the named
// profile; the second makes no DOI one. Without the directive DOI
// 268439552 (0x10001000, dsm.DefaultDOI) is, with DSM's rules. "#"
// starts a comment. One directive per file.
func (d *nsidDirective) parse(line string, n int) *ipopt.ParseError {
	bad := func(col int, msg string) *ipopt.ParseError {
		return &ipopt.ParseError{Line: n, Column: col, Err: errDirective, Msg: msg}
	}
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	type word struct {
		s   string
		col int
	}
	var ws []word
	for i := 0; i < len(line); {
		if c := line[i]; c == ' ' || c == '\t' || c == '\r' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		ws = append(ws, word{line[i:j], i + 1})
		i = j
	}
	end := len(line) + 1
	if len(ws) < 2 || ws[1].s != "nsid" {
		col := end
		if len(ws) >= 2 {
			col = ws[1].col
		}
		return bad(col, `the only directive is "iplabel nsid doi:N [profile:dsm|strict|lenient]" or "iplabel nsid off"`)
	}
	if d.seen {
		return bad(ws[0].col, `"iplabel nsid" given twice`)
	}
	d.seen = true
	args := ws[2:]
	if len(args) == 1 && args[0].s == "off" {
		d.doi, d.line, d.col = 0, 0, 0
		return nil
	}
	var doiSeen, profileSeen bool
	for _, a := range args {
		key, val, _ := strings.Cut(a.s, ":")
		vcol := a.col + len(key) + 1
		switch {
		case key == "doi" && !doiSeen:
			doiSeen = true
			v, err := strconv.ParseUint(val, 10, 32)
			if hexVal, ok := strings.CutPrefix(val, "0x"); ok {
				v, err = strconv.ParseUint(hexVal, 16, 32)
			}
			if err != nil || v == 0 {
				return bad(vcol, "doi: want a DOI from 1 to 4294967295, decimal or 0x hex")
			}
			d.doi, d.line, d.col = cipso.DOI(v), n, vcol
		case key == "profile" && !profileSeen:
			profileSeen = true
			p, ok := nsidProfiles[val]
			if !ok {
				return bad(vcol, "profile: want dsm, strict or lenient")
			}
			d.profile = p
		case key == "doi" || key == "profile":
			return bad(a.col, strconv.Quote(key)+" given twice")
		case a.s == "off":
			return bad(a.col, `"off" takes no arguments`)
		default:
			return bad(a.col, "unknown argument "+strconv.Quote(a.s))
		}
	}
	if !doiSeen {
		return bad(end, "no doi:N (or off)")
	}
	return nil
}

// nsidChecker checks the options of the network-SID DOI with a network
// SID profile and passes every other option on to next.
type nsidChecker struct {
	next ipopt.OptionChecker
	doi  cipso.DOI
	p    dsm.Profile
}

// CheckOption implements ipopt.OptionChecker.
func (c *nsidChecker) CheckOption(o ipopt.Option, socket bool) error {
	if isDOI(o.Bytes, c.doi) {
		return c.p.CheckOption(o, socket)
	}
	return c.next.CheckOption(o, socket)
}

// isDOI reports whether CIPSO option opt (from its type octet) carries
// DOI doi (never when doi is 0).
func isDOI(opt []byte, doi cipso.DOI) bool {
	return doi != 0 && len(opt) >= cipso.HeaderLen && cipso.DOI(binary.BigEndian.Uint32(opt[2:6])) == doi
}

// checker is next with the network-SID DOI's labels checked as such.
func (cfg *doiConfig) checker(next ipopt.OptionChecker) ipopt.OptionChecker {
	if cfg.nsidDOI == 0 {
		return next
	}
	return &nsidChecker{next: next, doi: cfg.nsidDOI, p: cfg.nsid}
}

// labelDOIs looks at the CIPSO options of an options field: the DOI of
// the first that is neither configured nor the network-SID DOI (0 if
// none), and whether one is of the network-SID DOI. It stops where the
// options cannot be walked.
func (cfg *doiConfig) labelDOIs(opts []byte) (unconfigured cipso.DOI, nsid bool) {
	it := ipopt.NewIter(opts)
	for it.Next() {
		o := it.Option()
		if o.Type != ipopt.CIPSO || len(o.Bytes) < cipso.HeaderLen {
			continue
		}
		doi := cipso.DOI(binary.BigEndian.Uint32(o.Bytes[2:6]))
		switch {
		case isDOI(o.Bytes, cfg.nsidDOI):
			nsid = true
		case unconfigured == 0 && cfg.cipso.Lookup(doi) == nil:
			unconfigured = doi
		}
	}
	return unconfigured, nsid
}
