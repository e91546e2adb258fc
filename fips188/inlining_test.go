package fips188

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
		"Option.ID",
		"Option.Tags",
		"newTagIter",
		"levelTag",
	)
}

// TestNoEscape checks that the option handed to the parsers, checkers and
// encoders stays where the caller put it. The exceptions: a decoded
// Label's FreeForm aliases the option (RULES.md §5), so Decode,
// DecodeOptions and Option.Label let the option escape into the Label
// (which may be anywhere); Validator runs ipopt's Linux walk, whose
// checkers are interfaces (see ipopt's TestNoEscape).
func TestNoEscape(t *testing.T) {
	got := testutil.BuildDiag(t).Escapes(t, map[string][]string{
		"Profile.Parse":          {"b"},
		"Profile.ParseOptions":   {"opts"},
		"Profile.CheckOption":    {"o"},
		"Profile.Validate":       {"opts"},
		"FindCIPSO":              {"opts"},
		"NewPaddedTagIter":       {"o"},
		"Profile.Decode":         {"b"},
		"Profile.DecodeOptions":  {"opts"},
		"Option.Label":           {"s"},
		"Validator.Validate":     {"opts"},
		"AppendPermissiveBitmap": {"dst"},
	})
	assert.Equal(t, map[string][]string{
		"Profile.Decode":        {"b"},
		"Profile.DecodeOptions": {"opts"},
		"Option.Label":          {"s"},
		"Validator.Validate":    {"opts"},
	}, got)
}

// TestNoAllocsStack parses, checks and walks an options field held in an
// array on the stack: the promise TestNoEscape checks statically, at run
// time.
func TestNoAllocsStack(t *testing.T) {
	src := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	var sink int
	n := testing.AllocsPerRun(200, func() {
		var opts [40]byte
		copy(opts[:], src)
		f := opts[:len(src)]
		if Lenient.Validate(f) != nil {
			panic("validate")
		}
		s, o, err := Lenient.ParseOptions(f)
		if err != nil {
			panic(err)
		}
		if _, ok, err := FindCIPSO(f); !ok || err != nil {
			panic("find")
		}
		it := s.Tags()
		for it.Next() {
			sink += len(it.Tag().Bytes)
		}
		sink += o.Len()
	})
	assert.Zero(t, n)
	_ = sink
}
