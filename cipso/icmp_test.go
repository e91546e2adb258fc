package cipso

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/ipopt"
)

// TestICMPNoOffset: an error at no octet of the input (a header cut short,
// which Linux's ip_rcv_core drops without an answer) gets no ICMP answer,
// rather than a Parameter Problem with a made-up pointer.
func TestICMPNoOffset(t *testing.T) {
	_, short := ipopt.ParseHeader(make([]byte, 12))
	_, cut := ipopt.ParseHeader([]byte{0x4f, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x86})
	tests := []struct {
		name string
		err  error
		ok   bool
		ptr  uint8
	}{
		{"header shorter than 20", short, false, 0},
		{"header shorter than its IHL", cut, false, 0},
		{"malformed option", ipopt.NewErrorKind(ipopt.ErrBadLength, "length", ipopt.Malformed).At(1), true, 21},
		{"no offset, malformed", ipopt.NewErrorKindNoOffset(ipopt.ErrBadHeader, "x", ipopt.Malformed).At(0), false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, _, ptr, ok := ICMP(tc.err, false)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.ptr, ptr)
			if tc.ok {
				assert.Equal(t, uint8(ICMPParameterProblem), typ)
			}
		})
	}
}
