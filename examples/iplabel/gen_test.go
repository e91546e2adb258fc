package main

import (
	"encoding/binary"
	"math/rand/v2"

	"github.com/iplabel/iplabel/internal/testutil"
)

// Generators of options fields for the differential tests (kernel,
// tshark).

// genDOIs are the DOIs the generator writes: the four of kernelDOIs
// (3101 pass, 3102 trans, 3103 local, 3104 pass), one that is not
// configured, and the reserved 0.
var genDOIs = []uint32{3101, 3101, 3101, 3101, 3102, 3102, 3103, 3103, 3104, 3104, 3199, 0}

// genCIPSOField makes one options field (a multiple of 4 octets, at most
// 40) around a CIPSO option: maybe NOPs, a BSO or a router alert first,
// then the option with 1 to 3 tags, mostly well formed, sometimes with a
// wrong length or a flipped octet, then maybe an EOL and a tail, or a
// second CIPSO option. No RR, TS or source route: the kernel answers
// those differently for reasons that are not CIPSO's (ipopt/linuxtest
// tests them).
func genCIPSOField(r *rand.Rand) []byte {
	for {
		var b []byte
		switch r.IntN(8) {
		case 0:
			for range 1 + r.IntN(3) {
				b = append(b, 1)
			}
		case 1:
			b = append(b, 0x82, 3, 0xab)
		case 2:
			b = append(b, 0x94, 4, 0, 0)
		}
		b = append(b, genCIPSO(r)...)
		switch r.IntN(8) {
		case 0:
			b = append(b, 0, byte(r.IntN(256)), byte(r.IntN(256)))
		case 1:
			b = append(b, genCIPSO(r)...)
		}
		if r.IntN(16) == 0 && len(b) > 0 {
			b[r.IntN(len(b))] = byte(r.IntN(256))
		}
		b = testutil.PadEOL(b)
		if len(b) <= 40 {
			return b
		}
	}
}

// genCIPSO makes one CIPSO option.
func genCIPSO(r *rand.Rand) []byte {
	o := []byte{0x86, 0}
	o = binary.BigEndian.AppendUint32(o, genDOIs[r.IntN(len(genDOIs))])
	tags := 1
	if r.IntN(4) == 0 {
		tags += 1 + r.IntN(2)
	}
	for range tags {
		o = append(o, genTag(r)...)
	}
	n := len(o)
	switch r.IntN(20) {
	case 0:
		n--
	case 1:
		n++
	case 2:
		n = r.IntN(12)
	}
	if n < 0 {
		n = 0
	}
	o[1] = byte(n)
	return o
}

// genTag makes one tag, of a kind the DOIs above permit or refuse.
func genTag(r *rand.Rand) []byte {
	types := []byte{1, 1, 1, 2, 2, 5, 5, 128, 128, 6, 7, 0, 3}
	typ := types[r.IntN(len(types))]
	t := []byte{typ, 0}
	switch typ {
	case 1, 6:
		t = append(t, 0, byte(r.IntN(4)))
		bm := r.IntN(4)
		for i := range bm {
			v := byte(r.IntN(256))
			if i == 0 && r.IntN(2) == 0 {
				v = []byte{0x80, 0x40, 0xc0, 0x04, 0x44}[r.IntN(5)] // categories 0, 1, 5
			}
			t = append(t, v)
		}
	case 2:
		t = append(t, 0, byte(r.IntN(4)))
		prev := -1
		for range r.IntN(4) {
			c := prev + 1 + r.IntN(20)
			switch r.IntN(16) {
			case 0:
				c = prev // a duplicate
			case 1:
				c = 65535
			case 2:
				c = r.IntN(10) // maybe descending
			}
			t = binary.BigEndian.AppendUint16(t, uint16(c))
			prev = c
		}
	case 5:
		t = append(t, 0, byte(r.IntN(4)))
		hi := 200 + r.IntN(100)
		for i := range r.IntN(4) {
			lo := hi - r.IntN(30)
			if r.IntN(16) == 0 {
				lo, hi = hi, lo // inverted
			}
			if r.IntN(16) == 0 {
				hi += 50 // ascending
			}
			t = binary.BigEndian.AppendUint16(t, uint16(max(hi, 0)))
			if i < 3 && r.IntN(6) != 0 {
				t = binary.BigEndian.AppendUint16(t, uint16(max(lo, 0)))
			}
			hi = lo - r.IntN(10)
		}
	case 128:
		t = append(t, byte(r.IntN(256)), 0, 0, byte(r.IntN(2)))
	default:
		for range r.IntN(4) {
			t = append(t, byte(r.IntN(256)))
		}
	}
	n := len(t)
	if r.IntN(16) == 0 {
		n += r.IntN(5) - 2
	}
	t[1] = byte(max(n, 0))
	return t
}
