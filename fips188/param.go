package fips188

import (
	"encoding/binary"

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
type ParamIter struct {
	b    []byte
	off  int
	cur  Param
	err  error
	done bool
}

// NewParamIter starts a walk over a parameter list.
func NewParamIter(data []byte) ParamIter { return ParamIter{b: data} }

var (
	errParamTrunc = ipopt.NewErrorKind(ipopt.ErrTruncated, "parameter", ipopt.Malformed)
	errParamLen   = ipopt.NewErrorKind(ipopt.ErrBadLength, "parameter length", ipopt.Malformed)
)

// Next advances to the next parameter and reports whether there is one.
func (it *ParamIter) Next() bool {
	if it.done {
		return false
	}
	off := it.off
	if off >= len(it.b) {
		it.done = true
		return false
	}
	if off+1 >= len(it.b) {
		return it.fail(errParamTrunc.At(off))
	}
	n := int(it.b[off+1])
	if n < 2 || n > len(it.b)-off {
		return it.fail(errParamLen.At(off + 1))
	}
	it.cur = Param{Offset: off, Type: ParamType(it.b[off]), Bytes: it.b[off : off+n : off+n]}
	it.off = off + n
	return true
}

func (it *ParamIter) fail(e ipopt.Error) bool {
	it.err, it.done, it.cur = e, true, Param{}
	return false
}

// Param is the parameter Next stopped at.
func (it *ParamIter) Param() Param { return it.cur }

// Err is the framing error that ended the walk, or nil.
func (it *ParamIter) Err() error { return it.err }
