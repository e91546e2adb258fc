package cipso

import (
	"errors"

	"github.com/iplabel/iplabel/ipopt"
)

// LabelRange is the span of labels a receiver accepts, the draft's
// PORT_LABEL_MIN..PORT_LABEL_MAX (§4, §5.2): a label is inside when it
// dominates Low and High dominates it.
type LabelRange struct {
	Low, High Label
}

// Contains reports whether Low <= l <= High in the dominance order.
func (r *LabelRange) Contains(l *Label) bool { return l.Dominates(&r.Low) && r.High.Dominates(l) }

// Check returns nil for a label inside the range and otherwise
// ErrOutOfRange, class ipopt.Policy: a well-formed label the receiver
// refuses, answered with ICMP Destination Unreachable code 10 or 9, not
// Parameter Problem (draft §5.1; see [ICMP]). The error's offset is 0, the
// option's type octet; shift it with ipopt.Shift.
func (r *LabelRange) Check(l *Label) error {
	if !r.Contains(l) {
		return errOutOfRange.At(0)
	}
	return nil
}

// CheckClearance returns nil when clearance dominates l and otherwise
// ErrNotDominated, class ipopt.Policy, at offset 0 (as [LabelRange.Check]).
func CheckClearance(l, clearance *Label) error {
	if !clearance.Dominates(l) {
		return errNotDominated.At(0)
	}
	return nil
}

// ICMP message types and codes a receiver answers with (RFC 792, RFC 1812;
// draft §5.1).
const (
	ICMPDestUnreachable  = 3
	ICMPParameterProblem = 12
	// CodeNetProhibited and CodeHostProhibited: "communication with
	// destination network / host administratively prohibited", which
	// Linux's cipso_v4_error sends from a gateway (9) or a host (10).
	CodeNetProhibited  = 9
	CodeHostProhibited = 10
	// CodePointer and CodeOptionMissing are the Parameter Problem codes:
	// the pointer marks the error; a required option is missing.
	CodePointer       = 0
	CodeOptionMissing = 1
)

// ICMP returns the ICMP answer to a receive-path error (draft §5.1; Linux
// ip_options_compile and cipso_v4_error): Parameter Problem code 0 with
// the pointer for a malformed option, code 1 for a missing one;
// Destination Unreachable code 10 (host) or 9 (gateway) for a label refused
// by policy. ok is false for errors that get no answer (class Limit, an
// error without an offset such as a header cut short, which Linux's
// ip_rcv_core drops silently, or not an *ipopt.Error). Never answer an
// ICMP error with one (draft §5.1).
func ICMP(err error, gateway bool) (icmpType, code uint8, pointer uint8, ok bool) {
	var e *ipopt.Error
	if !errors.As(err, &e) || !e.HasOffset() && e.Class() != ipopt.Policy {
		return 0, 0, 0, false
	}
	switch e.Class() {
	case ipopt.Malformed:
		return ICMPParameterProblem, CodePointer, uint8(e.Pointer()), true
	case ipopt.Missing:
		return ICMPParameterProblem, CodeOptionMissing, uint8(e.Pointer()), true
	case ipopt.Policy:
		if gateway {
			return ICMPDestUnreachable, CodeNetProhibited, 0, true
		}
		return ICMPDestUnreachable, CodeHostProhibited, 0, true
	}
	return 0, 0, 0, false
}
