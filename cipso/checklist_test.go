package cipso

import (
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// The differential-test checklist, fields 1-36 (numbered as ipopt/RULES.md
// §9): the options field in hex and the verdicts it gives. Lp is Linux with
// "cipso add pass doi:1 tags:1,2,5" and strictvalid = 1, L0 is NetLabel
// with no DOI, St the strict profile with no registry. A pointer of 0
// means accept. Lp and L0 follow cipso_v4_validate inside
// __ip_options_compile (RULES.md §7, ipopt/RULES.md §3; with no DOI every
// CIPSO option fails at option offset + 2, after the length checks), and
// ipopt/linuxtest's TestChecklist gives the same fields to a running
// kernel. St follows RULES.md §10.
type checkCase struct {
	name       string
	opts       string
	lp, l0, st int
	lpErr      error // sentinel of the Lp error, when it is not obvious
}

var checklist = []checkCase{
	{name: "1 minimal tag 1", opts: "86 0A 00 00 00 01 01 04 00 05 00 00", lp: 0, l0: 22, st: 0},
	{name: "2 bitmap {0,15}", opts: "86 0C 00 00 00 01 01 06 00 05 80 01", lp: 0, l0: 22, st: 0},
	{name: "3 optimized bitmap", opts: "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", lp: 0, l0: 22, st: 0},
	{name: "4 trailing zero octet", opts: "86 0B 00 00 00 01 01 05 00 05 00 00", lp: 0, l0: 22, st: 30},
	{name: "5 nonzero alignment", opts: "86 0A 00 00 00 01 01 04 FF 05 00 00", lp: 0, l0: 22, st: 28},
	{name: "6 DOI 0", opts: "86 0A 00 00 00 00 01 04 00 05 00 00", lp: 22, l0: 22, st: 22, lpErr: ErrUnknownDOI},
	{name: "7 option length 6", opts: "86 06 00 00 00 01 00 00", lp: 21, l0: 21, st: 21, lpErr: ipopt.ErrBadLength},
	{name: "8 length 8, tag header only", opts: "86 08 00 00 00 01 01 04", lp: 27, l0: 22, st: 21, lpErr: ErrBadTagLength},
	{name: "9 tag type as the last octet", opts: "86 0B 00 00 00 01 01 04 00 05 01 00", lp: 30, l0: 22, st: 30, lpErr: ipopt.ErrTruncated},
	{name: "10 tag length 0", opts: "86 0A 00 00 00 01 01 00 00 05 00 00", lp: 27, l0: 22, st: 27, lpErr: ErrBadTagLength},
	{name: "11 tag length 3", opts: "86 0A 00 00 00 01 01 03 00 05 00 00", lp: 27, l0: 22, st: 27, lpErr: ErrBadTagLength},
	{name: "12 tag 1 octet past the option", opts: "86 0A 00 00 00 01 01 05 00 05 00 00", lp: 27, l0: 22, st: 27, lpErr: ErrBadTagLength},
	{name: "13 unknown tag 3", opts: "86 0A 00 00 00 01 03 04 00 05 00 00", lp: 26, l0: 22, st: 26, lpErr: ErrTagNotAllowed},
	{name: "14 zero padding inside the option", opts: "86 0C 00 00 00 01 01 04 00 05 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrUnknownTag},
	{name: "15 tag 0 with a bogus length", opts: "86 08 00 00 00 01 00 05", lp: 27, l0: 22, st: 21, lpErr: ErrBadTagLength},
	{name: "16 local tag from the wire", opts: "86 0C 00 00 00 01 80 06 00 00 00 2A", lp: 26, l0: 22, st: 26, lpErr: ErrTagNotAllowed},
	{name: "17 enumerated ascending", opts: "86 0E 00 00 00 01 02 08 00 05 00 01 00 05 00 00", lp: 0, l0: 22, st: 0},
	{name: "18 enumerated descending", opts: "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrCategoryOrder},
	{name: "19 enumerated duplicate", opts: "86 0E 00 00 00 01 02 08 00 05 00 05 00 05 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrCategoryOrder},
	{name: "20 enumerated odd length", opts: "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrBadCategory},
	{name: "21 enumerated 65535", opts: "86 0C 00 00 00 01 02 06 00 05 FF FF", lp: 0, l0: 22, st: 30},
	{name: "22 ranged valid", opts: "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00", lp: 0, l0: 22, st: 0},
	{name: "23 ranged implied bottom", opts: "86 0C 00 00 00 01 05 06 00 05 00 03", lp: 0, l0: 22, st: 0},
	{name: "24 ranged ascending", opts: "86 12 00 00 00 01 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrCategoryOrder},
	{name: "25 ranged inverted pair", opts: "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00", lp: 0, l0: 22, st: 30},
	{name: "26 ranged touching", opts: "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00", lp: 0, l0: 22, st: 30},
	{name: "27 ranged odd length", opts: "86 0D 00 00 00 01 05 07 00 05 00 03 01 00 00 00", lp: 30, l0: 22, st: 30, lpErr: ErrBadCategory},
	{name: "29 two CIPSO options", opts: "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06", lp: 30, l0: 22, st: 30, lpErr: ipopt.ErrDuplicate},
	{name: "30 two tags in one option", opts: "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00", lp: 0, l0: 22, st: 30},
	{name: "31 CIPSO longer than the area", opts: "86 10 00 00 00 01 01 04 00 05 00 00", lp: 20, l0: 20, st: 20, lpErr: ipopt.ErrBadLength},
	{name: "32 NOPs before, unknown DOI", opts: "01 01 86 0A 00 00 00 09 01 04 00 05", lp: 24, l0: 24, st: 0, lpErr: ErrUnknownDOI},
	{name: "33 lone 0x86 at the end", opts: "86 0A 00 00 00 01 01 04 00 05 01 86", lp: 31, l0: 22, st: 31, lpErr: ipopt.ErrTruncated},
	{name: "34 option length 1", opts: "86 01 00 00", lp: 20, l0: 20, st: 20, lpErr: ipopt.ErrBadLength},
	{name: "35 garbage after EOL", opts: "86 0A 00 00 00 01 01 04 00 05 00 AB", lp: 0, l0: 22, st: 0},
}

func case28(t testing.TB) []byte {
	b := append(testutil.Unhex(t, "86 28 00 00 00 01 01 22 00 FF"), slices.Repeat([]byte{0xFF}, 29)...)
	return append(b, 0x01)
}

func passRegistry(t testing.TB, doi DOI, tags ...TagType) *Registry {
	t.Helper()
	d, err := NewPass(doi, tags...)
	require.NoError(t, err)
	var r Registry
	require.NoError(t, r.Add(d))
	return &r
}

func pointerOf(t *testing.T, err error) int {
	t.Helper()
	if err == nil {
		return 0
	}
	var e ipopt.Error
	require.True(t, errors.As(err, &e), "want ipopt.Error, got %T %v", err, err)
	assert.Equal(t, e.Offset()+20, e.Pointer())
	return e.Pointer()
}

func TestChecklistLinux(t *testing.T) {
	lp := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange))
	l0 := NewLinux(nil)
	lEmpty := NewLinux(&Registry{})
	cases := append(slices.Clone(checklist), checkCase{name: "28 largest tag 1", opts: "", lp: 0, l0: 22, st: 0})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)
			if tc.opts == "" {
				opts = case28(t)
			}
			err := lp.Validate(opts)
			assert.Equal(t, tc.lp, pointerOf(t, err), "Lp: %v", err)
			if tc.lpErr != nil {
				assert.ErrorIs(t, err, tc.lpErr)
			}
			if err != nil {
				var e ipopt.Error
				require.True(t, errors.As(err, &e))
				assert.Equal(t, ipopt.Malformed, e.Class())
			}
			assert.Equal(t, tc.l0, pointerOf(t, l0.Validate(opts)), "L0 (nil registry)")
			assert.Equal(t, tc.l0, pointerOf(t, lEmpty.Validate(opts)), "L0 (empty registry)")
		})
	}
}

func TestChecklistStrict(t *testing.T) {
	var st Strict
	cases := append(slices.Clone(checklist), checkCase{name: "28 largest tag 1", opts: "", st: 0})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)
			if tc.opts == "" {
				opts = case28(t)
			}
			err := st.Validate(opts)
			assert.Equal(t, tc.st, pointerOf(t, err), "St: %v", err)
		})
	}
}

func TestStrictSentinels(t *testing.T) {
	var st Strict
	for _, tc := range []struct {
		opts  string
		errIs error
	}{
		{"86 0B 00 00 00 01 01 05 00 05 00", ErrNotCanonical},                       // checklist 4
		{"86 0A 00 00 00 01 01 04 FF 05", ErrBadAlignment},                          // checklist 5
		{"86 0A 00 00 00 00 01 04 00 05", ErrBadDOI},                                // checklist 6
		{"86 0C 00 00 00 01 02 06 00 05 FF FF", ErrBadCategory},                     // checklist 21
		{"86 0E 00 00 00 01 05 08 00 05 00 05 00 0A", ErrCategoryOrder},             // checklist 25
		{"86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05", ErrCategoryOrder}, // checklist 26
		{"86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 09 00 05", ErrNotCanonical},  // adjacent
		{"86 0E 00 00 00 01 05 08 00 05 00 03 00 00", ErrNotCanonical},              // final 0 written
		{"86 0E 00 00 00 01 01 04 00 05 02 04 00 06", ErrMultipleTags},              // checklist 30
		{"86 0E 00 00 00 01 05 08 00 05 FF FF 00 01", ErrBadCategory},               // 65535 in a range
		{"86 0C 00 00 00 01 80 06 00 00 00 2A", ErrUnknownTag},                      // checklist 16
		{"86 0E 00 00 00 01 07 04 AA BB 01 04 00 05", ErrUnknownTag},                // tag 7 not ignorable
		{"86 14 00 00 00 01 01 0E 00 05 00 00 00 00 00 00 00 00 00 00", nil},        // optimized, empty
		{"86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 01", nil},        // 10 octets, minimal
		{"86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 08 00 00", ErrNotCanonical},  // 20-10,8-0 with the 0 written
		{"86 10 00 00 00 01 05 0A 00 05 00 14 00 0A 00 08", nil},                    // 20-10,8-0 canonical
	} {
		err := checkOne(st, testutil.Unhex(t, tc.opts))
		if tc.errIs == nil {
			assert.NoError(t, err, tc.opts)
			continue
		}
		assert.ErrorIs(t, err, tc.errIs, tc.opts)
	}

	// Ignorable tags are framed and skipped.
	st.Ignorable.Add(TagFreeForm)
	assert.NoError(t, checkOne(st, testutil.Unhex(t, "86 0E 00 00 00 01 07 04 AA BB 01 04 00 05")))
	testutil.RequireErr[ipopt.Error](t, checkOne(st, testutil.Unhex(t, "86 0C 00 00 00 01 07 09 AA BB 01 04")), ErrBadTagLength, 7)
}

// Checklist 16 with a local DOI, and tag 128 where Linux accepts it.
func TestLinuxLocalTag(t *testing.T) {
	d, err := NewLocal(1)
	require.NoError(t, err)
	var r Registry
	require.NoError(t, r.Add(d))
	opts := testutil.Unhex(t, "86 0C 00 00 00 01 80 06 00 00 00 2A")
	lx := NewLinux(&r)
	assert.Equal(t, 26, pointerOf(t, lx.Validate(opts)), "local DOI, not loopback")
	lx.Loopback = true
	assert.NoError(t, lx.Validate(opts))
	sock := ipopt.Linux{CIPSO: lx, Socket: true, CapNetRaw: true}
	assert.Equal(t, 26, pointerOf(t, sock.Validate(opts)), "setsockopt refuses tag 128")
	assert.Equal(t, 27, pointerOf(t, lx.Validate(testutil.Unhex(t, "86 0B 00 00 00 01 80 05 00 00 00 00"))), "length != 6")
	// A local DOI permits nothing but tag 128; tag 1 fails at the slot check.
	assert.Equal(t, 26, pointerOf(t, lx.Validate(testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 00"))))
}

// Checklist 36: a translated DOI, "cipso add trans doi:2 tags:1 levels:0=0
// categories:0=0".
func TestLinuxTrans(t *testing.T) {
	d, err := NewTrans(2, []TagType{TagRBitmap}, []Pair{{0, 0}}, []Pair{{0, 0}})
	require.NoError(t, err)
	var r Registry
	require.NoError(t, r.Add(d))
	lx := NewLinux(&r)
	lvl := testutil.Unhex(t, "86 0C 00 00 00 02 01 06 00 01 80 00")
	cat := testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 00 40 00")
	assert.Equal(t, 29, pointerOf(t, lx.Validate(lvl)))
	assert.ErrorIs(t, lx.Validate(lvl), ErrBadLevel)
	assert.Equal(t, 30, pointerOf(t, lx.Validate(cat)))
	assert.ErrorIs(t, lx.Validate(cat), ErrBadCategory)
	assert.NoError(t, lx.Validate(testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 00 80 00")), "level 0, category 0 mapped")
	// strictvalid = 0: the IP layer lets both through (RULES.md §6).
	lx.RBMStrictValid = false
	assert.NoError(t, lx.Validate(lvl))
	assert.NoError(t, lx.Validate(cat))
	// A trans DOI has only tag 1: tag 2 fails at the slot check.
	assert.Equal(t, 26, pointerOf(t, lx.Validate(testutil.Unhex(t, "86 0C 00 00 00 02 02 06 00 00 00 00"))))
	// Decoding maps through the tables; the strict profile with the
	// registry checks them too.
	st := Strict{Registry: &r}
	testutil.RequireErr[ipopt.Error](t, checkOne(st, testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 00 40")), ErrBadCategory, 10)
	testutil.RequireErr[ipopt.Error](t, checkOne(st, testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 01 80")), ErrBadLevel, 9)
	testutil.RequireErr[ipopt.Error](t, checkOne(st, testutil.Unhex(t, "86 0B 00 00 00 03 01 05 00 00 80")), ErrUnknownDOI, 2)
	assert.NoError(t, checkOne(st, testutil.Unhex(t, "86 0B 00 00 00 02 01 05 00 00 80")))
}

// Tag slots: a tag type 0 passes the slot check through an empty slot
// (checklist 15), but not when all five slots are used; a tag listed after
// an empty slot is never permitted (RULES.md §7 step 3.1).
func TestLinuxSlots(t *testing.T) {
	full := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange, TagRBitmap, TagEnum))
	assert.Equal(t, 26, pointerOf(t, full.Validate(testutil.Unhex(t, "86 08 00 00 00 01 00 05"))), "no empty slot: refused at the type")
	gap := NewLinux(passRegistry(t, 1, TagRBitmap, TagInvalid, TagEnum))
	assert.Equal(t, 26, pointerOf(t, gap.Validate(testutil.Unhex(t, "86 0C 00 00 00 01 02 06 00 05 00 01"))))
	assert.NoError(t, gap.Validate(testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05")))
	// The same tag type twice is accepted (RULES.md §7; checked on Linux 6.18).
	lp := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange))
	assert.NoError(t, lp.Validate(testutil.Unhex(t, "86 0E 00 00 00 01 01 04 00 05 01 04 00 06")))
}

func TestLinuxCheckOption(t *testing.T) {
	lp := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange))
	testutil.RequireErr[ipopt.Error](t, checkOne(lp, testutil.Unhex(t, "86 0E 00 00 00 01 02 08 00 05 00 05 00 01")), ErrCategoryOrder, 10)
	testutil.RequireErr[ipopt.Error](t, checkOne(lp, testutil.Unhex(t, "82 03 AB")), ErrNotCIPSO, 0)
	// Through CheckOption, offsets are in the options field.
	o := ipopt.Option{Offset: 2, Type: ipopt.CIPSO, Bytes: testutil.Unhex(t, "86 0A 00 00 00 09 01 04 00 05")}
	testutil.RequireErr[ipopt.Error](t, lp.CheckOption(o, false), ErrUnknownDOI, 4)
}

func TestValidateNoAllocs(t *testing.T) {
	lp := NewLinux(passRegistry(t, 1, TagRBitmap, TagEnum, TagRange))
	var st Strict
	good := case28(t)
	bad := testutil.Unhex(t, "86 12 00 00 00 01 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00")
	n := testing.AllocsPerRun(500, func() {
		if lp.Validate(good) != nil || lp.Validate(bad) == nil || st.Validate(good) != nil || st.Validate(bad) == nil {
			panic("verdict")
		}
	})
	assert.Zero(t, n)
}

func BenchmarkLinuxValidate(b *testing.B) {
	lp := NewLinux(passRegistry(b, 1, TagRBitmap, TagEnum, TagRange))
	opts := case28(b)
	b.ReportAllocs()
	for b.Loop() {
		if err := lp.Validate(opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStrictValidate(b *testing.B) {
	var st Strict
	opts := testutil.Unhex(b, "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00")
	b.ReportAllocs()
	for b.Loop() {
		if err := st.Validate(opts); err != nil {
			b.Fatal(err)
		}
	}
}

// checkOne runs c on opt alone, an option from its type octet at offset
// 0, as a walk would hand it over.
func checkOne(c ipopt.OptionChecker, opt []byte) error {
	o := ipopt.Option{Bytes: opt}
	if len(opt) > 0 {
		o.Type = ipopt.Type(opt[0])
	}
	return c.CheckOption(o, false)
}

// Validate is the Linux walk with the profile as its CIPSO checker, for
// every setting (each has its own allocation-free path): the same error
// before, at and after the CIPSO option.
func TestValidateIsTheWalk(t *testing.T) {
	reg := passRegistry(t, 1, TagRBitmap, TagEnum, TagRange)
	local, err := NewLocal(2)
	require.NoError(t, err)
	require.NoError(t, reg.Add(local))
	fields := []string{
		"86 0C 00 00 00 02 80 06 00 00 00 01",                         // tag 128 in a local DOI
		"86 0A 00 00 00 01 01 04 00 05 00 00",                         // valid
		"86 0B 00 00 00 01 01 05 00 05 00 00",                         // not canonical
		"07 03 03 00 86 0A 00 00 00 01 01 04 00 05 00 00",             // an RR error first
		"86 0A 00 00 00 09 01 04 00 05 07 03 03 00",                   // a bad DOI, then an RR error
		"86 0A 00 00 00 01 01 04 00 05 07 03 03 00",                   // an RR error after
		"86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 05", // two CIPSO options
		"86 0C 00 00 00 01 80 06 00 00 00 01",                         // tag 128
		"86 0C 00 00 00 01 07 06 00 00 00 01 00 00 00 00",             // tag 7
	}
	var ign TagSet
	ign.Add(TagPBitmap, TagFreeForm)
	for _, in := range fields {
		opts := testutil.Unhex(t, in)
		for _, rbm := range []bool{false, true} {
			for _, lo := range []bool{false, true} {
				lx := Linux{Registry: reg, RBMStrictValid: rbm, Loopback: lo}
				assert.Equal(t, ipopt.Linux{CIPSO: lx}.Validate(opts), lx.Validate(opts), "%s %+v", in, lx)
			}
		}
		for _, st := range []Strict{{}, {Registry: reg}, {Registry: reg, Ignorable: ign}, {Ignorable: ign}} {
			assert.Equal(t, ipopt.Linux{CIPSO: st}.Validate(opts), st.Validate(opts), "%s %+v", in, st)
		}
	}
}
