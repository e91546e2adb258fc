package rfc1108_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// seedOptions are the options fields of bsoVectors and TestESOVectors
// (already padded to whole 32-bit words), then an 11-octet BSO with
// reserved level 0xF1 that Wireshark takes for the RFC 791 form (RULES.md
// §8) and a BSO after a NOP followed by an ESO.
var seedOptions = []string{
	"82 03 AB 00", "82 04 3D 80", "82 04 3D 01", "82 05 5A 81 02", "82 05 96 80 00",
	"82 02 00 00", "82 03 00 00", "82 0B 00 00 00 05 41 42 43 44 45 00",
	"82 03 AB 82 03 3D 00 00", "85 03 01 00", "85 02 00 00",
	"82 0B F1 35 00 00 41 42 43 44 45 00", "01 82 04 5A 90 85 04 02 FF 00 00 00",
}

func addSeeds(f *testing.F) {
	for _, s := range seedOptions {
		f.Add(testutil.Unhex(f, s))
	}
}

// FuzzDecodeBSO: DecodeBSO never panics, decodes exactly the BSOs that
// obey the framing and FTI rules, leaves the label alone on error, and
// whatever it decodes re-encodes byte for byte.
func FuzzDecodeBSO(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		sentinel := rfc1108.Label{Level: 0x42, PAFOctets: 9}
		l := sentinel
		err := rfc1108.DecodeBSO(b, &l)
		if err != nil {
			var e ipopt.Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T is not ipopt.Error", err)
			}
			if l != sentinel {
				t.Fatal("label changed on error")
			}
			// Strict.CheckOption also judges ESOs (133), which DecodeBSO
			// refuses by type: only a refused BSO must be a refused option.
			if len(b) > 0 && ipopt.Type(b[0]) == ipopt.SEC && checkOne(rfc1108.Strict{AllowUnassigned: true}, b) == nil {
				t.Fatal("strict accepts what decode refuses")
			}
			return
		}
		n := int(b[1])
		if !ftiValid(b[3:n]) {
			t.Fatalf("decoded a PAF that breaks the FTI rule: % x", b[:n])
		}
		out, err := rfc1108.AppendLabel(nil, l)
		if err != nil || !bytes.Equal(out, b[:n]) {
			t.Fatalf("re-encoding % x gave % x (%v)", b[:n], out, err)
		}
		got, err := rfc1108.ParseSpec(l.String())
		if err != nil || got != l {
			t.Fatalf("spec %q round trip: %+v, %v", l.String(), got, err)
		}
	})
}

// FuzzValidate: the validators never panic and return ipopt.Error values
// inside the field; strict-valid fields are Linux-valid, and their BSO
// re-encodes byte for byte.
func FuzzValidate(f *testing.F) {
	addSeeds(f)
	f.Fuzz(func(t *testing.T, opts []byte) {
		lerr := ipopt.Linux{}.Validate(opts)
		for _, s := range []rfc1108.Strict{{}, {Require: true, First: true}, {AllowUnassigned: true}} {
			err := s.Validate(opts)
			if cerr := (ipopt.Linux{Security: s, ExtendedSecurity: s}).Validate(opts); cerr != firstInField(lerr, err) {
				t.Fatalf("Linux walk with %+v: %v; Linux %v, strict %v", s, cerr, lerr, err)
			}
			if err != nil {
				var e ipopt.Error
				if !errors.As(err, &e) {
					t.Fatalf("error %T is not ipopt.Error", err)
				}
				if e.Offset() < 0 || e.Offset() > max(len(opts)-1, 0) && e.Offset() != ipopt.MaxOptionsLen {
					t.Fatalf("offset %d outside a %d-octet field", e.Offset(), len(opts))
				}
				continue
			}
			o, ok, _ := ipopt.Find(opts, ipopt.SEC)
			if !ok {
				continue
			}
			var l rfc1108.Label
			if err := rfc1108.DecodeBSO(o.Bytes, &l); err != nil {
				t.Fatalf("strict-valid BSO does not decode: %v", err)
			}
			out, err := rfc1108.AppendLabel(nil, l)
			if err != nil || !bytes.Equal(out, o.Bytes) {
				t.Fatalf("strict-valid % x re-encodes as % x", o.Bytes, out)
			}
		}
		var r rfc1108.Range
		_ = r.Validate(opts)
		_ = rfc1108.IsLegacySEC(opts)
		var s rfc1108.LegacySEC
		_ = rfc1108.DecodeLegacySEC(opts, &s)
		if e, err := rfc1108.ParseESO(opts); err == nil {
			if out, err := rfc1108.AppendESO(nil, e.FormatCode(), e.Info()); err != nil || !bytes.Equal(out, e) {
				t.Fatalf("ESO % x re-encodes as % x", []byte(e), out)
			}
		}
	})
}

// FuzzParseSpec: the spec parser never panics, and what it accepts prints
// back to text that parses to the same label.
func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"level=secret,authorities=genser+nsa", "level=unclassified", "level=0xf1,authorities=flag-12,paf-octets=3",
		"authorities=,level=top-secret", "level=secret,level=secret", "level=reserved-4,paf-octets=37",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := rfc1108.ParseSpec(s)
		if err != nil {
			if !errors.Is(err, rfc1108.ErrBadSpec) {
				t.Fatalf("error %v does not wrap ErrBadSpec", err)
			}
			return
		}
		got, err := rfc1108.ParseSpec(l.String())
		if err != nil || got != l {
			t.Fatalf("%q -> %q -> %+v, %v", s, l.String(), got, err)
		}
		if _, err := rfc1108.AppendLabel(nil, l); err != nil {
			t.Fatalf("parsed label does not encode: %v", err)
		}
	})
}
