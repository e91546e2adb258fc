//go:build linux

package sockopt_test

import (
	"fmt"
	"net"
	"time"

	"github.com/iplabel/iplabel/ipopt/sockopt"
)

// Send a datagram with an option and read the options it arrived with.
// Record Route (RFC 791) is an option any socket may set; a CIPSO label
// (cipso.Domain.AppendOption) goes the same way with CAP_NET_RAW and its
// DOI configured, and cipso.FindLabel reads it from m.Options.
func ExampleReadMsgUDP() {
	rc, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer rc.Close()
	sc, _ := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	defer sc.Close()
	if err := sockopt.SetRecvOptions(rc, true); err != nil {
		fmt.Println(err)
	}
	// Record Route with one slot, padded with EOL.
	if err := sockopt.SetOptions(sc, []byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00}); err != nil {
		fmt.Println(err)
	}
	sc.WriteToUDP([]byte("hi"), rc.LocalAddr().(*net.UDPAddr))

	rc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 64)
	oob := make([]byte, sockopt.ControlLen)
	n, _, m, err := sockopt.ReadMsgUDP(rc, buf, oob)
	fmt.Printf("%q [% x] %v\n", buf[:n], m.Options, err)
	// Output:
	// "hi" [07 07 08 7f 00 00 01 00] <nil>
}
