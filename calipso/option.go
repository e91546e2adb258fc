package calipso

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// Type is the CALIPSO option type (RFC 5570 §5): action bits 00, so a
// node that does not know it skips it, and not changing en route.
const Type = ipv6.CALIPSO

// Layout of the option (RFC 5570 §5), offsets from its type octet.
const (
	// HeaderLen is the option without its bitmap: type, length, DOI (4),
	// compartment length, sensitivity level, checksum (2).
	HeaderLen = 10
	// MaxLen is the longest option: 255 octets of data after type and
	// length.
	MaxLen = 2 + 255
	// MaxCmptLen is the largest compartment length whose bitmap fits the
	// option: 61 words, categories 0 to 1951.
	MaxCmptLen = (255 - 8) / 4
	// MaxCategory is the highest category an option can carry.
	MaxCategory = MaxCmptLen*32 - 1
)

// errSetFull is cipso's: a bitmap with more separate runs above 255 than
// a cipso.CatSet holds.
var errSetFull = cipso.ErrSetFull

// Option is a view of one CALIPSO option, from its type octet to the end
// of its data; [ParseOption] makes one. Its accessors read the octets in
// place.
type Option []byte

// ParseOption frames the CALIPSO option at the start of b, checking what
// Linux's ipv6_hop_calipso checks before calipso_validate (RULES.md §2):
// type 7, a length octet, an option that fits b, an option length of at
// least 8 and a compartment bitmap inside the option. Octets after the
// bitmap are allowed, as Linux allows them. Error offsets count from b[0].
func ParseOption(b []byte) (Option, error) {
	switch {
	case len(b) == 0:
		return nil, kindTruncated.At(0)
	case b[0] != Type:
		return nil, kindType.At(0)
	case len(b) < 2:
		return nil, kindTruncated.At(0)
	}
	n := int(b[1]) + 2
	switch {
	case n > len(b):
		return nil, kindLength.At(1)
	case n < HeaderLen:
		return nil, kindLength.At(1)
	case int(b[6])*4+8 > int(b[1]):
		return nil, kindCmptLen.At(6)
	}
	return Option(b[:n:n]), nil
}

// DOI is the domain of interpretation; 0 when o is shorter than 6
// octets.
func (o Option) DOI() uint32 {
	if len(o) < 6 {
		return 0
	}
	return binary.BigEndian.Uint32(o[2:6])
}

// CmptLen is the compartment length, in 32-bit words of bitmap; 0 when o
// is shorter than 7 octets.
func (o Option) CmptLen() int {
	if len(o) < 7 {
		return 0
	}
	return int(o[6])
}

// Level is the sensitivity level; 0 when o is shorter than 8 octets.
func (o Option) Level() uint8 {
	if len(o) < 8 {
		return 0
	}
	return o[7]
}

// Checksum is the checksum field as Linux reads it: octet 8 is the low
// octet, octet 9 the high one (RULES.md §3); 0 when o is shorter than 10
// octets.
func (o Option) Checksum() uint16 {
	if len(o) < HeaderLen {
		return 0
	}
	return uint16(o[8]) | uint16(o[9])<<8
}

// bitmapEnd is where the bitmap ends, or -1 when o is shorter than 10
// octets or its bitmap does not fit it.
func (o Option) bitmapEnd() int {
	if len(o) < HeaderLen {
		return -1
	}
	n := HeaderLen + 4*int(o[6])
	if n > len(o) {
		return -1
	}
	return n
}

// Bitmap is the compartment bitmap: CmptLen*4 octets after the checksum;
// nil when the bitmap does not fit o.
func (o Option) Bitmap() []byte {
	n := o.bitmapEnd()
	if n < 0 {
		return nil
	}
	return o[HeaderLen:n]
}

// Trailer is what follows the bitmap inside the option; Linux accepts it
// and covers it by the checksum. It is nil when the bitmap does not fit o.
func (o Option) Trailer() []byte {
	n := o.bitmapEnd()
	if n < 0 {
		return nil
	}
	return o[n:]
}

// ComputeChecksum is the checksum Linux's calipso_genopt writes and
// calipso_validate expects for o (RULES.md §3).
func (o Option) ComputeChecksum() uint16 { return Checksum(o) }

// ChecksumOK reports whether the stored checksum is the computed one;
// false when o is shorter than 10 octets.
func (o Option) ChecksumOK() bool {
	return len(o) >= HeaderLen && o.Checksum() == o.ComputeChecksum()
}

// Label decodes the level and the categories of the bitmap, as Linux's
// calipso_opt_getattr does (category c is bit 0x80>>(c%8) of octet c/8).
// It fails with cipso.ErrSetFull (at the bitmap, class Limit) when the
// bitmap has more separate runs above category 255 than a cipso.CatSet
// holds. An o that [ParseOption] would refuse fails too: shorter than 10
// octets with ipopt.ErrTruncated at 0, a bitmap that does not fit with
// ipopt.ErrBadLength at the compartment length.
func (o Option) Label() (cipso.Label, error) {
	if len(o) < HeaderLen {
		return cipso.Label{}, kindTruncated.At(0)
	}
	if o.bitmapEnd() < 0 {
		return cipso.Label{}, kindCmptLen.At(6)
	}
	l := cipso.Label{Level: uint32(o.Level())}
	if err := l.Cats.SetBitmap(o.Bitmap()); err != nil {
		return cipso.Label{}, kindCatsFull.At(HeaderLen)
	}
	return l, nil
}

// crcTable is the table of the reflected CRC-CCITT polynomial 0x8408 that
// Linux's crc_ccitt (lib/crc-ccitt.c) uses.
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i)
		for range 8 {
			if c&1 != 0 {
				c = c>>1 ^ 0x8408
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

// crcCCITT continues a CRC-CCITT over b as Linux's crc_ccitt does.
func crcCCITT(crc uint16, b []byte) uint16 {
	for _, c := range b {
		crc = crc>>8 ^ crcTable[byte(crc)^c]
	}
	return crc
}

// Checksum computes the checksum of the option opt (from its type octet to
// the end of its data, at least 10 octets) as Linux does: CRC-CCITT from
// 0xffff over the whole option with the two checksum octets taken as 0,
// complemented (RULES.md §3). Store it with [PutChecksum]. opt shorter
// than 10 octets gives 0.
func Checksum(opt []byte) uint16 {
	if len(opt) < HeaderLen {
		return 0
	}
	crc := crcCCITT(0xffff, opt[:8])
	crc = crcCCITT(crc, []byte{0, 0})
	crc = crcCCITT(crc, opt[HeaderLen:])
	return ^crc
}

// PutChecksum stores sum in the option's checksum field, low octet
// first. It does nothing when opt is shorter than 10 octets.
func PutChecksum(opt []byte, sum uint16) {
	if len(opt) < HeaderLen {
		return
	}
	opt[8], opt[9] = byte(sum), byte(sum>>8)
}
