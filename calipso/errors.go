package calipso

import "github.com/iplabel/iplabel/ipopt"

// Sentinels of this package. Framing failures unwrap to ipopt's
// (ipopt.ErrTruncated, ipopt.ErrBadLength).
var (
	// ErrNotCALIPSO: the option type is not 7.
	ErrNotCALIPSO error = errorString("calipso: not a CALIPSO option")
	// ErrChecksum: the checksum is not the one Linux computes (RULES.md §3).
	ErrChecksum error = errorString("calipso: bad checksum")
	// ErrUnknownDOI: the DOI is not configured (calipso_validate).
	ErrUnknownDOI error = errorString("calipso: unknown DOI")
	// ErrBadDOI: the reserved DOI 0 (RFC 5570 §5; Linux
	// CALIPSO_DOI_UNKNOWN).
	ErrBadDOI error = errorString("calipso: reserved DOI 0")
	// ErrBadLevel: a sensitivity level above 255, which the option cannot
	// carry.
	ErrBadLevel error = errorString("calipso: bad sensitivity level")
	// ErrNoSpace: the categories do not fit the option, or a buffer is
	// too small.
	ErrNoSpace error = errorString("calipso: label does not fit")
	// ErrSyntax: a configuration line that is not a netlabelctl command.
	ErrSyntax error = errorString("calipso: syntax error")
	// ErrDuplicateDOI: a DOI configured twice (Linux -EEXIST).
	ErrDuplicateDOI error = errorString("calipso: DOI already configured")
	// ErrBadConfig: a DOI definition Linux refuses: DOI 0, a type other
	// than pass.
	ErrBadConfig error = errorString("calipso: invalid DOI definition")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// kind makes a failure at an octet of the option, its offset counted from
// the option's type octet. It is an IPv6 kind (ipopt.KindOptions.IPv6): the
// pointer is offset + 40, which is right once the ipv6 walk has moved the
// error to the option's place after the fixed header (ipopt.Shift;
// ipopt/ipv6 RULES.md §1), and errors allocate nothing anywhere in a
// Hop-by-Hop header.
func kind(err error, field string) ipopt.ErrorKind {
	return ipopt.NewErrorKind(err, field, ipopt.Malformed, ipopt.KindOptions{IPv6: true})
}

var (
	kindType      = kind(ErrNotCALIPSO, "type")
	kindTruncated = kind(ipopt.ErrTruncated, "length")
	kindLength    = kind(ipopt.ErrBadLength, "length")
	kindCmptLen   = kind(ipopt.ErrBadLength, "compartment length")
	kindChecksum  = kind(ErrChecksum, "checksum")
	kindDOI       = kind(ErrUnknownDOI, "doi")
	kindCatsFull  = ipopt.NewErrorKind(errSetFull, "compartment bitmap", ipopt.Limit, ipopt.KindOptions{IPv6: true})

	kindWireLevel = ipopt.NewErrorKind(ErrBadLevel, "a level above 255", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindWireCat   = ipopt.NewErrorKind(ErrNoSpace, "a category above 1951 (61 words of bitmap)", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindNoDOI     = ipopt.NewErrorKind(ErrBadDOI, "DOI 0 cannot be sent", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})
)
