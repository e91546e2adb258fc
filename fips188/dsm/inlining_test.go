package dsm

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/internal/testutil"
)

// TestInlining pins the inlining of the small functions of the receive
// path (see ipopt's TestInlining).
func TestInlining(t *testing.T) {
	testutil.BuildDiag(t).CanInline(t,
		"Profile.Validate",
		"Profile.DecodeParams",
		"Profile.kinds",
		"Profile.doi",
		"Label.Len",
		"Label.OptionLen",
		"EffectiveMSS",
	)
}

// TestNoEscape checks that the option handed to the decoders, checkers
// and encoders stays where the caller put it: none of them keeps it.
func TestNoEscape(t *testing.T) {
	got := testutil.BuildDiag(t).Escapes(t, map[string][]string{
		"Profile.Decode":        {"opt", "n"},
		"Profile.DecodeParams":  {"data", "n"},
		"Profile.DecodeOptions": {"opts", "n"},
		"Profile.CheckOption":   {"o"},
		"Profile.Validate":      {"opts"},
		"Strict.Validate":       {"opts"},
		"NewParamIter":          {"data"},
		"Label.AppendOption":    {"dst"},
		"Label.appendTag":       {"dst"},
	})
	assert.Empty(t, got)
}

// TestNoAllocsStack decodes, checks and encodes a label held in arrays on
// the stack: the promise TestNoEscape checks statically, at run time.
func TestNoAllocsStack(t *testing.T) {
	src := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	var lab Label
	n := testing.AllocsPerRun(200, func() {
		var opts [40]byte
		copy(opts[:], src)
		f := opts[:len(src)]
		if Receiver.Validate(f) != nil {
			panic("validate")
		}
		if _, err := Receiver.DecodeOptions(f, &lab); err != nil {
			panic(err)
		}
		if Receiver.Decode(f[2:2+len(dsmExample)], &lab) != nil {
			panic("decode")
		}
		var out [40]byte
		if _, err := lab.AppendOption(out[:0], 0); err != nil {
			panic(err)
		}
	})
	assert.Zero(t, n)
}
