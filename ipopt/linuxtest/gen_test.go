package linuxtest

import (
	"math/rand/v2"

	"github.com/iplabel/iplabel/ipopt"
)

// genOptions makes a random options field (a multiple of 4 octets, 4 to
// 40) that contains no CIPSO option: every octet 134 is replaced by 135,
// so however the walk frames the field, no type octet is CIPSO. A third of
// the fields are built option by option with lengths and pointers near
// the rule boundaries of __ip_options_compile, a third are such fields
// with one or two octets changed, and a third are random octets drawn
// mostly from the option types and small numbers.
func genOptions(r *rand.Rand) []byte {
	n := 4 * (1 + r.IntN(10))
	var b []byte
	switch r.IntN(3) {
	case 0:
		b = genStructured(r, n)
	case 1:
		b = genStructured(r, n)
		for range 1 + r.IntN(2) {
			b[r.IntN(n)] = genOctet(r)
		}
	default:
		b = make([]byte, n)
		for i := range b {
			b[i] = genOctet(r)
		}
	}
	for i, c := range b {
		if c == byte(ipopt.CIPSO) {
			b[i] = byte(ipopt.CIPSO) + 1
		}
	}
	return b
}

var genTypes = []ipopt.Type{
	ipopt.EOL, ipopt.NOP, ipopt.RR, ipopt.TS, ipopt.LSRR, ipopt.SSRR,
	ipopt.RA, ipopt.SEC, ipopt.ESEC, ipopt.SID, ipopt.QS, ipopt.EXP30,
	ipopt.TR, ipopt.EXP158,
}

// genOctet favours option types and the small values lengths, pointers
// and flags take.
func genOctet(r *rand.Rand) byte {
	switch r.IntN(3) {
	case 0:
		return byte(genTypes[r.IntN(len(genTypes))])
	case 1:
		return byte(r.IntN(16))
	}
	return byte(r.Uint32())
}

// genStructured builds n octets option by option, then cuts or pads.
func genStructured(r *rand.Rand, n int) []byte {
	b := make([]byte, 0, n+48)
	for len(b) < n {
		switch k := r.IntN(20); {
		case k < 3:
			b = append(b, byte(ipopt.NOP))
		case k < 4:
			b = append(b, byte(ipopt.EOL))
			for len(b) < n { // what follows an EOL: zeros or garbage
				if r.IntN(2) == 0 {
					b = append(b, 0)
				} else {
					b = append(b, genOctet(r))
				}
			}
		case k < 7:
			b = genRoute(r, b, ipopt.RR, n)
		case k < 10:
			b = genTS(r, b, n)
		case k < 12:
			b = genRoute(r, b, ipopt.LSRR, n)
		case k < 14:
			b = genRoute(r, b, ipopt.SSRR, n)
		case k < 15:
			l := genLen(r, 4, n-len(b))
			b = append(b, byte(ipopt.RA), byte(l))
			b = appendBody(r, b, l-2)
		case k < 18:
			t := genTypes[6+r.IntN(len(genTypes)-6)]
			if r.IntN(3) == 0 {
				t = ipopt.Type(r.Uint32())
			}
			l := genLen(r, 2+r.IntN(6), n-len(b))
			b = append(b, byte(t), byte(l))
			b = appendBody(r, b, l-2)
		default: // a length octet that breaks the framing
			b = append(b, byte(genTypes[2+r.IntN(len(genTypes)-2)]), byte(r.IntN(3)+(n-len(b))*r.IntN(2)))
		}
	}
	return b[:n]
}

// genLen picks an option length: usually want, sometimes off by a little,
// sometimes whatever is left.
func genLen(r *rand.Rand, want, left int) int {
	switch r.IntN(6) {
	case 0:
		return max(left, 0)
	case 1:
		return want + r.IntN(5) - 2
	}
	return want
}

func appendBody(r *rand.Rand, b []byte, n int) []byte {
	for range max(n, 0) {
		b = append(b, genOctet(r))
	}
	return b
}

// genRoute makes an RR, LSRR or SSRR: length 3+4k (or a bad one), pointer
// at, before or past an address slot.
func genRoute(r *rand.Rand, b []byte, t ipopt.Type, n int) []byte {
	l := genLen(r, 3+4*r.IntN(5), n-len(b))
	ptr := []int{4, 4 + 4*r.IntN(4), l + 1, l - 2, 3, r.IntN(48)}[r.IntN(6)]
	b = append(b, byte(t), byte(l), byte(ptr))
	return appendBody(r, b, l-3)
}

// genTS makes a timestamp option: flags 0 to 3 or other, an overflow
// counter that is sometimes 15, a pointer near the slots.
func genTS(r *rand.Rand, b []byte, n int) []byte {
	slot := []int{4, 8}[r.IntN(2)]
	l := genLen(r, 4+slot*r.IntN(4), n-len(b))
	ptr := []int{5, 5 + slot*r.IntN(4), l + 1, l - 2, l - 6, 4, r.IntN(48)}[r.IntN(7)]
	flag := byte([]int{0, 1, 3, 2, r.IntN(16)}[r.IntN(5)])
	over := byte(r.IntN(16))
	if r.IntN(3) == 0 {
		over = 15
	}
	b = append(b, byte(ipopt.TS), byte(l), byte(ptr), over<<4|flag)
	return appendBody(r, b, l-4)
}
