package main

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
)

// validator checks an options field with one profile, fips188.Validator:
//
//   - linux (fips188.NewLinuxValidator): Linux's __ip_options_compile with
//     cipso_v4_validate, the kernel's verdict and the ICMP Parameter
//     Problem pointer it sends, or none when it drops the datagram
//     silently because __ip_options_echo fails (ipopt.Compiled.Silent).
//     Options 130 and 133 are not looked into, as Linux does not.
//   - strict (fips188.NewStrictValidator): the CIPSO draft, FIPS 188 for
//     options with tag 6 or 7, and RFC 1108 for options 130 and 133. The
//     first failure in the field wins.
type validator struct{ v fips188.Validator }

func newValidator(reg *cipso.Registry, strict, loopback, rbmStrictValid bool) *validator {
	return newConfiguredValidator(&doiConfig{cipso: reg}, strict, loopback, rbmStrictValid)
}

// newConfiguredValidator is newValidator with everything --doi-config
// gives: in either profile the labels of the network-SID DOI are checked
// with its receiver rules (doiConfig.checker).
func newConfiguredValidator(cfg *doiConfig, strict, loopback, rbmStrictValid bool) *validator {
	v := fips188.NewLinuxValidator(cfg.cipso, loopback, rbmStrictValid)
	if strict {
		v = fips188.NewStrictValidator(cfg.cipso)
	}
	return &validator{v.WithCIPSO(cfg.checker)}
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
	c, err := v.v.Compile(opts)
	return fieldVerdict{err, err != nil && c.Silent}
}

// offsetOf is the options-field offset of an ipopt.Error (0 for others).
func offsetOf(err error) int {
	if e, ok := asIPOptError(err); ok {
		return e.Offset()
	}
	return 0
}
