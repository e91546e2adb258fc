package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// Strict validates an options field against RFC 1108 (RULES.md §5).
// Its zero value is the plain RFC: every BSO and ESO well formed, at most
// one BSO, no ESO without a BSO; the fields add site policy.
//
// Linux does not look into options 130 and 133 at all (RULES.md §6): for
// its verdict use [ipopt.Linux] with nil Security and ExtendedSecurity
// checkers; with Strict in both, the walk also applies RFC 1108.
//
// Validate walks the field with [ipopt.Iter] (framing errors come from
// there, pointing where Linux points) and checks, in walk order, at the
// octet it names (offsets in the options field):
//
//   - a field over 40 octets: ipopt.ErrTooLong at 40 (class Limit);
//   - a second BSO: ErrDuplicateBSO at its type octet;
//   - with First, a BSO not at offset 0: ErrNotFirst at its type octet;
//   - a BSO or ESO length below 3: ipopt.ErrBadLength at its length octet
//     (RFC 1108 §2.8.1; the +1 convention Linux uses for known options);
//   - a classification other than the four assigned levels (reserved and
//     unknown octets are "out-of-range"): ErrBadClassification at it;
//   - unless AllowUnassigned, a set flag that names no authority (0x06 in
//     the first PAF octet, 0xFE in later ones): ErrUnassigned at that octet
//     (this package's reading, RULES.md §4);
//   - a last PAF octet with FTI = 1: ErrBadFTI at it; octets after the PAF
//     octet with FTI = 0: ErrExtraneous at the first of them;
//
// and, once the walk is over:
//
//   - an ESO and no BSO: ErrESOWithoutBSO at the first ESO;
//   - with Require, no BSO: ErrMissingBSO (class Missing; pointer 130,
//     this package's choice: RFC 1108 names none, RULES.md §5).
//
// The walk stops at an EOL, as every receiver's does: octets after it are
// not examined. Validate does not allocate.
type Strict struct {
	// Require refuses a field without a BSO.
	Require bool
	// First refuses a BSO that is not the first option (RFC 1108: "some
	// systems require" it first; a site policy, not a generic rule).
	First bool
	// AllowUnassigned accepts set flags that name no assigned authority,
	// for peers that use authorities assigned after RFC 1108 (RULES.md
	// §4), such as `82 05 5A 81 02`, whose second PAF octet sets flag 13.
	AllowUnassigned bool
}

// Validate checks opts, the options field (the octets after the 20-octet
// base header), and returns nil or the first failure as an ipopt.Error.
func (s Strict) Validate(opts []byte) error {
	if len(opts) > ipopt.MaxOptionsLen {
		return ipopt.KindTooLong.At(ipopt.MaxOptionsLen)
	}
	bso, eso := -1, -1
	it := ipopt.NewIter(opts)
	for it.Next() {
		o := it.Option()
		switch o.Type {
		case ipopt.SEC:
			if bso >= 0 {
				return errDuplicate.At(o.Offset)
			}
			if s.First && o.Offset != 0 {
				return errNotFirst.At(o.Offset)
			}
			bso = o.Offset
			if err := s.checkBSO(o.Bytes, o.Offset); err != nil {
				return err
			}
		case ipopt.ESEC:
			if o.Len() < 3 {
				return ipopt.KindBadLength.At(o.Offset + 1)
			}
			if eso < 0 {
				eso = o.Offset
			}
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	if eso >= 0 && bso < 0 {
		return errESOAlone.At(eso)
	}
	if s.Require && bso < 0 {
		return errMissing.At(0)
	}
	return nil
}

var (
	_ ipopt.OptionChecker  = Strict{}
	_ ipopt.FieldValidator = Strict{}
)

// CheckOption implements [ipopt.OptionChecker] with the per-option rules
// of Validate, for the Security and ExtendedSecurity checkers of an
// [ipopt.Linux] walk (which calls Validate for the rules across options):
// o.Bytes must be exactly the option (len(o.Bytes) equal to its length
// octet), as [ipopt.Iter] returns it, and the error's offsets are in the
// options field, o.Offset being the option's. A type other than 130 and
// 133 fails with ErrWrongType at its type octet. socket makes no
// difference.
func (s Strict) CheckOption(o ipopt.Option, _ bool) error {
	b, off := o.Bytes, o.Offset
	if len(b) < 2 {
		return ipopt.KindTruncated.At(off)
	}
	if int(b[1]) != len(b) {
		return ipopt.KindBadLength.At(off)
	}
	switch ipopt.Type(b[0]) {
	case ipopt.SEC:
		return s.checkBSO(b, off)
	case ipopt.ESEC:
		if len(b) < 3 {
			return ipopt.KindBadLength.At(off + 1)
		}
		return nil
	}
	return errType.At(off)
}

func (s Strict) checkBSO(b []byte, off int) error {
	if len(b) < 3 {
		return ipopt.KindBadLength.At(off + 1)
	}
	if !Classification(b[2]).Assigned() {
		return errClass.At(off + 2)
	}
	return checkPAF(b, off, !s.AllowUnassigned)
}
