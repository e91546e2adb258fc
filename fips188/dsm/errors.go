package dsm

// Sentinels of this package. Every ipopt.Error returned by dsm unwraps to
// one of these, to a fips188 sentinel (fips188.ErrEmptyFreeForm for an
// empty label, fips188.ErrMissing for an options field without a CIPSO
// option), to a cipso sentinel for the envelope (cipso.ErrNotCIPSO,
// cipso.ErrUnknownDOI, cipso.ErrTagNotAllowed, cipso.ErrBadTagLength), or
// to an ipopt sentinel for plain framing (ipopt.ErrBadLength,
// ipopt.ErrTruncated, ipopt.ErrDuplicate, ipopt.ErrTooLong).
var (
	// ErrUnknownParam: a network SID parameter type the profile does not
	// accept (DSM accepted only the source SID and the node ID).
	ErrUnknownParam error = errorString("dsm: unknown or refused NSID parameter")
	// ErrParamOrder: network SID parameters not in ascending type order
	// (strict profile; DSM wrote them in that order).
	ErrParamOrder error = errorString("dsm: NSID parameters out of order")
	// ErrMissingParam: a network SID parameter the profile requires is
	// absent.
	ErrMissingParam error = errorString("dsm: required NSID parameter missing")
)

// errorString is a comparable sentinel type (the same shape as ipopt's), so
// sentinels cannot be confused with errors.New values of other packages.
type errorString string

func (e errorString) Error() string { return string(e) }

var _ error = errorString("")
