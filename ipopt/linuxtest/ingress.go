package linuxtest

import "fmt"

// Ingress is the device injected datagrams arrive on.
type Ingress uint8

const (
	// Loopback: lo, the default. cipso_v4_validate accepts NetLabel's
	// local tag 128 only on a device with IFF_LOOPBACK (net/ipv4/cipso_ipv4.c).
	Loopback Ingress = iota
	// Ethernet: the inner end of a veth pair, an Ethernet device that is
	// not loopback. Frames are sent out of the other end, so nothing
	// leaves the namespace.
	Ethernet
)

var _ fmt.Stringer = Ingress(0)

// String implements fmt.Stringer.
func (i Ingress) String() string {
	if i == Ethernet {
		return "ethernet"
	}
	return "loopback"
}
