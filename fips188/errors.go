package fips188

// Sentinels of this package. Every *ipopt.Error returned by fips188 unwraps
// either to one of these or to an ipopt sentinel (ipopt.ErrBadLength,
// ipopt.ErrTruncated, ipopt.ErrDuplicate, ...) when the failure is one of
// plain framing.
var (
	// ErrNotCIPSO: the option is not option 134, the CIPSO envelope every
	// FIPS 188 implementation uses (fips188.md §2.1, §9 point 1).
	ErrNotCIPSO = errorString("fips188: not a CIPSO option")
	// ErrDOI: the 32-bit tag set identifier (the CIPSO DOI position) is 0,
	// which CIPSO reserves (draft §3.3), or is not the one expected (the
	// DSM receiver compared it with its configured DOI).
	ErrDOI = errorString("fips188: bad or unexpected tag set identifier")
	// ErrTagType: a tag of another type than the one asked for (a tag 6
	// view over a tag 1, a DSM label whose tag is not 7).
	ErrTagType = errorString("fips188: unexpected tag type")
	// ErrUnknownTag: a tag type the profile does not know and may not skip,
	// or the reserved tag type 0 (CIPSO draft §3.4, §5.1.1).
	ErrUnknownTag = errorString("fips188: unknown or reserved tag type")
	// ErrTagCount: more tags, or more MAC-sensitivity tags (1, 2, 5), than
	// the profile allows in one option (CIPSO draft §5.2).
	ErrTagCount = errorString("fips188: too many tags in one option")
	// ErrAlignment: the alignment octet of a tag 6 is not 0 (fips188.md
	// §4.4; Suricata checks it, Linux and Wireshark do not).
	ErrAlignment = errorString("fips188: nonzero alignment octet")
	// ErrBitmap: a bitmap with trailing zero octets where the profile wants
	// the minimal encoding (CIPSO draft §3.4.2.5), or a category above 239.
	ErrBitmap = errorString("fips188: bitmap not minimal or category out of range")
	// ErrEmptyFreeForm: a tag 7 with no data where the profile wants at
	// least one octet (fips188.md §4.5: encode non-empty).
	ErrEmptyFreeForm = errorString("fips188: empty free-form tag")
	// ErrMissing: the options field holds no CIPSO option. A receiver that
	// requires a label answers ICMP Parameter Problem code 1 with pointer
	// 134 (CIPSO draft §5.1.2).
	ErrMissing = errorString("fips188: no CIPSO option")
	// ErrUnknownParam: a network SID parameter type the profile does not
	// accept (DSM accepted only the source SID and the node ID).
	ErrUnknownParam = errorString("fips188: unknown or refused NSID parameter")
	// ErrParamOrder: network SID parameters not in ascending type order
	// (strict profile; DSM wrote them in that order).
	ErrParamOrder = errorString("fips188: NSID parameters out of order")
	// ErrMissingParam: a network SID parameter the profile requires is
	// absent.
	ErrMissingParam = errorString("fips188: required NSID parameter missing")
)

// errorString is a comparable sentinel type (the same shape as ipopt's), so
// sentinels cannot be confused with errors.New values of other packages.
type errorString string

func (e errorString) Error() string { return string(e) }
