package ipopt

import "golang.org/x/net/ipv4"

// ICMP codes a receiver answers a refused datagram with (RFC 792, RFC
// 1812 §5.2.7.1; CIPSO draft §5.1). The types are golang.org/x/net/ipv4's
// ICMPTypeDestinationUnreachable (3) and ICMPTypeParameterProblem (12).
const (
	// CodeNetProhibited and CodeHostProhibited: "communication with
	// destination network / host administratively prohibited", which
	// Linux's cipso_v4_error (net/ipv4/cipso_ipv4.c) sends from a gateway
	// (9) or a host (10).
	CodeNetProhibited  = 9
	CodeHostProhibited = 10
	// CodePointer and CodeOptionMissing are the Parameter Problem codes:
	// the pointer marks the error; a required option is missing (RFC 1122
	// §3.2.2.5).
	CodePointer       = 0
	CodeOptionMissing = 1
)

// ICMP returns the ICMP answer to a receive-path error by its [Class]
// (CIPSO draft §5.1; Linux ip_options_compile and cipso_v4_error):
// Parameter Problem code 0 with the pointer for a malformed option, code 1
// for a missing one; Destination Unreachable code 10 (host) or 9 (gateway)
// for a label refused by policy. ok is false for errors that get no
// answer: class Limit; an error in the base header (a bad version, IHL or
// total length) or without an offset (a header cut short), which Linux's
// ip_rcv_core drops silently before the options are looked at (RULES.md
// §2); an error whose pointer does not fit the octet of the message; an
// error of an IPv6 kind ([KindOptions.IPv6]), which is answered with ICMPv6
// (ipv6.ICMP; RULES.md §10); or an error that is not an [Error]. Never
// answer an ICMP error with one ([ICMPErrorSuppressed] says when Linux
// sends nothing whatever the error). The type is x/net's ipv4.ICMPType,
// which an icmp.Message of golang.org/x/net/icmp takes as it is. It
// allocates nothing.
func ICMP(err error, gateway bool) (icmpType ipv4.ICMPType, code uint8, pointer uint8, ok bool) {
	e, isErr := AsError(err)
	if !isErr || e.ipv6() || e.Offset() < 0 && e.Class() != Policy {
		return 0, 0, 0, false
	}
	switch e.Class() {
	case Malformed, Missing:
		p := e.Pointer()
		if p > 255 {
			return 0, 0, 0, false
		}
		if e.Class() == Missing {
			return ipv4.ICMPTypeParameterProblem, CodeOptionMissing, uint8(p), true
		}
		return ipv4.ICMPTypeParameterProblem, CodePointer, uint8(p), true
	case Policy:
		if gateway {
			return ipv4.ICMPTypeDestinationUnreachable, CodeNetProhibited, 0, true
		}
		return ipv4.ICMPTypeDestinationUnreachable, CodeHostProhibited, 0, true
	}
	return 0, 0, 0, false
}
