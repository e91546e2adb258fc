package rfc1108

import (
	"encoding"
	"fmt"
)

var (
	_ fmt.Stringer             = Label{}
	_ encoding.TextAppender    = Label{}
	_ encoding.TextMarshaler   = Label{}
	_ encoding.TextUnmarshaler = (*Label)(nil)
)

// Label is the content of a Basic Security Option: a classification level
// and a set of protection authorities (RFC 1108 §2.3–§2.4). It is a small
// comparable value; decoders fill a caller's Label, encoders read one.
type Label struct {
	// Level is the classification octet, as read or to be written.
	Level Classification
	// Authorities are the protection authority flags that are set.
	Authorities Authorities
	// PAFOctets is the length of the Protection Authority Flags field.
	// Decoders set it to what the option carried (0 when the field is
	// absent). Encoders write max(PAFOctets, Authorities.MinOctets())
	// octets, the extra ones with no flag set, so that every decoded label
	// encodes back to the same octets. Leave it 0 to get the minimal
	// encoding.
	PAFOctets uint8
}

// Equal reports whether l and m carry the same level and authorities,
// whatever their PAF lengths.
func (l Label) Equal(m Label) bool {
	return l.Level == m.Level && l.Authorities == m.Authorities
}

// Dominates reports whether l dominates m: l's level is at or above m's in
// RFC 1108 Table 1 order and l holds every protection authority m holds.
// Treating authority sets like categories (superset dominates) is this
// package's reading; RFC 1108 states no rule (RULES.md §9).
// Levels outside Table 1 dominate nothing and are dominated by nothing.
func (l Label) Dominates(m Label) bool {
	return l.Level.InTable() && m.Level.InTable() &&
		l.Level.Compare(m.Level) >= 0 && m.Authorities.SubsetOf(l.Authorities)
}

// PAFLen is the number of PAF octets an encoder writes for l:
// max(PAFOctets, Authorities.MinOctets()).
func (l Label) PAFLen() int {
	return max(int(l.PAFOctets), l.Authorities.MinOctets())
}

// Len is the length of the BSO that encodes l: 3 + PAFLen.
func (l Label) Len() int { return 3 + l.PAFLen() }

// String is the label in the [ParseSpec] syntax
// ("level=secret,authorities=genser+nsa").
func (l Label) String() string { return string(AppendSpec(nil, l)) }

// AppendText implements encoding.TextAppender with the [AppendSpec] form.
func (l Label) AppendText(b []byte) ([]byte, error) { return AppendSpec(b, l), nil }

// MarshalText implements encoding.TextMarshaler with the [AppendSpec] form.
func (l Label) MarshalText() ([]byte, error) { return AppendSpec(nil, l), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseSpec].
func (l *Label) UnmarshalText(b []byte) error {
	v, err := parseSpec(b)
	if err != nil {
		return err
	}
	*l = v
	return nil
}
