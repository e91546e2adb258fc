package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// Validator checks a whole IPv4 options field with every option type
// this module reads, under one of two profiles (the iplabel command's
// "linux" and "strict"):
//
//   - [NewLinuxValidator]: Linux's receive path, ipopt.Linux with
//     cipso.Linux as its CIPSO checker (cipso_v4_validate): the kernel's
//     verdict, the ICMP Parameter Problem pointer it sends, and whether it
//     sends none because __ip_options_echo fails
//     ([ipopt.Compiled.Silent]). Options 130 and 133 are not looked into,
//     as Linux does not.
//   - [NewStrictValidator]: the standards. The same walk, with option 134
//     checked by cipso.Strict (the CIPSO draft, canonical encodings only)
//     and, when it carries tag 6 or 7, by [Strict] (FIPS PUB 188), and
//     options 130 and 133 by rfc1108.Strict, whose rules across options
//     (at most one BSO, no ESO without a BSO) are judged over the field.
//     The first failure in the field wins, and it always has its pointer.
//
// A Validator is made once (its constructors allocate) and then checks
// fields without allocating. Its zero value is Linux without NetLabel.
type Validator struct {
	walk   ipopt.Linux
	strict bool
}

var _ ipopt.FieldValidator = Validator{}

// NewLinuxValidator returns the Linux profile for the DOIs of reg:
// loopback is whether the datagrams arrived on a loopback device (the
// only place Linux accepts CIPSO tag 128), rbmStrictValid the sysctl
// net.ipv4.cipso_rbm_strictvalid (1 by default; see cipso.Linux).
func NewLinuxValidator(reg *cipso.Registry, loopback, rbmStrictValid bool) Validator {
	lx := cipso.Linux{Registry: reg, RBMStrictValid: rbmStrictValid, Loopback: loopback}
	return Validator{walk: ipopt.Linux{CIPSO: lx}}
}

// NewStrictValidator returns the strict profile; a CIPSO option's DOI must
// be in reg, whose tag slots and translation tables then apply (nil: any
// DOI but 0).
func NewStrictValidator(reg *cipso.Registry) Validator {
	c := strictCIPSO{c: cipso.Strict{Registry: reg}}
	c.c.Ignorable.Add(cipso.TagPBitmap, cipso.TagFreeForm)
	var s rfc1108.Strict
	return Validator{walk: ipopt.Linux{CIPSO: c, Security: s, ExtendedSecurity: s}, strict: true}
}

// Validate checks opts, the options field (the octets after the 20-octet
// base header, at most 40), and returns nil or the first failure, an
// [ipopt.Error] whose Pointer is the ICMP Parameter Problem pointer.
func (v Validator) Validate(opts []byte) error {
	return v.walk.Validate(opts)
}

// WithCIPSO returns v with its option-134 checker c replaced by wrap(c),
// for labels that other rules govern: wrap's checker judges the options
// it knows (the DSM network SID's DOI with package fips188/dsm's receiver
// rules, say) and hands every other one to c.
func (v Validator) WithCIPSO(wrap func(c ipopt.OptionChecker) ipopt.OptionChecker) Validator {
	v.walk.CIPSO = wrap(v.walk.CIPSO)
	return v
}

// Compile is Validate that also returns what the walk records
// ([ipopt.Compiled]). Silent is set only by the Linux profile, when Linux
// finds the error but sends no Parameter Problem; the strict profile
// answers as the standards say, always with the pointer.
func (v Validator) Compile(opts []byte) (ipopt.Compiled, error) {
	c, err := v.walk.Compile(opts)
	if v.strict {
		c.Silent = false
	}
	return c, err
}

// strictCIPSO checks option 134 with cipso.Strict and, when the option
// carries FIPS 188 tags (6 or 7), with the FIPS 188 profile too.
type strictCIPSO struct {
	c cipso.Strict
	f Strict
}

// CheckOption implements ipopt.OptionChecker.
func (s strictCIPSO) CheckOption(o ipopt.Option, socket bool) error {
	if err := s.c.CheckOption(o, socket); err != nil {
		return err
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return ipopt.Shift(err, o.Offset)
	}
	it := opt.Tags()
	for it.Next() {
		if t := it.Tag().Type; t == cipso.TagPBitmap || t == cipso.TagFreeForm {
			return s.f.CheckOption(o, socket)
		}
	}
	return nil
}
