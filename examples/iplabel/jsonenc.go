package main

import (
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

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }

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
