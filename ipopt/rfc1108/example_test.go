package rfc1108_test

import (
	"errors"
	"fmt"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// Decode the Basic Security Option of an options field, wherever it sits.
func ExampleFindLabel() {
	opts := []byte{0x01, 0x82, 0x04, 0x5A, 0x90, 0x00, 0x00, 0x00}
	l, found, err := rfc1108.FindLabel(opts)
	fmt.Println(found, err)
	fmt.Println(l.Level, l.Authorities.AppendNames(nil))
	fmt.Println(l)
	// Output:
	// true <nil>
	// secret [genser nsa]
	// level=secret,authorities=genser+nsa
}

// Build a BSO: the flag octets are as few as the authorities need, each
// but the last with its Field Termination Indicator set.
func ExampleAppendBSO() {
	b, _ := rfc1108.AppendBSO(nil, rfc1108.TopSecret, rfc1108.AuthoritiesOf(rfc1108.GENSER))
	fmt.Printf("% x\n", b)
	b, _ = rfc1108.AppendBSO(nil, rfc1108.Secret, rfc1108.AuthoritiesOf(rfc1108.GENSER, 13))
	fmt.Printf("% x\n", b)
	// Output:
	// 82 04 3d 80
	// 82 05 5a 81 02
}

// Parse a label from a command line and encode it.
func ExampleParseSpec() {
	l, err := rfc1108.ParseSpec("level=confidential,authorities=sci+doe")
	if err != nil {
		panic(err)
	}
	b, _ := rfc1108.AppendLabel(nil, l)
	fmt.Printf("% x\n", b)
	// Output:
	// 82 04 96 28
}

// Levels compare by RFC 1108 Table 1, not by their codes.
func ExampleClassification_Compare() {
	fmt.Println(rfc1108.Unclassified > rfc1108.Confidential)
	fmt.Println(rfc1108.Unclassified.Compare(rfc1108.Confidential))
	fmt.Println(rfc1108.TopSecret.Rank(), rfc1108.Unclassified.Rank())
	// Output:
	// true
	// -1
	// 7 2
}

// Strict RFC 1108 validation reports the faulty octet; Linux accepts the
// same field, since it does not look inside option 130, unless its walk is
// given Strict for options 130 and 133.
func ExampleStrict_Validate() {
	opts := []byte{0x82, 0x04, 0x3D, 0x01} // last PAF octet has FTI set
	err := rfc1108.Strict{}.Validate(opts)
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, rfc1108.ErrBadFTI), e.Offset(), e.Pointer(), e.Class())
	}
	fmt.Println(ipopt.Linux{}.Validate(opts))
	strictWalk := ipopt.Linux{Security: rfc1108.Strict{}, ExtendedSecurity: rfc1108.Strict{}}
	fmt.Println(strictWalk.Validate(opts))
	// Output:
	// true 3 23 malformed
	// <nil>
	// rfc1108: field termination indicator set on last octet: protection authority flags at offset 3 (pointer 23)
}

// A receiver accredited from Confidential to Secret with GENSER refuses a
// Top Secret datagram by policy, not as malformed.
func ExampleRange_Validate() {
	r := rfc1108.Range{
		Low:  rfc1108.Label{Level: rfc1108.Confidential},
		High: rfc1108.Label{Level: rfc1108.Secret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER)},
	}
	err := r.Validate([]byte{0x82, 0x04, 0x3D, 0x80})
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, rfc1108.ErrLevelOutOfRange), e.Class())
	}
	fmt.Println(r.Validate([]byte{0x82, 0x04, 0x5A, 0x80}))
	// Output:
	// true policy
	// <nil>
}

// The obsolete RFC 791 form of option 130 is told apart as Wireshark does.
func ExampleIsLegacySEC() {
	opt := []byte{0x82, 0x0B, 0xD7, 0x88, 0x00, 0x05, 'A', 'B', 'C', 'D', 'E'}
	fmt.Println(rfc1108.IsLegacySEC(opt))
	var s rfc1108.LegacySEC
	if err := rfc1108.DecodeLegacySEC(opt, &s); err == nil {
		fmt.Println(s.Security, s.Compartments, string(s.Handling[:]), string(s.TCC[:]))
	}
	fmt.Println(rfc1108.IsLegacySEC([]byte{0x82, 0x04, 0x3D, 0x80}))
	// Output:
	// true
	// secret 5 AB CDE
	// false
}

// An Extended Security Option keeps its information as octets.
func ExampleParseESO() {
	e, err := rfc1108.ParseESO([]byte{0x85, 0x05, 0x07, 0xCA, 0xFE})
	fmt.Println(err, e.FormatCode(), e.Info())
	// Output:
	// <nil> 7 [202 254]
}
