package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// BSO is a zero-copy view of one Basic Security Option, type octet first
// (RFC 1108 §2, Figure 1; RULES.md §2):
//
//	+----------+----------+----------------+---------------------------+
//	| 10000010 | length   | classification | protection authority flags|
//	|   130    |  >= 3    |     level      |   0 or more octets        |
//	+----------+----------+----------------+---------------------------+
//
// A BSO value made by [ParseBSO] has a type of 130 and a length octet
// between 3 and 40 equal to len(BSO); its accessors need no further checks.
// The view does not check the PAF field; [BSO.Decode] does.
type BSO []byte

// ParseBSO checks the framing of the option at the start of b and returns
// the view of its length-octet octets (b may go on past the option, as an
// options field does). Errors, with offsets from the type octet:
//
//   - fewer than 2 octets: ipopt.ErrTruncated at 0;
//   - a type other than 130: ErrWrongType at 0;
//   - a length octet past the end of b: ipopt.ErrBadLength at 0, the
//     convention of [ipopt.Iter] and Linux's __ip_options_compile;
//   - a length below 3 (RFC 1108 §2.8.1 error processing) or above 40 (no
//     room in an IPv4 header): ipopt.ErrBadLength at 1.
func ParseBSO(b []byte) (BSO, error) {
	n, err := parseFraming(b, ipopt.SEC)
	if err != nil {
		return nil, err
	}
	return BSO(b[:n:n]), nil
}

// parseFraming checks type, length octet and bounds of an RFC 1108 option
// (both BSO and ESO have a minimum length of 3) and returns its length.
func parseFraming(b []byte, t ipopt.Type) (int, error) {
	if len(b) < 2 {
		return 0, ipopt.KindTruncated.At(0)
	}
	if ipopt.Type(b[0]) != t {
		return 0, errType.At(0)
	}
	n := int(b[1])
	if n > len(b) {
		return 0, ipopt.KindBadLength.At(0)
	}
	if n < 3 || n > ipoptMax {
		return 0, ipopt.KindBadLength.At(1)
	}
	return n, nil
}

// Len is the option's length (its length octet).
func (v BSO) Len() int { return len(v) }

// Level is the classification octet, whatever its value; 0 when v is
// shorter than 3 octets.
func (v BSO) Level() Classification {
	if len(v) < 3 {
		return 0
	}
	return Classification(v[2])
}

// PAF is every octet after the classification: the Protection Authority
// Flags field, followed by extraneous octets if the option is malformed;
// nil when v is shorter than 3 octets.
func (v BSO) PAF() []byte {
	if len(v) < 3 {
		return nil
	}
	return v[3:]
}

// Decode reads the view into *l. It checks the PAF framing (RULES.md §4:
// every PAF octet but the last has its Field Termination Indicator 0x01
// set, the last has it clear) and nothing else: any
// classification octet and any flag, assigned or not, is decoded; the
// strict profile ([Strict]) refuses those. Errors, offsets from the type
// octet:
//
//   - the last octet of the option has FTI = 1: ErrBadFTI at that octet;
//   - octets after the PAF octet with FTI = 0: ErrExtraneous at the first
//     of them;
//   - a view shorter than 3 octets, which [ParseBSO] never makes:
//     ipopt.ErrTruncated at 0.
//
// On error *l is not changed.
func (v BSO) Decode(l *Label) error {
	if len(v) < 3 {
		return ipopt.KindTruncated.At(0)
	}
	if err := checkPAF(v, 0, false); err != nil {
		return err
	}
	var out Label
	out.Level = Classification(v[2])
	paf := v[3:]
	for i, o := range paf {
		out.Authorities.setFlags(i, o)
	}
	out.PAFOctets = uint8(len(paf))
	*l = out
	return nil
}

// checkPAF checks the PAF field of option b (framing already checked),
// reporting offsets as base + offset in the option. With unassigned set it
// also refuses flags that name no assigned authority.
func checkPAF(b []byte, base int, unassigned bool) error {
	n := len(b)
	for i := 3; i < n; i++ {
		o := b[i]
		if unassigned {
			mask := byte(0xfe)
			if i == 3 {
				mask = 0x06
			}
			if o&mask != 0 {
				return errUnassigned.At(base + i)
			}
		}
		if o&1 == 0 {
			if i+1 < n {
				return errExtraneous.At(base + i + 1)
			}
			return nil
		}
		if i+1 == n {
			return errFTI.At(base + i)
		}
	}
	return nil
}

// DecodeBSO parses the BSO at the start of opt and decodes it into *l:
// [ParseBSO] then [BSO.Decode], with their errors (offsets from the type
// octet). On error *l is not changed.
func DecodeBSO(opt []byte, l *Label) error {
	v, err := ParseBSO(opt)
	if err != nil {
		return err
	}
	return v.Decode(l)
}

// FindLabel decodes the first BSO of an options field. It walks opts as
// [ipopt.Find] does (stopping at EOL and at the first framing error) and
// reports whether a BSO was found; err is the framing error that stopped
// the walk before a BSO, or the BSO's decoding error, with options-field
// offsets (l is then the zero Label). It checks neither the rest of the
// field nor the strict rules; see [Strict].
func FindLabel(opts []byte) (l Label, found bool, err error) {
	o, found, err := ipopt.Find(opts, ipopt.SEC)
	if !found {
		return Label{}, false, err
	}
	if err := DecodeBSO(o.Bytes, &l); err != nil {
		return Label{}, true, ipopt.Shift(err, o.Offset)
	}
	return l, true, nil
}

// BSOLen is the length of the minimal BSO carrying authorities a:
// 3 + a.MinOctets().
func BSOLen(a Authorities) int { return 3 + a.MinOctets() }

// AppendBSO appends the minimal BSO for level c and authorities a: as few
// PAF octets as the highest flag needs (none for the empty set), each but
// the last with its FTI set (RFC 1108 §2.4; RULES.md §4). Any
// classification octet is written, valid or not, so test rigs can build
// what a strict receiver refuses. It cannot fail for a set built by this
// package; the error is there for symmetry with [AppendLabel].
func AppendBSO(dst []byte, c Classification, a Authorities) ([]byte, error) {
	return AppendLabel(dst, Label{Level: c, Authorities: a})
}

// AppendLabel appends the BSO for l, with l.PAFLen() PAF octets. It
// fails, appending nothing, with ipopt.ErrTooLong (class Limit, offset 1)
// when l.PAFOctets asks for more than MaxPAFOctets.
func AppendLabel(dst []byte, l Label) ([]byte, error) {
	n := l.PAFLen()
	if n > MaxPAFOctets {
		return dst, errOptTooLong.At(1)
	}
	dst = append(dst, byte(ipopt.SEC), byte(3+n), byte(l.Level))
	for i := range n {
		o := l.Authorities.flags(i)
		if i+1 < n {
			o |= 1
		}
		dst = append(dst, o)
	}
	return dst, nil
}
