package rfc1108_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func TestStrictValidate(t *testing.T) {
	cases := []struct {
		name  string
		s     rfc1108.Strict
		in    string
		err   error
		off   int
		class ipopt.Class
	}{
		{name: "empty field", in: ""},
		{name: "no security option", in: "01 01 01 00"},
		{name: "BSO after NOPs", in: "01 01 82 04 5A 90 00 00"},
		{name: "BSO with every assigned authority", in: "82 04 3D F8"},
		{name: "empty PAF octet", in: "82 04 AB 00"},
		{name: "flagless continuation", in: "82 06 96 81 01 00 00 00"},
		{name: "garbage after EOL is not examined", in: "82 03 AB 00 82 01 FF FF"},
		{name: "reserved level 4 refused", in: "82 03 01 00", err: rfc1108.ErrBadClassification, off: 2},
		{name: "reserved level 1 refused", in: "82 03 F1 00", err: rfc1108.ErrBadClassification, off: 2},
		{name: "unassigned 0x04 in first octet", in: "82 04 5A 04", err: rfc1108.ErrUnassigned, off: 3},
		{name: "unassigned 0x02 in first octet", in: "82 04 5A 02", err: rfc1108.ErrUnassigned, off: 3},
		{name: "unassigned flag accepted on demand", s: rfc1108.Strict{AllowUnassigned: true}, in: "82 04 5A 06"},
		{name: "FTI error still found with unassigned allowed", s: rfc1108.Strict{AllowUnassigned: true}, in: "82 05 5A 81 03 00",
			err: rfc1108.ErrBadFTI, off: 4},
		{name: "BSO truncated by the field", in: "82 05 AB 00", err: ipopt.ErrBadLength, off: 0},
		{name: "lone type octet", in: "01 01 01 82", err: ipopt.ErrTruncated, off: 3},
		{name: "length 1", in: "82 01 00 00", err: ipopt.ErrBadLength, off: 0},
		{name: "length 2 after a NOP", in: "01 82 02 00", err: ipopt.ErrBadLength, off: 2},
		{name: "ESO length 2 with a BSO", in: "82 03 AB 85 02 00 00 00", err: ipopt.ErrBadLength, off: 4},
		{name: "two ESOs with a BSO", in: "85 03 01 85 04 02 00 82 03 AB 00 00"},
		{name: "ESO alone after NOP", in: "01 85 03 01", err: rfc1108.ErrESOWithoutBSO, off: 1},
		{name: "ESO whose BSO is past the EOL", in: "85 03 01 00 82 03 AB 00", err: rfc1108.ErrESOWithoutBSO, off: 0},
		{name: "duplicate BSO even if identical", in: "82 03 AB 82 03 AB 00 00", err: rfc1108.ErrDuplicateBSO, off: 3},
		{name: "duplicate reported before its content", in: "82 03 AB 82 02 00 00 00", err: rfc1108.ErrDuplicateBSO, off: 3},
		{name: "First: BSO at 0", s: rfc1108.Strict{First: true}, in: "82 03 AB 00"},
		{name: "First: BSO after NOP", s: rfc1108.Strict{First: true}, in: "01 82 03 AB", err: rfc1108.ErrNotFirst, off: 1},
		{name: "First: no BSO is fine without Require", s: rfc1108.Strict{First: true}, in: "01 01 01 00"},
		{name: "Require: present", s: rfc1108.Strict{Require: true}, in: "01 82 03 AB"},
		{name: "Require: absent", s: rfc1108.Strict{Require: true}, in: "01 01 01 00", err: rfc1108.ErrMissingBSO, off: 0, class: ipopt.Missing},
		{name: "Require: only after EOL", s: rfc1108.Strict{Require: true}, in: "00 82 03 AB", err: rfc1108.ErrMissingBSO, class: ipopt.Missing},
		{name: "field over 40 octets", in: repeatHex("01", 41), err: ipopt.ErrTooLong, off: 40, class: ipopt.Limit},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.s.Validate(testutil.Unhex(t, tc.in))
			if tc.err == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.err)
			var e ipopt.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.off, e.Offset())
			assert.Equal(t, tc.class, e.Class())
			if tc.class == ipopt.Missing {
				// Pointer 130 for a missing BSO, as CIPSO uses 134:
				// this package's choice (RULES.md §5).
				assert.Equal(t, 130, e.Pointer())
			} else {
				assert.Equal(t, tc.off+20, e.Pointer())
			}
		})
	}
}

func TestStrictCheckOption(t *testing.T) {
	var s rfc1108.Strict
	require.NoError(t, checkOne(s, testutil.Unhex(t, "82 04 3D 80")))
	require.NoError(t, checkOne(s, testutil.Unhex(t, "85 03 01")))
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "82 04 3D 01")), rfc1108.ErrBadFTI, 3, 23)
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "82 04 3D 80 00")), ipopt.ErrBadLength, 0, 20)
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "82 02")), ipopt.ErrBadLength, 1, 21)
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "85 02")), ipopt.ErrBadLength, 1, 21)
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "83 03 04")), rfc1108.ErrWrongType, 0, 20)
	testutil.RequireErrAt[ipopt.Error](t, checkOne(s, testutil.Unhex(t, "82")), ipopt.ErrTruncated, 0, 20)
	// Offsets are the option's place in the field.
	err := s.CheckOption(ipopt.Option{Offset: 4, Type: ipopt.SEC, Bytes: testutil.Unhex(t, "82 04 3D 01")}, false)
	testutil.RequireErrAt[ipopt.Error](t, err, rfc1108.ErrBadFTI, 7, 27)
}

// In the Linux walk, Strict on options 130 and 133 adds RFC 1108's rules,
// and the first failure in the field wins: the walk's own, a BSO's or ESO's
// at its place, or one across options (a second BSO, an ESO alone).
func TestLinuxWalkWithStrict(t *testing.T) {
	s := rfc1108.Strict{}
	w := ipopt.Linux{Security: s, ExtendedSecurity: s}
	require.NoError(t, w.Validate(testutil.Unhex(t, "82 04 3D 80 85 03 01 00")))
	for _, tc := range []struct {
		in  string
		err error
		off int
	}{
		{"82 04 3D 01", rfc1108.ErrBadFTI, 3},                         // in the BSO
		{"85 03 01 82 04 3D 80 00", nil, -1},                          // ESO before the BSO is fine
		{"85 03 01 01", rfc1108.ErrESOWithoutBSO, 0},                  // across options, before...
		{"85 03 01 07 03 04 00 00", rfc1108.ErrESOWithoutBSO, 0},      // ...a later Linux error wins over nothing
		{"07 03 03 85 03 01 00 00", ipopt.ErrBadPointer, 2},           // an earlier Linux error wins
		{"82 03 AB 82 03 3D 00 00", rfc1108.ErrDuplicateBSO, 3},       // a second BSO
		{"82 03 AB 44 02 00 00", ipopt.ErrBadLength, 4},               // Linux's TS error
		{"82 03 AB 82 02 00 00 00", rfc1108.ErrDuplicateBSO, 3},       // the duplicate is at its type octet
		{"82 03 AB 01 82 03 3D 07 03 03", rfc1108.ErrDuplicateBSO, 4}, // before the RR's bad pointer
	} {
		err := w.Validate(testutil.Unhex(t, tc.in))
		if tc.err == nil {
			require.NoError(t, err, tc.in)
			continue
		}
		testutil.RequireErrAt[ipopt.Error](t, err, tc.err, tc.off, tc.off+ipopt.BaseHeaderLen)
	}
	// Without the checkers, Linux looks into none of it.
	require.NoError(t, ipopt.Linux{}.Validate(testutil.Unhex(t, "82 03 AB 82 03 3D 00 00")))
}

// Linux does not look inside 130 and 133 (RULES.md §6: any length >= 2
// and duplicates pass): only framing errors, as ipopt reports them.
func TestLinuxValidate(t *testing.T) {
	var l ipopt.Linux
	for _, in := range []string{
		"82 02 82 02 85 02 00 00", "82 03 F1 00", "82 04 00 07", "85 03 00 00", "82 0B 00 00 00 05 41 42 43 44 45 00",
	} {
		assert.NoError(t, l.Validate(testutil.Unhex(t, in)), in)
	}
	testutil.RequireErrAt[ipopt.Error](t, l.Validate(testutil.Unhex(t, "82 01 00 00")), ipopt.ErrBadLength, 0, 20)
	testutil.RequireErrAt[ipopt.Error](t, l.Validate(testutil.Unhex(t, "01 01 01 82")), ipopt.ErrTruncated, 3, 23)
	testutil.RequireErrAt[ipopt.Error](t, l.Validate(testutil.Unhex(t, "01 01 82 09 00 00")), ipopt.ErrBadLength, 2, 22)
	err := l.Validate(make([]byte, 41))
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrTooLong, 40, 60)
}
