package ipv6

import "github.com/iplabel/iplabel/ipopt"

// Sentinels of this package. Framing failures unwrap to ipopt's
// sentinels (ipopt.ErrTruncated, ipopt.ErrBadLength, ipopt.ErrBadValue),
// so errors.Is works the same for IPv4 and IPv6.
var (
	// ErrBadPadding: a run of Pad1/PadN over 7 octets, or PadN with a
	// non-zero octet (RULES.md §3).
	ErrBadPadding error = errorString("ipv6: bad option padding")
	// ErrTooManyOptions: more options other than padding than
	// net.ipv6.max_hbh_opts_number or max_dst_opts_number allow.
	ErrTooManyOptions error = errorString("ipv6: too many options")
	// ErrHeaderTooLong: a header longer than net.ipv6.max_hbh_length or
	// max_dst_opts_length allow.
	ErrHeaderTooLong error = errorString("ipv6: extension header too long")
	// ErrUnknownOption: an option the receiver does not know whose action
	// bits say to discard the packet (RFC 8200 §4.2).
	ErrUnknownOption error = errorString("ipv6: unrecognised option")
	// ErrBadAlignment: an option at an offset its type does not allow
	// (Jumbo Payload at 4n+2, IOAM at 4n).
	ErrBadAlignment error = errorString("ipv6: misaligned option")
	// ErrBadHeader: a fixed header that is not IPv6, or a payload length
	// beyond the octets received.
	ErrBadHeader error = errorString("ipv6: bad IPv6 header")
)

type errorString string

func (e errorString) Error() string { return string(e) }

// kind makes a failure at an octet of an IPv6 packet (ipopt.KindOptions.IPv6):
// At counts offsets from the first octet after the 40-octet fixed header
// (RULES.md §1), HeaderAt the octets of the fixed header, and the
// Parameter Problem pointer counts from the fixed header's first octet.
func kind(err error, field string) ipopt.ErrorKind {
	return ipopt.NewErrorKind(err, field, ipopt.Malformed, ipopt.KindOptions{IPv6: true})
}

// The failures of the receive-path walk. Those in the first group make
// Linux drop the packet silently; the second group is answered with an
// ICMPv6 Parameter Problem ([ICMP]).
var (
	kindHdrTruncated = kind(ipopt.ErrTruncated, "header length")
	kindOptTruncated = kind(ipopt.ErrTruncated, "option length")
	kindOptLength    = kind(ipopt.ErrBadLength, "option length")
	kindPadRun       = kind(ErrBadPadding, "padding length")
	kindPadValue     = kind(ErrBadPadding, "padding value")
	kindTooMany      = kind(ErrTooManyOptions, "option type")
	kindHdrTooLong   = kind(ErrHeaderTooLong, "header length")
	kindDiscard      = kind(ErrUnknownOption, "option type")
	kindRALength     = kind(ipopt.ErrBadLength, "router alert length")
	kindJumboLength  = kind(ipopt.ErrBadLength, "jumbo payload length")
	kindJumboAlign   = kind(ErrBadAlignment, "jumbo payload")
	kindJumboShort   = kind(ipopt.ErrTotalLength, "jumbo payload length")
	kindIOAMAlign    = kind(ErrBadAlignment, "ioam")
	kindCALIPSOLen   = kind(ipopt.ErrBadLength, "calipso length")
	kindBadVersion   = kind(ErrBadHeader, "version")        // HeaderAt(0)
	kindPayloadLen   = kind(ErrBadHeader, "payload length") // HeaderAt(4)
	kindShort        = ipopt.NewErrorKind(ErrBadHeader, "shorter than the 40-octet header", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true})

	// Answered with Parameter Problem code 2 (unrecognised option).
	kindUnknownICMP = kind(ErrUnknownOption, "option type")
	// Answered with Parameter Problem code 0 (erroneous header field),
	// except to a multicast destination: icmp6_send answers a multicast
	// packet only with code 2 for an option whose action is 10, so the
	// same faults there are the silent kinds below (same text).
	kindJumboValue        = kind(ipopt.ErrBadValue, "jumbo payload length")
	kindJumboPayload      = kind(ipopt.ErrBadValue, "jumbo payload")
	kindJumboValueMcast   = kind(ipopt.ErrBadValue, "jumbo payload length")
	kindJumboPayloadMcast = kind(ipopt.ErrBadValue, "jumbo payload")
)

// ICMPv6 Parameter Problem (type 4) codes (RFC 4443 §3.4).
const (
	ICMPParameterProblem = 4
	CodeHeaderField      = 0 // erroneous header field encountered
	CodeNextHeader       = 1 // unrecognised Next Header type
	CodeUnknownOption    = 2 // unrecognised IPv6 option encountered
)

// ICMP returns the ICMPv6 Parameter Problem Linux sends about a packet
// the walk refused with err (RULES.md §4): the code and the pointer, an
// offset from the first octet of the IPv6 header. ok is false where Linux
// drops the packet silently, which is most refusals, and for errors that
// are not this module's. It allocates nothing.
func ICMP(err error) (code uint8, pointer uint32, ok bool) {
	e, ok := ipopt.AsError(err)
	if !ok || e.Pointer() < 0 {
		return 0, 0, false
	}
	switch e.Kind() {
	case kindUnknownICMP:
		return CodeUnknownOption, uint32(e.Pointer()), true
	case kindJumboValue, kindJumboPayload:
		return CodeHeaderField, uint32(e.Pointer()), true
	}
	return 0, 0, false
}
