// Package testutil holds the helpers that the module's tests share: hex
// test vectors, a reference Internet checksum written independently of the
// code under test, buffers that show what an encoder wrote, EOL padding,
// assertions on the position of the module's errors, and the compiler's
// inlining and escape decisions (BuildDiag).
//
// It imports nothing from the module, so that the tests of every package,
// internal ones included, can use it without an import cycle.
package testutil

import (
	"encoding/hex"
	"errors"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// Unhex decodes a test vector written in hex, such as "86 0A 00 00 00 01".
// White space (spaces, tabs, newlines) anywhere in s is ignored; what is
// left must be an even number of hex digits, in either case. A vector that
// does not decode ends the test, as it is a bug in the test.
func Unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, s))
	if err != nil {
		tb.Fatalf("bad hex vector %q: %v", s, err)
	}
	return b
}

// Checksum is the Internet checksum of b (RFC 1071): the one's complement
// of the one's complement sum of b's 16-bit big-endian words, an odd last
// octet taken as the high octet of a word padded with zero. It is the
// plain loop of RFC 1071 §4.1, written independently of the module's code
// so that tests can use it as a reference.
func Checksum(b []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(b); i += 2 {
		sum += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		sum += uint32(b[len(b)-1]) << 8
	}
	for sum>>16 != 0 {
		sum = sum&0xffff + sum>>16
	}
	return ^uint16(sum)
}

// HeaderChecksum is the RFC 791 header checksum of the IPv4 header h,
// options included: Checksum of h with its checksum field (octets 10 and
// 11) taken as zero, whatever it holds.
func HeaderChecksum(h []byte) uint16 {
	if len(h) < 12 {
		return Checksum(h)
	}
	c := slices.Clone(h)
	c[10], c[11] = 0, 0
	return Checksum(c)
}

// Poisoned returns an empty slice over n octets of 0xFF, to be appended
// to by an encoder under test: the octets it writes replace the 0xFF, so a
// test sees every octet it claims to write, padding included, and any it
// forgets.
func Poisoned(n int) []byte {
	return slices.Repeat([]byte{0xFF}, n)[:0]
}

// PadEOL returns b followed by zero octets (End of Option List) up to a
// multiple of 4 octets, as an IPv4 options field must be. It appends to b.
func PadEOL(b []byte) []byte {
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// Positioned is the shape of the module's errors (ipopt.Error): the offset
// in its input at which an error was found, and the pointer an ICMP
// Parameter Problem about it would carry.
type Positioned interface {
	error
	Offset() int
	Pointer() int
}

// RequireErr requires err to match sentinel (errors.Is) and to be or wrap
// an E (errors.As), and ends the test at once otherwise; it then checks
// that the E's offset is off. It returns the E for further checks.
func RequireErr[E Positioned](tb testing.TB, err, sentinel error, off int) E {
	tb.Helper()
	e := requireAs[E](tb, err, sentinel)
	if got := e.Offset(); got != off {
		tb.Errorf("offset of %v: got %d, want %d", err, got, off)
	}
	return e
}

// RequireErrAt is RequireErr that also checks the E's pointer.
func RequireErrAt[E Positioned](tb testing.TB, err, sentinel error, off, pointer int) E {
	tb.Helper()
	e := RequireErr[E](tb, err, sentinel, off)
	if got := e.Pointer(); got != pointer {
		tb.Errorf("pointer of %v: got %d, want %d", err, got, pointer)
	}
	return e
}

func requireAs[E Positioned](tb testing.TB, err, sentinel error) E {
	tb.Helper()
	var e E
	switch {
	case err == nil:
		tb.Fatalf("no error, want %v", sentinel)
	case !errors.Is(err, sentinel):
		tb.Fatalf("error %q (%T) is not %q", err, err, sentinel)
	case !errors.As(err, &e):
		tb.Fatalf("error %q is a %T, want a %T", err, err, e)
	}
	return e
}

// Position returns the offset and pointer of err, one of the module's
// errors, without naming its type (it may be a value or a pointer), or
// -1, -1 if it has no position. It ends the test if err has no such
// methods.
func Position(tb testing.TB, err error) (off, pointer int) {
	tb.Helper()
	var e interface {
		Offset() int
		Pointer() int
	}
	if !errors.As(err, &e) {
		tb.Fatalf("%v is not a positioned error", err)
	}
	if e.Pointer() < 0 { // no position: Offset is -1 too
		return -1, -1
	}
	return e.Offset(), e.Pointer()
}
