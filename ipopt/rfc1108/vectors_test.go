package rfc1108_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// bsoVector is an options field holding BSOs, valid and not, with the
// verdicts every reader in this package gives it. The same fields seed the
// fuzz tests and the tshark differential test.
type bsoVector struct {
	name string
	opts string
	// Strict (zero value) verdict: sentinel and offset; nil for valid.
	strict    error
	strictOff int
	// Decode of the first option 130 (nil: decodes).
	decode    error
	decodeOff int
	level     rfc1108.Classification
	auths     []rfc1108.Authority
	// Wireshark shows the option in the RFC 791 form (RULES.md §7).
	wsLegacy bool
}

var bsoVectors = []bsoVector{
	// The smallest BSO: Unclassified, no PAF field (RULES.md §2).
	{name: "unclassified, no PAF", opts: "82 03 AB 00", level: rfc1108.Unclassified},
	// One PAF octet, GENSER, FTI clear: the field ends where the option
	// does (RULES.md §4).
	{name: "top secret, GENSER", opts: "82 04 3D 80", level: rfc1108.TopSecret, auths: []rfc1108.Authority{rfc1108.GENSER}},
	// The only PAF octet has its FTI set, so the field claims to go on
	// past the option (RULES.md §4); Wireshark flags it too (RULES.md §7).
	{name: "FTI set on the last octet", opts: "82 04 3D 01", strict: rfc1108.ErrBadFTI, strictOff: 3, decode: rfc1108.ErrBadFTI, decodeOff: 3},
	// Two PAF octets, 0x81 (GENSER, FTI set) then 0x02 (flag 13, FTI
	// clear): well framed, so it decodes, but flag 13 has no assigned
	// authority, which the zero Strict refuses (RULES.md §4; accepted with
	// AllowUnassigned, TestAllowUnassignedSecondOctet).
	{name: "unassigned flag in a second octet", opts: "82 05 5A 81 02", strict: rfc1108.ErrUnassigned, strictOff: 4,
		level: rfc1108.Secret, auths: []rfc1108.Authority{rfc1108.GENSER, 13}},
	// An octet after the PAF octet whose FTI is 0 (RULES.md §4; Wireshark's
	// "Extraneous data in option", RULES.md §7).
	{name: "octet after the last PAF octet", opts: "82 05 96 80 00", strict: rfc1108.ErrExtraneous, strictOff: 4, decode: rfc1108.ErrExtraneous, decodeOff: 4},
	// Length 2, below the minimum of 3 (RFC 1108 §2.2): refused at the
	// length octet; Linux accepts it (RULES.md §6).
	{name: "length 2", opts: "82 02 00 00", strict: ipopt.ErrBadLength, strictOff: 1, decode: ipopt.ErrBadLength, decodeOff: 1},
	// Classification 0x00 is not in Table 1: it decodes (decoders keep
	// any octet), the strict receiver refuses it (RFC 1108 §2.3).
	{name: "classification not in Table 1", opts: "82 03 00 00", strict: rfc1108.ErrBadClassification, strictOff: 2, level: 0x00},
	// The RFC 791 form: S 0x0000 (Unclassified), C 5, H "AB", TCC "CDE"
	// (RULES.md §8). Read as RFC 1108 it is class 0x00, a PAF octet 00
	// and 7 extraneous octets; Wireshark shows it as RFC 791 (RULES.md §7).
	{name: "RFC 791 form", opts: "82 0B 00 00 00 05 41 42 43 44 45 00", strict: rfc1108.ErrBadClassification, strictOff: 2,
		decode: rfc1108.ErrExtraneous, decodeOff: 4, wsLegacy: true},
	// Two BSOs: RFC 1108 §2 allows one per datagram. The first decodes.
	{name: "two BSOs", opts: "82 03 AB 82 03 3D 00 00", strict: rfc1108.ErrDuplicateBSO, strictOff: 3, level: rfc1108.Unclassified},
}

func TestBSOVectors(t *testing.T) {
	for _, tc := range bsoVectors {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)

			// Linux accepts all of them (__ip_options_compile has no
			// case for 130; RULES.md §6), both in this package's
			// profile and in ipopt's full walk.
			require.NoError(t, ipopt.Linux{}.Validate(opts))
			require.NoError(t, (&ipopt.Linux{}).Validate(opts))

			err := rfc1108.Strict{}.Validate(opts)
			if tc.strict == nil {
				require.NoError(t, err)
			} else {
				testutil.RequireErrAt[ipopt.Error](t, err, tc.strict, tc.strictOff, tc.strictOff+ipopt.BaseHeaderLen)
			}

			l, found, err := rfc1108.FindLabel(opts)
			require.True(t, found)
			if tc.decode != nil {
				testutil.RequireErrAt[ipopt.Error](t, err, tc.decode, tc.decodeOff, tc.decodeOff+ipopt.BaseHeaderLen)
				assert.Equal(t, rfc1108.Label{}, l, "no label on error")
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

// `82 05 5A 81 02` (GENSER, then unassigned flag 13) passes a Strict that
// allows unassigned flags, and its label encodes back to the same octets.
func TestAllowUnassignedSecondOctet(t *testing.T) {
	opts := testutil.Unhex(t, "82 05 5A 81 02")
	require.NoError(t, rfc1108.Strict{AllowUnassigned: true}.Validate(opts))
	// Wireshark shows the flags 0x81;0x02: the second octet carries mask
	// 0x02 with FTI 0.
	var l rfc1108.Label
	require.NoError(t, rfc1108.DecodeBSO(opts, &l))
	assert.Equal(t, uint8(2), l.PAFOctets)
	out, err := rfc1108.AppendLabel(nil, l)
	require.NoError(t, err)
	assert.Equal(t, opts, out)
}

// The RFC 791 form of bsoVectors decoded as such: S 0x0000, C 5, H "AB",
// TCC "CDE", the values tshark 4.0.17 shows for it (RULES.md §7, §8).
func TestLegacyVector(t *testing.T) {
	opts := testutil.Unhex(t, "82 0B 00 00 00 05 41 42 43 44 45 00")
	var s rfc1108.LegacySEC
	require.NoError(t, rfc1108.DecodeLegacySEC(opts, &s))
	assert.Equal(t, rfc1108.LegacyUnclassified, s.Security)
	assert.Equal(t, uint16(5), s.Compartments)
	assert.Equal(t, "AB", string(s.Handling[:]))
	assert.Equal(t, "CDE", string(s.TCC[:]))
	assert.Equal(t, opts[:11], rfc1108.AppendLegacySEC(nil, s))
}

// ESO vectors: `85 03 01 00` has format code 0x01 and no information
// (tshark 4.0.17 shows the code); `85 02 00 00` is shorter than 3 (tshark
// ends in an exception, RULES.md §7). Linux accepts both (RULES.md §6).
// Strictly, an ESO needs a BSO (RFC 1108 §3) and a length of at least 3.
func TestESOVectors(t *testing.T) {
	ok := testutil.Unhex(t, "85 03 01 00")
	short := testutil.Unhex(t, "85 02 00 00")
	for _, opts := range [][]byte{ok, short} {
		require.NoError(t, ipopt.Linux{}.Validate(opts))
		require.NoError(t, (&ipopt.Linux{}).Validate(opts))
	}
	e, err := rfc1108.ParseESO(ok)
	require.NoError(t, err)
	assert.Equal(t, uint8(0x01), e.FormatCode())
	assert.Empty(t, e.Info())
	assert.Equal(t, 3, e.Len())

	_, err = rfc1108.ParseESO(short)
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrBadLength, 1, 21)

	testutil.RequireErrAt[ipopt.Error](t, rfc1108.Strict{}.Validate(ok), rfc1108.ErrESOWithoutBSO, 0, 20)
	testutil.RequireErrAt[ipopt.Error](t, rfc1108.Strict{}.Validate(short), ipopt.ErrBadLength, 1, 21)

	// With a BSO before or after it, the ESO is accepted, and it may
	// appear more than once (RFC 1108 §3).
	require.NoError(t, rfc1108.Strict{}.Validate(testutil.Unhex(t, "82 03 AB 85 03 01 00 00")))
	require.NoError(t, rfc1108.Strict{}.Validate(testutil.Unhex(t, "85 03 01 82 03 AB 85 04 02 FF")))
}
