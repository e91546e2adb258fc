package ipopt

import "strconv"

// ParseError is the error of every text parser in this module: a
// netlabelctl configuration line or a level string (cipso.ParseConfig,
// cipso.ParseCommand, cipso.ParseLabel), a DOI definition made in code
// (cipso.NewPass, cipso.NewTrans, ...), an RFC 1108 label specification
// (rfc1108.ParseSpec and the name parsers). Err is the sentinel for
// errors.Is; Msg says what is wrong with which item.
//
// Line and Column are 1-based and say where the item at fault is, as the
// input has them: a configuration gives both (Column counts bytes), a
// level string Line 1 and its column; input without lines or positions (a
// definition made in code, a label specification) leaves both 0.
type ParseError struct {
	Line, Column int
	Err          error
	Msg          string
}

// Error gives "line L, column C: <sentinel>: <message>", without the
// position when Line is 0 and without ": <message>" when Msg is empty.
func (e *ParseError) Error() string {
	var s string
	if e.Line > 0 {
		s = "line " + strconv.Itoa(e.Line) + ", column " + strconv.Itoa(e.Column) + ": "
	}
	if e.Err != nil {
		s += e.Err.Error()
	}
	if e.Msg != "" {
		s += ": " + e.Msg
	}
	return s
}

// Unwrap returns the sentinel.
func (e *ParseError) Unwrap() error { return e.Err }

var _ error = (*ParseError)(nil)
