package fuzz

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// prefixes are options placed before a label in a generated options
// field, so that labels are found where they are not the first option:
// none, two NOPs, an empty Record Route (RFC 791, pointer 4), and an
// RFC 1108 BSO (the bso-unclassified seed without its padding).
var prefixes = [][]byte{
	nil,
	{0x01, 0x01},
	{0x07, 0x07, 0x04, 0, 0, 0, 0},
	{0x82, 0x03, 0xAB},
}

// field returns prefix, opt and EOL padding to a multiple of 4 octets.
func field(prefix, opt []byte) []byte {
	return testutil.PadEOL(append(append([]byte(nil), prefix...), opt...))
}

// catsFrom adds to s one range per 3 octets of b (a u16 start and a span
// of up to 15), at most 8 ranges, below max; it stops at the first range
// the set cannot hold.
func catsFrom(s *cipso.CatSet, b []byte, max uint32) {
	for i := 0; i+2 < len(b) && i < 24; i += 3 {
		lo := uint32(binary.BigEndian.Uint16(b[i:])) % (max + 1)
		hi := min(lo+uint32(b[i+2]&15), max)
		if s.AddRange(lo, hi) != nil {
			return
		}
	}
}

// checkEncodeErr fails unless err is an ipopt.Error of class Limit whose
// offset lies within the option (an encoder reports the field that does
// not fit at the offset it would have had; at most one past the last
// octet).
func checkEncodeErr(t *testing.T, err error) ipopt.Error {
	t.Helper()
	var e ipopt.Error
	if !errors.As(err, &e) || e.Class() != ipopt.Limit || e.Offset() < 0 || e.Offset() > cipso.MaxOptionLen || e.Pointer() != e.Offset()+ipopt.BaseHeaderLen {
		t.Fatalf("encode: %T %v is not a class Limit ipopt.Error", err, err)
	}
	return e
}

// FuzzFIPS188Label builds a FIPS 188 label from the input (restrictive
// tag 1, 2 or 5 or none, permissive bitmap, free-form data), encodes it
// with the lenient or the strict profile, and checks the label survives
// the trip through a whole options field:
//
//   - encoding fails only with class Limit, appending nothing, exactly when
//     OptionLen fails;
//   - the option decodes to an equal label with the same profile, and with
//     the lenient profile when the strict one wrote it;
//   - placed after other options, it passes the Linux option walk with the
//     profile as the CIPSO checker (fips188.Profile is an
//     ipopt.OptionChecker), and DecodeOptions finds it where it was put;
//   - a label with only a restrictive part is byte for byte the option
//     cipso.AppendOption writes for its cipso.Label: FIPS PUB 188's tags
//     1, 2 and 5 are the CIPSO draft's (fips188/RULES.md).
func FuzzFIPS188Label(f *testing.F) {
	f.Add(uint32(3), uint8(5), uint8(0x01), []byte{0, 0, 0, 0, 3, 0, 0, 9, 0}, []byte{}, []byte{})          // tag 1, as fips188-tag1-c0-c3-c9
	f.Add(uint32(3), uint8(2), uint8(0x02), []byte{0, 1, 0, 1, 0x2c, 0, 0xff, 0xfe, 0}, []byte{}, []byte{}) // tag 2, as fips188-tag2-c1-c300-c65534
	f.Add(uint32(3), uint8(7), uint8(0x04), []byte{}, []byte{0xc0}, []byte{})                               // tag 6, as fips188-tag6-c0-c1
	f.Add(uint32(3), uint8(0), uint8(0x08), []byte{}, []byte{}, []byte{0xab, 0xcd})                         // tag 7, as fips188-tag7-abcd
	f.Add(uint32(1), uint8(9), uint8(0x3f), []byte{0, 10, 5}, []byte{0x80, 0x01}, []byte("label"))          // all parts, strict, after two NOPs
	f.Add(uint32(0), uint8(1), uint8(0x13), []byte{0, 1, 0}, []byte{}, []byte{})                            // identifier 0
	f.Fuzz(func(t *testing.T, id uint32, level, mode uint8, restr, perm, free []byte) {
		l := fips188.Label{ID: cipso.DOI(id), Level: level}
		switch mode & 3 {
		case 1:
			l.RestrictiveTag = cipso.TagRBitmap
			catsFrom(&l.Restrictive, restr, 239)
		case 2:
			l.RestrictiveTag = cipso.TagEnum
			catsFrom(&l.Restrictive, restr, cipso.MaxWireCategory)
		case 3:
			l.RestrictiveTag = cipso.TagRange
			catsFrom(&l.Restrictive, restr, cipso.MaxWireCategory)
		}
		if mode&4 != 0 {
			l.HasPermissive = true
			_ = l.Permissive.SetBitmap(perm[:min(len(perm), cipso.MaxBitmapLen)])
		}
		if mode&8 != 0 {
			l.HasFreeForm = true
			l.FreeForm = free[:min(len(free), fips188.MaxFreeFormData)]
		}
		strict := fips188.Strict{}.Profile()
		p := fips188.Lenient
		if mode&16 != 0 {
			p = strict
		}
		prefix := prefixes[int(mode>>5)%len(prefixes)]

		dst := []byte{0xEE}
		out, err := p.AppendOption(dst, &l)
		n, nerr := p.OptionLen(&l)
		if err != nil {
			e := checkEncodeErr(t, err)
			if len(out) != 1 || out[0] != 0xEE {
				t.Fatalf("%+v: appended % x on error %v", l, out, err)
			}
			if !sameVerdict(err, nerr) {
				t.Fatalf("%+v: AppendOption %v, OptionLen %v", l, e, nerr)
			}
			return
		}
		opt := out[1:]
		if nerr != nil || n != len(opt) {
			t.Fatalf("%+v: wrote %d octets, OptionLen %d (%v)", l, len(opt), n, nerr)
		}
		var back fips188.Label
		if err := p.Decode(opt, &back); err != nil || !back.Equal(&l) {
			t.Fatalf("%+v -> % x -> %+v (%v)", l, opt, back, err)
		}
		if p == strict {
			var lb fips188.Label
			if err := fips188.Lenient.Decode(opt, &lb); err != nil || !lb.Equal(&l) {
				t.Fatalf("strict % x: lenient reads %+v (%v)", opt, lb, err)
			}
		}
		fld := field(prefix, opt)
		if len(fld) <= ipopt.MaxOptionsLen {
			walk := ipopt.Linux{CIPSO: p}
			if err := walk.Validate(fld); err != nil {
				t.Fatalf("% x: the Linux walk with the profile refuses: %v", fld, err)
			}
			var lf fips188.Label
			o, err := p.DecodeOptions(fld, &lf)
			if err != nil || o.Offset != len(prefix) || !lf.Equal(&l) {
				t.Fatalf("% x: DecodeOptions %+v at %d (%v)", fld, lf, o.Offset, err)
			}
		}
		if l.RestrictiveTag != 0 && !l.HasPermissive && !l.HasFreeForm {
			var cl cipso.Label
			if err := l.CIPSO(&cl); err != nil {
				t.Fatalf("%+v: no cipso.Label: %v", l, err)
			}
			c, err := cipso.AppendOption(nil, l.ID, l.RestrictiveTag, &cl, l.Format)
			if err != nil || !bytes.Equal(c, opt) {
				t.Fatalf("%+v: fips188 % x, cipso % x (%v)", l, opt, c, err)
			}
		}
	})
}

// FuzzDSMLabel builds a DSM network SID label from the input (any of the
// six parameters, any DOI), encodes it, puts it after other options and
// checks the trip (the DSM wire format and receiver of fips188/dsm/RULES.md):
//
//   - an empty label is refused; any other encodes to OptionLen octets, and
//     EffectiveMSS takes its aligned length off the MSS;
//   - the strict and lenient profiles decode it back from the whole field,
//     at the offset it was put; DSM's receiver accepts it exactly when it
//     carries only the source SID and the node ID, and otherwise refuses
//     the first other parameter with ErrUnknownParam;
//   - Linux refuses it: a DOI Linux has configured still cannot list tag 7,
//     so the tag type is refused (ErrTagNotAllowed at option + 6), and an
//     unconfigured DOI at the DOI (option + 2).
func FuzzDSMLabel(f *testing.F) {
	f.Add(uint8(1<<3|1<<6), []byte{0x12, 0x34, 0x12, 0x34, 0, 0, 0, 1}, uint32(0), uint8(0)) // DSM's default source SID, node 1 (dsm-nsid-ssid-node)
	f.Add(uint8(1<<2|1<<3|1<<5), []byte{0, 0, 0, 7, 0x12, 0x34, 0x12, 0x34, 0, 0, 0, 9}, uint32(0x10001000), uint8(1))
	f.Add(uint8(0x7e), []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}, uint32(3), uint8(2))
	f.Add(uint8(1<<1), []byte{}, uint32(5), uint8(3))
	f.Fuzz(func(t *testing.T, params uint8, vals []byte, doi uint32, pre uint8) {
		var n dsm.Label
		for pt := dsm.ParamBypass; pt <= dsm.ParamNodeID; pt++ {
			if params&(1<<pt) == 0 {
				continue
			}
			var v uint32
			if len(vals) >= 4 {
				v, vals = binary.BigEndian.Uint32(vals), vals[4:]
			}
			n = n.With(pt, v)
		}
		opt, err := n.AppendOption(nil, cipso.DOI(doi))
		if n.Params == 0 {
			if err == nil || len(opt) != 0 {
				t.Fatalf("empty label encoded as % x (%v)", opt, err)
			}
			return
		}
		if err != nil || len(opt) != n.OptionLen() || ipopt.PaddedLen(n.OptionLen()) != (len(opt)+3)&^3 {
			t.Fatalf("%v: % x, OptionLen %d, padded %d (%v)", n, opt, n.OptionLen(), ipopt.PaddedLen(n.OptionLen()), err)
		}
		if got := dsm.EffectiveMSS(1460, len(opt)); got != 1460-ipopt.PaddedLen(n.OptionLen()) {
			t.Fatalf("EffectiveMSS(1460, %d) = %d", len(opt), got)
		}
		prefix := prefixes[int(pre)%len(prefixes)]
		fld := field(prefix, opt)
		if len(fld) > ipopt.MaxOptionsLen {
			return
		}
		off := len(prefix)
		for _, p := range []dsm.Profile{dsm.Strict{}.Profile(), dsm.Lenient} {
			p.DOI = cipso.DOI(doi)
			var back dsm.Label
			o, err := p.DecodeOptions(fld, &back)
			if err != nil || back != n || o.Offset != off {
				t.Fatalf("%+v: % x -> %v at %d (%v), want %v at %d", p, fld, back, o.Offset, err, n, off)
			}
		}
		recv := dsm.Receiver
		recv.DOI = cipso.DOI(doi)
		derr := recv.Validate(fld)
		if only := n.Params &^ dsm.ParamsOf(dsm.ParamSourceSID, dsm.ParamNodeID); only == 0 {
			if derr != nil {
				t.Fatalf("DSM receiver refuses %v: %v", n, derr)
			}
		} else if !errors.Is(derr, dsm.ErrUnknownParam) {
			t.Fatalf("DSM receiver on %v: %v, want ErrUnknownParam", n, derr)
		}

		lerr := cipso.NewLinux(registry).Validate(fld)
		e := checkFieldErr(t, "linux", lerr, len(fld), ipopt.Malformed)
		effective := cipso.DOI(doi)
		if effective == 0 {
			effective = dsm.DefaultDOI
		}
		switch {
		case e == ipopt.Error{}:
			t.Fatalf("Linux accepts the tag-7 label % x", fld)
		case registry.Lookup(effective) != nil:
			if !errors.Is(lerr, cipso.ErrTagNotAllowed) || e.Offset() != off+6 {
				t.Fatalf("Linux on % x (DOI %d configured): %v", fld, effective, lerr)
			}
		default:
			if !errors.Is(lerr, cipso.ErrUnknownDOI) || e.Offset() != off+2 {
				t.Fatalf("Linux on % x (DOI %d not configured): %v", fld, effective, lerr)
			}
		}
	})
}
