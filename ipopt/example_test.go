package ipopt_test

import (
	"errors"
	"fmt"

	"github.com/iplabel/iplabel/ipopt"
)

// Walk an options field: a NOP, a CIPSO option, an EOL and the padding
// after it, which stays reachable so nothing is lost.
func ExampleIter() {
	opts := []byte{0x01, 0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 5, 0x00}
	it := ipopt.NewIter(opts)
	for it.Next() {
		o := it.Option()
		fmt.Println(o.Offset, o.Type, o.Len())
	}
	fmt.Println(it.Err(), len(it.Tail()))
	// Output:
	// 0 nop 1
	// 1 cipso 10
	// 11 eol 1
	// <nil> 0
}

// Validate as Linux does on receive and read the ICMP pointer.
func ExampleLinux_Validate() {
	// A CIPSO option whose length runs past the options field.
	opts := []byte{0x86, 0x10, 0, 0, 0, 1, 1, 4, 0, 5, 0, 0}
	var l ipopt.Linux
	err := l.Validate(opts)
	var e *ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, ipopt.ErrBadLength), e.Offset(), e.Pointer(), e.Class())
	}
	// Output:
	// true 0 20 malformed
}
