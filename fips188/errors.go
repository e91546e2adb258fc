package fips188

// Sentinels of this package. Every ipopt.Error returned by fips188 unwraps
// to one of these, to a cipso sentinel where the failure is one cipso
// knows (cipso.ErrNotCIPSO, cipso.ErrUnknownDOI, cipso.ErrBadDOI,
// cipso.ErrTagNotAllowed, cipso.ErrUnknownTag, cipso.ErrMultipleTags,
// cipso.ErrBadTagLength, cipso.ErrBadAlignment, cipso.ErrBadLevel,
// cipso.ErrNotCanonical, cipso.ErrNoSpace), or to an ipopt sentinel for
// plain framing (ipopt.ErrBadLength, ipopt.ErrTruncated,
// ipopt.ErrDuplicate, ipopt.ErrTooLong).
var (
	// ErrEmptyFreeForm: a tag 7 with no data where the profile wants at
	// least one octet (RULES.md §4: the encoders write non-empty data).
	ErrEmptyFreeForm error = errorString("fips188: empty free-form tag")
	// ErrNoTags: a CIPSO option with no tag, where the profile wants at
	// least one (RULES.md §6 point 8).
	ErrNoTags error = errorString("fips188: option carries no tag")
	// ErrNoEquivalent: a FIPS 188 label whose meaning a cipso.Label cannot
	// hold (a permissive set or free-form data), or a cipso.Label the wire
	// cannot carry (a level above 255).
	ErrNoEquivalent error = errorString("fips188: no equivalent label")
	// ErrMissing: the options field holds no CIPSO option. A receiver that
	// requires a label answers ICMP Parameter Problem code 1 with pointer
	// 134 (CIPSO draft §5.1.2).
	ErrMissing error = errorString("fips188: no CIPSO option")
)

// errorString is a comparable sentinel type (the same shape as ipopt's), so
// sentinels cannot be confused with errors.New values of other packages.
type errorString string

func (e errorString) Error() string { return string(e) }

var _ error = errorString("")
