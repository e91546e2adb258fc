package main

import (
	"flag"
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// runValidate is "iplabel validate [--profile linux|strict] [--doi-config
// FILE] [--loopback] [--rbm-strictvalid 0|1] [HEX...]", or with --ipv6
// [runValidate6]: one JSON object per
// options field, {"ok":true} or {"ok":false,"pointer":P,"error":"..."},
// P being the ICMP Parameter Problem pointer counted from the start of
// the IP header (first option octet = 20) that Linux sends, or null when
// it sends none: the linux profile's receiver finds the error but drops
// the datagram silently because __icmp_send cannot echo an RR or TS
// option whose pointer the walk advanced (ipopt.Compiled.Silent).
//
// Exit status: 0 when every field is valid; 1 when some field is not
// (unreadable fields included: they get {"ok":false,"pointer":null,
// "error":"input: ..."} and a message on stderr); 2 on usage,
// configuration or I/O errors.
func runValidate(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("validate", flag.ContinueOnError)
	profile := fs.String("profile", "linux", "validation profile: linux or strict")
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax, or kernel for the running kernel's")
	loopback := fs.Bool("loopback", false, "the packet arrived on loopback (local tag 128 allowed)")
	rbm := fs.String("rbm-strictvalid", "1", "sysctl net.ipv4.cipso_rbm_strictvalid: 0 or 1")
	v6 := fs.Bool("ipv6", false, "each input is an IPv6 Hop-by-Hop Options header")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if *v6 {
		for _, f := range []string{"loopback", "rbm-strictvalid"} {
			if flagSet(fs, f) {
				return 0, usagef("--%s does not apply to --ipv6", f)
			}
		}
		if *profile != "linux" && *profile != "strict" {
			return 0, usagef("--profile %q: want linux or strict", *profile)
		}
		return runValidate6(e, *cfg, *profile == "strict", pos)
	}
	var strict bool
	switch *profile {
	case "linux":
	case "strict":
		strict = true
	default:
		return 0, usagef("--profile %q: want linux or strict", *profile)
	}
	if *rbm != "0" && *rbm != "1" {
		return 0, usagef("--rbm-strictvalid %q: want 0 or 1", *rbm)
	}
	doiCfg, err := loadDOIConfig(*cfg)
	if err != nil {
		return 0, err
	}
	v := newConfiguredValidator(doiCfg, strict, *loopback, *rbm == "1")
	return writeLines(e, "validate", pos, make([]byte, 0, ipopt.MaxOptionsLen), parseHexField, exitInvalid, func(line, opts []byte) ([]byte, bool) {
		vd := v.validate(opts)
		return appendVerdictJSON(line, vd), vd.err != nil
	})
}

// appendVerdictJSON appends {"ok":true} or {"ok":false,"pointer":P|null,
// "error":"..."}.
func appendVerdictJSON(dst []byte, v fieldVerdict) []byte {
	err := v.err
	if err == nil {
		return append(dst, `{"ok":true}`...)
	}
	dst = append(dst, `{"ok":false,"pointer":`...)
	if p, ok := pointerOf(err); ok && !v.silent {
		dst = strconv.AppendInt(dst, int64(p), 10)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"error":`...)
	dst = appendErrorJSON(dst, err)
	return append(dst, '}')
}

// flagSet reports whether flag name was given on the command line.
func flagSet(fs *flag.FlagSet, name string) bool {
	set := false
	fs.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

// runValidate6 is "iplabel validate --ipv6 [--profile linux|strict]
// [--doi-config FILE] [HEX...]": each input is one whole Hop-by-Hop
// Options header (parseHopByHop), and its line says whether Linux
// delivers a UDP datagram carrying it (appendVerdict6JSON), or with
// strict whether RFC 5570's reading also accepts it (strictValidator6).
// The header's Next Header octet is not judged. Exit status as for IPv4
// options.
func runValidate6(e *env, cfg string, strict bool, pos []string) (int, error) {
	_, creg, err := loadConfigs(cfg)
	if err != nil {
		return 0, err
	}
	v := newValidator6(creg)
	if strict {
		v = strictValidator6(creg)
	}
	return writeLines(e, "validate", pos, make([]byte, 0, maxHopByHop), parseHopByHop, exitInvalid, func(line, opts []byte) ([]byte, bool) {
		verr := v.validate(opts)
		return v.appendVerdictJSON(line, verr), verr != nil
	})
}
