package linuxtest

import "github.com/iplabel/iplabel/ipopt"

// EchoSuppressed reports whether Linux, having found the error that
// ipopt.Linux.Compile returned for opts, sends no ICMP Parameter Problem
// at all, so that a test sees the packet [Dropped] rather than answered.
// c is the Compiled that Compile returned together with its error.
//
// The reason (observed on Linux 6.18, pinned by this package's tests):
// the receive walk has already advanced the pointer of an RR or TS option
// met before the error (RR by 4; TS by 4 for flag 0, by 8 for flags 1 and
// 3), and icmp_send gives up when __ip_options_echo refuses an RR or TS
// whose advanced pointer is inside the option but leaves no room for the
// reply's own entry. A TS with flag 3 advances only when its address is
// not a unicast address of the namespace (inet_addr_type; here 0/8, 127/8
// and 224/3 and up, since the namespace has a default route).
func EchoSuppressed(opts []byte, c ipopt.Compiled) bool {
	if c.RR >= 0 && c.RR+3 <= len(opts) {
		b := opts[c.RR:]
		l, p := int(b[1]), int(b[2])
		if p <= l && p+4 <= l && p+7 > l {
			return true
		}
	}
	if c.TS >= 0 && c.TS+4 <= len(opts) {
		b := opts[c.TS:]
		l, p := int(b[1]), int(b[2])
		if p > l || p < 1 || p > len(b) {
			return false
		}
		switch b[3] & 0x0f {
		case 0:
			return p+4 <= l && p+7 > l
		case 1:
			return p+8 <= l && p+15 > l
		case 3:
			a := b[p-1]
			local := a == 0 || a == 127 || a >= 224
			return local && p+8 <= l && p+11 > l
		}
	}
	return false
}
