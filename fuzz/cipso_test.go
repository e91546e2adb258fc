package fuzz

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
)

// FuzzCIPSORoundTrip takes the first CIPSO option of an arbitrary options
// field (wherever it sits) and checks the decode, validate and encode
// paths of cipso and fips188 against each other:
//
//   - an option cipso.Strict accepts decodes (Tag.Label) and re-encodes
//     byte for byte, both with cipso.AppendOption and with the Linux
//     generator of a pass DOI carrying that tag (Domain.AppendOption, as
//     cipso_v4_genopt in net/ipv4/cipso_ipv4.c), and Linux with such a
//     DOI accepts it;
//   - fips188.Strict, whose tags 1, 2 and 5 follow cipso.Strict's rules,
//     accepts it too, reads the same label (Label.CIPSO) and re-encodes it
//     byte for byte; conversely an option fips188.Strict accepts whose one
//     tag is 1, 2 or 5 is one cipso.Strict accepts;
//   - whenever both the lenient cipso decode (first tag, as Linux's
//     cipso_v4_getattr) and fips188.Lenient decode an option whose first
//     tag is 1, 2 or 5, they read the same level and categories;
//   - a decode that fails leaves the label alone.
func FuzzCIPSORoundTrip(f *testing.F) {
	f.Fuzz(func(t *testing.T, opts []byte) {
		// Past 64 octets every input is refused at once (an options field
		// is at most 40); long inputs only slow the minimiser down.
		if len(opts) > 64 {
			return
		}
		o, ok, _ := ipopt.Find(opts, ipopt.CIPSO)
		if !ok {
			return
		}
		opt, err := cipso.ParseOption(o.Bytes)
		if err != nil {
			return
		}
		var strict cipso.Strict
		strictErr := checkOne(strict, opt)
		fset, fipsErr := fips188.Strict{}.Profile().Parse(opt)
		first, ferr := opt.FirstTag()

		if strictErr == nil {
			checkStrictRoundTrip(t, opt, first, ferr)
		}
		if fipsErr == nil && ferr == nil && first.Type.MAC() && len(first.Bytes) == opt.Len()-cipso.HeaderLen && strictErr != nil {
			t.Fatalf("% x: fips188.Strict accepts a lone tag %d, cipso.Strict refuses: %v", []byte(opt), first.Type, strictErr)
		}
		if fipsErr == nil {
			var fl fips188.Label
			if err := fset.Label(&fl); err != nil {
				t.Fatalf("% x: fips188.Strict accepts, Label fails: %v", []byte(opt), err)
			}
		}

		// Lenient decoders agree on the first MAC tag.
		keep := cipso.Label{Level: 1 << 20}
		cl := keep
		cerr := opt.Label(&cl)
		if cerr != nil && !cl.Equal(&keep) {
			t.Fatalf("% x: cipso label changed on error %v", []byte(opt), cerr)
		}
		var fl fips188.Label
		if _, err := fips188.Lenient.DecodeOptions(opts, &fl); err == nil && cerr == nil && ferr == nil && first.Type.MAC() {
			if uint32(fl.Level) != cl.Level || !fl.Restrictive.Equal(&cl.Cats) || fl.RestrictiveTag != first.Type {
				t.Fatalf("% x: cipso reads %v (tag %d), fips188 level %d tag %d cats %v", []byte(opt), cl, first.Type, fl.Level, fl.RestrictiveTag, fl.Restrictive)
			}
		}
	})
}

// checkStrictRoundTrip is the strict half of FuzzCIPSORoundTrip.
func checkStrictRoundTrip(t *testing.T, opt cipso.Option, first cipso.Tag, ferr error) {
	t.Helper()
	if ferr != nil {
		t.Fatalf("% x: strict accepts an option without a tag: %v", []byte(opt), ferr)
	}
	var l cipso.Label
	if err := first.Label(&l); err != nil {
		t.Fatalf("% x: strict accepts, decode fails: %v", []byte(opt), err)
	}
	fm := cipso.FormatOf(first)
	out, err := cipso.AppendOption([]byte{0xEE}, opt.DOI(), first.Type, &l, fm)
	if err != nil || !bytes.Equal(out[1:], opt) || out[0] != 0xEE {
		t.Fatalf("% x: strict accepts, AppendOption gives % x (%v)", []byte(opt), out, err)
	}
	d, err := cipso.NewPass(opt.DOI(), first.Type)
	if err != nil {
		t.Fatalf("pass DOI %d tags:%d: %v", opt.DOI(), first.Type, err)
	}
	out, err = d.AppendOption(nil, &l, fm)
	if err != nil || !bytes.Equal(out, opt) {
		t.Fatalf("% x: strict accepts, Linux's generator for %v gives % x (%v)", []byte(opt), d, out, err)
	}
	var reg cipso.Registry
	if err := reg.Add(d); err != nil {
		t.Fatal(err)
	}
	if err := checkOne(cipso.NewLinux(&reg), opt); err != nil {
		t.Fatalf("% x: strict accepts, Linux with %v refuses: %v", []byte(opt), d, err)
	}

	s, err := fips188.Strict{}.Profile().Parse(opt)
	if err != nil {
		t.Fatalf("% x: cipso.Strict accepts, fips188.Strict refuses: %v", []byte(opt), err)
	}
	var fl fips188.Label
	var cl cipso.Label
	if err := s.Label(&fl); err != nil {
		t.Fatalf("% x: fips188 label: %v", []byte(opt), err)
	}
	if err := fl.CIPSO(&cl); err != nil || !cl.Equal(&l) {
		t.Fatalf("% x: fips188 reads %v (%v), cipso %v", []byte(opt), cl, err, l)
	}
	out, err = fips188.Strict{}.Profile().AppendOption(nil, &fl)
	if err != nil || !bytes.Equal(out, opt) {
		t.Fatalf("% x: fips188.Strict re-encodes % x (%v)", []byte(opt), out, err)
	}
}

// checkOne runs c on opt alone, an option from its type octet at offset
// 0, as a walk would hand it over.
func checkOne(c ipopt.OptionChecker, opt []byte) error {
	o := ipopt.Option{Bytes: opt}
	if len(opt) > 0 {
		o.Type = ipopt.Type(opt[0])
	}
	return c.CheckOption(o, false)
}
