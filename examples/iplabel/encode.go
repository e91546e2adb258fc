package main

import (
	"encoding/hex"
	"flag"
	"fmt"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// runEncode is "iplabel encode": it prints one line, the hex of the
// options field that holds the label, padded with EOL octets to a
// multiple of 4.
//
//	encode --doi N --level L [--categories 0,5,10-20] [--tags 1,2,5] [--doi-config FILE] [--optfmt]
//	encode --doi N --label s3:c0,c5.c9 [--tags 1,2,5] [--doi-config FILE] [--optfmt]
//	encode --nsid ssid=N,node=N[,serial=N,msid=N,dsid=N,bypass] [--doi N]
//	encode --bso level=secret,authorities=genser+nsa
//	encode --calipso doi=N,level=L[,categories=0,5,10-20] [--hop-by-hop [--next-header N]]
//
// A CIPSO label follows the DOI's tag list (or --tags) in order and takes
// the first tag that fits, as Linux's cipso_v4_genopt does; a DOI from
// --doi-config translates a trans DOI's levels and categories. Without
// --doi-config the DOI is pass-through with --tags or "1,2,5". --optfmt
// sends a tag-1 bitmap of 1..10 octets in the optimized 10-octet form
// (sysctl cipso_rbm_optfmt=1).
//
// --calipso prints the IPv6 CALIPSO option calipso_genopt writes for the
// label (no padding: it is what goes at offset 4n+2 of a Hop-by-Hop
// header), or with --hop-by-hop the whole Hop-by-Hop header
// calipso_opt_insert builds for a socket with no other option (Next Header
// --next-header, default 17, UDP).
//
// Exit status: 0, or 2 with a one-line message for a bad spec or a label
// that does not fit.
func runEncode(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	doiArg := fs.String("doi", "", "CIPSO DOI (decimal or 0x hex)")
	levelArg := fs.String("level", "", "sensitivity level (host value)")
	catsArg := fs.String("categories", "", "categories: 0,5,10-20")
	labelArg := fs.String("label", "", "CIPSO label as an SELinux level, instead of --level and --categories: s3:c0,c5.c9")
	tagsArg := fs.String("tags", "", "tag types to try, in order: 1,2,5")
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax, or kernel for the running kernel's")
	optfmt := fs.Bool("optfmt", false, "optimized tag-1 bitmap (cipso_rbm_optfmt=1)")
	nsidArg := fs.String("nsid", "", "DSM network SID: ssid=N,node=N[,serial=N,msid=N,dsid=N,bypass]")
	bsoArg := fs.String("bso", "", "RFC 1108 BSO: level=secret,authorities=genser+nsa")
	calipsoArg := fs.String("calipso", "", "IPv6 CALIPSO label: doi=N,level=L[,categories=0,5,10-20]")
	hbhArg := fs.Bool("hop-by-hop", false, "with --calipso: the whole Hop-by-Hop header")
	nextArg := fs.String("next-header", "17", "with --hop-by-hop: the header's Next Header value")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) > 0 {
		return 0, usagef("unexpected argument %q", pos[0])
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	kinds := 0
	for _, k := range []string{"level", "nsid", "bso", "calipso", "label"} {
		if set[k] {
			kinds++
		}
	}
	if set["label"] && set["categories"] {
		return 0, usagef("--categories does not apply to --label (give the categories in it)")
	}
	if kinds != 1 {
		return 0, usagef("give exactly one of --level or --label (CIPSO), --nsid, --bso or --calipso")
	}
	if !set["calipso"] && set["hop-by-hop"] {
		return 0, usagef("--hop-by-hop applies to --calipso only")
	}
	if set["next-header"] && !set["hop-by-hop"] {
		return 0, usagef("--next-header applies to --hop-by-hop only")
	}

	var opt []byte
	switch {
	case set["calipso"]:
		for _, f := range []string{"doi", "categories", "tags", "doi-config", "optfmt"} {
			if set[f] {
				return 0, usagef("--%s does not apply to --calipso (give doi= and categories= in it)", f)
			}
		}
		doi, l, err := parseCALIPSOSpec("--calipso", *calipsoArg)
		if err != nil {
			return 0, err
		}
		if *hbhArg {
			next, msg := parseUint(*nextArg, 255, false)
			if msg != "" {
				return 0, specError("--next-header", *nextArg, 1, msg)
			}
			opt, err = calipso.AppendHopByHop(nil, uint8(next), doi, &l)
		} else {
			opt, err = calipso.AppendOption(nil, 2, doi, &l)
		}
		if err != nil {
			return 0, fmt.Errorf("--calipso: %w", err)
		}
		// An IPv6 option: no EOL padding.
		_, err = e.stdout.Write(append(hex.AppendEncode(nil, opt), '\n'))
		return exitOK, err
	case set["bso"]:
		for _, f := range []string{"doi", "categories", "tags", "doi-config", "optfmt"} {
			if set[f] {
				return 0, usagef("--%s does not apply to --bso", f)
			}
		}
		l, err := parseBSO("--bso", *bsoArg)
		if err != nil {
			return 0, err
		}
		if opt, err = rfc1108.AppendLabel(nil, l); err != nil {
			return 0, fmt.Errorf("--bso: %w", err)
		}
	case set["nsid"]:
		for _, f := range []string{"categories", "tags", "doi-config", "optfmt"} {
			if set[f] {
				return 0, usagef("--%s does not apply to --nsid", f)
			}
		}
		n, doi, err := parseNSID("--nsid", *nsidArg, splitItems(*nsidArg, 1), false)
		if err != nil {
			return 0, err
		}
		if set["doi"] {
			v, msg := parseUint(*doiArg, 1<<32-1, true)
			if msg == "" && v == 0 {
				msg = "DOI 0 is reserved"
			}
			if msg != "" {
				return 0, specError("--doi", *doiArg, 1, msg)
			}
			doi = cipso.DOI(v)
		}
		if opt, err = n.AppendOption(nil, doi); err != nil {
			return 0, fmt.Errorf("--nsid: %w", err)
		}
	default:
		c, err := parseCIPSOFlags(*cfg, *doiArg, *levelArg, *catsArg, *labelArg, *tagsArg, set)
		if err != nil {
			return 0, err
		}
		c.format.Optimized = *optfmt
		if opt, err = c.appendOption(nil); err != nil {
			return 0, fmt.Errorf("label does not fit DOI %d: %w", c.dom.DOI(), err)
		}
	}
	line := hex.AppendEncode(nil, padded(opt))
	_, err = e.stdout.Write(append(line, '\n'))
	return exitOK, err
}

// parseCIPSOFlags reads encode's CIPSO flags into a label and its DOI.
func parseCIPSOFlags(cfg, doiArg, levelArg, catsArg, labelArg, tagsArg string, set map[string]bool) (*cipsoLabel, error) {
	if !set["doi"] {
		if set["label"] {
			return nil, usagef("--label needs --doi")
		}
		return nil, usagef("--level needs --doi")
	}
	doi, msg := parseUint(doiArg, 1<<32-1, true)
	if msg != "" {
		return nil, specError("--doi", doiArg, 1, msg)
	}
	var c cipsoLabel
	if set["label"] {
		var err error
		if c.label, err = parseLevelString("--label", labelArg, labelArg, 1); err != nil {
			return nil, err
		}
	} else {
		level, msg := parseUint(levelArg, cipso.MaxHostValue, false)
		if msg != "" {
			return nil, specError("--level", levelArg, 1, msg)
		}
		c.label.Level = uint32(level)
	}
	if catsArg != "" {
		var err error
		if c.label.Cats, err = parseCategories("--categories", catsArg, splitItems(catsArg, 1)); err != nil {
			return nil, err
		}
	}
	var tags []cipso.TagType
	if set["tags"] {
		var err error
		if tags, err = parseTags("--tags", tagsArg, splitItems(tagsArg, 1)); err != nil {
			return nil, err
		}
	}
	reg, err := loadConfig(cfg)
	if err != nil {
		return nil, err
	}
	if c.dom, err = domainFor(reg, cfg, doi, tags); err != nil {
		return nil, err
	}
	return &c, nil
}
