package ipopt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// Checklist 39 (RULES.md §9): a datagram with CIPSO and RR. Linux's later
// fragments carry NOPs where RR was; IHL is unchanged and CIPSO is kept.
var (
	case39     = []byte{0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 5, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0, 0, 0}
	case39Frag = []byte{0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 5, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0, 0, 0}
)

func TestFragmentOptionsInPlace(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
	}{
		{"checklist 39", case39, case39Frag},
		{"copied options kept: SEC, ESEC, LSRR, SSRR, RA",
			[]byte{0x82, 0x03, 0xAB, 0x85, 0x03, 0x01, 0x83, 0x03, 0x04, 0x89, 0x03, 0x04, 0x94, 0x04, 0, 0},
			[]byte{0x82, 0x03, 0xAB, 0x85, 0x03, 0x01, 0x83, 0x03, 0x04, 0x89, 0x03, 0x04, 0x94, 0x04, 0, 0}},
		{"TS and RR become NOPs, NOPs stay",
			[]byte{0x44, 0x04, 0x05, 0x00, 0x01, 0x07, 0x03, 0x04},
			[]byte{0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01, 0x01}},
		{"stops at EOL; the padding after it is untouched",
			[]byte{0x07, 0x03, 0x04, 0x00, 0x07, 0x03, 0x04, 0xAB},
			[]byte{0x01, 0x01, 0x01, 0x00, 0x07, 0x03, 0x04, 0xAB}},
		{"stops at a bad length",
			[]byte{0x07, 0x03, 0x04, 0x44, 0x01, 0x07, 0x03, 0x04},
			[]byte{0x01, 0x01, 0x01, 0x44, 0x01, 0x07, 0x03, 0x04}},
		{"stops at a length past the end",
			[]byte{0x07, 0x03, 0x04, 0x44, 0x09, 0x05, 0x00, 0x00},
			[]byte{0x01, 0x01, 0x01, 0x44, 0x09, 0x05, 0x00, 0x00}},
		{"stops at a lone type octet", []byte{0x07, 0x03, 0x04, 0x44}, []byte{0x01, 0x01, 0x01, 0x44}},
		{"empty", []byte{}, []byte{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := make([]byte, len(tc.in))
			copy(b, tc.in)
			ipopt.FragmentOptionsInPlace(b)
			assert.Equal(t, tc.out, b)
		})
	}
}

func TestAppendFragmentOptions(t *testing.T) {
	tests := []struct {
		name    string
		in, out []byte
	}{
		{"checklist 39, compact", case39, []byte{0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 5, 0, 0}},
		{"only non-copied options: nothing", []byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0x01}, []byte{}},
		{"order kept, NOPs dropped, tail dropped",
			[]byte{0x94, 0x04, 0, 0, 0x01, 0x44, 0x04, 0x05, 0x00, 0x82, 0x03, 0xAB, 0x00, 0x86, 0x02, 0xFF},
			[]byte{0x94, 0x04, 0, 0, 0x82, 0x03, 0xAB, 0x00}},
		{"already aligned", []byte{0x94, 0x04, 0, 0}, []byte{0x94, 0x04, 0, 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst := append(testutil.Poisoned(64), 0xAA)
			out, err := ipopt.AppendFragmentOptions(dst, tc.in)
			require.NoError(t, err)
			assert.Equal(t, append([]byte{0xAA}, tc.out...), out)
			// The compact form keeps exactly the options Linux's form keeps.
			in := append([]byte(nil), tc.in...)
			ipopt.FragmentOptionsInPlace(in)
			var kept []byte
			it := ipopt.NewIter(in)
			for it.Next() {
				if o := it.Option(); o.Type != ipopt.NOP && o.Type != ipopt.EOL {
					kept = append(kept, o.Bytes...)
				}
			}
			assert.Equal(t, string(kept), string(out[1:1+len(kept)]))
		})
	}

	dst := []byte{0xAA}
	out, err := ipopt.AppendFragmentOptions(dst, []byte{0x86, 0x0A, 0, 0})
	requireErr(t, err, ipopt.ErrBadLength, ipopt.Malformed, 0)
	assert.Equal(t, dst, out)
	long := make([]byte, 0, 44)
	for range 11 {
		long = append(long, 0x94, 0x04, 0, 0)
	}
	out, err = ipopt.AppendFragmentOptions(dst, long)
	requireErr(t, err, ipopt.ErrTooLong, ipopt.Limit, 40)
	assert.Equal(t, dst, out)
}

func TestFragmentNoAllocs(t *testing.T) {
	buf := make([]byte, 0, 40)
	in := make([]byte, len(case39))
	n := testing.AllocsPerRun(1000, func() {
		copy(in, case39)
		ipopt.FragmentOptionsInPlace(in)
		out, err := ipopt.AppendFragmentOptions(buf, case39)
		if err != nil || len(out) != 12 {
			panic("unexpected")
		}
		if _, err := ipopt.AppendFragmentOptions(buf, case39[:11]); err == nil {
			panic("want error")
		}
	})
	assert.Zero(t, n)
}
