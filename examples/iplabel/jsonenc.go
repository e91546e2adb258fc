package main

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"unicode/utf8"

	"github.com/iplabel/iplabel/ipopt"
)

// The JSON of this command is written by hand, appending to a reused
// buffer: dump emits one object per packet and must not allocate per
// packet. These helpers write JSON values; the callers write the
// punctuation.

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		if c >= utf8.RuneSelf {
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, s[i:i+n]...)
			}
			i += n
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\r':
			dst = append(dst, '\\', 'r')
		default:
			dst = append(dst, `\u00`...)
			dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
		}
		i++
	}
	return append(dst, '"')
}

const hexDigits = "0123456789abcdef"

// appendUint appends v in decimal. Below 10^8 (every category, level,
// offset and length, and the packet numbers of any capture short of 100
// million packets) it copies digits from two tables instead of dividing
// digit by digit.
func appendUint(dst []byte, v uint64) []byte {
	switch {
	case v < uint64(len(digits16)):
		return appendDigits(dst, digits16[v])
	case v < 1e8:
		dst = appendDigits(dst, digits16[v/1e4])
		return binary.LittleEndian.AppendUint32(dst, digits4[v%1e4])
	}
	return strconv.AppendUint(dst, v, 10)
}

// appendDigits appends the digits packed in d: d's low octets, as many as
// its top octet says.
func appendDigits(dst []byte, d uint64) []byte {
	n := len(dst) + int(d>>56)
	return binary.LittleEndian.AppendUint64(dst, d)[:n]
}

// appendInt appends v in decimal.
func appendInt(dst []byte, v int) []byte {
	if v >= 0 {
		return appendUint(dst, uint64(v))
	}
	return strconv.AppendInt(dst, int64(v), 10)
}

// digits16[v] is the decimal text of v, 0..65535, packed for appendDigits
// (the digits in the low octets, first digit lowest, their count in the
// top octet); digits4[v] that of 0..9999 in four digits with leading
// zeros, as the octets of a little-endian uint32. No pointers: the
// collector never scans them.
var (
	digits16 [1 << 16]uint64
	digits4  [1e4]uint32
)

func init() {
	for v := range digits16 {
		var d uint64
		n := 0
		for x := v; ; x /= 10 {
			d = d<<8 | uint64('0'+x%10)
			n++
			if x < 10 {
				break
			}
		}
		digits16[v] = d | uint64(n)<<56
	}
	for v := range digits4 {
		digits4[v] = uint32('0'+v/1000) | uint32('0'+v/100%10)<<8 | uint32('0'+v/10%10)<<16 | uint32('0'+v%10)<<24
	}
}

// appendHex appends b as a JSON string of lowercase hex digits.
func appendHex(dst []byte, b []byte) []byte {
	dst = append(dst, '"')
	dst = hex.AppendEncode(dst, b)
	return append(dst, '"')
}

// appendKey appends "key": (after a comma unless first).
func appendKey(dst []byte, key string, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, '"')
	dst = append(dst, key...)
	return append(dst, '"', ':')
}

// pointerOf is the ICMP Parameter Problem pointer of err, and false when
// err carries none.
func pointerOf(err error) (int, bool) {
	if e, ok := asIPOptError(err); ok && e.Pointer() >= 0 {
		return e.Pointer(), true
	}
	return 0, false
}

// asIPOptError is errors.As for ipopt.Error without its allocation on
// the common paths: the libraries return ipopt.Error itself, and nil has
// none (the target errors.As needs escapes, so it is not declared then).
func asIPOptError(err error) (ipopt.Error, bool) {
	if e, ok := err.(ipopt.Error); ok || err == nil {
		return e, ok
	}
	var e ipopt.Error
	if errors.As(err, &e) {
		return e, true
	}
	return ipopt.Error{}, false
}

// appendErrorText appends err's message; an ipopt.Error is written with
// its allocation-free AppendText.
func appendErrorText(dst []byte, err error) []byte {
	if e, ok := err.(ipopt.Error); ok {
		dst, _ = e.AppendText(dst) // never fails
		return dst
	}
	return append(dst, err.Error()...)
}

// appendErrorJSON appends err's message as a JSON string.
func appendErrorJSON(dst []byte, err error) []byte {
	start := len(dst)
	dst = append(dst, '"')
	dst = appendErrorText(dst, err)
	for _, c := range dst[start+1:] {
		if c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			msg := string(dst[start+1:])
			return appendString(dst[:start], msg)
		}
	}
	return append(dst, '"')
}
