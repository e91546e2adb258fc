package linuxtest_test

import (
	"encoding/binary"
	"fmt"
	"net"

	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// Ask the kernel about one CIPSO option (case 1 of the checklist in
// ipopt/RULES.md §9, with DOI 16) and about the same option with DOI 0
// (case 6). It needs root and netlabelctl, so it is not run as a test; its
// output there is
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
	defer ns.Close() // also removes the DOI again

	// DOI 16, or a free number if the host uses 16 itself.
	dois, err := ns.ConfigureDOIs("cipsov4 add pass doi:16 tags:1,2,5")
	if err != nil {
		fmt.Println(err)
		return
	}
	opt := []byte{0x86, 0x0A, 0, 0, 0, 0, 0x01, 0x04, 0x00, 0x05, 0, 0}
	binary.BigEndian.PutUint32(opt[2:], dois.Of(16))
	vs, err := ns.VerdictMany([][]byte{
		opt,
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

// Open UDP sockets in the namespace and exchange a datagram on its
// loopback. The sockets are made inside Do and used after it. It needs
// root, so it is not run as a test; its output there is
//
//	hello
func ExampleNamespace_Do() {
	ns, err := linuxtest.New()
	if err != nil {
		fmt.Println(err)
		return
	}
	defer ns.Close()

	var rx, tx *net.UDPConn
	err = ns.Do(func() (err error) {
		lo := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)}
		if rx, err = net.ListenUDP("udp4", lo); err != nil {
			return err
		}
		tx, err = net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
		return err
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer rx.Close()
	defer tx.Close()

	if _, err := tx.Write([]byte("hello")); err != nil {
		fmt.Println(err)
		return
	}
	buf := make([]byte, 16)
	n, err := rx.Read(buf)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(string(buf[:n]))
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
