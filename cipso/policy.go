package cipso

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
// Parameter Problem (draft §5.1; see ipopt.ICMP). The error's offset is 0, the
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
