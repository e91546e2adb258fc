package cipso_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// TestInlining pins the inlining of the small functions of the receive
// path (see ipopt's TestInlining).
func TestInlining(t *testing.T) {
	testutil.BuildDiag(t).CanInline(t,
		"NewLinux",
		"Linux.checker",
		"framed",
		"linuxEnum",
		"linuxRanges",
		"Option.Len",
		"Option.DOI",
		"Option.Tags",
	)
}

// TestNoEscape checks that the option handed to the decoders, checkers
// and encoders stays where the caller put it. The exceptions are the two
// whole-field Validate methods: they run ipopt's Linux walk, whose
// checkers are interfaces (see ipopt's TestNoEscape).
func TestNoEscape(t *testing.T) {
	got := testutil.BuildDiag(t).Escapes(t, map[string][]string{
		"ParseOption":        {"b"},
		"Option.Label":       {"o"},
		"Option.FirstTag":    {"o"},
		"Tag.Label":          {"t"},
		"Linux.CheckOption":  {"o"},
		"Linux.Validate":     {"opts"},
		"Strict.CheckOption": {"o"},
		"Strict.Validate":    {"opts"},
		"AppendOption":       {"dst", "l"},
		"AppendTag":          {"dst", "l"},
	})
	assert.Equal(t, map[string][]string{
		"Linux.Validate":  {"opts"},
		"Strict.Validate": {"opts"},
	}, got)
}

// TestNoAllocsStack decodes, checks and encodes an option held in arrays
// on the stack: the promise TestNoEscape checks statically, at run time.
func TestNoAllocsStack(t *testing.T) {
	reg := &cipso.Registry{}
	d, err := cipso.NewPass(1, cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange)
	require.NoError(t, err)
	require.NoError(t, reg.Add(d))
	lx := cipso.NewLinux(reg)
	src := []byte{0x86, 0x0C, 0, 0, 0, 1, 0x01, 0x06, 0x00, 0x05, 0x80, 0x01}
	var lab cipso.Label
	n := testing.AllocsPerRun(200, func() {
		var b [40]byte
		copy(b[:], src)
		o, err := cipso.ParseOption(b[:len(src)])
		if err != nil || o.Label(&lab) != nil {
			panic("decode")
		}
		if lx.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: b[:len(src)]}, false) != nil {
			panic("check")
		}
		tag, err := o.FirstTag()
		if err != nil {
			panic(err)
		}
		var out [40]byte
		if _, err := cipso.AppendOption(out[:0], 1, cipso.TagRBitmap, &lab, cipso.FormatOf(tag)); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, n)
}
