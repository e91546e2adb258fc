// Package lines reads text configuration a line at a time with a bound on
// the line length, for the netlabelctl-syntax parsers of cipso and
// calipso (one reader, so both treat long lines, "\r\n" and a missing
// final newline alike).
package lines

import (
	"bufio"
	"bytes"
	"io"
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// Each calls f with each line of r (1-based number, text without its
// "\n"; a "\r" before it stays, for the caller's tokenizer) until f
// returns an error or r ends. A line longer than max octets (not counting
// its line ending) is not read further: Each returns an *ipopt.ParseError
// at that line, column max+1, wrapping tooLong. Read errors are returned
// as they are.
func Each(r io.Reader, max int, tooLong error, f func(line int, text string) error) error {
	// Room for the longest line and its "\r\n": a line that does not end
	// within the buffer is too long.
	br := bufio.NewReaderSize(r, max+2)
	for line := 1; ; line++ {
		b, rerr := br.ReadSlice('\n')
		if rerr != nil && rerr != io.EOF && rerr != bufio.ErrBufferFull {
			return rerr
		}
		if len(b) == 0 && rerr == io.EOF {
			return nil
		}
		b = bytes.TrimSuffix(b, []byte{'\n'})
		if rerr == bufio.ErrBufferFull || len(bytes.TrimSuffix(b, []byte{'\r'})) > max {
			return &ipopt.ParseError{Line: line, Column: max + 1, Err: tooLong,
				Msg: "line longer than " + strconv.Itoa(max) + " bytes"}
		}
		if err := f(line, string(b)); err != nil {
			return err
		}
		if rerr == io.EOF {
			return nil
		}
	}
}
