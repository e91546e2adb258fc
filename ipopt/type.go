package ipopt

import "strconv"

// Type is the option-type octet of an IPv4 option (RFC 791 §3.1): a copied
// flag (bit 0x80), a two-bit class (0x60) and a five-bit number (0x1F).
type Type uint8

// Option types in use, from the IANA "IP Option Numbers" registry.
const (
	EOL    Type = 0   // End of Options List (RFC 791)
	NOP    Type = 1   // No Operation (RFC 791)
	RR     Type = 7   // Record Route (RFC 791)
	ZSU    Type = 10  // Experimental Measurement
	MTUP   Type = 11  // MTU Probe (RFC 1063, obsolete)
	MTUR   Type = 12  // MTU Reply (RFC 1063, obsolete)
	ENCODE Type = 15  // ENCODE
	QS     Type = 25  // Quick-Start (RFC 4782)
	EXP30  Type = 30  // RFC 3692-style experiment (RFC 4727)
	TS     Type = 68  // Internet Timestamp (RFC 791)
	TR     Type = 82  // Traceroute (RFC 1393)
	EXP94  Type = 94  // RFC 3692-style experiment (RFC 4727)
	SEC    Type = 130 // Basic Security Option (RFC 1108; RFC 791 SEC)
	LSRR   Type = 131 // Loose Source and Record Route (RFC 791)
	ESEC   Type = 133 // Extended Security Option (RFC 1108)
	CIPSO  Type = 134 // Commercial IP Security Option (CIPSO draft 2.2, FIPS 188)
	SID    Type = 136 // Stream ID (RFC 791)
	SSRR   Type = 137 // Strict Source and Record Route (RFC 791)
	VISA   Type = 142 // Experimental Access Control
	IMITD  Type = 144 // IMI Traffic Descriptor
	EIP    Type = 145 // Extended Internet Protocol (RFC 1385)
	ADDEXT Type = 147 // Address Extension
	RTRALT Type = 148 // Router Alert (RFC 2113)
	SDB    Type = 149 // Selective Directed Broadcast (RFC 1770)
	DPS    Type = 151 // Dynamic Packet State
	UMP    Type = 152 // Upstream Multicast Packet
	EXP158 Type = 158 // RFC 3692-style experiment (RFC 4727)
	FINN   Type = 205 // Experimental Flow Control
	EXP222 Type = 222 // RFC 3692-style experiment (RFC 4727)
	RA          = RTRALT
)

// Copied reports whether the option is copied into every fragment
// (RFC 791: the copied flag, bit 0x80).
func (t Type) Copied() bool { return t&0x80 != 0 }

// Class is the two-bit option class: 0 control, 2 debugging and
// measurement, 1 and 3 reserved (RFC 791).
func (t Type) Class() uint8 { return uint8(t>>5) & 3 }

// Number is the five-bit option number.
func (t Type) Number() uint8 { return uint8(t) & 0x1f }

// SingleOctet reports whether the option is one octet with no length octet.
// Only EOL and NOP are (RFC 791 "case 1").
func (t Type) SingleOctet() bool { return t == EOL || t == NOP }

// once reports whether a datagram carries at most one option of type t:
// the routes, Record Route, Timestamp and CIPSO, a second of which Linux's
// __ip_options_compile refuses, and the BSO, which RFC 1108 §2 allows once
// (Linux takes two). The rewrites refuse to set one of two.
func once(t Type) bool {
	switch t {
	case LSRR, SSRR, RR, TS, CIPSO, SEC:
		return true
	}
	return false
}

// Name is the short lowercase name used in JSON and logs ("cipso", "eol",
// "rr", ...). Types without a name give "unknown".
func (t Type) Name() string {
	if n := typeNames[t]; n != "" {
		return n
	}
	return "unknown"
}

// Type implements fmt.Stringer (spelled out, so that the package does not
// import fmt).
var _ interface{ String() string } = Type(0)

// String gives the name and, for unnamed types, the number: "cipso",
// "unknown(99)". String implements fmt.Stringer.
func (t Type) String() string {
	if n := typeNames[t]; n != "" {
		return n
	}
	return "unknown(" + strconv.Itoa(int(t)) + ")"
}

var typeNames = [256]string{
	EOL: "eol", NOP: "nop", RR: "rr", ZSU: "zsu", MTUP: "mtup", MTUR: "mtur",
	ENCODE: "encode", QS: "qs", EXP30: "exp", TS: "ts", TR: "tr", EXP94: "exp",
	SEC: "sec", LSRR: "lsrr", ESEC: "esec", CIPSO: "cipso", SID: "sid",
	SSRR: "ssrr", VISA: "visa", IMITD: "imitd", EIP: "eip", ADDEXT: "addext",
	RTRALT: "ra", SDB: "sdb", DPS: "dps", UMP: "ump", EXP158: "exp",
	FINN: "finn", EXP222: "exp",
}
