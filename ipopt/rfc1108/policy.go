package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// Range is an accreditation range for BSO labels: a label is accepted when
// it dominates Low and High dominates it ([Label.Dominates]). Low's
// authorities are the ones a label must carry, High's the ones it may
// carry. A refusal is a policy decision about a well-formed label (class
// Policy: ICMP Destination Unreachable, "communication administratively
// prohibited", rather than Parameter Problem).
type Range struct {
	Low, High Label
}

// Check reports whether l is inside r. Errors have offsets in a BSO
// carrying l (type octet 0; shift them with [ipopt.Shift]):
//
//   - a level outside Table 1: ErrBadClassification at 2 (class
//     Malformed: no policy can rank it);
//   - a level below Low's or above High's: ErrLevelOutOfRange at 2;
//   - an authority High does not allow: ErrAuthorityOutOfRange at the PAF
//     octet that carries it;
//   - an authority Low requires and l lacks: ErrAuthorityOutOfRange at the
//     first PAF octet (3), or at the length octet (1) when l has no PAF.
func (r Range) Check(l Label) error {
	if !l.Level.InTable() {
		return errClass.At(2)
	}
	if l.Level.Compare(r.Low.Level) < 0 || l.Level.Compare(r.High.Level) > 0 {
		return errLevelRange.At(2)
	}
	if a, ok := l.Authorities.Difference(r.High.Authorities).First(); ok {
		return errAuthRange.At(3 + a.Octet())
	}
	if !r.Low.Authorities.SubsetOf(l.Authorities) {
		if l.PAFLen() == 0 {
			return errAuthRange.At(1)
		}
		return errAuthRange.At(3)
	}
	return nil
}

// Validate finds the first BSO of opts as [FindLabel] does, decodes it
// and checks it with Check, returning options-field offsets. A field with
// no BSO fails with ErrMissingBSO (class Missing). It does not validate
// the rest of the field; run [Strict.Validate] first.
func (r Range) Validate(opts []byte) error {
	var l Label
	o, ok, _ := ipopt.Find(opts, ipopt.SEC)
	if !ok {
		return errMissing.At(0)
	}
	if err := DecodeBSO(o.Bytes, &l); err != nil {
		return ipopt.Shift(err, o.Offset)
	}
	return ipopt.Shift(r.Check(l), o.Offset)
}
