package linuxtest

import (
	"fmt"
	"strconv"
)

// Outcome is what the kernel did with an injected datagram.
type Outcome uint8

const (
	// Dropped: neither delivered nor answered with an ICMP error. A
	// source-routed datagram with accept_source_route=0 ends here
	// (ip_rcv_options), as does anything else the kernel discards silently.
	Dropped Outcome = iota
	// Delivered: the UDP socket on 127.0.0.1 received the datagram, so the
	// options passed __ip_options_compile.
	Delivered
	// ParameterProblem: the kernel answered with ICMP type 12; the pointer
	// is in Verdict.Pointer.
	ParameterProblem
	// OtherICMP: the kernel answered with another ICMP error (for example
	// destination unreachable code 10 from cipso_v4_error).
	OtherICMP
)

var (
	_ fmt.Stringer = Outcome(0)
	_ fmt.Stringer = Verdict{}
)

// String implements fmt.Stringer.
func (o Outcome) String() string {
	switch o {
	case Dropped:
		return "dropped"
	case Delivered:
		return "delivered"
	case ParameterProblem:
		return "parameter problem"
	case OtherICMP:
		return "icmp error"
	}
	return "outcome(" + strconv.Itoa(int(o)) + ")"
}

// Verdict is the kernel's answer to one options field.
type Verdict struct {
	Outcome Outcome
	// Pointer is the ICMP Parameter Problem pointer (ICMP octet 4): octets
	// from the start of the offending IP header. Zero unless Outcome is
	// ParameterProblem.
	Pointer int
	// Type and Code of the ICMP error (ParameterProblem and OtherICMP).
	Type, Code uint8
	// Options, for a delivered datagram, is the options field as the
	// kernel handed it to the socket (IP_RECVOPTS): after its own rewrites
	// (RR and TS filled in, octets after an EOL zeroed). For an ICMP error
	// it is the options field quoted in the error.
	Options []byte
	// ReplyOptions is the options field of the ICMP error's own IP header
	// (__ip_options_echo), for ParameterProblem and OtherICMP.
	ReplyOptions []byte
}

// String gives "delivered", "dropped", "parameter problem, pointer 22" or
// "icmp error 3/10".
func (v Verdict) String() string {
	switch v.Outcome {
	case ParameterProblem:
		return "parameter problem, pointer " + strconv.Itoa(v.Pointer)
	case OtherICMP:
		return "icmp error " + strconv.Itoa(int(v.Type)) + "/" + strconv.Itoa(int(v.Code))
	}
	return v.Outcome.String()
}
