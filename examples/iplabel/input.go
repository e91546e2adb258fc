package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// hexError is an options field that cannot be read: bad hex or too long.
// Col is the 1-based byte of the input text at fault (0 when the fault is
// the whole field).
type hexError struct {
	Col int
	Msg string
}

func (e *hexError) Error() string {
	if e.Col > 0 {
		return "byte " + strconv.Itoa(e.Col) + ": " + e.Msg
	}
	return e.Msg
}

// parseHexField reads one options field written as hex and appends its
// octets to dst, padded with EOL octets to a multiple of 4 (as the kernel
// pads IP_OPTIONS). Accepted forms: "860a0000...", "86 0a 00 00",
// "86:0a:00:00", "0x86 0x0a", "0x860a0000"; "-" alone is the empty field.
// Spaces, tabs and ':' separate octets or groups; "0x" may start any group.
// A field over 40 octets is refused. On error dst is returned unchanged.
func parseHexField(dst []byte, s string) ([]byte, error) {
	if s == "-" {
		return dst, nil
	}
	start := len(dst)
	dst, err := parseHex(dst, s, ipopt.MaxOptionsLen, "options field over 40 octets")
	if err != nil {
		return dst, err
	}
	for n := len(dst) - start; n < ipopt.PaddedLen(n); n++ {
		dst = append(dst, byte(ipopt.EOL))
	}
	return dst, nil
}

// parseHex appends the octets of s, written in parseHexField's forms, to
// dst; more than max octets fail with tooLong. On error dst is returned
// unchanged.
func parseHex(dst []byte, s string, max int, tooLong string) ([]byte, error) {
	start := len(dst)
	fail := func(col int, msg string) ([]byte, error) {
		return dst[:start], &hexError{col, msg}
	}
	groupStart := true
	hi, half := byte(0), false
	halfCol := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ', '\t', ':', '\r':
			if half {
				return fail(halfCol, "odd number of hex digits in a group")
			}
			groupStart = true
			continue
		}
		if groupStart && c == '0' && i+1 < len(s) && (s[i+1] == 'x' || s[i+1] == 'X') {
			if i+2 == len(s) || !isHex(s[i+2]) {
				return fail(i+1, "no hex digits after 0x")
			}
			i++
			groupStart = false
			continue
		}
		groupStart = false
		v, ok := unhex(c)
		if !ok {
			return fail(i+1, "not a hex digit: "+strconv.QuoteRune(rune(c)))
		}
		if !half {
			hi, half, halfCol = v, true, i+1
			continue
		}
		if len(dst)-start >= max {
			return fail(halfCol, tooLong)
		}
		dst = append(dst, hi<<4|v)
		half = false
	}
	if half {
		return fail(halfCol, "odd number of hex digits")
	}
	return dst, nil
}

func isHex(c byte) bool {
	_, ok := unhex(c)
	return ok
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// field is one input options field, with where it came from for messages.
type field struct {
	where string // "argument 2", "line 7"
	opts  []byte // valid when err is nil; reused by the next field
	err   error  // a *hexError
}

// maxLine is the longest input line read, not counting its newline ("\n"
// or "\r\n"); a 40-octet field written with "0x" and a separator per
// octet takes 200 bytes.
const maxLine = 64 << 10

// errLongLine is the field error of a line over maxLine.
var errLongLine = &hexError{Msg: "line longer than " + strconv.Itoa(maxLine) + " bytes"}

// forEachField calls f for every options field: each argument, or when
// there are none each line of in that is not empty and does not start
// with '#'. A line over maxLine bytes is a field error of its own (even a
// comment line), given to f like a bad hex field; the rest of that line is
// read and dropped in buffer-sized pieces, never kept, and the next line
// is read as usual. It stops at the first error f returns; a read error
// from in is returned as "stdin: after line N: ...".
func forEachField(args []string, in io.Reader, f func(fl *field) error) error {
	var buf [ipopt.MaxOptionsLen]byte
	return forEachInput(args, in, buf[:0], parseHexField, f)
}

// forEachInput is forEachField with another reader of one input (parse
// appends its octets to buf, whose room it reuses).
func forEachInput(args []string, in io.Reader, buf []byte, parse func(dst []byte, s string) ([]byte, error), f func(fl *field) error) error {
	var fl field
	if len(args) > 0 {
		for i, a := range args {
			fl.where = "argument " + strconv.Itoa(i+1)
			fl.opts, fl.err = parse(buf[:0], a)
			if err := f(&fl); err != nil {
				return err
			}
		}
		return nil
	}
	// Room for the longest line and its "\r\n": a line that does not end
	// within the buffer is too long.
	br := bufio.NewReaderSize(in, maxLine+2)
	line := 0
	for {
		b, rerr := br.ReadSlice('\n')
		if len(b) == 0 && rerr == io.EOF {
			return nil
		}
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			return fmt.Errorf("stdin: after line %d: %w", line, rerr)
		}
		line++
		long := rerr == bufio.ErrBufferFull
		for rerr == bufio.ErrBufferFull {
			_, rerr = br.ReadSlice('\n') // skip the rest of the line
			if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
				return fmt.Errorf("stdin: line %d: %w", line, rerr)
			}
		}
		if !long {
			b = bytes.TrimSuffix(b, []byte{'\n'})
			long = len(bytes.TrimSuffix(b, []byte{'\r'})) > maxLine
		}
		if long {
			fl.where = "line " + strconv.Itoa(line)
			fl.opts, fl.err = buf[:0], errLongLine
			if err := f(&fl); err != nil {
				return err
			}
		} else if s := trimSpace(string(b)); s != "" && s[0] != '#' {
			fl.where = "line " + strconv.Itoa(line)
			fl.opts, fl.err = parse(buf[:0], s)
			if err := f(&fl); err != nil {
				return err
			}
		}
		if rerr == io.EOF {
			return nil
		}
	}
}

func trimSpace(s string) string {
	for len(s) > 0 && (s[0] == ' ' || s[0] == '\t') {
		s = s[1:]
	}
	for len(s) > 0 && (s[len(s)-1] == ' ' || s[len(s)-1] == '\t' || s[len(s)-1] == '\r') {
		s = s[:len(s)-1]
	}
	return s
}
