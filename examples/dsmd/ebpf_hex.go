package main

import (
	"errors"
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// ebpfParseHex reads one options field written as hex, the input syntax
// of `iplabel validate`: "860a0000...", "86 0a 00 00", "86:0a:00:00",
// "0x86 0x0a" or "0x860a0000"; "-" alone is the empty field. Spaces, tabs
// and ':' separate octets or groups, and "0x" may start any group. The
// field is padded with EOL octets to a multiple of 4, as the kernel pads
// IP_OPTIONS; one over 40 octets is refused.
func ebpfParseHex(s string) ([]byte, error) {
	if s == "-" {
		return nil, nil
	}
	var dst []byte
	groupStart, half := true, false
	var hi byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', ':', '\r':
			if half {
				return nil, errors.New("byte " + strconv.Itoa(i) + ": odd number of hex digits in a group")
			}
			groupStart = true
			continue
		}
		if groupStart && c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
			if i+2 == len(s) || ebpfUnhex(s[i+2]) < 0 {
				return nil, errors.New("byte " + strconv.Itoa(i+1) + ": no hex digits after 0x")
			}
			i++
			groupStart = false
			continue
		}
		groupStart = false
		v := ebpfUnhex(c)
		if v < 0 {
			return nil, errors.New("byte " + strconv.Itoa(i+1) + ": not a hex digit: " + strconv.QuoteRune(rune(c)))
		}
		if !half {
			hi, half = byte(v), true
			continue
		}
		if len(dst) >= ipopt.MaxOptionsLen {
			return nil, errors.New("options field over 40 octets")
		}
		dst = append(dst, hi<<4|byte(v))
		half = false
	}
	if half {
		return nil, errors.New("odd number of hex digits")
	}
	for len(dst)%4 != 0 {
		dst = append(dst, byte(ipopt.EOL))
	}
	return dst, nil
}

func ebpfUnhex(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}
