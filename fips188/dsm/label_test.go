package dsm

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// dsmExample is the constructed example of RULES.md §4: default SID
// 0x12341234, node ID 1, DOI 0x10001000.
var dsmExample = []byte{
	0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
	0x03, 0x06, 0x12, 0x34, 0x12, 0x34,
	0x06, 0x06, 0x00, 0x00, 0x00, 0x01,
}

func TestNSIDEncodeDSMExample(t *testing.T) {
	dst := testutil.Poisoned(64)
	out, err := New(DefaultSID, 1).AppendOption(dst, 0)
	require.NoError(t, err)
	assert.Equal(t, dsmExample, out)
	assert.Equal(t, &dst[:1][0], &out[0], "appended into the caller's buffer")

	out, err = New(0x12341234, 1).AppendOption(testutil.Poisoned(64), DefaultDOI)
	require.NoError(t, err)
	assert.Equal(t, dsmExample, out, "explicit DOI equals the default")
}

func TestNSIDDecodeDSMExample(t *testing.T) {
	for name, p := range map[string]Profile{"dsm": Receiver, "strict": strict, "lenient": Lenient, "zero": {}} {
		var n Label
		require.NoError(t, p.Decode(dsmExample, &n), name)
		assert.Equal(t, uint32(0x12341234), n.SourceSID, name)
		assert.Equal(t, uint32(1), n.NodeID, name)
		assert.Equal(t, ParamsOf(ParamSourceSID, ParamNodeID), n.Params, name)
		assert.Equal(t, New(DefaultSID, 1), n, name)
	}
}

// TestNSIDSizes checks the sizes RULES.md §4 gives: the usual label
// is 20 octets, already aligned; the largest DSM sent (serial + SSID +
// DSID) is 26, 28 aligned; the MSS shrinks by the aligned length.
func TestNSIDSizes(t *testing.T) {
	usual := New(1, 2)
	assert.Equal(t, 20, usual.OptionLen())
	assert.Equal(t, 20, ipopt.PaddedLen(usual.OptionLen()))
	assert.Equal(t, 12, usual.Len())

	largest := Label{}.With(ParamPolicySerial, 1).With(ParamSourceSID, 2).With(ParamDestSID, 3)
	assert.Equal(t, 26, largest.OptionLen())
	assert.Equal(t, 28, ipopt.PaddedLen(largest.OptionLen()))

	assert.Equal(t, 1440, EffectiveMSS(1460, usual.OptionLen()))
	assert.Equal(t, 1432, EffectiveMSS(1460, largest.OptionLen()))
	assert.Equal(t, 0, EffectiveMSS(10, 26))
	assert.Equal(t, 1420, EffectiveMSS(1460, 99), "clamped to the 40-octet options field")
	assert.Equal(t, 1460, EffectiveMSS(1460, -3))
}

// TestNSIDEncodeAllSix builds the label with every parameter; the layout is
// the parameter table of RULES.md §3 in type order, and the total
// (8 + 2 + 5×6 = 40) fills the options field exactly.
func TestNSIDEncodeAllSix(t *testing.T) {
	n := Label{}.With(ParamBypass, 0).With(ParamPolicySerial, 0x01020304).With(ParamSourceSID, 0x11121314).
		With(ParamMessageSID, 0x21222324).With(ParamDestSID, 0x31323334).With(ParamNodeID, 0x41424344)
	want := []byte{
		0x86, 0x28, 0x00, 0x00, 0x00, 0x09, 0x07, 0x22,
		0x01, 0x02,
		0x02, 0x06, 0x01, 0x02, 0x03, 0x04,
		0x03, 0x06, 0x11, 0x12, 0x13, 0x14,
		0x04, 0x06, 0x21, 0x22, 0x23, 0x24,
		0x05, 0x06, 0x31, 0x32, 0x33, 0x34,
		0x06, 0x06, 0x41, 0x42, 0x43, 0x44,
	}
	out, err := n.AppendOption(testutil.Poisoned(64), 9)
	require.NoError(t, err)
	assert.Equal(t, want, out)
	assert.Equal(t, ipopt.MaxOptionsLen, n.OptionLen())

	tag, err := n.appendTag(testutil.Poisoned(64))
	require.NoError(t, err)
	assert.Equal(t, want[6:], tag)
	params, err := n.AppendParams(testutil.Poisoned(64))
	require.NoError(t, err)
	assert.Equal(t, want[8:], params)

	var got Label
	require.NoError(t, strict.withDOI(9).Decode(want, &got))
	assert.Equal(t, n, got)
	assert.Equal(t, "bypass policy-serial=0x1020304 ssid=0x11121314 msid=0x21222324 dsid=0x31323334 node=0x41424344", got.String())
}

func (p Profile) withDOI(d cipso.DOI) Profile { p.DOI = d; return p }

// strict is the profile of Strict, the one the tests decode with.
var strict = Strict{}.Profile()

// check runs p's ipopt.OptionChecker on opt alone, at options offset 0, so
// offsets are the option's own.
func check(p Profile, opt []byte) error { return p.CheckOption(ipopt.Option{Bytes: opt}, false) }

func TestNSIDEncodeRefuses(t *testing.T) {
	dst := []byte{0xAA}
	out, err := Label{}.AppendOption(dst, 0)
	assert.ErrorIs(t, err, fips188.ErrEmptyFreeForm)
	assert.Equal(t, []byte{0xAA}, out, "nothing appended")

	_, err = Label{Params: 1 << 7}.With(ParamNodeID, 1).appendTag(nil)
	assert.ErrorIs(t, err, ErrUnknownParam)
	_, err = Label{Params: 1}.AppendParams(nil)
	assert.ErrorIs(t, err, ErrUnknownParam)
}

func TestNSIDValueMethods(t *testing.T) {
	n := New(7, 8).With(ParamMessageSID, 9)
	v, ok := n.Get(ParamMessageSID)
	assert.True(t, ok)
	assert.Equal(t, uint32(9), v)
	n = n.Without(ParamMessageSID)
	_, ok = n.Get(ParamMessageSID)
	assert.False(t, ok)
	assert.Equal(t, uint32(0), n.MessageSID)
	assert.Equal(t, New(7, 8), n)

	_, ok = n.Get(ParamBypass)
	assert.False(t, ok)
	v, ok = n.With(ParamBypass, 0).Get(ParamBypass)
	assert.True(t, ok)
	assert.Zero(t, v)
	assert.Equal(t, n, n.With(ParamType(9), 1), "unknown types are ignored")
	_, ok = n.Get(ParamType(0))
	assert.False(t, ok, "type 0 is never present")
	assert.Equal(t, "param(9)", ParamType(9).String())
	assert.Equal(t, 0, ParamType(9).Len())
	assert.Equal(t, AllParams, ParamsOf(1, 2, 3, 4, 5, 6))
	assert.Equal(t, ParamSet(0), ParamSet(0).With(200))
	assert.Equal(t, ParamSet(2), ParamSet(2).Without(200))
}

// dsmCase is one row of DSM's receiver table (RULES.md §5): the input,
// the sentinel, the 0-based offset of the field checked and the pointer
// DSM reported.
type dsmCase struct {
	name    string
	opt     []byte
	sent    error
	offset  int
	pointer int
}

// mut returns a copy of the DSM example with octet i set to v.
func mut(i int, v byte) []byte {
	b := bytes.Clone(dsmExample)
	b[i] = v
	return b
}

// opt builds a DSM-style option (DOI 0x10001000, one free-form tag whose
// length is the option length less 6) around params.
func opt(params ...byte) []byte {
	b := []byte{0x86, byte(8 + len(params)), 0x10, 0x00, 0x10, 0x00, 0x07, byte(2 + len(params))}
	return append(b, params...)
}

func TestDSMReceiverPointers(t *testing.T) {
	cases := []dsmCase{
		{"type not 134", mut(0, 0x82), cipso.ErrNotCIPSO, 0, 0},
		{"length below 10", []byte{0x86, 0x08, 0x10, 0x00, 0x10, 0x00, 0x07, 0x02}, ipopt.ErrBadLength, 1, 0},
		{"length past slice", dsmExample[:19], ipopt.ErrBadLength, 1, 0},
		{"doi", mut(5, 0x01), cipso.ErrUnknownDOI, 2, 3},
		{"tag type", mut(6, 0x01), cipso.ErrTagNotAllowed, 6, 7},
		{"tag length", mut(7, 0x0D), cipso.ErrBadTagLength, 7, 8},
		{"unknown type first", opt(0x09, 0x06, 0, 0, 0, 1), ErrUnknownParam, 8, 9},
		{"unknown type second", opt(0x03, 0x06, 0, 0, 0, 1, 0x08, 0x06, 0, 0, 0, 1), ErrUnknownParam, 14, 15},
		{"serial not accepted", opt(0x03, 0x06, 0, 0, 0, 1, 0x02, 0x06, 0, 0, 0, 1), ErrUnknownParam, 14, 15},
		{"bypass not accepted", opt(0x01, 0x02, 0x06, 0x06, 0, 0, 0, 1), ErrUnknownParam, 8, 9},
		{"ssid length 4", opt(0x03, 0x04, 0, 1, 0x06, 0x06, 0, 0, 0, 1), ipopt.ErrBadLength, 9, 9},
		{"node length 8", opt(0x06, 0x08, 0, 0, 0, 1, 0, 0), ipopt.ErrBadLength, 9, 9},
		{"node past option", opt(0x03, 0x06, 0, 0, 0, 1, 0x06, 0x06, 0, 0), ipopt.ErrBadLength, 15, 15},
		{"leftover octet", opt(0x03, 0x06, 0, 0, 0, 1, 0x06), ipopt.ErrTruncated, 14, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.RequireErrAt[ipopt.Error](t, check(Receiver, c.opt), c.sent, c.offset, c.pointer)
		})
	}
}

func TestNSIDStrict(t *testing.T) {
	cases := []dsmCase{
		// Linux-style pointers: offset + 20.
		{"doi", mut(5, 0x01), cipso.ErrUnknownDOI, 2, 22},
		{"unknown type", opt(0x03, 0x06, 0, 0, 0, 1, 0x07, 0x02), ErrUnknownParam, 14, 34},
		{"type 0", opt(0x00, 0x02, 0x03, 0x06, 0, 0, 0, 1), ErrUnknownParam, 8, 28},
		{"duplicate", opt(0x03, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 2), ipopt.ErrDuplicate, 14, 34},
		{"order", opt(0x06, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 2), ErrParamOrder, 14, 34},
		{"bypass length 6", opt(0x01, 0x06, 0, 0, 0, 0), ipopt.ErrBadLength, 9, 29},
		{"serial length 2", opt(0x02, 0x02, 0x03, 0x06, 0, 0, 0, 1), ipopt.ErrBadLength, 9, 29},
		{"over 40", append([]byte{0x86, 0x2C}, make([]byte, 42)...), ipopt.ErrBadLength, 1, 21},
		{"type not 134", mut(0, 0x07), cipso.ErrNotCIPSO, 0, 20},
		{"empty", nil, ipopt.ErrTruncated, 0, 20},
		{"one octet", []byte{0x86}, ipopt.ErrTruncated, 0, 20},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			testutil.RequireErrAt[ipopt.Error](t, check(strict, c.opt), c.sent, c.offset, c.pointer)
		})
	}
	// Bypass alone, at its defined length 2, and every type in order.
	var n Label
	require.NoError(t, strict.Decode(opt(0x01, 0x02, 0x06, 0x06, 0, 0, 0, 5), &n))
	assert.Equal(t, Label{}.With(ParamBypass, 0).With(ParamNodeID, 5), n)
}

func TestNSIDLenient(t *testing.T) {
	var n Label
	in := opt(0x06, 0x06, 0, 0, 0, 1, 0x09, 0x03, 0xAA, 0x03, 0x06, 0, 0, 0, 2, 0x03, 0x06, 0, 0, 0, 3)
	require.NoError(t, Lenient.Decode(in, &n))
	assert.Equal(t, New(3, 1), n, "unknown skipped, order free, last duplicate wins")

	testutil.RequireErrAt[ipopt.Error](t, check(Lenient, opt(0x09, 0x01, 0x03, 0x06, 0, 0, 0, 1)), ipopt.ErrBadLength, 9, 29)
	testutil.RequireErrAt[ipopt.Error](t, check(Lenient, opt(0x09, 0x09, 0x03, 0x06, 0, 0, 0, 1)), ipopt.ErrBadLength, 9, 29)
	testutil.RequireErrAt[ipopt.Error](t, check(Profile{}, in), ErrUnknownParam, 14, 34)
}

func TestNSIDRequireAndAtomic(t *testing.T) {
	p := strict
	p.Require = ParamsOf(ParamSourceSID, ParamNodeID)
	keep := Label{}.With(ParamMessageSID, 99)
	n := keep
	err := p.Decode(opt(0x03, 0x06, 0, 0, 0, 1), &n)
	testutil.RequireErrAt[ipopt.Error](t, err, ErrMissingParam, 8, 28)
	var e ipopt.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, ipopt.Policy, e.Class())
	assert.Equal(t, keep, n, "unchanged on error")

	for _, in := range [][]byte{mut(5, 1), opt(0x03, 0x06, 0, 0, 0, 1, 0x06), opt(0x03, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 1)} {
		n = keep
		require.Error(t, strict.Decode(in, &n))
		assert.Equal(t, keep, n, "unchanged on error")
	}
}

func TestNSIDDecodeIgnoresTrailingOctets(t *testing.T) {
	var n Label
	require.NoError(t, Receiver.Decode(append(bytes.Clone(dsmExample), 0x01, 0x00), &n))
	assert.Equal(t, New(DefaultSID, 1), n)
}

func TestNSIDDecodeParams(t *testing.T) {
	var n Label
	require.NoError(t, strict.DecodeParams(dsmExample[8:], &n))
	assert.Equal(t, New(DefaultSID, 1), n)
	testutil.RequireErrAt[ipopt.Error](t, strict.DecodeParams(dsmExample[8:19], &n), ipopt.ErrBadLength, 7, 27)
	testutil.RequireErrAt[ipopt.Error](t, Receiver.DecodeParams([]byte{0x04, 0x06, 0, 0, 0, 0}, &n), ErrUnknownParam, 0, 1)
}

func TestNSIDDecodeOptions(t *testing.T) {
	// NOP, NOP, the DSM label, EOL and padding: 24 octets.
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	var n Label
	o, err := strict.DecodeOptions(opts, &n)
	require.NoError(t, err)
	assert.Equal(t, 2, o.Offset)
	assert.Equal(t, dsmExample, o.Bytes)
	assert.Equal(t, New(DefaultSID, 1), n)

	// The DOI error of a label at options offset 2: offset 4; Linux-style
	// pointer 24, DSM-style 5 (one more than the field's offset).
	bad := bytes.Clone(opts)
	bad[2+5] = 0x01
	_, err = strict.DecodeOptions(bad, &n)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownDOI, 4, 24)
	_, err = Receiver.DecodeOptions(bad, &n)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownDOI, 4, 5)
	// As the first option, DSM's own numbers come back.
	_, err = Receiver.DecodeOptions(mut(5, 1), &n)
	testutil.RequireErrAt[ipopt.Error](t, err, cipso.ErrUnknownDOI, 2, 3)
	// Leftover keeps DSM's fixed pointer 2 wherever the option sits.
	left := append([]byte{0x01}, opt(0x03, 0x06, 0, 0, 0, 1, 0x06)...)
	testutil.RequireErrAt[ipopt.Error](t, Receiver.Validate(left), ipopt.ErrTruncated, 15, 2)

	// No CIPSO option: class Missing, pointer 134 (CIPSO draft §5.1.2), or 0
	// for DSM.
	_, err = strict.DecodeOptions([]byte{0x01, 0x01, 0x01, 0x00}, &n)
	testutil.RequireErrAt[ipopt.Error](t, err, fips188.ErrMissing, 0, 134)
	var e ipopt.Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, ipopt.Missing, e.Class())
	testutil.RequireErrAt[ipopt.Error](t, Receiver.Validate(nil), fips188.ErrMissing, 0, 0)
	// A CIPSO option after the EOL is not seen.
	testutil.RequireErrAt[ipopt.Error](t, strict.Validate(append([]byte{0x00}, dsmExample...)), fips188.ErrMissing, 0, 134)

	// Two CIPSO options: refused at the second type octet, as Linux does.
	two := append(bytes.Clone(dsmExample), dsmExample...)
	testutil.RequireErrAt[ipopt.Error](t, strict.Validate(two), ipopt.ErrDuplicate, 20, 40)
	dup := append(opt(0x03, 0x06, 0, 0, 0, 1), opt(0x06, 0x06, 0, 0, 0, 1)...)
	testutil.RequireErrAt[ipopt.Error](t, strict.Validate(dup), ipopt.ErrDuplicate, 14, 34)
	// A framing error before the label.
	testutil.RequireErrAt[ipopt.Error](t, strict.Validate([]byte{0x07, 0x01, 0x00, 0x00}), ipopt.ErrBadLength, 0, 20)
	// Over 40 octets.
	testutil.RequireErrAt[ipopt.Error](t, strict.Validate(make([]byte, 44)), ipopt.ErrTooLong, 40, 60)
}

func TestParamIter(t *testing.T) {
	data := []byte{0x03, 0x06, 0x12, 0x34, 0x12, 0x34, 0x09, 0x03, 0xAA, 0x01, 0x02, 0x06, 0x06, 0, 0, 0, 1}
	it := NewParamIter(data)
	var types []ParamType
	var offs []int
	for it.Next() {
		p := it.Param()
		types = append(types, p.Type)
		offs = append(offs, p.Offset)
	}
	require.NoError(t, it.Err())
	assert.Equal(t, []ParamType{3, 9, 1, 6}, types)
	assert.Equal(t, []int{0, 6, 9, 11}, offs)
	assert.False(t, it.Next(), "stays done")

	it = NewParamIter(data)
	require.True(t, it.Next())
	v, ok := it.Param().Uint32()
	assert.True(t, ok)
	assert.Equal(t, DefaultSID, v)
	require.True(t, it.Next())
	assert.Equal(t, []byte{0xAA}, it.Param().Value())
	_, ok = it.Param().Uint32()
	assert.False(t, ok)
	assert.Equal(t, 3, len(it.Param().Bytes))

	it = NewParamIter([]byte{0x03, 0x06, 0x00})
	assert.False(t, it.Next())
	testutil.RequireErrAt[ipopt.Error](t, it.Err(), ipopt.ErrBadLength, 1, 21)
	assert.Nil(t, it.Param().Value())
	it = NewParamIter([]byte{0x01, 0x02, 0x06})
	assert.True(t, it.Next())
	assert.False(t, it.Next())
	testutil.RequireErrAt[ipopt.Error](t, it.Err(), ipopt.ErrTruncated, 2, 22)
	it = NewParamIter([]byte{0x01, 0x01})
	assert.False(t, it.Next())
	testutil.RequireErrAt[ipopt.Error](t, it.Err(), ipopt.ErrBadLength, 1, 21)
}

// TestNSIDAmongTags reads a network SID from a tag 7 that follows a tag 1,
// which Decode (DSM's one-tag rule) refuses but a fips188.Option view finds.
func TestNSIDAmongTags(t *testing.T) {
	b := []byte{0x86, 0x18, 0x10, 0x00, 0x10, 0x00, 0x01, 0x04, 0x00, 0x05,
		0x07, 0x0e, 0x03, 0x06, 0x12, 0x34, 0x12, 0x34, 0x06, 0x06, 0x00, 0x00, 0x00, 0x01}
	testutil.RequireErrAt[ipopt.Error](t, check(Receiver, b), cipso.ErrTagNotAllowed, 6, 7)
	s, err := fips188.Strict{}.Profile().Parse(b)
	require.NoError(t, err)
	ff, ok := s.FreeForm()
	require.True(t, ok)
	var n Label
	require.NoError(t, Receiver.DecodeFreeForm(ff, &n))
	assert.Equal(t, New(DefaultSID, 1), n)

	b[18] = 0x02 // node ID -> policy serial, at option offset 18
	s, err = fips188.Strict{}.Profile().Parse(b)
	require.NoError(t, err)
	ff, _ = s.FreeForm()
	testutil.RequireErrAt[ipopt.Error](t, Receiver.DecodeFreeForm(ff, &n), ErrUnknownParam, 18, 19)
	testutil.RequireErrAt[ipopt.Error](t, strict.DecodeFreeForm(ff, &n), ErrParamOrder, 18, 38)
}

// TestLabelText checks the text form: parameters in type order, values in
// hexadecimal, appended after what dst holds, the same through
// MarshalText, String and encoding/json for a struct field.
func TestLabelText(t *testing.T) {
	n := New(DefaultSID, 1).With(ParamBypass, 0)
	out, err := n.AppendText([]byte("label: "))
	require.NoError(t, err)
	assert.Equal(t, "label: bypass ssid=0x12341234 node=0x1", string(out))
	m, err := n.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "bypass ssid=0x12341234 node=0x1", string(m))
	assert.Equal(t, string(m), n.String())
	j, err := json.Marshal(struct{ L Label }{New(7, 8)})
	require.NoError(t, err)
	assert.Equal(t, `{"L":"ssid=0x7 node=0x8"}`, string(j))
	empty, err := Label{}.AppendText(nil)
	require.NoError(t, err)
	assert.Empty(t, empty)
}

// TestStrictType checks that the Strict type checks as its Profile does,
// alone and as the CIPSO checker of the Linux option walk.
func TestStrictType(t *testing.T) {
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	require.NoError(t, Strict{}.Validate(opts))
	dup := opt(0x03, 0x06, 0, 0, 0, 1, 0x03, 0x06, 0, 0, 0, 2)
	testutil.RequireErrAt[ipopt.Error](t, Strict{}.Validate(dup), ipopt.ErrDuplicate, 14, 34)
	testutil.RequireErrAt[ipopt.Error](t, Strict{}.CheckOption(ipopt.Option{Offset: 4, Bytes: dup}, false), ipopt.ErrDuplicate, 18, 38)
	require.NoError(t, Lenient.Validate(dup), "the last repeat wins")
	w := ipopt.Linux{CIPSO: Strict{}}
	require.NoError(t, w.Validate(opts))
	testutil.RequireErrAt[ipopt.Error](t, w.Validate(testutil.PadEOL(append([]byte{0x01}, dup...))), ipopt.ErrDuplicate, 15, 35)
}
