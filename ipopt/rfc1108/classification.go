package rfc1108

import (
	"encoding"
	"fmt"
)

var (
	_ fmt.Stringer             = Classification(0)
	_ encoding.TextAppender    = Classification(0)
	_ encoding.TextMarshaler   = Classification(0)
	_ encoding.TextUnmarshaler = (*Classification)(nil)
)

// Classification is the classification level octet of a Basic Security
// Option (RFC 1108 §2.3, Table 1; RULES.md §3).
//
// The eight table values are sparse codes chosen with a Hamming distance of
// at least 4, so their numeric order means nothing: compare levels with
// [Classification.Compare] or [Classification.Rank], never with <. Any of
// the 256 octet values can be held (a decoder keeps what it read); only the
// four assigned ones are valid in a strict receiver.
type Classification uint8

// The values of RFC 1108 Table 1, listed in table order, from the highest
// level (Reserved 4) to the lowest (Reserved 1): RFC 1108 §2.3 makes the
// order of the table the order for comparison.
const (
	Reserved4    Classification = 0x01
	TopSecret    Classification = 0x3D
	Secret       Classification = 0x5A
	Confidential Classification = 0x96
	Reserved3    Classification = 0x66
	Reserved2    Classification = 0xCC
	Unclassified Classification = 0xAB
	Reserved1    Classification = 0xF1
)

// rank holds each table value's position counted from the bottom of the
// table (Reserved 1 is 1, Reserved 4 is 8); other octets rank 0.
var rank = [256]uint8{
	Reserved1: 1, Unclassified: 2, Reserved2: 3, Reserved3: 4,
	Confidential: 5, Secret: 6, TopSecret: 7, Reserved4: 8,
}

var classNames = [256]string{
	Reserved1: "reserved-1", Unclassified: "unclassified", Reserved2: "reserved-2",
	Reserved3: "reserved-3", Confidential: "confidential", Secret: "secret",
	TopSecret: "top-secret", Reserved4: "reserved-4",
}

// Rank is the level's place in RFC 1108 Table 1 counted from the lowest:
// 1 Reserved 1, 2 Unclassified, 3 Reserved 2, 4 Reserved 3, 5
// Confidential, 6 Secret, 7 Top Secret, 8 Reserved 4. Octets that are not
// in the table rank 0.
func (c Classification) Rank() int { return int(rank[c]) }

// InTable reports whether c is one of the eight values of Table 1.
func (c Classification) InTable() bool { return rank[c] != 0 }

// Assigned reports whether c is one of the four assigned levels (Top
// Secret, Secret, Confidential, Unclassified): the only ones a strict
// receiver accepts, the reserved four being "out-of-range" (RFC 1108
// §2.3).
func (c Classification) Assigned() bool {
	return c == TopSecret || c == Secret || c == Confidential || c == Unclassified
}

// Reserved reports whether c is one of the four reserved table values.
func (c Classification) Reserved() bool { return c.InTable() && !c.Assigned() }

// Compare orders levels by Table 1: it returns -1 if c is lower than d, +1
// if higher and 0 if they are equal. Octets outside the table rank below
// every table value and are ordered among themselves by numeric value, so
// Compare is a total order that agrees with ==. Policy code should refuse
// such octets rather than rely on where they sort.
func (c Classification) Compare(d Classification) int {
	rc, rd := rank[c], rank[d]
	switch {
	case rc < rd:
		return -1
	case rc > rd:
		return 1
	case rc != 0 || c == d:
		return 0
	case c < d:
		return -1
	}
	return 1
}

// Name is the short lowercase name of a table value: "top-secret",
// "secret", "confidential", "unclassified", "reserved-1" ... "reserved-4".
// Octets outside the table have no name ("").
func (c Classification) Name() string { return classNames[c] }

// String is the name, or the octet in hex ("0x00") for octets outside the
// table. [ParseClassification] reads both forms back.
func (c Classification) String() string {
	if n := classNames[c]; n != "" {
		return n
	}
	return hexOctet[c]
}

// AppendText implements encoding.TextAppender with the String form.
func (c Classification) AppendText(b []byte) ([]byte, error) { return append(b, c.String()...), nil }

// MarshalText implements encoding.TextMarshaler with the String form.
func (c Classification) MarshalText() ([]byte, error) { return c.AppendText(nil) }

// UnmarshalText implements encoding.TextUnmarshaler with
// [ParseClassification].
func (c *Classification) UnmarshalText(b []byte) error {
	v, err := parseClassification(b)
	if err != nil {
		return err
	}
	*c = v
	return nil
}

// ParseClassification reads a level written as [Classification.String]
// writes it: a table name ("secret", "reserved-2") or two hex digits after
// "0x" ("0x5a", "0x00"). Names are lowercase. Errors unwrap to ErrBadSpec.
func ParseClassification(s string) (Classification, error) {
	return parseClassification(s)
}

func parseClassification[T string | []byte](s T) (Classification, error) {
	for _, c := range tableOrder {
		if string(s) == classNames[c] {
			return c, nil
		}
	}
	if v, ok := parseHexOctet(s); ok {
		return Classification(v), nil
	}
	return 0, specError("classification", string(s))
}

// tableOrder lists Table 1 from the top (Reserved 4) to the bottom.
var tableOrder = [...]Classification{Reserved4, TopSecret, Secret, Confidential, Reserved3, Reserved2, Unclassified, Reserved1}

// parseHexOctet reads "0x" and exactly two hex digits, either case.
func parseHexOctet[T string | []byte](s T) (uint8, bool) {
	if len(s) != 4 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X') {
		return 0, false
	}
	hi, ok1 := unhex(s[2])
	lo, ok2 := unhex(s[3])
	return hi<<4 | lo, ok1 && ok2
}

func unhex(c byte) (uint8, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// hexOctet holds "0x00" ... "0xff" so that String never allocates.
var hexOctet = func() (t [256]string) {
	const digits = "0123456789abcdef"
	for i := range t {
		t[i] = string([]byte{'0', 'x', digits[i>>4], digits[i&15]})
	}
	return t
}()
