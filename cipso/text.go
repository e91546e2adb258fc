package cipso

import (
	"encoding"
	"strconv"
)

// ParseLabel reads an SELinux MLS/MCS level string: "s" and the
// sensitivity, then optionally ":" and a comma-separated category list
// whose items are "cN" or "cN.cM" (N < M, every category from N to M), as
// in "s0", "s3:c0,c5.c9" (the syntax of SELinux's mls_context_to_sid for
// one level, with numbers for names). Categories may come in any order and
// repeat. Errors are *[ipopt.ParseError] (Line 1) unwrapping to ErrSyntax, or to
// ErrSetFull when the categories need more runs above 255 than a [CatSet]
// holds.
func ParseLabel(s string) (Label, error) {
	var l Label
	if len(s) == 0 || s[0] != 's' {
		return l, perr(1, ErrSyntax, `a level starts with "s"`)
	}
	i := 1
	lv, j, err := labelNum(s, i, "sensitivity")
	if err != nil {
		return l, err
	}
	l.Level, i = uint32(lv), j
	if i == len(s) {
		return l, nil
	}
	if s[i] != ':' {
		return l, perr(i+1, ErrSyntax, `expected ":" after the sensitivity`)
	}
	i++
	for {
		start := i
		if i >= len(s) || s[i] != 'c' {
			return l, perr(i+1, ErrSyntax, `a category starts with "c"`)
		}
		lo, j, err := labelNum(s, i+1, "category")
		if err != nil {
			return l, err
		}
		hi := lo
		i = j
		if i < len(s) && s[i] == '.' {
			if i+1 >= len(s) || s[i+1] != 'c' {
				return l, perr(i+2, ErrSyntax, `a category starts with "c"`)
			}
			if hi, j, err = labelNum(s, i+2, "category"); err != nil {
				return l, err
			}
			if hi <= lo {
				return l, perr(i+2, ErrSyntax, "a category range must go up")
			}
			i = j
		}
		if err := l.Cats.AddRange(uint32(lo), uint32(hi)); err != nil {
			return l, perr(start+1, err, "too many separate categories above 255")
		}
		if i == len(s) {
			return l, nil
		}
		if s[i] != ',' {
			return l, perr(i+1, ErrSyntax, `expected "," between categories`)
		}
		i++
	}
}

// labelNum reads the decimal number at s[i:], returning it and the index
// after it.
func labelNum(s string, i int, what string) (uint64, int, error) {
	j := i
	var v uint64
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		v = v*10 + uint64(s[j]-'0')
		if v > 1<<32-1 {
			return 0, 0, perr(i+1, ErrSyntax, what+" above 4294967295")
		}
		j++
	}
	if j == i {
		return 0, 0, perr(i+1, ErrSyntax, "missing "+what+" number")
	}
	return v, j, nil
}

// AppendText appends the label as an SELinux level string: "s3",
// "s3:c0,c5.c9" (the categories as [CatSet.AppendText] writes them, runs
// of three or more as "cN.cM", as SELinux's mls_sid_to_context does). It
// implements encoding.TextAppender and never fails.
func (l Label) AppendText(b []byte) ([]byte, error) { return l.appendText(b), nil }

// appendText is AppendText on a pointer, for callers that hold one.
func (l *Label) appendText(b []byte) []byte {
	b = append(b, 's')
	b = strconv.AppendUint(b, uint64(l.Level), 10)
	if !l.Cats.IsEmpty() {
		b = append(b, ':')
		b = l.Cats.appendText(b)
	}
	return b
}

// MarshalText implements encoding.TextMarshaler with the AppendText form,
// so that a Label field marshals as text ("s3:c0,c5").
func (l Label) MarshalText() ([]byte, error) { return l.appendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with [ParseLabel]; on
// error l is unchanged.
func (l *Label) UnmarshalText(b []byte) error {
	x, err := ParseLabel(string(b))
	if err != nil {
		return err
	}
	*l = x
	return nil
}

// String gives the level string, for logs.
func (l Label) String() string {
	var buf [64]byte
	return string(l.appendText(buf[:0]))
}

var (
	_ stringer                 = Label{}
	_ encoding.TextAppender    = Label{}
	_ encoding.TextMarshaler   = Label{}
	_ encoding.TextUnmarshaler = (*Label)(nil)
)
