package main

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// Generators of Hop-by-Hop Options headers for validate --ipv6's kernel
// differential test.

// genCALIPSODOIs are the CALIPSO DOIs the generator writes: the two the
// test configures (kernelCALIPSO), one that is not configured, and the
// reserved 0. The kernel test replaces them by the numbers it got.
var genCALIPSODOIs = []uint32{3201, 3201, 3201, 3202, 3202, 3299, 0}

// genHopByHop makes one whole Hop-by-Hop header ((Hdr Ext Len + 1) * 8
// octets): valid CALIPSO labels, alone or behind other options, with a
// flipped bit (checksum octets most often), unknown or reserved DOIs,
// option and compartment lengths around their limits, unknown options
// with each action at each alignment, padding runs and non-zero padding,
// option counts around the limit of 8, Router Alert, Jumbo Payload and
// IOAM, two labels, and random TLVs.
func genHopByHop(r *rand.Rand) []byte {
	b := []byte{17, 0}
	doi := func() uint32 { return genCALIPSODOIs[r.IntN(len(genCALIPSODOIs))] }
	switch r.IntN(12) {
	case 0:
		if r.IntN(2) == 0 {
			b = append(b, 0x1e, byte(r.IntN(5)))
			b = append(b, make([]byte, int(b[len(b)-1]))...)
		}
		b = genCALIPSOOpt(r, b, doi())
	case 1:
		at := len(b)
		b = genCALIPSOOpt(r, b, genCALIPSODOIs[0])
		at += (6 - at%4) % 4 // the option starts at 4n+2
		i := at + 2 + r.IntN(len(b)-at-2)
		if r.IntN(2) == 0 {
			i = at + 8 + r.IntN(2)
		}
		b[i] ^= 1 << r.IntN(8)
	case 2:
		b = genCALIPSOOpt(r, b, genCALIPSODOIs[0])
		binary.BigEndian.PutUint32(b[4:], []uint32{genCALIPSODOIs[5], 0}[r.IntN(2)])
		calipso.PutChecksum(b[2:], calipso.Checksum(b[2:]))
	case 3:
		optLen := 6 + r.IntN(10)
		o := []byte{7, byte(optLen), 0, 0, 0, 0, byte(r.IntN(3)), byte(r.IntN(4))}
		binary.BigEndian.PutUint32(o[2:], doi())
		for len(o) < optLen+2 {
			o = append(o, byte(r.IntN(2)))
		}
		o = o[:optLen+2]
		if len(o) >= 10 {
			o[8], o[9] = 0, 0
			calipso.PutChecksum(o, calipso.Checksum(o))
		}
		b = append(b, o...)
	case 4:
		b = ipv6.AppendPad(b, r.IntN(4))
		b = append(b, byte(r.IntN(4))<<6|byte(0x1e+r.IntN(2)), byte(r.IntN(4)))
		b = append(b, make([]byte, int(b[len(b)-1]))...)
	case 5:
		for range 1 + r.IntN(3) {
			if r.IntN(2) == 0 {
				b = append(b, 0)
				continue
			}
			n := r.IntN(8)
			b = append(b, 1, byte(n))
			for range n {
				b = append(b, byte(r.IntN(8)/7))
			}
		}
	case 6:
		n := 6 + r.IntN(5)
		for k := range n {
			t := byte(0x1e)
			if k == n-1 && r.IntN(2) == 0 {
				t = 0x9e
			}
			b = append(b, t, 0)
		}
	case 7:
		b = append(b, 5, byte(1+r.IntN(3)))
		b = append(b, make([]byte, int(b[len(b)-1]))...)
	case 8:
		b = ipv6.AppendPad(b, r.IntN(4))
		v := []uint32{0, 65535, 65536, 1 << 20}[r.IntN(4)]
		n := 3 + r.IntN(3)
		b = append(b, 0xc2, byte(n))
		b = append(b, binary.BigEndian.AppendUint32(nil, v)[:min(n, 4)]...)
		b = append(b, make([]byte, n-min(n, 4))...)
	case 9:
		b = ipv6.AppendPad(b, r.IntN(4))
		b = append(b, 0x31, 2, 0, 0)
	case 10:
		b = genCALIPSOOpt(r, b, doi())
		b = genCALIPSOOpt(r, b, doi())
	default:
		for range 1 + r.IntN(5) {
			t := []byte{0, 1, 5, 7, 0xc2, 0x31, 0x1e, 0x5e, 0x9e, 0xde, byte(r.IntN(256))}[r.IntN(11)]
			if t == 0 {
				b = append(b, 0)
				continue
			}
			n := r.IntN(12)
			b = append(b, t, byte(n))
			for range n {
				b = append(b, byte(r.IntN(3)))
			}
		}
	}
	b = ipv6.AppendPad(b, (8-len(b)%8)%8)
	b[1] = byte(len(b)/8 - 1)
	return b
}

// genCALIPSOOpt appends a CALIPSO option for a random label in doi where
// calipso_genopt puts it (start = len(b)); DOI 0 is written by hand, as
// AppendOption refuses it.
func genCALIPSOOpt(r *rand.Rand, b []byte, doi uint32) []byte {
	var l cipso.Label
	l.Level = uint32(r.IntN(256))
	for range r.IntN(6) {
		_ = l.Cats.Add(uint32(r.IntN([]int{8, 64, 300, calipso.MaxCategory + 1}[r.IntN(4)])))
	}
	at := len(b)
	out, err := calipso.AppendOption(b, len(b), max(doi, 1), &l)
	if err != nil {
		panic(err)
	}
	if doi == 0 {
		o := out[at+(6-at%4)%4:]
		binary.BigEndian.PutUint32(o[2:], 0)
		calipso.PutChecksum(o, calipso.Checksum(o))
	}
	return out
}

// genHeaders makes n headers from a fixed seed.
func genHeaders(n int) [][]byte {
	r := rand.New(rand.NewPCG(6, 15))
	out := make([][]byte, n)
	for i := range out {
		out[i] = genHopByHop(r)
	}
	return out
}
