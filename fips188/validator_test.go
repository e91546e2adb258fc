package fips188_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func validatorRegistry(t testing.TB) *cipso.Registry {
	t.Helper()
	var reg cipso.Registry
	d, err := cipso.NewPass(1, cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange)
	require.NoError(t, err)
	require.NoError(t, reg.Add(d))
	return &reg
}

// The two profiles on fields where they differ: Linux looks into neither
// 130 nor 133 and accepts non-canonical CIPSO encodings; the strict
// profile reports the first failure in the field, with its pointer.
func TestValidatorProfiles(t *testing.T) {
	reg := validatorRegistry(t)
	linux := fips188.NewLinuxValidator(reg, false, true)
	strict := fips188.NewStrictValidator(reg)
	for _, tc := range []struct {
		name, in            string
		linux, strict       error
		linuxOff, strictOff int
	}{
		{"tag 1", "86 0A 00 00 00 01 01 04 00 05 00 00", nil, nil, 0, 0},
		{"bitmap with a trailing zero octet", "86 0B 00 00 00 01 01 05 00 05 00 00", nil, cipso.ErrNotCanonical, 0, 10},
		{"two BSOs", "82 03 AB 82 03 3D 00 00", nil, rfc1108.ErrDuplicateBSO, 0, 3},
		{"BSO with FTI set on its last octet", "82 04 3D 01", nil, rfc1108.ErrBadFTI, 0, 3},
		// The ESO has no BSO (found after the walk, at offset 0), the CIPSO
		// option an unknown DOI (at 5): the first in the field wins.
		{"ESO alone, then an unknown DOI", "85 03 01 86 0A 00 00 00 09 01 04 00 05 00 00 00", cipso.ErrUnknownDOI, rfc1108.ErrESOWithoutBSO, 5, 0},
		// A BSO and then a CIPSO option with DOI 0: Linux's error, which
		// is also the strict one.
		{"BSO, then DOI 0", "82 03 AB 86 0A 00 00 00 00 01 04 00 05 00 00", cipso.ErrUnknownDOI, cipso.ErrBadDOI, 5, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := testutil.Unhex(t, tc.in)
			for _, p := range []struct {
				v   fips188.Validator
				err error
				off int
			}{{linux, tc.linux, tc.linuxOff}, {strict, tc.strict, tc.strictOff}} {
				err := p.v.Validate(in)
				if p.err == nil {
					require.NoError(t, err)
					continue
				}
				testutil.RequireErrAt[ipopt.Error](t, err, p.err, p.off, p.off+ipopt.BaseHeaderLen)
			}
		})
	}
}

// The Linux profile is ipopt.Linux with cipso.Linux, Silent included; the
// strict one never reports Silent.
func TestValidatorCompile(t *testing.T) {
	reg := validatorRegistry(t)
	// An RR whose pointer the walk moves to where the reply has no room,
	// then a TS with flag 3 and no room: Linux drops it without an answer.
	silent := testutil.Unhex(t, "07 0A 04 00 00 00 00 00 00 00 07 01")
	for _, lo := range []bool{false, true} {
		for _, rbm := range []bool{false, true} {
			v := fips188.NewLinuxValidator(reg, lo, rbm)
			w := ipopt.Linux{CIPSO: cipso.Linux{Registry: reg, Loopback: lo, RBMStrictValid: rbm}}
			c, err := v.Compile(silent)
			wc, werr := w.Compile(silent)
			assert.Equal(t, wc, c)
			assert.Equal(t, werr, err)
		}
	}
	c, err := fips188.NewLinuxValidator(reg, false, true).Compile(silent)
	require.Error(t, err)
	assert.True(t, c.Silent)
	c, err = fips188.NewStrictValidator(reg).Compile(silent)
	require.Error(t, err)
	assert.False(t, c.Silent, "the strict profile always answers")
}

func TestValidatorNoAllocs(t *testing.T) {
	reg := validatorRegistry(t)
	linux := fips188.NewLinuxValidator(reg, false, true)
	strict := fips188.NewStrictValidator(reg)
	good := testutil.Unhex(t, "82 03 AB 86 0A 00 00 00 01 01 04 00 05 00 00 00")
	bad := testutil.Unhex(t, "85 03 01 86 0A 00 00 00 09 01 04 00 05 00 00 00")
	n := testing.AllocsPerRun(1000, func() {
		if linux.Validate(good) != nil || strict.Validate(good) != nil || linux.Validate(bad) == nil || strict.Validate(bad) == nil {
			panic("unexpected")
		}
		if _, err := strict.Compile(bad); err == nil {
			panic("unexpected")
		}
	})
	assert.Zero(t, n)
}

// doiRule refuses every CIPSO option of one DOI and hands the others on.
type doiRule struct {
	doi  byte
	next ipopt.OptionChecker
}

var errDOIRule = ipopt.NewErrorKind(cipso.ErrUnknownDOI, "doi", ipopt.Policy, ipopt.KindOptions{})

func (r doiRule) CheckOption(o ipopt.Option, socket bool) error {
	if len(o.Bytes) >= 6 && o.Bytes[5] == r.doi {
		return errDOIRule.At(o.Offset + 2)
	}
	return r.next.CheckOption(o, socket)
}

// WithCIPSO puts a checker in front of the profile's CIPSO checker: it
// judges the options it knows, at their place in the field, and every
// other option is judged as before.
func TestValidatorWithCIPSO(t *testing.T) {
	reg := validatorRegistry(t)
	for name, v := range map[string]fips188.Validator{
		"linux":  fips188.NewLinuxValidator(reg, false, true),
		"strict": fips188.NewStrictValidator(reg),
	} {
		t.Run(name, func(t *testing.T) {
			w := v.WithCIPSO(func(c ipopt.OptionChecker) ipopt.OptionChecker { return doiRule{doi: 9, next: c} })
			doi1 := testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 00")
			assert.NoError(t, v.Validate(doi1))
			assert.NoError(t, w.Validate(doi1), "DOI 1 still goes to the profile")
			doi9 := testutil.Unhex(t, "01 01 86 0A 00 00 00 09 01 04 00 05 00 00 00 00")
			var e ipopt.Error
			require.ErrorAs(t, v.Validate(doi9), &e, "DOI 9 is not configured")
			require.ErrorAs(t, w.Validate(doi9), &e)
			assert.Equal(t, ipopt.Policy, e.Class(), "the wrapped rule's own error")
			assert.Equal(t, 4, e.Offset(), "at the DOI of the option at offset 2")
		})
	}
}
