package ipopt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// TestInlining pins the compiler's inlining of the small functions every
// received or rewritten header goes through, as net/netip's inlining test
// does: a change that pushes one over the inlining budget fails here
// rather than showing up as a slower benchmark.
func TestInlining(t *testing.T) {
	testutil.BuildDiag(t).CanInline(t,
		"NewIter",
		"(*Iter).Next",
		"(*Iter).Option",
		"Header.HeaderLen",
		"Header.TotalLen",
		"Header.Options",
		"Header.SetChecksum",
		"updateChecksum",
		"fold",
		// Validate inlines so that its caller's Linux is not copied.
		"Linux.Validate",
		"FromBytes",
		"(*Packet).Network",
	)
}

// TestNoEscape checks that the buffers handed to the decode, validate and
// rewrite functions stay where the caller put them, so that a caller's
// stack array is not moved to the heap (an allocation per call).
//
// The exceptions are the Linux walk's: an OptionChecker or
// FieldValidator is an interface, and the compiler cannot see what its
// CheckOption or Validate keeps of the option it is given, so the field
// (and the Linux value holding the checkers) escapes. A caller that wants
// its options on the stack checks them with a walk whose checkers are all
// nil, or copies the field into a buffer of its own first.
func TestNoEscape(t *testing.T) {
	c := testutil.BuildDiag(t)
	got := c.Escapes(t, map[string][]string{
		"ParseHeader":             {"b"},
		"Header.VerifyChecksum":   {"h"},
		"Header.Checksum":         {"h"},
		"Header.SetChecksum":      {"h"},
		"Header.Overwrite":        {"h", "b"},
		"Header.NOPOption":        {"h"},
		"NewIter":                 {"opts"},
		"Find":                    {"opts"},
		"Check":                   {"opts"},
		"ZeroTail":                {"opts"},
		"FromBytes":               {"buf"},
		"(*Packet).SetOption":     {"p", "opt"},
		"(*Packet).InsertOption":  {"p", "opt"},
		"(*Packet).ReplaceOption": {"p", "opt"},
		"(*Packet).RemoveOption":  {"p"},
		"Linux.Validate":          {"l", "opts"},
		"Linux.Compile":           {"l", "opts"},
	})
	assert.Equal(t, map[string][]string{
		"Linux.Validate": {"l", "opts"},
		"Linux.Compile":  {"l", "opts"},
	}, got)
}

// TestNoAllocsStack runs the decode and rewrite paths on arrays on the
// stack, the promise TestNoEscape checks statically: a buffer that
// escaped would be allocated on every run. The Linux walk is left out
// (see TestNoEscape); its allocation tests use heap slices.
func TestNoAllocsStack(t *testing.T) {
	src := datagram(cat(rr7, ra4, []byte{0}), make([]byte, 8))
	var sink int
	n := testing.AllocsPerRun(200, func() {
		var pkt [64]byte
		copy(pkt[:], src)
		h, err := ipopt.ParseHeader(pkt[:len(src)])
		if err != nil || !h.VerifyChecksum() {
			panic("header")
		}
		if o, ok, err := ipopt.Find(h.Options(), ipopt.RR); !ok || err != nil {
			panic("find")
		} else {
			sink += o.Len()
		}
		it := ipopt.NewIter(h.Options())
		for it.Next() {
			sink += it.Option().Len()
		}
		if ipopt.Check(h.Options()) != nil {
			panic("check")
		}
		var buf [40 + 64]byte
		copy(buf[40:], src)
		p, err := ipopt.FromBytes(buf[:], 40, len(src))
		if err != nil {
			panic(err)
		}
		var opt [10]byte
		copy(opt[:], label10)
		if p.SetOption(opt[:]) != nil || p.ReplaceOption(ipopt.CIPSO, opt[:]) != nil || p.RemoveOption(ipopt.CIPSO) != nil {
			panic("rewrite")
		}
		sink += len(p.Network())
	})
	assert.Zero(t, n)
	_ = sink
}
