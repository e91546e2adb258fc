package ipopt

// Linux answers a received header whose options fail __ip_options_compile
// with icmp_send(ICMP_PARAMETERPROB) (net/ipv4/ip_options.c,
// ip_options_compile). __icmp_send (net/ipv4/icmp.c) builds the options of
// its reply with __ip_options_echo and gives up, sending nothing, when
// that fails. The echo reads the options as the walk left them in the
// packet, after it advanced the pointer of each RR and TS option met before
// the error, and it fails in exactly three places, all on such an option
// whose advanced pointer is still inside it:
//
//   - RR with rr_needaddr: no room for the reply's own address;
//   - TS with ts_needaddr (flag 1): no room for the address;
//   - TS with ts_needtime (flag 0, flag 1 after the address, flag 3 whose
//     address was not a unicast address): no room for the time.
//
// The rest of the echo cannot fail: a source route is reversed (or left
// out) whatever its pointer, CIPSO is copied, what follows an EOL is not
// looked at. Whether the reply then finds a route (to the reversed
// route's first hop, or to the sender) depends on the host's routing
// table, not on the options, and is not modelled; Linux finds one for
// every address when a default route exists (ipopt/linuxtest's namespace
// has one, and sends these Parameter Problems).

// echoFails reports whether __ip_options_echo fails for opts as received,
// given c, the offsets the walk recorded up to its error. Every option c
// records passed the walk's checks, so its length and pointer octets are
// inside opts and the pointer is at least 4 (RR) or 5 (TS).
func echoFails(opts []byte, c *Compiled) bool {
	if c.RR >= 0 {
		// ip_options_compile: a pointer inside the option leaves room for
		// one address (else the RR was the error), which the receive walk
		// writes before moving the pointer by 4 (rr_needaddr).
		l, p := int(opts[c.RR+1]), int(opts[c.RR+2])
		if p <= l && noRoom(p+4, 4, l) {
			return true
		}
	}
	if c.TS >= 0 {
		b := opts[c.TS : c.TS+int(opts[c.TS+1])]
		l, p := len(b), int(b[2])
		if p > l { // full: only the overflow count changes, nothing is echoed
			return false
		}
		switch b[3] & 0x0f {
		case 0: // IPOPT_TS_TSONLY: needtime, pointer += 4
			return noRoom(p+4, 4, l)
		case 1: // IPOPT_TS_TSANDADDR: needaddr and needtime, pointer += 8
			return noRoom(p+8, 8, l)
		case 3: // IPOPT_TS_PRESPEC: needtime, pointer += 8, unless the address is a unicast one
			if prespecStamped([4]byte(b[p-1 : p+3])) {
				return noRoom(p+8, 4, l)
			}
		}
	}
	return false
}

// noRoom is __ip_options_echo's test on an advanced pointer p of an option
// of length l that needs n octets for the reply's own entries (4 for an
// address or a time, 8 for both): the pointer is inside the option but the
// entries do not fit. A pointer past the end means the option is full and
// the reply just copies it.
func noRoom(p, n, l int) bool {
	return p <= l && p+n-1 > l
}

// prespecStamped reports whether a flag-3 timestamp entry for addr is
// filled in on receive: ip_options_compile does so unless inet_addr_type
// says RTN_UNICAST, an address that is neither the host's own nor a
// broadcast or multicast one. Without knowing the host's addresses this is
// 0.0.0.0 and 255.255.255.255 (RTN_BROADCAST), 127.0.0.0/8 (RTN_LOCAL, lo's
// route) and 224.0.0.0/4 (RTN_MULTICAST). Observed on Linux 6.18
// (ipopt/linuxtest TestEchoKernel): every other address, 0.0.0.1 and
// 240.0.0.0/4 included, counts as unicast. A host's own addresses and its
// subnets' broadcast addresses are stamped too; this model does not know
// them.
func prespecStamped(addr [4]byte) bool {
	switch {
	case addr == [4]byte{}, addr == [4]byte{255, 255, 255, 255}:
		return true
	case addr[0] == 127, addr[0]&0xf0 == 224:
		return true
	}
	return false
}
