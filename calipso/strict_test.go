package calipso_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// withSum stores the right checksum in opt and returns it.
func withSum(opt []byte) []byte {
	calipso.PutChecksum(opt, calipso.Checksum(opt))
	return opt
}

// TestStrict: what RFC 5570 refuses and Linux delivers, each at its
// octet.
func TestStrict(t *testing.T) {
	r, _ := calipso.NewRegistry(16)
	ok := option(t, 16, "s3:c0,c5")
	trailer := withSum(append(append([]byte{}, ok[:1]...), append([]byte{ok[1] + 4}, append(ok[2:], 0, 0, 0, 0)...)...))
	zeroWord := withSum(append([]byte{7, 16, 0, 0, 0, 16, 2, 3, 0, 0, 0x84}, 0, 0, 0, 0, 0, 0, 0))
	doi0 := withSum(append([]byte{}, ok...))
	doi0[5] = 0
	doi0 = withSum(doi0)
	hdrOf := func(opts ...byte) []byte {
		b := append([]byte{ipv6.UDP, 0}, opts...)
		b = ipv6.AppendPad(b, (8-len(b)%8)%8)
		b[1] = byte(len(b)/8 - 1)
		return b
	}
	for _, tc := range []struct {
		name string
		hdr  []byte
		want error
		at   int // offset in the header
	}{
		{"the option calipso_genopt writes", hdrOf(ok...), nil, 0},
		{"octets after the bitmap", hdrOf(trailer...), ipopt.ErrBadLength, 3},
		{"a last bitmap word of zero", hdrOf(zeroWord...), ipopt.ErrBadValue, 2 + 14},
		{"DOI 0 (Linux refuses it as a DOI it cannot configure)", hdrOf(doi0...), calipso.ErrBadDOI, 4},
		{"at 4n: misaligned", hdrOf(append([]byte{ipv6.PadN, 0}, ok...)...), ipv6.ErrBadAlignment, 4},
		{"two options", hdrOf(append(append(append([]byte{}, ok...), ipv6.PadN, 0), ok...)...), ipopt.ErrDuplicate, 18},
		{"a bad checksum", hdrOf(append(append([]byte{}, ok[:8]...), ^ok[8], ok[9], ok[10], ok[11], ok[12], ok[13])...), calipso.ErrChecksum, 10},
		{"an unknown DOI", hdrOf(option(t, 17, "s1")...), calipso.ErrUnknownDOI, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
			lerr := w.CheckHopByHop(tc.hdr, ipv6.Packet{PayloadLen: 100, Len: 100})
			err := calipso.Strict{DOIs: r}.Validate(tc.hdr)
			if tc.want == nil {
				assert.NoError(t, err)
				assert.NoError(t, lerr)
				return
			}
			require.ErrorIs(t, err, tc.want)
			e, _ := ipopt.AsError(err)
			assert.Equal(t, tc.at, e.Offset(), "%v", err)
			assert.Equal(t, tc.at+40, e.Pointer())
			if tc.want != calipso.ErrChecksum && tc.want != calipso.ErrUnknownDOI && tc.want != calipso.ErrBadDOI {
				assert.NoError(t, lerr, "Linux delivers it")
			}
		})
	}
	assert.NoError(t, calipso.Strict{}.Validate(hdrOf(option(t, 99, "s1")...)), "no registry: any DOI but 0")
	assert.ErrorIs(t, calipso.Strict{}.CheckOption(doi0), calipso.ErrBadDOI)
	assert.ErrorIs(t, calipso.Strict{}.Validate([]byte{17, 1, 0}), ipopt.ErrTruncated)
	good := hdrOf(ok...)
	a := testing.AllocsPerRun(100, func() {
		var b [16]byte
		copy(b[:], good)
		if (calipso.Strict{DOIs: r}).Validate(b[:]) != nil {
			panic("refused")
		}
	})
	assert.Zero(t, a)
}
