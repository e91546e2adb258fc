package linuxtest_test

import (
	"fmt"

	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// Ask the kernel about one CIPSO option (rulebook checklist case 1, with
// DOI 16) and about the same option with DOI 0 (case 6). It needs root and
// netlabelctl, so it is not run as a test; its output there is
//
//	delivered
//	parameter problem, pointer 22
func Example() {
	if err := linuxtest.Available(); err != nil {
		fmt.Println(err)
		return
	}
	ns, err := linuxtest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Close() // also removes DOI 16 again

	if err := ns.ConfigureNetLabel("cipsov4 add pass doi:16 tags:1,2,5"); err != nil {
		fmt.Println(err)
		return
	}
	vs, err := ns.VerdictMany([][]byte{
		{0x86, 0x0A, 0, 0, 0, 16, 0x01, 0x04, 0x00, 0x05, 0, 0},
		{0x86, 0x0A, 0, 0, 0, 0, 0x01, 0x04, 0x00, 0x05, 0, 0},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, v := range vs {
		fmt.Println(v)
	}
}

func ExampleVerdict_String() {
	fmt.Println(linuxtest.Verdict{Outcome: linuxtest.Delivered})
	fmt.Println(linuxtest.Verdict{Outcome: linuxtest.ParameterProblem, Type: 12, Pointer: 22})
	fmt.Println(linuxtest.Verdict{Outcome: linuxtest.OtherICMP, Type: 3, Code: 10})
	fmt.Println(linuxtest.Verdict{})
	// Output:
	// delivered
	// parameter problem, pointer 22
	// icmp error 3/10
	// dropped
}
