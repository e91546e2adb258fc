package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// ESO is a zero-copy view of one Extended Security Option, type octet first
// (RFC 1108 §3; RULES.md §2):
//
//	+----------+----------+-------------+-------------------------------+
//	| 10000101 | length   | format code | additional security info ...  |
//	|   133    |  >= 3    |             |                               |
//	+----------+----------+-------------+-------------------------------+
//
// The format code is assigned to an authority that defines the syntax of
// the octets after it, so this package keeps them as bytes. An ESO may
// appear several times in a datagram, and only together with a BSO (checked
// by [Strict]).
type ESO []byte

// ParseESO checks the framing of the option at the start of b as
// [ParseBSO] does (type 133, length 3 to 40 and within b) and returns the
// view of its octets.
func ParseESO(b []byte) (ESO, error) {
	n, err := parseFraming(b, ipopt.ESEC)
	if err != nil {
		return nil, err
	}
	return ESO(b[:n:n]), nil
}

// Len is the option's length.
func (e ESO) Len() int { return len(e) }

// FormatCode is the Additional Security Info Format Code.
func (e ESO) FormatCode() uint8 { return e[2] }

// Info is the additional security information after the format code
// (possibly empty). It aliases the view.
func (e ESO) Info() []byte { return e[3:] }

// MaxESOInfo is the most additional security information that fits: a
// 40-octet options field less type, length and format code.
const MaxESOInfo = ipoptMax - 3

// ESOLen is the length of an ESO with n octets of information: 3 + n.
func ESOLen(n int) int { return 3 + n }

// AppendESO appends an ESO with format code fc and information info. It
// fails, appending nothing, with ipopt.ErrTooLong (class Limit, offset 3)
// when info is longer than MaxESOInfo.
func AppendESO(dst []byte, fc uint8, info []byte) ([]byte, error) {
	if len(info) > MaxESOInfo {
		return dst, errInfoTooLong.At(3)
	}
	dst = append(dst, byte(ipopt.ESEC), byte(3+len(info)), fc)
	return append(dst, info...), nil
}
