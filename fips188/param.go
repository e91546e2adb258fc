package fips188

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// Param is one network SID parameter found by [ParamIter]: where it
// starts, its type and its octets. Bytes aliases the walked slice.
type Param struct {
	// Offset is the parameter's type octet, counted from the start of the
	// slice given to NewParamIter.
	Offset int
	// Type is the parameter type, known or not.
	Type ParamType
	// Bytes is the whole parameter: type, length (counting both) and value.
	Bytes []byte
}

// Len is the parameter's length octet.
func (p Param) Len() int { return len(p.Bytes) }

// Value is the parameter's value: the octets after its type and length.
func (p Param) Value() []byte {
	if len(p.Bytes) < 2 {
		return nil
	}
	return p.Bytes[2:]
}

// Uint32 is the big-endian value of a 6-octet parameter; ok is false for
// any other length.
func (p Param) Uint32() (v uint32, ok bool) {
	if len(p.Bytes) != 6 {
		return 0, false
	}
	return binary.BigEndian.Uint32(p.Bytes[2:]), true
}

// ParamIter walks a network SID parameter list (the data of a free-form
// tag) one type-length-value item at a time, known types and unknown ones
// alike. It checks only the framing: a lone octet at the end
// (ipopt.ErrTruncated, at that octet) and a length below 2 or past the end
// (ipopt.ErrBadLength, at the length octet). Offsets count from the start
// of the walked slice (use ipopt.Shift to move them).
//
// ParamIter is a small value; the error is sticky.
//
//	it := fips188.NewParamIter(data)
//	for it.Next() {
//		p := it.Param()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
type ParamIter struct{ w tlv.Walker }

// NewParamIter starts a walk over a parameter list.
func NewParamIter(data []byte) ParamIter { return ParamIter{tlv.Walker{B: data}} }

var (
	errParamTrunc = ipopt.NewErrorKind(ipopt.ErrTruncated, "parameter", ipopt.Malformed)
	errParamLen   = ipopt.NewErrorKind(ipopt.ErrBadLength, "parameter length", ipopt.Malformed)
)

// Next advances to the next parameter and reports whether there is one.
func (it *ParamIter) Next() bool { return it.w.Next() }

// Param is the parameter Next stopped at.
func (it *ParamIter) Param() Param {
	b := it.w.Item()
	if b == nil {
		return Param{}
	}
	return Param{Offset: it.w.Cur, Type: ParamType(b[0]), Bytes: b}
}

// Err is the framing error that ended the walk, or nil.
func (it *ParamIter) Err() error { return paramErr(it.w.State, it.w.Off) }

func paramErr(s tlv.State, off int) error {
	switch s {
	case tlv.Truncated:
		return errParamTrunc.At(off)
	case tlv.BadLength:
		return errParamLen.At(off + 1)
	}
	return nil
}
