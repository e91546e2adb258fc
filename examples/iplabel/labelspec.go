package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// specError is a bad label spec: which argument, the 1-based byte of the
// argument at fault, and why. It is a usage error (exit status 2).
func specError(arg, text string, col int, msg string) error {
	return usagef("%s %q: byte %d: %s", arg, text, col, msg)
}

// item is one comma-separated element of a spec, with its 1-based column.
type item struct {
	s   string
	col int
}

// splitItems splits s at commas, keeping each element's column (base is
// the column of s[0]).
func splitItems(s string, base int) []item {
	var out []item
	for off := 0; ; {
		end := strings.IndexByte(s[off:], ',')
		if end < 0 {
			return append(out, item{s[off:], base + off})
		}
		out = append(out, item{s[off : off+end], base + off})
		off += end + 1
	}
}

// parseUint reads a decimal number (or 0x hex when hexOK) no greater
// than max.
func parseUint(s string, max uint64, hexOK bool) (uint64, string) {
	if s == "" {
		return 0, "missing number"
	}
	base := 10
	if hexOK && len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s, base = s[2:], 16
	}
	v, err := strconv.ParseUint(s, base, 64)
	if err != nil {
		if ne, ok := err.(*strconv.NumError); ok && ne.Err == strconv.ErrRange {
			return 0, "number above " + strconv.FormatUint(max, 10)
		}
		return 0, strconv.Quote(s) + " is not a number"
	}
	if v > max {
		return 0, "number above " + strconv.FormatUint(max, 10)
	}
	return v, ""
}

// parseCategories reads "0,5,10-20": categories and inclusive ranges
// (host values, 0..2147483647; the DOI decides what goes on the wire).
// The empty string is the empty set.
func parseCategories(arg, text string, items []item) (cipso.CatSet, error) {
	var s cipso.CatSet
	for _, it := range items {
		lo, hi := it.s, it.s
		hiCol := it.col
		if i := strings.IndexByte(it.s, '-'); i >= 0 {
			lo, hi, hiCol = it.s[:i], it.s[i+1:], it.col+i+1
		}
		a, msg := parseUint(lo, cipso.MaxHostValue, false)
		if msg != "" {
			return s, specError(arg, text, it.col, "category: "+msg)
		}
		b, msg := parseUint(hi, cipso.MaxHostValue, false)
		if msg != "" {
			return s, specError(arg, text, hiCol, "category: "+msg)
		}
		if a > b {
			return s, specError(arg, text, it.col, "category range "+it.s+" runs backwards")
		}
		if err := s.AddRange(uint32(a), uint32(b)); err != nil {
			return s, specError(arg, text, it.col, err.Error())
		}
	}
	return s, nil
}

// parseLevelString reads a label given as an SELinux level string,
// "s3:c0,c5.c9" (cipso.ParseLabel: "s" and the level, then maybe ":" and
// categories "cN" or runs "cN.cM"), with host values: level and
// categories 0..2147483647, as for --level and --categories. base is the
// column of text[0] in spec, the argument quoted in errors.
func parseLevelString(arg, spec, text string, base int) (cipso.Label, error) {
	l, err := cipso.ParseLabel(text)
	if err != nil {
		var pe *ipopt.ParseError
		if !errors.As(err, &pe) {
			return l, usagef("%s %q: %v", arg, spec, err)
		}
		msg := pe.Msg
		if errors.Is(err, cipso.ErrSetFull) {
			msg = "too many separate categories above 255"
		}
		return l, specError(arg, spec, base+pe.Column-1, msg)
	}
	if l.Level > cipso.MaxHostValue {
		return l, specError(arg, spec, base+1, "level: number above "+strconv.FormatUint(cipso.MaxHostValue, 10))
	}
	if m, ok := l.Cats.Max(); ok && m > cipso.MaxHostValue {
		return l, usagef("%s %q: category %d: number above %d", arg, spec, m, cipso.MaxHostValue)
	}
	return l, nil
}

// parseTags reads "1,2,5": the tag types to try, in order.
func parseTags(arg, text string, items []item) ([]cipso.TagType, error) {
	var tags []cipso.TagType
	for _, it := range items {
		v, msg := parseUint(it.s, 255, false)
		if msg != "" {
			return nil, specError(arg, text, it.col, "tag: "+msg)
		}
		switch t := cipso.TagType(v); t {
		case cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange:
			tags = append(tags, t)
		default:
			return nil, specError(arg, text, it.col, "tag "+it.s+" cannot carry a level and categories (want 1, 2 or 5)")
		}
	}
	if len(tags) > cipso.MaxDOITags {
		return nil, specError(arg, text, items[cipso.MaxDOITags].col, "at most 5 tags")
	}
	return tags, nil
}

// defaultTags is the tag list of a DOI that is neither in --doi-config nor
// given --tags: the usual NetLabel "tags:1,2,5", so that a label with
// categories above 239 falls back to tag 2 as Linux's cipso_v4_genopt
// would.
var defaultTags = []cipso.TagType{cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange}

// domainFor returns the DOI to encode with: the one --doi-config defines
// (with its tag list replaced by tags, if given), or, with no config file,
// a pass-through DOI with tags (or defaultTags).
func domainFor(reg *cipso.Registry, cfgPath string, doi uint64, tags []cipso.TagType) (*cipso.Domain, error) {
	if doi == 0 {
		return nil, usagef("DOI 0 is reserved (CIPSO draft §3.3)")
	}
	if cfgPath == "" {
		if tags == nil {
			tags = defaultTags
		}
		d, err := cipso.NewPass(cipso.DOI(doi), tags...)
		if err != nil {
			return nil, usagef("%v", err)
		}
		return d, nil
	}
	d := reg.Lookup(cipso.DOI(doi))
	if d == nil {
		return nil, fmt.Errorf("%s: DOI %d is not defined", cfgPath, doi)
	}
	if d.Type() == cipso.MapLocal {
		return nil, usagef("DOI %d is a local DOI: it carries a secid (tag 128, loopback only), not a level and categories", doi)
	}
	if tags == nil {
		return d, nil
	}
	var err error
	switch d.Type() {
	case cipso.MapPass:
		d, err = cipso.NewPass(d.DOI(), tags...)
	case cipso.MapTrans:
		d, err = cipso.NewTrans(d.DOI(), tags, d.Levels(), d.Categories())
	}
	if err != nil {
		return nil, usagef("--tags for DOI %d: %v", doi, err)
	}
	return d, nil
}

// cipsoLabel is a CIPSO label spec once read: the DOI to encode with and
// the host label.
type cipsoLabel struct {
	dom    *cipso.Domain
	label  cipso.Label
	format cipso.Format
}

// appendOption appends the option the DOI generates for the label (Linux's
// tag selection: the DOI's tags in order, the first that fits).
func (c *cipsoLabel) appendOption(dst []byte) ([]byte, error) {
	return c.dom.AppendOption(dst, &c.label, c.format)
}

// parseNSID reads a network SID spec: comma-separated parameters
// ssid, node, serial, msid, dsid (each "name=N" or "name:N", N decimal or
// 0x hex, 32 bits) and "bypass"; with doiOK, also "doi=N" or "doi:N"
// (default dsm.DefaultDOI). At least one parameter, each at most once.
func parseNSID(arg, text string, items []item, doiOK bool) (dsm.Label, cipso.DOI, error) {
	var n dsm.Label
	doi := dsm.DefaultDOI
	seenDOI := false
	for _, it := range items {
		key, val, hasVal := strings.Cut(it.s, "=")
		if !hasVal {
			key, val, hasVal = strings.Cut(it.s, ":")
		}
		valCol := it.col + len(key) + 1
		if key == "doi" && doiOK {
			v, msg := parseUint(val, 1<<32-1, true)
			if msg == "" && v == 0 {
				msg = "DOI 0 is reserved"
			}
			if msg == "" && seenDOI {
				msg = "doi given twice"
			}
			if msg != "" {
				return n, 0, specError(arg, text, valCol, msg)
			}
			doi, seenDOI = cipso.DOI(v), true
			continue
		}
		t, ok := nsidParam(key)
		if !ok {
			return n, 0, specError(arg, text, it.col, "unknown network SID parameter "+strconv.Quote(key)+" (want ssid, node, serial, msid, dsid, bypass)")
		}
		if n.Params.Has(t) {
			return n, 0, specError(arg, text, it.col, key+" given twice")
		}
		if t == dsm.ParamBypass {
			if hasVal {
				return n, 0, specError(arg, text, valCol, "bypass takes no value")
			}
			n = n.With(dsm.ParamBypass, 0)
			continue
		}
		if !hasVal {
			return n, 0, specError(arg, text, it.col, key+" needs a value ("+key+"=N)")
		}
		v, msg := parseUint(val, 1<<32-1, true)
		if msg != "" {
			return n, 0, specError(arg, text, valCol, key+": "+msg)
		}
		n = n.With(t, uint32(v))
	}
	if n.Params == 0 {
		return n, 0, specError(arg, text, 1, "no network SID parameter")
	}
	return n, doi, nil
}

func nsidParam(key string) (dsm.ParamType, bool) {
	for _, p := range nsidJSONOrder {
		if p.key == key {
			return p.t, true
		}
	}
	return 0, false
}

// parseBSO reads an RFC 1108 BSO spec, "level=secret,authorities=genser+nsa"
// (rfc1108.ParseSpec).
func parseBSO(arg, text string) (rfc1108.Label, error) {
	l, err := rfc1108.ParseSpec(text)
	if err != nil {
		return l, usagef("%s %q: %v", arg, text, err)
	}
	return l, nil
}

// padded appends EOL octets to opts up to a multiple of 4, the options
// field that carries it (Linux pads generated options so:
// cipso_v4_sock_setattr in net/ipv4/cipso_ipv4.c).
func padded(opts []byte) []byte {
	for n := len(opts); n < ipopt.PaddedLen(n); n++ {
		opts = append(opts, byte(ipopt.EOL))
	}
	return opts
}
