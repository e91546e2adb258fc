package linuxtest

import (
	"math/rand"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// finishHBH pads b (a Hop-by-Hop header under construction, Next Header
// and Hdr Ext Len first) to a multiple of 8 and sets its length. Padding
// runs over 7 octets are written as several PadN on purpose only by the
// callers that want them; this one adds at most 7.
func finishHBH(b []byte) []byte {
	b = ipv6.AppendPad(b, (8-len(b)%8)%8)
	b[1] = byte(len(b)/8 - 1)
	return b
}

// genCALIPSO appends a CALIPSO option for a random label in doi at the
// alignment calipso_genopt gives (start = len(b)).
func genCALIPSO(r *rand.Rand, b []byte, doi uint32) []byte {
	var l cipso.Label
	l.Level = uint32(r.Intn(256))
	for range r.Intn(6) {
		_ = l.Cats.Add(uint32(r.Intn([]int{8, 64, 300, calipso.MaxCategory + 1}[r.Intn(4)])))
	}
	out, err := calipso.AppendOption(b, len(b), doi, &l)
	if err != nil {
		panic(err)
	}
	return out
}

// genHBH makes one Hop-by-Hop header of a random kind: the checklist of
// issue 15 (valid labels, each checksum octet flipped, lengths around
// every boundary, unknown options with each action at each alignment,
// padding, option counts) and random TLV soup. dois are the configured
// CALIPSO DOIs, free one that is not.
func genHBH(r *rand.Rand, dois []uint32, free uint32) []byte {
	b := []byte{17, 0}
	doi := dois[r.Intn(len(dois))]
	switch r.Intn(12) {
	case 0: // a valid label, maybe among other options
		if r.Intn(2) == 0 {
			b = append(b, 0x1e, byte(r.Intn(5)))
			b = append(b, make([]byte, int(b[len(b)-1]))...)
		}
		b = genCALIPSO(r, b, doi)
	case 1: // a flipped bit somewhere in the option
		b = genCALIPSO(r, b, doi)
		i := 2 + 2 + r.Intn(len(b)-4)
		if r.Intn(2) == 0 {
			i = 2 + 8 + r.Intn(2) // a checksum octet
		}
		b[i] ^= 1 << r.Intn(8)
	case 2: // unknown DOI, or DOI 0 with a good checksum
		b = genCALIPSO(r, b, doi)
		binaryPutDOI(b[2:], free)
		if r.Intn(4) == 0 {
			binaryPutDOI(b[2:], 0)
		}
		calipso.PutChecksum(b[2:], calipso.Checksum(b[2:]))
	case 3: // lengths around the boundaries
		optLen := 6 + r.Intn(10)
		cmpt := r.Intn(3)
		o := []byte{7, byte(optLen), 0, 0, 0, 0, byte(cmpt), byte(r.Intn(4))}
		binaryPutDOI(o, doi)
		for len(o) < optLen+2 {
			o = append(o, byte(r.Intn(2)))
		}
		o = o[:optLen+2]
		if len(o) >= 10 {
			o[8], o[9] = 0, 0
			calipso.PutChecksum(o, calipso.Checksum(o))
		}
		b = append(b, o...)
	case 4: // unknown option, each action, each alignment
		b = ipv6.AppendPad(b, r.Intn(4))
		t := byte(r.Intn(4))<<6 | byte(0x1e+r.Intn(2))
		b = append(b, t, byte(r.Intn(4)))
		b = append(b, make([]byte, int(b[len(b)-1]))...)
	case 5: // padding runs and contents
		for range 1 + r.Intn(3) {
			if r.Intn(2) == 0 {
				b = append(b, 0)
			} else {
				n := r.Intn(8)
				b = append(b, 1, byte(n))
				for range n {
					b = append(b, byte(r.Intn(8)/7))
				}
			}
		}
	case 6: // option counts around the limit
		n := 6 + r.Intn(5)
		for k := range n {
			t := byte(0x1e)
			if k == n-1 && r.Intn(2) == 0 {
				t = 0x9e
			}
			b = append(b, t, 0)
		}
	case 7: // Router Alert
		b = append(b, 5, byte(1+r.Intn(3)))
		b = append(b, make([]byte, int(b[len(b)-1]))...)
	case 8: // Jumbo Payload
		b = ipv6.AppendPad(b, r.Intn(4))
		v := []uint32{0, 65535, 65536, 1 << 20}[r.Intn(4)]
		n := 3 + r.Intn(3)
		b = append(b, 0xc2, byte(n))
		b = append(b, []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v), 0}[:n]...)
	case 9: // IOAM at each alignment
		b = ipv6.AppendPad(b, r.Intn(4))
		b = append(b, 0x31, 2, 0, 0)
	case 10: // two CALIPSO options
		b = genCALIPSO(r, b, doi)
		b = genCALIPSO(r, b, dois[r.Intn(len(dois))])
	default: // TLV soup
		for range 1 + r.Intn(5) {
			t := []byte{0, 1, 5, 7, 0xc2, 0x31, 0x1e, 0x5e, 0x9e, 0xde, byte(r.Intn(256))}[r.Intn(11)]
			if t == 0 {
				b = append(b, 0)
				continue
			}
			n := r.Intn(12)
			b = append(b, t, byte(n))
			for range n {
				b = append(b, byte(r.Intn(3)))
			}
		}
	}
	if r.Intn(16) == 0 && len(b) > 3 {
		return finishHBH(b)[:len(b)] // not a multiple of 8: the option runs past the end
	}
	return finishHBH(b)
}

func binaryPutDOI(o []byte, doi uint32) {
	o[2], o[3], o[4], o[5] = byte(doi>>24), byte(doi>>16), byte(doi>>8), byte(doi)
}
