package dsm

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// Profile is a set of receiver rules for network SID labels: the checks
// DSM's receiver made (RULES.md §5) and the knobs that make them stricter
// or looser. It is a small value; the predefined profiles are [Receiver],
// [Lenient] and [Strict]'s.
//
// Whatever the profile, these checks are made in this order, each
// reported at the field it concerns (offsets from the option's type
// octet; see DSMPointers for the ICMP pointer):
//
//   - option type 134 (offset 0), cipso.ErrNotCIPSO;
//   - option length at least 10 and at most 40, within the slice (1),
//     ipopt.ErrBadLength;
//   - DOI equal to the profile's (2), cipso.ErrUnknownDOI;
//   - tag type 7, the free-form tag (6), cipso.ErrTagNotAllowed;
//   - tag length equal to the option length less 6, so the tag is the only
//     one (7), cipso.ErrBadTagLength;
//   - for each parameter at offset i: a type the profile accepts (i),
//     ErrUnknownParam; then a length of exactly 2 for bypass and 6 for the
//     others, not running past the option (i+1), ipopt.ErrBadLength; then
//     no repeat (i), ipopt.ErrDuplicate, and ascending order (i),
//     ErrParamOrder, when the profile asks;
//   - no octet left over after the last whole parameter (its offset),
//     ipopt.ErrTruncated;
//   - every required parameter present (8), ErrMissingParam, class
//     Policy.
//
// Every other failure is class Malformed.
type Profile struct {
	// DOI is the DOI the label must carry; 0 means DefaultDOI.
	DOI cipso.DOI
	// Accept is the set of parameter types accepted; 0 means all six.
	// Known types outside it are refused (ErrUnknownParam), as DSM's
	// receiver refused all but the source SID and the node ID.
	Accept ParamSet
	// Require is the set of parameters that must be present.
	Require ParamSet
	// SkipUnknown skips parameters of types other than the six (0, 7 to
	// 255) when their length is at least 2 and fits, instead of refusing
	// them.
	SkipUnknown bool
	// RejectDuplicates refuses a parameter type that appears twice. When it
	// is false the last occurrence wins, as a decoding loop that assigns
	// each parameter it meets does (our reading of DSM, which lists no
	// duplicate check; RULES.md §5).
	RejectDuplicates bool
	// Ordered refuses parameters that are not in ascending type order, the
	// order DSM wrote them and the order the encoders write. Under Ordered
	// and RejectDuplicates every accepted label round-trips byte for byte
	// through Label.
	Ordered bool
	// DSMPointers makes Pointer() give the values DSM reported instead of
	// Linux-style ones (offset + 20, counted from the IP header of a packet
	// whose label is the first option). DSM reported 0 for a wrong option
	// type or length, 2 for leftover octets, and otherwise one more than
	// the offset of the faulty field in the option (DOI 3, tag type 7, tag
	// length 8, parameter at i: i+1). That these are 1-based
	// option-relative offsets is our reading (RULES.md §5); Offset()
	// stays the 0-based offset either way.
	DSMPointers bool
}

// The predefined tunings. They are values: copy one and change a field to
// make a variant.
var (
	// Receiver is DSM's receiver as published (2002): only the source SID
	// and the node ID are accepted, duplicates are not checked (the last
	// wins), pointers are DSM's.
	Receiver = Profile{
		Accept:      ParamsOf(ParamSourceSID, ParamNodeID),
		DSMPointers: true,
	}
	// Lenient accepts the six parameter types, skips unknown ones and lets
	// the last of a repeated parameter win.
	Lenient = Profile{SkipUnknown: true}
)

// Strict is the strict reading of a network SID label: the six parameter
// types and nothing else, each at most once and in ascending order (the
// order DSM wrote them), with Linux-style pointers. Its zero value is
// ready to use; [Strict.Profile] gives the same rules as a Profile, to
// decode with or to change.
type Strict struct{}

// Profile is the Profile with Strict's rules.
func (Strict) Profile() Profile { return Profile{RejectDuplicates: true, Ordered: true} }

// CheckOption implements ipopt.OptionChecker with Strict's rules
// ([Profile.CheckOption]).
func (s Strict) CheckOption(o ipopt.Option, socket bool) error {
	return s.Profile().CheckOption(o, socket)
}

// Validate checks the label of an options field with Strict's rules
// ([Profile.Validate]).
func (s Strict) Validate(opts []byte) error { return s.Profile().Validate(opts) }

var (
	_ ipopt.OptionChecker = Profile{}
	_ ipopt.OptionChecker = Strict{}
)

// kinds are the failures of a label check with one pointer numbering.
type kinds struct {
	trunc, notCIPSO, optLen, doi, tagType, tagLen, unknown, paramLen, dup, order, leftover, missing ipopt.ErrorKind
}

var linuxKinds = kinds{
	trunc:    ipopt.NewErrorKind(ipopt.ErrTruncated, "option", ipopt.Malformed),
	notCIPSO: ipopt.NewErrorKind(cipso.ErrNotCIPSO, "option type", ipopt.Malformed),
	optLen:   ipopt.NewErrorKind(ipopt.ErrBadLength, "option length", ipopt.Malformed),
	doi:      cipso.KindUnknownDOI,
	tagType:  cipso.KindTagNotAllowed,
	tagLen:   cipso.KindBadTagLength,
	unknown:  ipopt.NewErrorKind(ErrUnknownParam, "parameter type", ipopt.Malformed),
	paramLen: ipopt.NewErrorKind(ipopt.ErrBadLength, "parameter length", ipopt.Malformed),
	dup:      ipopt.NewErrorKind(ipopt.ErrDuplicate, "parameter type", ipopt.Malformed),
	order:    ipopt.NewErrorKind(ErrParamOrder, "parameter type", ipopt.Malformed),
	leftover: ipopt.NewErrorKind(ipopt.ErrTruncated, "parameter", ipopt.Malformed),
	missing:  ipopt.NewErrorKind(ErrMissingParam, "parameters", ipopt.Policy),
}

var dsmKinds = kinds{
	trunc:    ipopt.NewErrorKind(ipopt.ErrTruncated, "option", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 0}),
	notCIPSO: ipopt.NewErrorKind(cipso.ErrNotCIPSO, "option type", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 0}),
	optLen:   ipopt.NewErrorKind(ipopt.ErrBadLength, "option length", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 0}),
	doi:      ipopt.NewErrorKind(cipso.ErrUnknownDOI, "doi", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	tagType:  ipopt.NewErrorKind(cipso.ErrTagNotAllowed, "tag type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	tagLen:   ipopt.NewErrorKind(cipso.ErrBadTagLength, "tag length", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	unknown:  ipopt.NewErrorKind(ErrUnknownParam, "parameter type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	// The offset is the length octet (i+1), DSM's pointer is i+1: base 0.
	paramLen: ipopt.NewErrorKind(ipopt.ErrBadLength, "parameter length", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 0}),
	dup:      ipopt.NewErrorKind(ipopt.ErrDuplicate, "parameter type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	order:    ipopt.NewErrorKind(ErrParamOrder, "parameter type", ipopt.Malformed, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
	leftover: ipopt.NewErrorKind(ipopt.ErrTruncated, "parameter", ipopt.Malformed, ipopt.KindOptions{FixedPointer: true, Pointer: 2}),
	missing:  ipopt.NewErrorKind(ErrMissingParam, "parameters", ipopt.Policy, ipopt.KindOptions{PointerBase: true, Pointer: 1}),
}

func (p Profile) kinds() *kinds {
	if p.DSMPointers {
		return &dsmKinds
	}
	return &linuxKinds
}

func (p Profile) doi() cipso.DOI {
	if p.DOI == 0 {
		return DefaultDOI
	}
	return p.DOI
}

// minLen is the shortest option a DSM receiver accepted (RULES.md §5:
// length < 10 is refused).
const minLen = 10

// Decode checks opt, a CIPSO option starting at its type octet, against
// the profile and on success stores the label in *n. Octets after the
// option's length are ignored, so opt may be the rest of an options
// field. On failure *n is unchanged and the error is an ipopt.Error with
// offsets counted from opt[0]. Decode does not allocate.
func (p Profile) Decode(opt []byte, n *Label) error {
	if doi, rules := usualRules(&p); decodeUsualOK(opt, doi, rules, n) {
		return nil
	}
	return p.decode(opt, n)
}

// decode is Decode's step-by-step walk, which names a failure and its
// offset.
func (p Profile) decode(opt []byte, n *Label) error {
	k := p.kinds()
	if len(opt) == 0 {
		return k.trunc.At(0)
	}
	if ipopt.Type(opt[0]) != ipopt.CIPSO {
		return k.notCIPSO.At(0)
	}
	if len(opt) < 2 {
		return k.trunc.At(0)
	}
	l := int(opt[1])
	if l < minLen || l > len(opt) || l > ipopt.MaxOptionsLen {
		return k.optLen.At(1)
	}
	opt = opt[:l]
	if cipso.DOI(binary.BigEndian.Uint32(opt[2:6])) != p.doi() {
		return k.doi.At(2)
	}
	if cipso.TagType(opt[6]) != cipso.TagFreeForm {
		return k.tagType.At(6)
	}
	if int(opt[7]) != l-6 {
		return k.tagLen.At(7)
	}
	return p.decodeParams(opt, 8, k, n)
}

// DecodeParams is Decode for a bare parameter list (the data of a
// free-form tag found some other way): only the parameter rules apply,
// and offsets count from data[0].
func (p Profile) DecodeParams(data []byte, n *Label) error {
	return p.decodeParams(data, 0, p.kinds(), n)
}

// decodeParams checks and decodes the parameters in b[start:]; offsets are
// indices into b.
func (p Profile) decodeParams(b []byte, start int, k *kinds, n *Label) error {
	accept := p.Accept
	if accept == 0 {
		accept = AllParams
	}
	var v Label
	last := ParamType(0)
	// The walk of ParamIter, written out: the parameter type is judged
	// before its length, and a lone octet at the end is left over.
	i := start
	for i < len(b) {
		pl, fr := tlv.Frame(b, i)
		if fr == tlv.Truncated {
			break
		}
		t := ParamType(b[i])
		known := t.Known()
		switch {
		case known && !accept.Has(t), !known && !p.SkipUnknown:
			return k.unknown.At(i)
		case fr == tlv.BadLength, known && pl != t.Len():
			return k.paramLen.At(i + 1)
		}
		if known {
			if p.RejectDuplicates && v.Params.Has(t) {
				return k.dup.At(i)
			}
			if p.Ordered && t < last {
				return k.order.At(i)
			}
			last = t
			v.Params |= 1 << t
			if f := v.field(t); f != nil {
				*f = binary.BigEndian.Uint32(b[i+2:])
			}
		}
		i += pl
	}
	if i != len(b) {
		return k.leftover.At(i)
	}
	if p.Require&^v.Params != 0 {
		return k.missing.At(start)
	}
	*n = v
	return nil
}

// CheckOption implements ipopt.OptionChecker: Decode on o.Bytes without
// the result, with the error's offsets moved into the options field
// (o.Offset), as [Profile.DecodeOptions] moves them. socket makes no
// difference.
func (p Profile) CheckOption(o ipopt.Option, _ bool) error {
	var n Label
	return ipopt.Shift(p.Decode(o.Bytes, &n), o.Offset)
}

var (
	errOptsMissing    = ipopt.NewErrorKind(fips188.ErrMissing, "option type", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: int(ipopt.CIPSO)})
	errOptsMissingDSM = ipopt.NewErrorKind(fips188.ErrMissing, "option type", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: 0})
)

// DecodeOptions runs Decode on the CIPSO option of a whole options field
// (the octets after the 20-octet base header), located with
// [fips188.FindCIPSO]. It returns that option, whose Offset places it for
// a rewrite. A missing option is fips188.ErrMissing (class Missing) with
// pointer 134, the value CIPSO draft §5.1.2 puts in ICMP Parameter Problem
// code 1, or with DSMPointers 0, what DSM reported when the first option
// was not CIPSO. Errors carry offsets in
// the options field (ipopt.Shift); with DSMPointers the pointers that
// count from the option become one more than the options field offset,
// which is DSM's number when the label is the first option, the only
// place DSM looked for it.
func (p Profile) DecodeOptions(opts []byte, n *Label) (ipopt.Option, error) {
	doi, rules := usualRules(&p)
	if l, ok := decodeUsual(opts, doi, rules, true, n); ok {
		return ipopt.Option{Offset: 0, Type: ipopt.CIPSO, Bytes: opts[:l:l]}, nil
	}
	return p.decodeOptions(opts, n)
}

// decodeOptions is DecodeOptions's step-by-step walk.
func (p Profile) decodeOptions(opts []byte, n *Label) (ipopt.Option, error) {
	o, found, err := fips188.FindCIPSO(opts)
	switch {
	case err != nil:
		return ipopt.Option{}, err
	case !found && p.DSMPointers:
		return ipopt.Option{}, errOptsMissingDSM.At(0)
	case !found:
		return ipopt.Option{}, errOptsMissing.At(0)
	}
	if err := p.Decode(o.Bytes, n); err != nil {
		return ipopt.Option{}, ipopt.Shift(err, o.Offset)
	}
	return o, nil
}

// Validate checks the label of opts, a whole options field: DecodeOptions
// without the results.
func (p Profile) Validate(opts []byte) error {
	var n Label
	_, err := p.DecodeOptions(opts, &n)
	return err
}

// DecodeFreeForm is Decode for a free-form tag already found, say in a
// [fips188.Option] that also carries other tags: only the parameter rules
// apply (not the DOI, tag-length or option checks), with offsets from the
// option's type octet as f's are.
func (p Profile) DecodeFreeForm(f fips188.FreeForm, n *Label) error {
	t := f.Tag()
	return ipopt.Shift(p.decodeParams(t.Bytes, 2, p.kinds(), n), t.Offset)
}
