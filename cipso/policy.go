package cipso

// LabelRange is the span of labels a receiver accepts, the draft's
// PORT_LABEL_MIN..PORT_LABEL_MAX (§4, §5.2): a label is inside when it
// dominates Low and High dominates it. A clearance is the range whose Low
// is the zero Label (s0, no category).
type LabelRange struct {
	Low, High Label
}

// Check returns nil for a label inside the range and otherwise
// ErrOutOfRange, class ipopt.Policy: a well-formed label the receiver
// refuses, answered with ICMP Destination Unreachable code 10 or 9, not
// Parameter Problem (draft §5.1; see ipopt.ICMP). The error's offset is 0, the
// option's type octet; shift it with ipopt.Shift.
func (r *LabelRange) Check(l *Label) error {
	if !l.Dominates(&r.Low) || !r.High.Dominates(l) {
		return errOutOfRange.At(0)
	}
	return nil
}
