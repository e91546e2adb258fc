package rfc1108

import (
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// ParseSpec reads a label written as comma-separated key=value pairs, the
// form command lines and configuration files use:
//
//	level=secret,authorities=genser+nsa
//	level=unclassified
//	level=0xf1,authorities=flag-12,paf-octets=3
//
// Keys, each at most once, in any order:
//
//   - level (required): a [ParseClassification] name or "0xNN";
//   - authorities: [ParseAuthorities] names joined by "+" (may be empty);
//   - paf-octets: the length of the PAF field in decimal, 0 to
//     MaxPAFOctets; less than the authorities need counts as what they need.
//
// The Label has PAFOctets set to the PAF length its encoding will have,
// as a decoder would set it: max(paf-octets, Authorities.MinOctets()).
// Errors are *ipopt.ParseError values that unwrap to ErrBadSpec. ParseSpec
// does not allocate on success.
func ParseSpec(s string) (Label, error) { return parseSpec(s) }

func parseSpec[T string | []byte](s T) (Label, error) {
	var l Label
	var seen [3]bool
	for start := 0; start <= len(s); {
		end := start
		for end < len(s) && s[end] != ',' {
			end++
		}
		kv := s[start:end]
		eq := 0
		for eq < len(kv) && kv[eq] != '=' {
			eq++
		}
		if eq == len(kv) {
			return Label{}, specError("missing '=' in", string(kv))
		}
		k, v := kv[:eq], kv[eq+1:]
		var i int
		var err error
		switch string(k) {
		case "level":
			i = 0
			l.Level, err = parseClassification(v)
		case "authorities":
			i = 1
			l.Authorities, err = parseAuthorities(v)
		case "paf-octets":
			i = 2
			var n uint64
			n, err = strconv.ParseUint(string(v), 10, 8)
			if err != nil || n > MaxPAFOctets {
				return Label{}, specError("paf-octets", string(v))
			}
			l.PAFOctets = uint8(n)
		default:
			return Label{}, specError("unknown key", string(k))
		}
		if err != nil {
			return Label{}, err
		}
		if seen[i] {
			return Label{}, specError("repeated key", string(k))
		}
		seen[i] = true
		start = end + 1
	}
	if !seen[0] {
		return Label{}, specError("missing key", "level")
	}
	l.PAFOctets = uint8(l.PAFLen())
	return l, nil
}

// AppendSpec appends l in the [ParseSpec] syntax: the level, then the
// authorities if there are any, then paf-octets if l.PAFOctets asks for
// more octets than the authorities need. ParseSpec reads back a Label that
// encodes to the same octets as l, and equals l (==) whenever l.PAFOctets
// is at least l.Authorities.MinOctets(), as it is in every decoded label.
func AppendSpec(dst []byte, l Label) []byte {
	dst = append(dst, "level="...)
	dst = append(dst, l.Level.String()...)
	if !l.Authorities.IsEmpty() {
		dst = append(dst, ",authorities="...)
		dst = l.Authorities.appendText(dst)
	}
	if int(l.PAFOctets) > l.Authorities.MinOctets() {
		dst = append(dst, ",paf-octets="...)
		dst = strconv.AppendUint(dst, uint64(l.PAFOctets), 10)
	}
	return dst
}

// specError reports text that does not parse: an *ipopt.ParseError (no
// line or column) that unwraps to ErrBadSpec. Parsing is not a wire path,
// so it allocates.
func specError(what, input string) error {
	return &ipopt.ParseError{Err: ErrBadSpec, Msg: what + " " + strconv.Quote(input)}
}
