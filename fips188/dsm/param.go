package dsm

import (
	"encoding/binary"
	"strconv"

	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// ParamType is the type octet of a network SID parameter, the
// type-length-value items DSM packed into the data of a FIPS 188 free-form
// tag (RULES.md §3).
type ParamType uint8

// The parameter types DSM defined.
const (
	ParamBypass       ParamType = 1 // bypass: no value, length 2
	ParamPolicySerial ParamType = 2 // policy serial number, u32
	ParamSourceSID    ParamType = 3 // source (process) security ID, u32
	ParamMessageSID   ParamType = 4 // message security ID, u32
	ParamDestSID      ParamType = 5 // destination security ID, u32
	ParamNodeID       ParamType = 6 // node ID, u32
)

// Known reports whether t is one of the six parameter types DSM defined.
func (t ParamType) Known() bool { return t >= ParamBypass && t <= ParamNodeID }

// Len is the length of a parameter of type t, type and length octets
// included: 2 for bypass, 6 for the u32 parameters, 0 for unknown types.
func (t ParamType) Len() int {
	switch {
	case t == ParamBypass:
		return 2
	case t.Known():
		return 6
	}
	return 0
}

var paramNames = [...]string{"", "bypass", "policy-serial", "ssid", "msid", "dsid", "node"}

// String gives the short name ("ssid", "node", ...) or "param(N)".
func (t ParamType) String() string {
	if t.Known() {
		return paramNames[t]
	}
	return "param(" + strconv.Itoa(int(t)) + ")"
}

// ParamSet is a set of parameter types: bit 1<<t for type t.
type ParamSet uint8

// AllParams is the set of the six known parameter types.
const AllParams ParamSet = 1<<ParamBypass | 1<<ParamPolicySerial | 1<<ParamSourceSID |
	1<<ParamMessageSID | 1<<ParamDestSID | 1<<ParamNodeID

// ParamsOf returns the set holding the given types.
func ParamsOf(ts ...ParamType) ParamSet {
	var s ParamSet
	for _, t := range ts {
		s = s.With(t)
	}
	return s
}

// Has reports whether t is in s.
func (s ParamSet) Has(t ParamType) bool { return t < 8 && s&(1<<t) != 0 }

// With returns s with t added (unchanged for types 8 and above, which do
// not fit the set).
func (s ParamSet) With(t ParamType) ParamSet {
	if t >= 8 {
		return s
	}
	return s | 1<<t
}

// Without returns s with t removed.
func (s ParamSet) Without(t ParamType) ParamSet {
	if t >= 8 {
		return s
	}
	return s &^ (1 << t)
}

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
//	it := dsm.NewParamIter(data)
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
