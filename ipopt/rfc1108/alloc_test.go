package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// Decoding, validating and encoding allocate nothing, on success and on
// failure.
func TestNoAllocs(t *testing.T) {
	good := testutil.Unhex(t, "01 82 05 5A 81 00 85 04 02 FF 00 00")
	bad := testutil.Unhex(t, "82 04 3D 01")
	dup := testutil.Unhex(t, "82 03 AB 82 03 3D 00 00")
	legacy := testutil.Unhex(t, "82 0B 00 00 00 05 41 42 43 44 45 00")
	bso := good[1:6]
	label := rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA, 40)}
	r := rfc1108.Range{Low: rfc1108.Label{Level: rfc1108.Unclassified}, High: rfc1108.Label{Level: rfc1108.TopSecret, Authorities: label.Authorities}}
	buf := make([]byte, 0, 64)
	names := make([]string, 0, 8)
	strict := rfc1108.Strict{Require: true}
	walk := ipopt.Linux{Security: strict, ExtendedSecurity: strict}

	cases := map[string]func(){
		"DecodeBSO": func() {
			var l rfc1108.Label
			if rfc1108.DecodeBSO(bso, &l) != nil || rfc1108.DecodeBSO(bad, &l) == nil {
				panic("unexpected")
			}
		},
		"FindLabel": func() {
			if _, _, err := rfc1108.FindLabel(good); err != nil {
				panic(err)
			}
		},
		"Strict.Validate": func() {
			if strict.Validate(good) != nil || strict.Validate(bad) == nil || strict.Validate(dup) == nil || strict.Validate(nil) == nil {
				panic("unexpected")
			}
		},
		"ipopt.Linux with Strict": func() {
			if walk.Validate(good) != nil || walk.Validate(bad) == nil || walk.Validate(dup) == nil || walk.Validate(nil) == nil {
				panic("unexpected")
			}
		},
		"Range.Validate": func() {
			if r.Validate(good) != nil || r.Validate(bad) == nil || r.Validate(dup[:4]) != nil {
				panic("unexpected")
			}
		},
		"AppendLabel": func() {
			b, err := rfc1108.AppendLabel(buf[:0], label)
			if err != nil || len(b) != 9 {
				panic("unexpected")
			}
			b, _ = rfc1108.AppendBSO(buf[:0], rfc1108.Secret, label.Authorities)
			_, _ = rfc1108.AppendESO(b, 1, bso)
		},
		"Legacy": func() {
			var s rfc1108.LegacySEC
			if !rfc1108.IsLegacySEC(legacy) || rfc1108.DecodeLegacySEC(legacy, &s) != nil {
				panic("unexpected")
			}
			_ = rfc1108.AppendLegacySEC(buf[:0], s)
		},
		"Authorities.All": func() {
			n := 0
			for a := range label.Authorities.All() {
				n += int(a)
			}
			if n != 43 {
				panic("unexpected")
			}
		},
		"Spec": func() {
			b := rfc1108.AppendSpec(buf[:0], label)
			_ = label.Authorities.AppendNames(names[:0])
			_ = rfc1108.Classification(0x00).String()
			if _, err := rfc1108.ParseSpec("level=secret,authorities=genser+nsa+flag-40"); err != nil || len(b) == 0 {
				panic("unexpected")
			}
		},
	}
	for name, fn := range cases {
		assert.Zero(t, testing.AllocsPerRun(200, fn), name)
	}
}
