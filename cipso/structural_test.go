package cipso

import (
	"encoding/binary"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// TestLinuxAnyDOI: with AnyDOI an option of a DOI nobody registered is
// checked by everything cipso_v4_validate checks but the DOI; registered
// DOIs keep their own rules.
func TestLinuxAnyDOI(t *testing.T) {
	trans, err := NewTrans(3, []TagType{TagRBitmap}, []Pair{{Local: 1, Remote: 1}}, nil)
	require.NoError(t, err)
	var reg Registry
	require.NoError(t, reg.Add(trans))
	tests := []struct {
		name     string
		opt      string
		loopback bool
		err      error // nil: accepted
		offset   int
	}{
		{"tag 1, DOI 16", "860a00000010 01040003", false, nil, 0},
		{"tag 1 with a bitmap, DOI 4294967295", "860c ffffffff 0106000380 01", false, nil, 0},
		{"tag 2 ascending", "860e00000010 0208000300010005", false, nil, 0},
		{"tag 2 descending", "860e00000010 0208000300050001", false, ErrCategoryOrder, 10},
		{"tag 2 odd category octets", "860d00000010 020700030001 05", false, ErrBadCategory, 10},
		{"tag 5 ranges", "861200000010 050c0003 0014000a 00030000", false, nil, 0},
		{"tag 5 overlapping", "861200000010 050c0003 0003000a 00140000", false, ErrCategoryOrder, 10},
		{"tag 6 (no Linux DOI has it)", "860a00000010 06040003", false, ErrTagNotAllowed, 6},
		{"tag 7", "860a00000010 07040003", false, ErrTagNotAllowed, 6},
		{"tag length past the option", "860a00000010 01050003", false, ErrBadTagLength, 7},
		{"tag 1 too short", "860900000010 010300", false, ErrBadTagLength, 7},
		{"tag 128 off loopback", "860c00000010 80060000002a", false, ErrTagNotAllowed, 6},
		{"tag 128 on loopback", "860c00000010 80060000002a", true, nil, 0},
		{"tag 128 of length 5", "860b00000010 800500000a", true, ErrBadTagLength, 7},
		{"DOI 0, which no configuration can hold", "860a00000000 01040003", false, ErrUnknownDOI, 2},
		{"option length 7", "86070000001001", false, ipopt.ErrBadLength, 1},
		{"registered DOI 3: level 2 unmapped", "860a00000003 01040002", false, ErrBadLevel, 9},
		{"registered DOI 3: level 1 mapped", "860a00000003 01040001", false, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opt := testutil.Unhex(t, tt.opt)
			l := Linux{Registry: &reg, RBMStrictValid: true, Loopback: tt.loopback, AnyDOI: true}
			err := l.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false)
			if tt.err == nil {
				require.NoError(t, err)
			} else {
				testutil.RequireErr[ipopt.Error](t, err, tt.err, tt.offset)
			}
			// Without AnyDOI every DOI but 3 fails at the DOI.
			l.AnyDOI = false
			err = l.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false)
			if binary.BigEndian.Uint32(opt[2:]) != 3 && len(opt) >= 8 {
				testutil.RequireErr[ipopt.Error](t, err, ErrUnknownDOI, 2)
			}
		})
	}
}

// TestPropertyAnyDOIIsPassDOI: off loopback, AnyDOI judges any option
// exactly as Linux judges it once its DOI is configured as a pass DOI with
// tags 1, 2 and 5 (same error, same offset); on loopback, an option of tag
// 128 as once its DOI is a local DOI.
func TestPropertyAnyDOIIsPassDOI(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 5000
	props := gopter.NewProperties(params)
	// Options made of a CIPSO header and tag-like runs: tag types mostly
	// among those Linux knows, lengths near the right ones.
	genOpt := func(types ...any) gopter.Gen {
		return gen.SliceOfN(8, gopter.CombineGens(
			gen.OneConstOf(types...),
			gen.IntRange(0, 12),
			gen.SliceOfN(12, gen.UInt8()),
		)).Map(func(tags [][]any) []byte {
			b := []byte{0x86, 0, 0, 0, 0x30, 0x39} // DOI 12345
			for _, tg := range tags {
				n := tg[1].(int)
				data := tg[2].([]uint8)[:min(n, 12)]
				if len(b)+2+len(data) > ipopt.MaxOptionsLen {
					break
				}
				b = append(b, tg[0].(uint8), byte(2+len(data)))
				b = append(b, data...)
			}
			b[1] = byte(len(b))
			return b
		})
	}
	pass := NewLinux(passRegistry(t, 12345, TagRBitmap, TagEnum, TagRange))
	local, err := NewLocal(12345)
	require.NoError(t, err)
	var lreg Registry
	require.NoError(t, lreg.Add(local))
	loc := &Linux{Registry: &lreg, RBMStrictValid: true, Loopback: true}
	anyOff := &Linux{RBMStrictValid: true, AnyDOI: true}
	anyLo := &Linux{RBMStrictValid: true, AnyDOI: true, Loopback: true}
	props.Property("off loopback: as a pass DOI 1,2,5", prop.ForAll(func(opt []byte) bool {
		return anyOff.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false) == pass.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false)
	}, genOpt(uint8(1), uint8(2), uint8(5), uint8(128), uint8(6), uint8(7), uint8(0))))
	props.Property("on loopback, tag 128 only: as a local DOI", prop.ForAll(func(opt []byte) bool {
		return anyLo.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false) == loc.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: opt}, false)
	}, genOpt(uint8(128))))
	props.TestingRun(t)
}

// TestLinuxAnyDOINoAlloc: the structural check allocates nothing.
func TestLinuxAnyDOINoAlloc(t *testing.T) {
	var buf [16]byte
	copy(buf[:], []byte{0x86, 0x0e, 0, 0, 0, 16, 2, 8, 0, 3, 0, 5, 0, 1})
	l := &Linux{RBMStrictValid: true, AnyDOI: true}
	var err error
	n := testing.AllocsPerRun(500, func() { err = l.CheckOption(ipopt.Option{Type: ipopt.CIPSO, Bytes: buf[:14]}, false) })
	assert.Zero(t, n)
	assert.ErrorIs(t, err, ErrCategoryOrder)
}
