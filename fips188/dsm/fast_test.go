package dsm

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// fastProfiles are the profiles the one-pass path is compared under: the
// predefined ones and one of each knob.
var fastProfiles = []Profile{
	Receiver, Lenient, strict, {},
	{DOI: 3}, {Accept: ParamsOf(ParamSourceSID)}, {Require: ParamsOf(ParamNodeID)},
	{SkipUnknown: true, RejectDuplicates: true}, {Ordered: true, DSMPointers: true},
}

// checkFast compares Decode and DecodeOptions, which try the one-pass
// path first, with their step-by-step walks on b: the same error (kind
// and offset), the same label, the same option, *n untouched on error.
func checkFast(t *testing.T, b []byte) {
	t.Helper()
	keep := Label{}.With(ParamMessageSID, 0xDEAD)
	for _, p := range fastProfiles {
		n, m := keep, keep
		err, want := p.Decode(b, &n), p.decode(b, &m)
		sameErr(t, want, err)
		require.Equal(t, m, n, "%+v: Decode(% x)", p, b)

		n, m = keep, keep
		o, err := p.DecodeOptions(b, &n)
		wo, want := p.decodeOptions(b, &m)
		sameErr(t, want, err)
		require.Equal(t, m, n, "%+v: DecodeOptions(% x)", p, b)
		require.Equal(t, wo, o, "%+v: DecodeOptions(% x)", p, b)
	}
}

func sameErr(t *testing.T, want, got error) {
	t.Helper()
	if want == nil || got == nil {
		require.Equal(t, want == nil, got == nil, "errors %v and %v", want, got)
		return
	}
	assert.Equal(t, want.Error(), got.Error())
	we, wok := want.(ipopt.Error)
	ge, gok := got.(ipopt.Error)
	require.True(t, wok && gok)
	assert.Equal(t, we.Offset(), ge.Offset())
	assert.Equal(t, we.Pointer(), ge.Pointer())
}

// TestFastPath: the fields and labels at the edges of the one-pass path
// decode as the step-by-step walk decodes them.
func TestFastPath(t *testing.T) {
	ex := testutil.Unhex(t, "86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01")
	pad := func(b []byte, tail string) []byte {
		return append(append([]byte(nil), b...), testutil.Unhex(t, tail)...)
	}
	for name, b := range map[string][]byte{
		"the DSM example":                    ex,
		"NOPs after":                         pad(ex, "01 01 01 01"),
		"EOL, then anything":                 pad(ex, "00 86 FF"),
		"a second CIPSO option":              pad(ex, "86 0A 10 00 10 00 07 04 03 06"),
		"another option after":               pad(ex, "07 03 04"),
		"an option before":                   pad([]byte{0x01}, "86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01"),
		"a field over 40 octets":             pad(ex, "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01"),
		"bypass, serial, repeated":           opt(0x01, 0x02, 0x02, 0x06, 0, 0, 0, 1, 0x02, 0x06, 0, 0, 0, 2),
		"a parameter one octet past the end": opt(0x03, 0x06, 0, 0, 0),
		"out of order by one":                opt(0x04, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 2),
		"out of order":                       opt(0x06, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 2),
		"an unknown parameter":               opt(0x09, 0x03, 0xAA, 0x03, 0x06, 0, 0, 0, 2),
		"an unknown parameter too short":     opt(0x09, 0x01, 0x03, 0x06, 0, 0, 0, 2),
		"a parameter of the wrong length":    opt(0x03, 0x05, 0, 0, 0, 0x06, 0x02),
		"an octet left over":                 opt(0x03, 0x06, 0, 0, 0, 1, 0x06),
		"a parameter past the end":           opt(0x03, 0x06, 0, 0, 0, 1, 0x06, 0x06, 0),
		"another DOI":                        mut(5, 1),
		"a tag length short of the option":   mut(7, 0x0D),
		"not the free-form tag":              mut(6, 1),
		"shorter than 10":                    ex[:9],
	} {
		t.Run(name, func(t *testing.T) { checkFast(t, b) })
	}
}

// FuzzFastPath: for any octets, Decode and DecodeOptions agree with their
// step-by-step walks under every profile of fastProfiles.
func FuzzFastPath(f *testing.F) {
	f.Add(dsmExample)
	f.Add(append(append([]byte(nil), dsmExample...), 1, 1, 0, 0x86))
	f.Add(opt(0x01, 0x02, 0x02, 0x06, 0, 0, 0, 1, 0x02, 0x06, 0, 0, 0, 2))
	f.Add(opt(0x09, 0x03, 0xAA, 0x06, 0x06, 0, 0, 0, 2, 0x03, 0x06, 0, 0, 0, 2))
	f.Add(opt(0x03, 0x06, 0, 0, 0, 1, 0x06))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) > 128 {
			return
		}
		checkFast(t, b)
	})
}
