package rfc1108_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// unhex reads the rulebook's hex notation ("82 03 AB 00").
func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

// checklistCase is one vector of the rulebook's differential-test
// checklist, cases 37 (BSO) and 38 (ESO). Every expected value below is
// read from the rulebook text of that case (and D.1/D.2 for the strict
// verdicts): "RFC valid", "RFC invalid (last FTI = 1)", "octet after FTI =
// 0", "len < 3", "invalid class", "two BSOs", the tshark values marked V.
// The offsets are the positions of the octet the rulebook names as faulty.
type checklistCase struct {
	id   string
	opts string
	// Strict (zero value) verdict: sentinel and offset; nil for valid.
	strict    error
	strictOff int
	// Decode of the first option 130 (nil: decodes).
	decode    error
	decodeOff int
	level     rfc1108.Classification
	auths     []rfc1108.Authority
	// tshark 4.0.17 (rulebook C.4 and the case's WS notes).
	wsLegacy bool
}

var checklist = []checklistCase{
	// 37a: RFC valid, class 0xAB (WS cl 0xab).
	{id: "37a", opts: "82 03 AB 00", level: rfc1108.Unclassified},
	// 37b: valid, GENSER (WS genser 1, fti 0).
	{id: "37b", opts: "82 04 3D 80", level: rfc1108.TopSecret, auths: []rfc1108.Authority{rfc1108.GENSER}},
	// 37c: RFC invalid, last FTI = 1 (WS FTI expert).
	{id: "37c", opts: "82 04 3D 01", strict: rfc1108.ErrBadFTI, strictOff: 3, decode: rfc1108.ErrBadFTI, decodeOff: 3},
	// 37d: two PAF octets 0x81;0x02. The rulebook calls it valid, but
	// 0x02 in a later octet is an unassigned flag (D.1: 0xFE unassigned),
	// which the zero Strict refuses; Strict{AllowUnassigned: true} accepts
	// it (TestChecklist37dAllowUnassigned).
	{id: "37d", opts: "82 05 5A 81 02", strict: rfc1108.ErrUnassigned, strictOff: 4,
		level: rfc1108.Secret, auths: []rfc1108.Authority{rfc1108.GENSER, 13}},
	// 37e: invalid, octet after FTI = 0 (WS "Extraneous data").
	{id: "37e", opts: "82 05 96 80 00", strict: rfc1108.ErrExtraneous, strictOff: 4, decode: rfc1108.ErrExtraneous, decodeOff: 4},
	// 37f: invalid, len < 3 (WS exception).
	{id: "37f", opts: "82 02 00 00", strict: ipopt.ErrBadLength, strictOff: 1, decode: ipopt.ErrBadLength, decodeOff: 1},
	// 37g: invalid class 0x00 (WS 0x00, silent): decodes, strict refuses.
	{id: "37g", opts: "82 03 00 00", strict: rfc1108.ErrBadClassification, strictOff: 2, level: 0x00},
	// 37h: RFC 791 form (WS sec 0x0000, comp 5, hr "AB", tcc "CDE"). As
	// RFC 1108 it is class 0x00, PAF 00 and 8 extraneous octets.
	{id: "37h", opts: "82 0B 00 00 00 05 41 42 43 44 45 00", strict: rfc1108.ErrBadClassification, strictOff: 2,
		decode: rfc1108.ErrExtraneous, decodeOff: 4, wsLegacy: true},
	// 37i: two BSOs, RFC invalid (at most once per datagram, D.1).
	{id: "37i", opts: "82 03 AB 82 03 3D 00 00", strict: rfc1108.ErrDuplicateBSO, strictOff: 3, level: rfc1108.Unclassified},
}

func TestChecklist37(t *testing.T) {
	for _, tc := range checklist {
		t.Run(tc.id, func(t *testing.T) {
			opts := unhex(t, tc.opts)

			// Linux accepts all of them (rulebook 37, CONFIRMED [K-OPT]),
			// both in this package's profile and in ipopt's full walk.
			require.NoError(t, rfc1108.Linux{}.Validate(opts))
			require.NoError(t, (&ipopt.Linux{}).Validate(opts))

			err := rfc1108.Strict{}.Validate(opts)
			if tc.strict == nil {
				require.NoError(t, err)
			} else {
				requireErrAt(t, err, tc.strict, tc.strictOff)
			}

			var l rfc1108.Label
			found, err := rfc1108.FindLabel(opts, &l)
			require.True(t, found)
			if tc.decode != nil {
				requireErrAt(t, err, tc.decode, tc.decodeOff)
				assert.Equal(t, rfc1108.Label{}, l, "out parameter untouched on error")
			} else {
				require.NoError(t, err)
				assert.Equal(t, tc.level, l.Level)
				assert.Equal(t, tc.auths, collect(l.Authorities))
			}
			assert.Equal(t, tc.wsLegacy, rfc1108.IsLegacySEC(opts))
		})
	}
}

func collect(s rfc1108.Authorities) []rfc1108.Authority {
	var out []rfc1108.Authority
	for a := range s.All() {
		out = append(out, a)
	}
	return out
}

func requireErrAt(t *testing.T, err, sentinel error, off int) {
	t.Helper()
	require.ErrorIs(t, err, sentinel)
	var e *ipopt.Error
	require.True(t, errors.As(err, &e), "want *ipopt.Error, got %T", err)
	assert.Equal(t, off, e.Offset(), "offset")
	assert.Equal(t, off+ipopt.BaseHeaderLen, e.Pointer(), "pointer")
}

func TestChecklist37dAllowUnassigned(t *testing.T) {
	opts := unhex(t, "82 05 5A 81 02")
	require.NoError(t, rfc1108.Strict{AllowUnassigned: true}.Validate(opts))
	// WS flags 0x81;0x02: the second octet carries mask 0x02 with FTI 0.
	var l rfc1108.Label
	require.NoError(t, rfc1108.DecodeBSO(opts, &l))
	assert.Equal(t, uint8(2), l.PAFOctets)
	out, err := rfc1108.AppendLabel(nil, l)
	require.NoError(t, err)
	assert.Equal(t, opts, out)
}

// Case 37h decoded as the RFC 791 form: sec 0x0000, comp 5, hr "AB",
// tcc "CDE" (rulebook checklist 37h, tshark V).
func TestChecklist37hLegacy(t *testing.T) {
	opts := unhex(t, "82 0B 00 00 00 05 41 42 43 44 45 00")
	var s rfc1108.LegacySEC
	require.NoError(t, rfc1108.DecodeLegacySEC(opts, &s))
	assert.Equal(t, rfc1108.LegacyUnclassified, s.Security)
	assert.Equal(t, uint16(5), s.Compartments)
	assert.Equal(t, "AB", string(s.Handling[:]))
	assert.Equal(t, "CDE", string(s.TCC[:]))
	assert.Equal(t, opts[:11], rfc1108.AppendLegacySEC(nil, s))
}

// Case 38: `85 03 01 00` has format code 0x01 (WS V); `85 02 00 00` is too
// short (WS exception). Linux accepts both. Strictly, an ESO needs a BSO
// (D.2) and a length of at least 3.
func TestChecklist38(t *testing.T) {
	ok := unhex(t, "85 03 01 00")
	short := unhex(t, "85 02 00 00")
	for _, opts := range [][]byte{ok, short} {
		require.NoError(t, rfc1108.Linux{}.Validate(opts))
		require.NoError(t, (&ipopt.Linux{}).Validate(opts))
	}
	e, err := rfc1108.ParseESO(ok)
	require.NoError(t, err)
	assert.Equal(t, uint8(0x01), e.FormatCode())
	assert.Empty(t, e.Info())
	assert.Equal(t, 3, e.Len())

	_, err = rfc1108.ParseESO(short)
	requireErrAt(t, err, ipopt.ErrBadLength, 1)

	requireErrAt(t, rfc1108.Strict{}.Validate(ok), rfc1108.ErrESOWithoutBSO, 0)
	requireErrAt(t, rfc1108.Strict{}.Validate(short), ipopt.ErrBadLength, 1)

	// With a BSO (37a's) before or after it, the ESO is accepted, and may
	// appear more than once (D.2).
	require.NoError(t, rfc1108.Strict{}.Validate(unhex(t, "82 03 AB 85 03 01 00 00")))
	require.NoError(t, rfc1108.Strict{}.Validate(unhex(t, "85 03 01 82 03 AB 85 04 02 FF")))
}
