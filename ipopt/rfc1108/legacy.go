package rfc1108

import (
	"fmt"

	"github.com/iplabel/iplabel/ipopt"
)

var _ fmt.Stringer = LegacyLevel(0)

// LegacySEC is the obsolete RFC 791 security option, also type 130 but a
// fixed 11 octets (RFC 791 §3.1; RULES.md §8):
//
//	82 0B S(2) C(2) H(2) TCC(3)
//
// It is not an RFC 1108 BSO. Several tools (scapy's IPOption_Security,
// Suricata's IPV4_OPT_SEC_LEN, glibc's netinet/ip.h) still read every
// type-130 option this way, so this package keeps the two formats apart:
// [DecodeBSO] never reads this layout and [DecodeLegacySEC] never reads
// RFC 1108.
type LegacySEC struct {
	Security     LegacyLevel // S: one of 16 codes
	Compartments uint16      // C
	Handling     [2]byte     // H: handling restrictions, two characters
	TCC          [3]byte     // TCC: transmission control code, three characters
}

// LegacySECLen is the fixed length of the RFC 791 form.
const LegacySECLen = 11

// LegacyLevel is the 16-bit security code S of the RFC 791 option.
type LegacyLevel uint16

// The eight assigned RFC 791 security codes (RFC 791 §3.1).
const (
	LegacyUnclassified LegacyLevel = 0x0000
	LegacyConfidential LegacyLevel = 0xF135
	LegacyEFTO         LegacyLevel = 0x789A
	LegacyMMMM         LegacyLevel = 0xBC4D
	LegacyPROG         LegacyLevel = 0x5E26
	LegacyRestricted   LegacyLevel = 0xAF13
	LegacySecret       LegacyLevel = 0xD788
	LegacyTopSecret    LegacyLevel = 0x6BC5
)

// legacyCodes lists all 16 codes of RFC 791, the eight assigned ones and
// the eight reserved ones, with the names of the assigned ones.
var legacyCodes = [16]struct {
	code LegacyLevel
	name string
}{
	{LegacyUnclassified, "unclassified"}, {LegacyConfidential, "confidential"},
	{LegacyEFTO, "efto"}, {LegacyMMMM, "mmmm"}, {LegacyPROG, "prog"},
	{LegacyRestricted, "restricted"}, {LegacySecret, "secret"},
	{LegacyTopSecret, "top-secret"},
	{0x35E2, ""}, {0x9AF1, ""}, {0x4D78, ""}, {0x24BD, ""},
	{0x135E, ""}, {0x89AF, ""}, {0xC4D6, ""}, {0xE26B, ""},
}

// Known reports whether s is one of the 16 codes of RFC 791 (eight
// assigned, eight reserved).
func (s LegacyLevel) Known() bool {
	for _, c := range legacyCodes {
		if c.code == s {
			return true
		}
	}
	return false
}

// String names an assigned code ("secret", "efto") and writes any other
// value in hex ("0x35e2").
func (s LegacyLevel) String() string {
	for _, c := range legacyCodes {
		if c.code == s && c.name != "" {
			return c.name
		}
	}
	return hexOctet[s>>8] + hexOctet[s&0xff][2:]
}

// IsLegacySEC reports whether opt (an option, type octet first) is read as
// the RFC 791 form by Wireshark's heuristic (packet-ip.c, checked with
// tshark 4.0.17; RULES.md §7): type 130, length octet 11, 11 octets
// present, and the two octets after the length one of the 16 RFC 791
// security codes. None of the four assigned RFC 1108 levels starts such a
// code, but reserved level 0xF1 does (0xF135), so a malformed 11-octet BSO
// can look like this form (RULES.md §8).
func IsLegacySEC(opt []byte) bool {
	if len(opt) < LegacySECLen || opt[0] != byte(ipopt.SEC) || opt[1] != LegacySECLen {
		return false
	}
	return LegacyLevel(uint16(opt[2])<<8 | uint16(opt[3])).Known()
}

// DecodeLegacySEC decodes an RFC 791 security option into *s. It requires
// what [IsLegacySEC] tests, failing with ipopt.ErrTruncated or
// ErrWrongType at 0, ipopt.ErrBadLength at 1 (length not 11, or past the
// end at 0), or ErrBadClassification at 2 (not one of the 16 codes). On
// error *s is not changed.
func DecodeLegacySEC(opt []byte, s *LegacySEC) error {
	if len(opt) < 2 {
		return ipopt.KindTruncated.At(0)
	}
	if opt[0] != byte(ipopt.SEC) {
		return errType.At(0)
	}
	if opt[1] != LegacySECLen {
		return ipopt.KindBadLength.At(1)
	}
	if len(opt) < LegacySECLen {
		return ipopt.KindBadLength.At(0)
	}
	v := LegacySEC{
		Security:     LegacyLevel(uint16(opt[2])<<8 | uint16(opt[3])),
		Compartments: uint16(opt[4])<<8 | uint16(opt[5]),
		Handling:     [2]byte{opt[6], opt[7]},
		TCC:          [3]byte{opt[8], opt[9], opt[10]},
	}
	if !v.Security.Known() {
		return errClass.At(2)
	}
	*s = v
	return nil
}

// AppendLegacySEC appends s in the RFC 791 layout (11 octets), whatever
// its security code.
func AppendLegacySEC(dst []byte, s LegacySEC) []byte {
	return append(dst, byte(ipopt.SEC), LegacySECLen,
		byte(s.Security>>8), byte(s.Security), byte(s.Compartments>>8), byte(s.Compartments),
		s.Handling[0], s.Handling[1], s.TCC[0], s.TCC[1], s.TCC[2])
}
