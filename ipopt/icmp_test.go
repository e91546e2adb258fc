package ipopt_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"golang.org/x/net/ipv4"

	"github.com/iplabel/iplabel/ipopt"
)

// TestICMPByClass: the answer follows the class; an error at no octet of
// the input (a header cut short, which Linux's ip_rcv_core drops without
// an answer) gets none, rather than a Parameter Problem with a made-up
// pointer.
func TestICMPByClass(t *testing.T) {
	_, short := ipopt.ParseHeader(make([]byte, 12))
	_, cut := ipopt.ParseHeader([]byte{0x4f, 0, 0, 60, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 0x86})
	policy := ipopt.NewErrorKind(errTest, "label", ipopt.Policy).At(0)
	// Base-header errors: ip_rcv_core drops the datagram, no answer.
	hdr := []byte{0x45, 0, 0, 20, 0, 0, 0, 0, 64, 17, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8}
	v6 := append([]byte{0x65}, hdr[1:]...)
	_, badVersion := ipopt.ParseHeader(v6)
	long := append([]byte{}, hdr...)
	long[3] = 10 // total length below the header length
	_, badTotal := ipopt.ParseHeader(long)
	if badVersion == nil || badTotal == nil {
		t.Fatal("the base-header cases did not fail")
	}
	tests := []struct {
		name        string
		err         error
		gateway, ok bool
		typ         ipv4.ICMPType
		code, pt    uint8
	}{
		{"header shorter than 20", short, false, false, 0, 0, 0},
		{"header shorter than its IHL", cut, false, false, 0, 0, 0},
		{"bad version", badVersion, false, false, 0, 0, 0},
		{"bad total length", badTotal, false, false, 0, 0, 0},
		{"base-header field, made by hand", ipopt.KindBadLength.HeaderAt(2), false, false, 0, 0, 0},
		{"malformed option", ipopt.KindBadLength.At(1), false, true, ipv4.ICMPTypeParameterProblem, ipopt.CodePointer, 21},
		{"wrapped", fmt.Errorf("x: %w", ipopt.KindBadLength.At(1)), false, true, ipv4.ICMPTypeParameterProblem, ipopt.CodePointer, 21},
		{"missing", ipopt.NewErrorKind(errTest, "", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: 134}).At(0), false, true, ipv4.ICMPTypeParameterProblem, ipopt.CodeOptionMissing, 134},
		{"policy, host", policy, false, true, ipv4.ICMPTypeDestinationUnreachable, ipopt.CodeHostProhibited, 0},
		{"policy, gateway", policy, true, true, ipv4.ICMPTypeDestinationUnreachable, ipopt.CodeNetProhibited, 0},
		{"limit", ipopt.KindTooLong.At(40), false, false, 0, 0, 0},
		{"no offset, malformed", ipopt.NewErrorKind(ipopt.ErrBadHeader, "x", ipopt.Malformed, ipopt.KindOptions{NoOffset: true}).At(0), false, false, 0, 0, 0},
		{"not an Error", errors.New("x"), false, false, 0, 0, 0},
		{"nil", nil, false, false, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			typ, code, ptr, ok := ipopt.ICMP(tc.err, tc.gateway)
			assert.Equal(t, []any{tc.typ, tc.code, tc.pt, tc.ok}, []any{typ, code, ptr, ok})
		})
	}
}
