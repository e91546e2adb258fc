package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// Sentinels of this package. Every ipopt.Error returned by rfc1108 unwraps
// either to one of these or, for plain framing failures, to an ipopt
// sentinel (ipopt.ErrTruncated, ipopt.ErrBadLength, ipopt.ErrTooLong).
var (
	// ErrWrongType: the option handed to a BSO or ESO parser is not of
	// type 130 or 133.
	ErrWrongType error = errorString("rfc1108: wrong option type")
	// ErrBadClassification: a classification level that is not one of the
	// four assigned values of RFC 1108 Table 1: a reserved value or an
	// unknown octet, both "out-of-range" (RFC 1108 §2.3; RULES.md §3).
	ErrBadClassification error = errorString("rfc1108: bad classification level")
	// ErrBadFTI: the last protection authority octet has its Field
	// Termination Indicator set, so the field claims to go on past the end
	// of the option (RULES.md §4; Wireshark's "Field Termination Indicator
	// set to 1 for last byte of option", RULES.md §7).
	ErrBadFTI error = errorString("rfc1108: field termination indicator set on last octet")
	// ErrExtraneous: octets after the protection authority octet whose FTI
	// is 0 (RULES.md §4; Wireshark's "Extraneous data in option", RULES.md
	// §7).
	ErrExtraneous error = errorString("rfc1108: extraneous octets after protection authority flags")
	// ErrUnassigned: a protection authority flag with no assigned authority
	// is set (0x06 of the first octet, 0xFE of later ones). That this is
	// an error is this package's reading (RULES.md §4).
	ErrUnassigned error = errorString("rfc1108: unassigned protection authority flag set")
	// ErrDuplicateBSO: a second Basic Security Option; RFC 1108 §2 allows
	// at most one per datagram.
	ErrDuplicateBSO error = errorString("rfc1108: more than one basic security option")
	// ErrNotFirst: the BSO is not the first option where the profile
	// requires it there (RFC 1108 §2: some systems require it first, which
	// is not a general rule; RULES.md §2).
	ErrNotFirst error = errorString("rfc1108: basic security option is not the first option")
	// ErrESOWithoutBSO: an Extended Security Option in a datagram that has
	// no BSO; the ESO is valid only together with one (RFC 1108 §3).
	ErrESOWithoutBSO error = errorString("rfc1108: extended security option without basic security option")
	// ErrMissingBSO: the profile requires a BSO and there is none. The
	// answer is ICMP Parameter Problem code 1 (RFC 1122 §3.2.2.5); RFC 1108
	// names no pointer, and this package reports 130 (RULES.md §5).
	ErrMissingBSO error = errorString("rfc1108: basic security option missing")
	// ErrLevelOutOfRange: a well-formed label whose classification is
	// outside the accepted range (policy, not malformation).
	ErrLevelOutOfRange error = errorString("rfc1108: classification out of range")
	// ErrAuthorityOutOfRange: a well-formed label carrying a protection
	// authority the range does not allow, or lacking one it requires.
	ErrAuthorityOutOfRange error = errorString("rfc1108: protection authorities out of range")
	// ErrBadSpec: a label specification ("level=secret,authorities=genser")
	// or a classification or authority name that does not parse.
	ErrBadSpec error = errorString("rfc1108: bad label specification")
)

// The failures of this package ([ipopt.NewErrorKind]); reporting one never
// allocates. Offsets are counted from the option's type octet by the
// single-option functions and from the start of the options field by the
// validators; Pointer is Offset+20 (the ICMP Parameter Problem pointer for
// the options-field offsets). Framing failures are ipopt's own kinds:
// ipopt.KindTruncated; ipopt.KindBadLength, reported at the type octet for
// a length that does not fit the octets given (past the end of the input
// in ParseBSO, ParseESO and DecodeLegacySEC; not the slice's length in
// Strict.CheckOption), as ipopt.Iter and Linux report it, and at the length octet
// for a length out of range; ipopt.KindTooLong for a field over 40 octets.
var (
	errOptTooLong  = ipopt.NewErrorKind(ipopt.ErrTooLong, "length", ipopt.Limit)
	errInfoTooLong = ipopt.NewErrorKind(ipopt.ErrTooLong, "additional security information", ipopt.Limit)
	errType        = ipopt.NewErrorKind(ErrWrongType, "type", ipopt.Malformed)
	errClass       = ipopt.NewErrorKind(ErrBadClassification, "classification", ipopt.Malformed)
	errFTI         = ipopt.NewErrorKind(ErrBadFTI, "protection authority flags", ipopt.Malformed)
	errExtraneous  = ipopt.NewErrorKind(ErrExtraneous, "protection authority flags", ipopt.Malformed)
	errUnassigned  = ipopt.NewErrorKind(ErrUnassigned, "protection authority flags", ipopt.Malformed)
	errDuplicate   = ipopt.NewErrorKind(ErrDuplicateBSO, "type", ipopt.Malformed)
	errNotFirst    = ipopt.NewErrorKind(ErrNotFirst, "type", ipopt.Malformed)
	errESOAlone    = ipopt.NewErrorKind(ErrESOWithoutBSO, "type", ipopt.Malformed)
	errMissing     = ipopt.NewErrorKind(ErrMissingBSO, "basic security option", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: int(ipopt.SEC)})
	errLevelRange  = ipopt.NewErrorKind(ErrLevelOutOfRange, "classification", ipopt.Policy)
	errAuthRange   = ipopt.NewErrorKind(ErrAuthorityOutOfRange, "protection authority flags", ipopt.Policy)
)

// errorString is a comparable sentinel type (the same shape as ipopt's), so
// sentinels cannot be confused with errors.New values of other packages.
type errorString string

var _ error = errorString("")

func (e errorString) Error() string { return string(e) }
