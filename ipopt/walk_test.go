package ipopt_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

func TestIterTable(t *testing.T) {
	type opt struct {
		off int
		typ ipopt.Type
		n   int
	}
	tests := []struct {
		name   string
		in     []byte
		want   []opt
		tail   []byte
		errIs  error
		errOff int
		errPtr int
	}{
		{name: "empty"},
		{name: "length-2 option is legal (gopacket v1.1.19 rejected it)", in: []byte{0x86, 0x02, 0, 0},
			want: []opt{{0, ipopt.CIPSO, 2}, {2, ipopt.EOL, 1}}, tail: []byte{0}},
		{name: "bytes after EOL stay reachable", in: []byte{0x01, 0x00, 0xAA, 0xBB},
			want: []opt{{0, ipopt.NOP, 1}, {1, ipopt.EOL, 1}}, tail: []byte{0xAA, 0xBB}},
		{name: "label not first", in: []byte{0x01, 0x01, 0x86, 0x0a, 0, 0, 0, 9, 1, 4, 0, 5},
			want: []opt{{0, ipopt.NOP, 1}, {1, ipopt.NOP, 1}, {2, ipopt.CIPSO, 10}}},
		{name: "unpadded field ends without EOL", in: []byte{0x94, 0x04, 0, 0, 0x01},
			want: []opt{{0, ipopt.RA, 4}, {4, ipopt.NOP, 1}}},
		{name: "lone type octet at the end", in: []byte{0x01, 0x86}, want: []opt{{0, ipopt.NOP, 1}},
			errIs: ipopt.ErrTruncated, errOff: 1, errPtr: 21},
		{name: "length 1", in: []byte{0x86, 0x01, 0, 0}, errIs: ipopt.ErrBadLength, errOff: 0, errPtr: 20},
		{name: "length 0", in: []byte{0x07, 0x00, 0, 0}, errIs: ipopt.ErrBadLength, errOff: 0, errPtr: 20},
		{name: "length past the end", in: []byte{0x01, 0x86, 0x10, 0, 0, 0}, want: []opt{{0, ipopt.NOP, 1}},
			errIs: ipopt.ErrBadLength, errOff: 1, errPtr: 21},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			it := ipopt.NewIter(tc.in)
			var got []opt
			for it.Next() {
				o := it.Option()
				got = append(got, opt{o.Offset, o.Type, o.Len()})
				assert.Equal(t, tc.in[o.Offset:o.Offset+o.Len()], o.Bytes)
				assert.Equal(t, o.Offset, it.Start())
				assert.Equal(t, o.Type, it.Type())
			}
			assert.Equal(t, tc.want, got)
			assert.Equal(t, len(tc.tail), len(it.Tail()))
			assert.True(t, bytes.Equal(tc.tail, it.Tail()))
			if tc.errIs == nil {
				require.NoError(t, it.Err())
				return
			}
			require.ErrorIs(t, it.Err(), tc.errIs)
			var e ipopt.Error
			require.True(t, errors.As(it.Err(), &e))
			assert.Equal(t, tc.errOff, e.Offset())
			assert.Equal(t, tc.errPtr, e.Pointer())
			assert.Equal(t, ipopt.Malformed, e.Class())
			assert.False(t, it.Next(), "the error is sticky")
			assert.Equal(t, ipopt.Option{}, it.Option(), "no option after an error")
			assert.Equal(t, ipopt.EOL, it.Type())
		})
	}
}

// Property: the options the walk returns, concatenated with the tail after
// an EOL, give back the input octet for octet up to where the walk stopped.
func TestIterCoversInput(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(1)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)
	props.Property("walk covers input", prop.ForAll(func(in []byte) bool {
		it := ipopt.NewIter(in)
		var out []byte
		for it.Next() {
			if it.Option().Offset != len(out) {
				return false
			}
			out = append(out, it.Option().Bytes...)
		}
		if it.Err() == nil {
			out = append(out, it.Tail()...)
			return bytes.Equal(out, in)
		}
		var e ipopt.Error
		return errors.As(it.Err(), &e) && e.Offset() == len(out) && bytes.Equal(out, in[:len(out)])
	}, gen.SliceOfN(40, gen.UInt8Range(0, 12)).Map(func(b []uint8) []byte { return b })))
	props.TestingRun(t)
}

func TestIterNoAllocs(t *testing.T) {
	in := []byte{0x01, 0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 5, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0, 0x00}
	bad := []byte{0x01, 0x86, 0x10, 0, 0}
	n := testing.AllocsPerRun(1000, func() {
		it := ipopt.NewIter(in)
		for it.Next() {
		}
		it = ipopt.NewIter(bad)
		for it.Next() {
		}
		if it.Err() == nil {
			panic("want error")
		}
	})
	assert.Zero(t, n)
}

// Find is an unrolled walk; it must agree with Iter on every input.
func TestFindAgreesWithIter(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(2)
	params.MinSuccessfulTests = 3000
	props := gopter.NewProperties(params)
	props.Property("Find == first Iter match", prop.ForAll(func(in []byte, typ uint8) bool {
		want, wantOK := ipopt.Option{}, false
		it := ipopt.NewIter(in)
		for it.Next() {
			if it.Option().Type == ipopt.Type(typ) {
				want, wantOK = it.Option(), true
				break
			}
		}
		var wantErr error
		if !wantOK {
			wantErr = it.Err() // the framing error that stopped the walk
		}
		got, ok, err := ipopt.Find(in, ipopt.Type(typ))
		return ok == wantOK && err == wantErr && got.Offset == want.Offset && got.Type == want.Type && bytes.Equal(got.Bytes, want.Bytes)
	}, gen.SliceOfN(24, gen.UInt8Range(0, 9)).Map(func(b []uint8) []byte { return b }), gen.UInt8Range(0, 9)))
	props.TestingRun(t)
}
