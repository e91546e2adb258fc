package fuzz

import (
	"errors"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
)

// doiConfig is the DOI configuration the Linux-profile targets run with,
// in netlabelctl syntax: the pass DOI 1 that the comments of seedVectors
// assume, the trans DOI 2 of the trans-unmapped seeds, the DOI 3 of the
// FIPS 188 seeds, a pass DOI limited to tag 5 (the Suricata seed), a
// local DOI, and DSM's DOI 0x10001000 as a pass DOI, on which Linux still
// refuses tag 7: no DOI can list it (cipso_v4_doi_add in
// net/ipv4/cipso_ipv4.c).
const doiConfig = `
cipsov4 add pass doi:1 tags:1,2,5
cipsov4 add trans doi:2 tags:1 levels:0=0 categories:0=0
cipsov4 add pass doi:3 tags:1,2,5
cipsov4 add pass doi:5 tags:5
cipsov4 add local doi:9
cipsov4 add pass doi:268439552 tags:1,2,5
`

// registry is doiConfig parsed with cipso.ParseConfig.
var registry = func() *cipso.Registry {
	r, err := cipso.ParseConfig(strings.NewReader(doiConfig))
	if err != nil {
		panic(err)
	}
	return r
}()

// linuxProfiles are the cipso.Linux settings each input is validated
// under: the kernel defaults, cipso_rbm_strictvalid off, a loopback
// receive, and a kernel with NetLabel and no DOI configured at all.
var linuxProfiles = []cipso.Linux{
	cipso.NewLinux(registry),
	{Registry: registry},
	{Registry: registry, RBMStrictValid: true, Loopback: true},
	cipso.NewLinux(nil),
}

// checkFieldErr fails unless err is nil or an ipopt.Error of class want
// pointing inside the n-octet options field (offset 0..n-1) with the
// IP-header pointer offset+20, as Linux sends it. A field over 40 octets
// may be refused at offset 40. For a nil err it returns the zero Error.
func checkFieldErr(t *testing.T, what string, err error, n int, want ipopt.Class) ipopt.Error {
	t.Helper()
	if err == nil {
		return ipopt.Error{}
	}
	var e ipopt.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: %T %v is not an ipopt.Error", what, err, err)
	}
	if errors.Is(err, ipopt.ErrTooLong) && n > ipopt.MaxOptionsLen && e.Offset() == ipopt.MaxOptionsLen {
		return e
	}
	if e.Offset() < 0 || e.Offset() >= n || e.Pointer() != e.Offset()+ipopt.BaseHeaderLen {
		t.Fatalf("%s: %v: offset %d, pointer %d, outside the %d-octet field", what, err, e.Offset(), e.Pointer(), n)
	}
	if e.Class() != want {
		t.Fatalf("%s: %v: class %v, want %v", what, err, e.Class(), want)
	}
	return e
}

// sameVerdict reports whether two validation results agree: both nil, or
// the same failure at the same offset.
func sameVerdict(a, b error) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	var ea, eb ipopt.Error
	return errors.As(a, &ea) && errors.As(b, &eb) && ea.Unwrap() == eb.Unwrap() && ea.Offset() == eb.Offset()
}

// FuzzLinuxWalk runs the whole Linux receive-path option walk
// (ipopt.Linux, __ip_options_compile) with cipso's checker plugged in
// (cipso.Linux, cipso_v4_validate) over arbitrary options fields, under
// several DOI configurations, and checks what must hold across the
// packages:
//
//   - nothing panics; every failure is an ipopt.Error pointing inside the
//     field, with the ICMP pointer offset+20 and class Malformed;
//   - the verdict does not depend on the octets after an EOL, which Linux
//     zeroes (__ip_options_compile; the cipso-eol-garbage seed);
//   - Linux-valid implies framing-valid (ipopt.Check), valid on a kernel
//     without NetLabel (ipopt.Linux with a nil CIPSO checker: NetLabel is stricter), and
//     valid on the receive path when valid on the setsockopt path;
//   - the CIPSO option the walk recorded is the one ipopt.Find and
//     fips188.FindCIPSO locate, and its label is extractable: the DOI's
//     Domain.Decode succeeds (under strictvalid), or Tag.SecID for the
//     local tag on loopback;
//   - cipso.Strict with the same registry accepts only what Linux accepts.
func FuzzLinuxWalk(f *testing.F) {
	f.Fuzz(func(t *testing.T, opts []byte) {
		// Past 64 octets every input is refused at once (an options field
		// is at most 40); long inputs only slow the minimiser down.
		if len(opts) > 64 {
			return
		}
		snap := string(opts)
		framing := ipopt.Check(opts)
		stub := (&ipopt.Linux{}).Validate(opts)
		checkFieldErr(t, "stub", stub, len(opts), ipopt.Malformed)
		for i, lx := range linuxProfiles {
			walk := ipopt.Linux{CIPSO: lx}
			c, err := walk.Compile(opts)
			checkFieldErr(t, "linux", err, len(opts), ipopt.Malformed)
			if err2 := lx.Validate(opts); !sameVerdict(err, err2) {
				t.Fatalf("profile %d: Compile %v, Validate %v", i, err, err2)
			}
			sock := ipopt.Linux{CIPSO: lx, Socket: true, CapNetRaw: true}
			serr := sock.Validate(opts)
			checkFieldErr(t, "socket", serr, len(opts), ipopt.Malformed)
			if len(opts) <= ipopt.MaxOptionsLen {
				z := []byte(snap)
				ipopt.ZeroTail(z)
				if zerr := walk.Validate(z); !sameVerdict(err, zerr) {
					t.Fatalf("profile %d: %x: %v, with the tail zeroed %v", i, opts, err, zerr)
				}
			}
			if serr == nil && err != nil {
				t.Fatalf("profile %d: %x valid for setsockopt, refused on receive: %v", i, opts, err)
			}
			if err != nil {
				continue
			}
			if framing != nil {
				t.Fatalf("profile %d: Linux accepts %x, framing refuses: %v", i, opts, framing)
			}
			if stub != nil {
				t.Fatalf("profile %d: Linux accepts %x, the CONFIG_NETLABEL=n stub refuses: %v", i, opts, stub)
			}
			checkCompiledCIPSO(t, lx, opts, c)
		}
		strict := cipso.Strict{Registry: registry}
		serr := strict.Validate(opts)
		checkFieldErr(t, "strict", serr, len(opts), ipopt.Malformed)
		if serr == nil {
			if err := linuxProfiles[0].Validate(opts); err != nil {
				t.Fatalf("strict accepts %x, Linux refuses: %v", opts, err)
			}
		}
		if string(opts) != snap {
			t.Fatal("validation wrote to its input")
		}
	})
}

// checkCompiledCIPSO checks the CIPSO option a successful Linux walk
// recorded against the other ways of finding and reading it.
func checkCompiledCIPSO(t *testing.T, lx cipso.Linux, opts []byte, c ipopt.Compiled) {
	t.Helper()
	o, found, _ := ipopt.Find(opts, ipopt.CIPSO)
	fo, ffound, ferr := fips188.FindCIPSO(opts)
	if !found {
		if c.CIPSO != -1 || ffound || ferr != nil {
			t.Fatalf("%x: Compile recorded CIPSO at %d, Find found none, FindCIPSO %v %v", opts, c.CIPSO, ffound, ferr)
		}
		return
	}
	if o.Offset != c.CIPSO || ferr != nil || !ffound || fo.Offset != o.Offset {
		t.Fatalf("%x: CIPSO at %d (Compile), %d (Find), %d %v (FindCIPSO)", opts, c.CIPSO, o.Offset, fo.Offset, ferr)
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		t.Fatalf("%x: Linux accepts the option, ParseOption refuses: %v", opts, err)
	}
	d := lx.Registry.Lookup(opt.DOI())
	if d == nil {
		t.Fatalf("%x: Linux accepts DOI %d, which is not registered", opts, opt.DOI())
	}
	tag, err := opt.FirstTag()
	if err != nil {
		t.Fatalf("%x: Linux accepts an option without a first tag: %v", opts, err)
	}
	if d.Type() == cipso.MapLocal || tag.Type == cipso.TagLocal {
		if _, err := tag.SecID(); err != nil || !lx.Loopback {
			t.Fatalf("%x: local tag accepted (loopback %v), SecID: %v", opts, lx.Loopback, err)
		}
		return
	}
	var l cipso.Label
	err = d.Decode(opt, &l)
	if lx.RBMStrictValid && err != nil {
		t.Fatalf("%x: Linux (strictvalid) accepts, %v decode fails: %v", opts, d, err)
	}
	if err != nil && !errors.Is(err, cipso.ErrUnmapped) {
		t.Fatalf("%x: Linux accepts, decode fails with %v", opts, err)
	}
}
