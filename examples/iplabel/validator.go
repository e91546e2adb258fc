package main

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// validator checks an options field with one profile.
//
//   - linux: ipopt.Linux, Linux's __ip_options_compile, with cipso.Linux as
//     its CIPSO checker (cipso_v4_validate): the kernel's verdict and the
//     ICMP Parameter Problem pointer it sends, or none when it drops the
//     datagram silently because __ip_options_echo fails
//     (ipopt.Compiled.Silent). Options 130 and 133 are not looked into, as
//     Linux does not.
//   - strict: the same walk with a CIPSO checker that applies cipso.Strict
//     (the draft, canonical encodings only; tags 6 and 7 passed on) and,
//     for an option carrying tag 6 or 7, fips188.Strict; then
//     rfc1108.Strict over the whole field for options 130 and 133. The
//     first failure in the field wins.
type validator struct {
	walk   ipopt.Linux
	strict bool
}

func newValidator(reg *cipso.Registry, strict, loopback, rbmStrictValid bool) *validator {
	return newConfiguredValidator(&doiConfig{cipso: reg}, strict, loopback, rbmStrictValid)
}

// newConfiguredValidator is newValidator with everything --doi-config
// gives: in either profile the labels of the network-SID DOI are checked
// with its receiver rules (doiConfig.checker).
func newConfiguredValidator(cfg *doiConfig, strict, loopback, rbmStrictValid bool) *validator {
	reg := cfg.cipso
	if strict {
		c := &strictCIPSO{c: cipso.Strict{Registry: reg}, f: fips188.Strict{}}
		c.c.Ignorable.Add(cipso.TagPBitmap, cipso.TagFreeForm)
		return &validator{walk: ipopt.Linux{CIPSO: cfg.checker(c)}, strict: true}
	}
	lx := &cipso.Linux{Registry: reg, RBMStrictValid: rbmStrictValid, Loopback: loopback}
	return &validator{walk: ipopt.Linux{CIPSO: cfg.checker(lx)}}
}

// fieldVerdict is what validate found in one options field.
type fieldVerdict struct {
	// err is nil or the first failure, an ipopt.Error whose Pointer is
	// the ICMP Parameter Problem pointer.
	err error
	// silent: the linux profile's receiver finds err but sends no
	// Parameter Problem (ipopt.Compiled.Silent), so there is no pointer.
	silent bool
}

// validate checks one options field.
func (v *validator) validate(opts []byte) fieldVerdict {
	c, err := v.walk.Compile(opts)
	if !v.strict {
		return fieldVerdict{err, err != nil && c.Silent}
	}
	// The strict profile answers as the standards say, always with the
	// pointer: the echo failure is Linux's.
	if e2 := (rfc1108.Strict{}).Validate(opts); e2 != nil && (err == nil || offsetOf(e2) < offsetOf(err)) {
		return fieldVerdict{err: e2}
	}
	return fieldVerdict{err: err}
}

// offsetOf is the options-field offset of an ipopt.Error (0 for others).
func offsetOf(err error) int {
	if e, ok := asIPOptError(err); ok {
		return e.Offset()
	}
	return 0
}

// strictCIPSO checks option 134 with cipso.Strict and, when the option
// carries FIPS 188 tags (6 or 7), with fips188's strict profile too.
type strictCIPSO struct {
	c cipso.Strict
	f fips188.Strict
}

// CheckOption implements ipopt.OptionChecker.
func (s *strictCIPSO) CheckOption(o ipopt.Option, socket bool) error {
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
