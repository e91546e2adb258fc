package rfc1108_test

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

func TestParseBSOFraming(t *testing.T) {
	cases := []struct {
		name string
		in   string
		err  error
		off  int
		want string // the view's octets
	}{
		{name: "minimal", in: "82 03 AB", want: "82 03 AB"},
		{name: "trailing octets are not part of the view", in: "82 04 3D 80 00 00", want: "82 04 3D 80"},
		{name: "empty", in: "", err: ipopt.ErrTruncated, off: 0},
		{name: "type only", in: "82", err: ipopt.ErrTruncated, off: 0},
		{name: "wrong type", in: "85 03 01", err: rfc1108.ErrWrongType, off: 0},
		{name: "length past the end", in: "82 05 AB 00", err: ipopt.ErrBadLength, off: 0},
		{name: "length 2 (RFC 1108 min 3)", in: "82 02", err: ipopt.ErrBadLength, off: 1},
		{name: "length 0", in: "82 00 00", err: ipopt.ErrBadLength, off: 1},
		{name: "length 41", in: "82 29" + repeatHex("01", 38) + "00", err: ipopt.ErrBadLength, off: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := rfc1108.ParseBSO(testutil.Unhex(t, tc.in))
			if tc.err != nil {
				testutil.RequireErrAt[ipopt.Error](t, err, tc.err, tc.off, tc.off+ipopt.BaseHeaderLen)
				assert.Nil(t, v)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, testutil.Unhex(t, tc.want), []byte(v))
			assert.Equal(t, len(v), v.Len())
		})
	}
}

func repeatHex(h string, n int) string {
	var b bytes.Buffer
	for range n {
		b.WriteString(h)
	}
	return b.String()
}

// Accessors of the view: level at +2, PAF from +3 (RFC 1108 §2, Figure 1:
// `82 LL CL PAF…`).
func TestBSOView(t *testing.T) {
	v, err := rfc1108.ParseBSO(testutil.Unhex(t, "82 05 5A 81 02"))
	require.NoError(t, err)
	assert.Equal(t, rfc1108.Secret, v.Level())
	assert.Equal(t, []byte{0x81, 0x02}, v.PAF())
}

func TestDecodeBSOKeepsPAFLength(t *testing.T) {
	cases := []struct {
		in    string
		level rfc1108.Classification
		auths rfc1108.Authorities
		paf   uint8
	}{
		// No PAF at all (len 3) and an empty one-octet PAF are different
		// encodings of the same label.
		{"82 03 AB", rfc1108.Unclassified, rfc1108.Authorities{}, 0},
		{"82 04 AB 00", rfc1108.Unclassified, rfc1108.Authorities{}, 1},
		// GENSER followed by a flagless octet: not minimal, still valid.
		{"82 05 3D 81 00", rfc1108.TopSecret, rfc1108.AuthoritiesOf(rfc1108.GENSER), 2},
		{"82 06 96 F9 01 00", rfc1108.Confidential,
			rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.SIOPESI, rfc1108.SCI, rfc1108.NSA, rfc1108.DOE), 3},
	}
	for _, tc := range cases {
		in := testutil.Unhex(t, tc.in)
		var l rfc1108.Label
		require.NoError(t, rfc1108.DecodeBSO(in, &l), tc.in)
		assert.Equal(t, tc.level, l.Level)
		assert.Equal(t, tc.auths, l.Authorities)
		assert.Equal(t, tc.paf, l.PAFOctets)
		assert.Equal(t, len(in), l.Len())
		out, err := rfc1108.AppendLabel(testutil.Poisoned(len(in)), l)
		require.NoError(t, err)
		assert.Equal(t, in, out, "byte-exact re-encoding of %s", tc.in)
	}
}

// A BSO view made by hand, not by ParseBSO, may be longer than an IPv4
// header allows. Decode still does not panic: flags past the last that
// fits (NumAuthorities) are dropped.
func TestDecodeHandMadeLongBSO(t *testing.T) {
	v := make(rfc1108.BSO, 50)
	v[0], v[1], v[2] = 0x82, 50, byte(rfc1108.Secret)
	for i := 3; i < len(v)-1; i++ {
		v[i] = 0xFF // every flag, FTI set
	}
	v[len(v)-1] = 0xFE // every flag, FTI clear
	var l rfc1108.Label
	require.NoError(t, v.Decode(&l))
	assert.Equal(t, rfc1108.NumAuthorities, l.Authorities.Len())
}

func TestDecodeBSOErrorsLeaveLabel(t *testing.T) {
	want := rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.DOE), PAFOctets: 1}
	for _, in := range []string{"82 04 3D 01", "82 05 96 80 00", "82 02", "85 03 00", "82 06 AB 01 01 01"} {
		l := want
		assert.Error(t, rfc1108.DecodeBSO(testutil.Unhex(t, in), &l), in)
		assert.Equal(t, want, l, in)
	}
	// The FTI error points at the last octet, whatever the chain length.
	var l rfc1108.Label
	testutil.RequireErrAt[ipopt.Error](t, rfc1108.DecodeBSO(testutil.Unhex(t, "82 06 AB 01 01 01"), &l), rfc1108.ErrBadFTI, 5, 25)
	testutil.RequireErrAt[ipopt.Error](t, rfc1108.DecodeBSO(testutil.Unhex(t, "82 07 AB 01 00 01 00"), &l), rfc1108.ErrExtraneous, 5, 25)
}

func TestAppendBSOMinimal(t *testing.T) {
	cases := []struct {
		level rfc1108.Classification
		auths rfc1108.Authorities
		want  string
	}{
		// The first two of bsoVectors.
		{rfc1108.Unclassified, rfc1108.Authorities{}, "82 03 AB"},
		{rfc1108.TopSecret, rfc1108.AuthoritiesOf(rfc1108.GENSER), "82 04 3D 80"},
		// Two PAF octets (0x81;0x02): GENSER with FTI, then flag 13 (0x02).
		{rfc1108.Secret, rfc1108.AuthoritiesOf(rfc1108.GENSER, 13), "82 05 5A 81 02"},
		// A flag in the third octet needs two continuation octets.
		{rfc1108.Confidential, rfc1108.AuthoritiesOf(14), "82 06 96 01 01 80"},
		{rfc1108.Secret, rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA), "82 04 5A 90"},
	}
	for _, tc := range cases {
		want := testutil.Unhex(t, tc.want)
		assert.Equal(t, len(want), rfc1108.BSOLen(tc.auths))
		buf := testutil.Poisoned(len(want))
		out, err := rfc1108.AppendBSO(buf, tc.level, tc.auths)
		require.NoError(t, err)
		assert.Equal(t, want, out)
		assert.Same(t, &buf[:1][0], &out[0], "appended in place")
		// Appending keeps what dst held.
		out, err = rfc1108.AppendBSO([]byte{0x01}, tc.level, tc.auths)
		require.NoError(t, err)
		assert.Equal(t, append([]byte{0x01}, want...), out)
	}
}

// The longest BSO fits a 40-octet options field exactly; one octet more is
// a Limit error and nothing is appended.
func TestAppendLabelLimits(t *testing.T) {
	l := rfc1108.Label{Level: rfc1108.Secret, PAFOctets: rfc1108.MaxPAFOctets}
	out, err := rfc1108.AppendLabel(nil, l)
	require.NoError(t, err)
	require.Len(t, out, 40)
	require.NoError(t, rfc1108.Strict{}.Validate(out))

	l.PAFOctets++
	dst := []byte{0x01}
	out, err = rfc1108.AppendLabel(dst, l)
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrTooLong, 1, 21)
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, ipopt.Limit, e.Class())
	assert.Equal(t, dst, out)

	top := rfc1108.AuthoritiesOf(rfc1108.NumAuthorities - 1)
	out, err = rfc1108.AppendBSO(nil, rfc1108.Secret, top)
	require.NoError(t, err)
	assert.Len(t, out, 40)
}

// FindLabel finds the BSO wherever it sits and reports options-field
// offsets: it never assumes the label is the first option (RFC 1108 §2
// does not require it; RULES.md §2).
func TestFindLabel(t *testing.T) {
	l, found, err := rfc1108.FindLabel(testutil.Unhex(t, "01 01 82 04 5A 10 00 00"))
	require.NoError(t, err)
	assert.True(t, found)
	assert.Equal(t, rfc1108.Secret, l.Level)
	assert.Equal(t, rfc1108.AuthoritiesOf(rfc1108.NSA), l.Authorities)

	l, found, err = rfc1108.FindLabel(testutil.Unhex(t, "01 01 82 04 5A 11 00 00"))
	assert.True(t, found)
	assert.Equal(t, rfc1108.Label{}, l)
	testutil.RequireErrAt[ipopt.Error](t, err, rfc1108.ErrBadFTI, 5, 25)

	// Not found: none, or after an EOL.
	for _, in := range []string{"", "01 01 01 00", "00 82 03 AB"} {
		_, found, err := rfc1108.FindLabel(testutil.Unhex(t, in))
		assert.False(t, found, in)
		assert.NoError(t, err, in)
	}
	// Not found past a framing error, which is the error.
	_, found, err = rfc1108.FindLabel(testutil.Unhex(t, "07 01 82 03 AB 00"))
	assert.False(t, found)
	testutil.RequireErrAt[ipopt.Error](t, err, ipopt.ErrBadLength, 0, 20)
}
