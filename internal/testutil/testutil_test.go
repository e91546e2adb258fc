package testutil

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Errorf and Fatalf instead of
// failing the test, so that the failures of the helpers can be tested.
type recorder struct {
	testing.TB
	failed, fatal bool
	msgs          []string
}

func (r *recorder) Helper() {}

func (r *recorder) Errorf(format string, args ...any) {
	r.failed = true
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recorder) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// record runs f with a recorder on a goroutine of its own (Fatalf ends
// it) and returns the recorder.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestUnhexSyntax(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []byte
	}{
		{"", []byte{}},
		{"86 0A 00 00", []byte{0x86, 0x0A, 0x00, 0x00}},
		{"860a0000", []byte{0x86, 0x0A, 0x00, 0x00}},
		{"86 0a\t00\n00 ", []byte{0x86, 0x0A, 0x00, 0x00}},
		{"07 0B 04 00000000", []byte{0x07, 0x0B, 0x04, 0, 0, 0, 0}},
		{"8 6", []byte{0x86}}, // white space is ignored even inside an octet
		{"aB Cd", []byte{0xAB, 0xCD}},
	} {
		var got []byte
		r := record(t, func(tb testing.TB) { got = Unhex(tb, tc.in) })
		if r.failed || !bytes.Equal(got, tc.want) {
			t.Errorf("Unhex(%q) = % x (failed %v), want % x", tc.in, got, r.failed, tc.want)
		}
	}
	for _, in := range []string{"8", "86 0", "86 0G", "0x86", "86,0A", "<P>"} {
		r := record(t, func(tb testing.TB) { Unhex(tb, in) })
		if !r.fatal || !strings.Contains(r.msgs[0], fmt.Sprintf("%q", in)) {
			t.Errorf("Unhex(%q): fatal %v, messages %q; want a fatal failure quoting the vector", in, r.fatal, r.msgs)
		}
	}
}

// RFC 1071 §3's example: the one's complement sum of the words of
// 00 01 f2 03 f4 f5 f6 f7 is ddf2, so the checksum is its complement.
func TestChecksumRFC1071(t *testing.T) {
	if got := Checksum([]byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}); got != ^uint16(0xddf2) {
		t.Errorf("checksum %#04x, want %#04x", got, ^uint16(0xddf2))
	}
	if got := Checksum(nil); got != 0xffff {
		t.Errorf("checksum of nothing %#04x, want 0xffff", got)
	}
	// An odd last octet is the high octet of a word padded with zero.
	odd := []byte{0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6}
	if got, want := Checksum(odd), Checksum(append(odd, 0)); got != want {
		t.Errorf("odd length: %#04x, want %#04x", got, want)
	}
	if got := Checksum([]byte{0x01}); got != 0xfeff {
		t.Errorf("checksum of 01: %#04x, want 0xfeff", got)
	}
}

// RFC 1624 §3's example: the other header words sum to 0xCD7A, the word
// that changes is 0x5555, so the checksum is 0xDD2F; once it is 0x3285 the
// sum is 0xFFFF and the checksum 0x0000, the value a full recomputation
// gives (the +0 that RFC 1624 Eqn. 3 keeps and Eqn. 2 turns into -0).
func TestChecksumRFC1624(t *testing.T) {
	if got := Checksum([]byte{0xCD, 0x7A, 0x55, 0x55}); got != 0xDD2F {
		t.Errorf("checksum %#04x, want 0xdd2f", got)
	}
	if got := Checksum([]byte{0xCD, 0x7A, 0x32, 0x85}); got != 0x0000 {
		t.Errorf("checksum after the change %#04x, want 0x0000", got)
	}
}

// The worked example of ipopt/RULES.md §7, computed by hand from RFC 791's
// definition: header 48 00 00 28 00 01 00 00 40 11 [dc ad] 0a 00 00 01
// 0a 00 00 02 with options 86 0a 00 00 00 01 01 04 00 05 00 00 has
// checksum 0xDCAD, and 0xDCAB once the level octet is 07. Whatever the
// checksum field holds counts as zero.
func TestHeaderChecksumWorkedExample(t *testing.T) {
	h := Unhex(t, "48 00 00 28 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 86 0a 00 00 00 01 01 04 00 05 00 00")
	for _, field := range []uint16{0x0000, 0xFFFF, 0xDCAD, 0x1234} {
		h[10], h[11] = byte(field>>8), byte(field)
		if got := HeaderChecksum(h); got != 0xDCAD {
			t.Errorf("field %#04x: checksum %#04x, want 0xdcad", field, got)
		}
	}
	if h[10], h[11] = 0xdc, 0xad; Checksum(h) != 0 {
		t.Errorf("a header holding its checksum sums to %#04x, want 0", Checksum(h))
	}
	h[29] = 0x07
	if got := HeaderChecksum(h); got != 0xDCAB {
		t.Errorf("level 7: checksum %#04x, want 0xdcab", got)
	}
	if h[11] != 0xad {
		t.Error("HeaderChecksum changed its input")
	}
}

func TestPoisoned(t *testing.T) {
	b := Poisoned(5)
	if len(b) != 0 || cap(b) != 5 || !bytes.Equal(b[:5], []byte{0xFF, 0xFF, 0xFF, 0xFF, 0xFF}) {
		t.Errorf("Poisoned(5) = % x, cap %d", b[:cap(b)], cap(b))
	}
}

func TestPadEOL(t *testing.T) {
	for n, want := range []int{0, 4, 4, 4, 4, 8} {
		got := PadEOL(bytes.Repeat([]byte{0x01}, n))
		if len(got) != want || !bytes.Equal(got[:n], bytes.Repeat([]byte{0x01}, n)) || bytes.ContainsFunc(got[n:], func(r rune) bool { return r != 0 }) {
			t.Errorf("PadEOL of %d octets = % x", n, got)
		}
	}
}

// posErr is a positioned error wrapping a sentinel, as ipopt.Error is.
type posErr struct {
	err         error
	off, ptr    int
	hasPosition bool
}

func (e posErr) Error() string { return fmt.Sprintf("%v at %d", e.err, e.off) }
func (e posErr) Unwrap() error { return e.err }
func (e posErr) Offset() int   { return e.off }

// Pointer is -1 for an error at no octet, as ipopt.Error's is.
func (e posErr) Pointer() int {
	if !e.hasPosition {
		return -1
	}
	return e.ptr
}

// otherErr is a positioned error of another type.
type otherErr struct{}

func (*otherErr) Error() string { return "other" }
func (*otherErr) Offset() int   { return 0 }
func (*otherErr) Pointer() int  { return 0 }

var errSentinel, errOther = errors.New("sentinel"), errors.New("other sentinel")

func TestRequireErr(t *testing.T) {
	err := fmt.Errorf("wrapped: %w", posErr{errSentinel, 3, 23, true})
	var e posErr
	if r := record(t, func(tb testing.TB) { e = RequireErrAt[posErr](tb, err, errSentinel, 3, 23) }); r.failed || e.off != 3 {
		t.Errorf("a matching error failed: %q", r.msgs)
	}
	for _, tc := range []struct {
		name  string
		check func(tb testing.TB)
		fatal bool
	}{
		{"nil", func(tb testing.TB) { RequireErr[posErr](tb, nil, errSentinel, 3) }, true},
		{"other sentinel", func(tb testing.TB) { RequireErr[posErr](tb, err, errOther, 3) }, true},
		{"other type", func(tb testing.TB) { RequireErr[*otherErr](tb, err, errSentinel, 3) }, true},
		{"offset", func(tb testing.TB) { RequireErr[posErr](tb, err, errSentinel, 4) }, false},
		{"pointer", func(tb testing.TB) { RequireErrAt[posErr](tb, err, errSentinel, 3, 24) }, false},
	} {
		if r := record(t, tc.check); !r.failed || r.fatal != tc.fatal {
			t.Errorf("%s: failed %v, fatal %v, want fatal %v", tc.name, r.failed, r.fatal, tc.fatal)
		}
	}
}

func TestPosition(t *testing.T) {
	var off, ptr int
	record(t, func(tb testing.TB) { off, ptr = Position(tb, fmt.Errorf("x: %w", posErr{errSentinel, 3, 23, true})) })
	if off != 3 || ptr != 23 {
		t.Errorf("Position = %d, %d, want 3, 23", off, ptr)
	}
	record(t, func(tb testing.TB) { off, ptr = Position(tb, posErr{errSentinel, 3, 23, false}) })
	if off != -1 || ptr != -1 {
		t.Errorf("Position without one = %d, %d, want -1, -1", off, ptr)
	}
	if r := record(t, func(tb testing.TB) { Position(tb, errSentinel) }); !r.fatal {
		t.Error("Position of an error without one did not end the test")
	}
}
