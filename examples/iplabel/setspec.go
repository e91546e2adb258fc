package main

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// parseSetLabel reads rewrite's --set LABEL and returns the option it
// stands for (not padded):
//
//   - CIPSO: "doi=16,level=3,categories=0-5[,tags=1][,optfmt]" (keys in
//     any order; categories and tags are lists, so the items after
//     "categories=" without '=' belong to it: "categories=0,5,10-20"),
//     or with the label as an SELinux level string instead of level and
//     categories, "doi=16,label=s3:c0,c5.c9[,tags=1][,optfmt]";
//     the DOI from --doi-config if given there, else pass-through with
//     tags 1,2,5 as for encode;
//   - network SID: "nsid=ssid:N,node:N[,serial:N,msid:N,dsid:N,bypass][,doi:N]";
//   - RFC 1108 BSO: "level=secret,authorities=genser+nsa" (no doi key);
//   - IPv6 CALIPSO: "calipso:doi=16,level=3,categories=0-5", read by
//     parseSetCALIPSO, not here.
func parseSetLabel(spec string, reg *cipso.Registry, cfgPath string) ([]byte, error) {
	const arg = "--set"
	if rest, ok := strings.CutPrefix(spec, "nsid="); ok {
		n, doi, err := parseNSID(arg, spec, splitItems(rest, len("nsid=")+1), true)
		if err != nil {
			return nil, err
		}
		return n.AppendOption(nil, doi)
	}
	items := splitItems(spec, 1)
	isCIPSO := false
	for _, it := range items {
		if strings.HasPrefix(it.s, "doi=") {
			isCIPSO = true
		}
	}
	if !isCIPSO {
		l, err := parseBSO(arg, spec)
		if err != nil {
			return nil, usagef("%s %q: not a CIPSO label (no doi=), a network SID (nsid=...) or a BSO: %v", arg, spec, err)
		}
		return rfc1108.AppendLabel(nil, l)
	}
	// Group the items by key.
	vals := map[string][]item{}
	var order []string
	key := ""
	for _, it := range items {
		k, v, hasEq := strings.Cut(it.s, "=")
		switch {
		case hasEq:
			if _, dup := vals[k]; dup {
				return nil, specError(arg, spec, it.col, k+" given twice")
			}
			key = k
			order = append(order, k)
			vals[k] = []item{{v, it.col + len(k) + 1}}
		case it.s == "optfmt":
			key = ""
			vals["optfmt"] = nil
			order = append(order, "optfmt")
		case key == "categories" || key == "tags" || key == "label":
			vals[key] = append(vals[key], it)
		default:
			return nil, specError(arg, spec, it.col, "expected key=value, got "+strconv.Quote(it.s))
		}
	}
	for _, k := range order {
		switch k {
		case "doi", "level", "categories", "tags", "optfmt", "label":
		default:
			return nil, specError(arg, spec, vals[k][0].col-len(k)-1, "unknown key "+strconv.Quote(k)+" (want doi, level, categories, label, tags, optfmt)")
		}
	}
	one := func(k string) (item, error) {
		v := vals[k]
		if len(v) == 0 {
			return item{}, usagef("%s %q: missing %s=", arg, spec, k)
		}
		return v[0], nil
	}
	d, err := one("doi")
	if err != nil {
		return nil, err
	}
	doi, msg := parseUint(d.s, 1<<32-1, true)
	if msg != "" {
		return nil, specError(arg, spec, d.col, "doi: "+msg)
	}
	var c cipsoLabel
	if ls, ok := vals["label"]; ok {
		if c.label, err = parseSetLevelString(arg, spec, ls, vals); err != nil {
			return nil, err
		}
	} else {
		lv, err := one("level")
		if err != nil {
			return nil, err
		}
		level, msg := parseUint(lv.s, cipso.MaxHostValue, false)
		if msg != "" {
			return nil, specError(arg, spec, lv.col, "level: "+msg)
		}
		c.label.Level = uint32(level)
	}
	if cs := vals["categories"]; len(cs) > 0 && !(len(cs) == 1 && cs[0].s == "") {
		if c.label.Cats, err = parseCategories(arg, spec, cs); err != nil {
			return nil, err
		}
	}
	var tags []cipso.TagType
	if ts, ok := vals["tags"]; ok {
		if tags, err = parseTags(arg, spec, ts); err != nil {
			return nil, err
		}
	}
	_, c.format.Optimized = vals["optfmt"]
	if c.dom, err = domainFor(reg, cfgPath, doi, tags); err != nil {
		return nil, err
	}
	opt, err := c.appendOption(nil)
	if err != nil {
		return nil, usagef("%s %q: label does not fit DOI %d: %v", arg, spec, doi, err)
	}
	return opt, nil
}

// parseSetLevelString reads --set's "label=s3:c0,c5.c9" (its items ls,
// split at the commas of the level string), which stands for level= and
// categories=.
func parseSetLevelString(arg, spec string, ls []item, vals map[string][]item) (cipso.Label, error) {
	for _, k := range []string{"level", "categories"} {
		if _, ok := vals[k]; ok {
			return cipso.Label{}, usagef("%s %q: label= gives the level and categories: no %s=", arg, spec, k)
		}
	}
	text := ls[0].s
	for _, it := range ls[1:] {
		text += "," + it.s
	}
	return parseLevelString(arg, spec, text, ls[0].col)
}

// calipsoSetPrefix marks rewrite's --set as an IPv6 CALIPSO label.
const calipsoSetPrefix = "calipso:"

// parseSetCALIPSO reads rewrite's --set "calipso:doi=N,level=L[,
// categories=0,5,10-20]" (after the prefix, the syntax of encode
// --calipso) and returns the option calipso_genopt writes for it, without
// padding. doi= may be left out when --doi-config defines exactly one
// CALIPSO DOI ("calipso add pass doi:N"), which is then used; a DOI given
// must be one of the file's when it defines any, as Linux labels only
// with a configured DOI.
func parseSetCALIPSO(spec string, creg *calipso.Registry, cfgPath string) ([]byte, error) {
	const arg = "--set " + calipsoSetPrefix
	rest := strings.TrimPrefix(spec, calipsoSetPrefix)
	dois := creg.DOIs()
	text := rest
	hasDOI := false
	for _, it := range splitItems(rest, 1) {
		hasDOI = hasDOI || strings.HasPrefix(it.s, "doi=")
	}
	if !hasDOI && len(dois) == 1 {
		text = rest + ",doi=" + strconv.FormatUint(uint64(dois[0]), 10)
	}
	doi, l, err := parseCALIPSOSpec(arg, text)
	if err != nil {
		if !hasDOI && len(dois) > 1 {
			return nil, usagef("%s %q: missing doi= (%s defines %d CALIPSO DOIs)", arg, rest, cfgPath, len(dois))
		}
		return nil, err
	}
	if len(dois) > 0 && !creg.Has(doi) {
		return nil, fmt.Errorf("%s: CALIPSO DOI %d is not defined (calipso add pass doi:%d)", cfgPath, doi, doi)
	}
	opt, err := calipso.AppendOption(nil, 2, doi, &l)
	if err != nil {
		return nil, usagef("%s %q: %v", arg, rest, err)
	}
	return opt, nil
}
