package rfc1108_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func params() *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(1108)
	p.MinSuccessfulTests = 2000
	return p
}

// genAuthorities makes sets biased toward the low flags, where the named
// authorities and most real labels are, with some anywhere up to the last.
func genAuthorities() gopter.Gen {
	return gen.SliceOfN(6, gen.Weighted([]gen.WeightedGen{
		{Weight: 3, Gen: gen.UInt16Range(0, 13)},
		{Weight: 1, Gen: gen.UInt16Range(0, rfc1108.NumAuthorities-1)},
		{Weight: 1, Gen: gen.UInt16Range(0, 2*rfc1108.NumAuthorities)}, // some invalid, ignored
	})).Map(func(v []uint16) rfc1108.Authorities {
		var s rfc1108.Authorities
		for _, a := range v {
			s = s.With(rfc1108.Authority(a))
		}
		return s
	})
}

func genLevel() gopter.Gen {
	return gen.OneGenOf(
		gen.OneConstOf(rfc1108.TopSecret, rfc1108.Secret, rfc1108.Confidential, rfc1108.Unclassified,
			rfc1108.Reserved1, rfc1108.Reserved2, rfc1108.Reserved3, rfc1108.Reserved4),
		gen.UInt8().Map(func(v uint8) rfc1108.Classification { return rfc1108.Classification(v) }),
	)
}

func genLabel() gopter.Gen {
	return gopter.CombineGens(genLevel(), genAuthorities(), gen.UInt8Range(0, rfc1108.MaxPAFOctets)).
		Map(func(v []interface{}) rfc1108.Label {
			return rfc1108.Label{Level: v[0].(rfc1108.Classification), Authorities: v[1].(rfc1108.Authorities), PAFOctets: v[2].(uint8)}
		})
}

// Property: encode -> decode gives the label back, with PAFOctets equal to
// the number of PAF octets written (max of the asked and the needed).
func TestPropEncodeDecode(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("decode(encode(l)) == l", prop.ForAll(func(l rfc1108.Label) bool {
		b, err := rfc1108.AppendLabel(nil, l)
		if err != nil || len(b) != l.Len() || int(b[1]) != len(b) {
			return false
		}
		var got rfc1108.Label
		if rfc1108.DecodeBSO(b, &got) != nil {
			return false
		}
		want := l
		want.PAFOctets = uint8(l.PAFLen())
		// Minimal encoding: with PAFOctets 0 the last PAF octet holds a flag.
		if l.PAFOctets == 0 && len(b) > 3 && b[len(b)-1] == 0 {
			return false
		}
		// Everything the encoder writes passes the FTI rule, and the
		// strict profile whenever the level is an assigned one.
		strict := rfc1108.Strict{AllowUnassigned: true, Require: true}.Validate(b)
		return got == want && ftiValid(b[3:]) && (strict == nil) == l.Level.Assigned()
	}, genLabel()))
	props.TestingRun(t)
}

// ftiValid is the FTI rule written independently of the package (RULES.md
// §4): every PAF octet but the last has 0x01 set, the last has it clear.
func ftiValid(paf []byte) bool {
	for i, o := range paf {
		if (o&1 == 1) != (i+1 < len(paf)) {
			return false
		}
	}
	return true
}

// genBSO makes BSO octets: a level, a PAF of 0 to MaxPAFOctets random
// octets, and then, half of the time, the FTI chain repaired.
func genBSO() gopter.Gen {
	return gopter.CombineGens(genLevel(), gen.SliceOf(gen.UInt8()), gen.Bool(), gen.Bool()).
		Map(func(v []interface{}) []byte {
			paf := v[1].([]uint8)
			if len(paf) > rfc1108.MaxPAFOctets {
				paf = paf[:rfc1108.MaxPAFOctets]
			}
			if v[2].(bool) {
				for i := range paf {
					paf[i] = paf[i]&0xfe | b2u(i+1 < len(paf))
				}
			}
			if v[3].(bool) && len(paf) > 0 { // only assigned flags
				paf[0] &^= 0x06
				for i := 1; i < len(paf); i++ {
					paf[i] &= 0x01
				}
			}
			b := []byte{0x82, byte(3 + len(paf)), byte(v[0].(rfc1108.Classification))}
			return append(b, paf...)
		})
}

func b2u(b bool) byte {
	if b {
		return 1
	}
	return 0
}

// Property: a BSO decodes exactly when its PAF obeys the FTI rule, and
// then re-encodes byte for byte; strict-valid BSOs always decode.
func TestPropDecodeEncode(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("decode succeeds iff FTI rule; encode(decode(b)) == b", prop.ForAll(func(b []byte) bool {
		var l rfc1108.Label
		err := rfc1108.DecodeBSO(b, &l)
		if (err == nil) != ftiValid(b[3:]) {
			return false
		}
		strictOK := checkOne(rfc1108.Strict{}, b) == nil
		if strictOK && err != nil {
			return false
		}
		if err != nil {
			return l == rfc1108.Label{}
		}
		out, err := rfc1108.AppendLabel(nil, l)
		return err == nil && bytes.Equal(out, b) && bytes.Equal(rfc1108.AppendSpec(nil, l), []byte(l.String()))
	}, genBSO()))
	props.TestingRun(t)
}

// Property: the spec syntax round-trips every label a decoder can produce
// (PAFOctets at least what the authorities need), and any label up to its
// encoding.
func TestPropSpecRoundTrip(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("ParseSpec(AppendSpec(l)) == l", prop.ForAll(func(l rfc1108.Label) bool {
		got, err := rfc1108.ParseSpec(string(rfc1108.AppendSpec(nil, l)))
		if err != nil {
			return false
		}
		a, _ := rfc1108.AppendLabel(nil, l)
		b, _ := rfc1108.AppendLabel(nil, got)
		return bytes.Equal(a, b) && (got == l) == (int(l.PAFOctets) >= l.Authorities.MinOctets())
	}, genLabel()))
	props.TestingRun(t)
}

// genOptions makes options fields from security options (good and bad),
// NOPs, EOLs, other options and random octets.
func genOptions() gopter.Gen {
	piece := gen.Weighted([]gen.WeightedGen{
		{Weight: 4, Gen: genBSO()},
		{Weight: 2, Gen: gen.SliceOfN(3, gen.UInt8()).Map(func(v []uint8) []byte {
			return append([]byte{0x85, byte(3 + len(v))}, v...)
		})},
		{Weight: 2, Gen: gen.Const([]byte{0x01})},
		{Weight: 1, Gen: gen.Const([]byte{0x00})},
		{Weight: 1, Gen: gen.Const([]byte{0x94, 0x04, 0x00, 0x00})},
		{Weight: 1, Gen: gen.SliceOfN(2, gen.UInt8())},
	})
	return gen.SliceOfN(4, piece).Map(func(ps [][]byte) []byte {
		var b []byte
		for _, p := range ps {
			b = append(b, p...)
		}
		if len(b) > 40 {
			b = b[:40]
		}
		return b
	})
}

// Property: the strict profile is stricter than Linux's; every error is an
// ipopt.Error at an octet of the field (or the documented fixed places);
// a strict-valid field's BSO re-encodes byte for byte.
func TestPropValidate(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("the Linux walk with strict reports the first failure; errors in range; round trip", prop.ForAll(func(opts []byte, require, first, unassigned bool) bool {
		s := rfc1108.Strict{Require: require, First: first, AllowUnassigned: unassigned}
		serr := s.Validate(opts)
		lerr := ipopt.Linux{}.Validate(opts)
		// The Linux walk with s on options 130 and 133 reports the first
		// failure in the field of the two, Linux's on a tie.
		if cerr := (ipopt.Linux{Security: s, ExtendedSecurity: s}).Validate(opts); cerr != firstInField(lerr, serr) {
			return false
		}
		for _, err := range []error{serr, lerr} {
			if err == nil {
				continue
			}
			var e ipopt.Error
			if !errors.As(err, &e) || e.Offset() < 0 || e.Offset() >= max(len(opts), 1) {
				return false
			}
		}
		if serr != nil {
			return true
		}
		l, found, err := rfc1108.FindLabel(opts)
		if require && !found || err != nil {
			return false
		}
		if !found {
			return true
		}
		o, _, _ := ipopt.Find(opts, ipopt.SEC)
		out, err := rfc1108.AppendLabel(nil, l)
		return err == nil && bytes.Equal(out, o.Bytes) && l.Level.Assigned()
	}, genOptions(), gen.Bool(), gen.Bool(), gen.Bool()))
	props.TestingRun(t)
}

// Property: Compare is a total order and Dominates a partial order on
// labels with table levels.
func TestPropOrders(t *testing.T) {
	props := gopter.NewProperties(params())
	props.Property("Compare total order", prop.ForAll(func(a, b, c uint8) bool {
		x, y, z := rfc1108.Classification(a), rfc1108.Classification(b), rfc1108.Classification(c)
		if x.Compare(y) != -y.Compare(x) || (x.Compare(y) == 0) != (x == y) {
			return false
		}
		return !(x.Compare(y) <= 0 && y.Compare(z) <= 0) || x.Compare(z) <= 0
	}, gen.UInt8(), gen.UInt8(), gen.UInt8()))
	props.Property("Dominates partial order", prop.ForAll(func(x, y, z rfc1108.Label) bool {
		if !x.Level.InTable() || !y.Level.InTable() || !z.Level.InTable() {
			return !x.Dominates(y) || (x.Level.InTable() && y.Level.InTable())
		}
		if !x.Dominates(x) {
			return false
		}
		if x.Dominates(y) && y.Dominates(x) && !x.Equal(y) {
			return false
		}
		return !(x.Dominates(y) && y.Dominates(z)) || x.Dominates(z)
	}, genLabel(), genLabel(), genLabel()))
	props.TestingRun(t)
}

// firstInField is the error of a and b at the lower options-field offset,
// a on a tie (nil if both are nil).
func firstInField(a, b error) error {
	ea, aok := a.(ipopt.Error)
	eb, bok := b.(ipopt.Error)
	switch {
	case b == nil:
		return a
	case a == nil:
		return b
	case aok && bok && eb.Offset() < ea.Offset():
		return b
	}
	return a
}

// checkOne runs c on opt alone, an option at offset 0.
func checkOne(c ipopt.OptionChecker, opt []byte) error {
	o := ipopt.Option{Bytes: opt}
	if len(opt) > 0 {
		o.Type = ipopt.Type(opt[0])
	}
	return c.CheckOption(o, false)
}
