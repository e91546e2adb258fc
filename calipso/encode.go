package calipso

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// OptionLen is the length of the option [AppendOption] writes for l,
// without padding: 10 octets and the bitmap, in 32-bit words up to the
// highest category (none for no category), as calipso_map_cat_hton sizes
// it (RULES.md §4).
func OptionLen(l *cipso.Label) (int, error) {
	if l.Level > 255 {
		return 0, kindWireLevel.At(0)
	}
	m, ok := l.Cats.Max()
	if !ok {
		return HeaderLen, nil
	}
	if m > MaxCategory {
		return 0, kindWireCat.At(0)
	}
	return HeaderLen + int(m/32+1)*4, nil
}

// leadPad is calipso_genopt's padding before the option for a start
// offset of 0, 1, 2, 3 modulo 4: the option goes at 4n+2.
var leadPad = [4]int{2, 1, 0, 3}

// AppendOption appends the option Linux's calipso_genopt writes for label
// l in DOI doi, with the padding it writes before it (RULES.md §4): start
// is the offset in the Hop-by-Hop header at which dst's new octets begin,
// and Pad1 or PadN brings the option to an offset of 4n+2. It fails,
// appending nothing, for DOI 0, a level above 255 or a category above
// [MaxCategory]; then the option would not be valid (Linux itself would
// wrap the length octet for categories 1952 to 2007). It allocates only
// when dst is too small.
func AppendOption(dst []byte, start int, doi uint32, l *cipso.Label) ([]byte, error) {
	if doi == 0 {
		return dst, kindNoDOI.At(0)
	}
	n, err := OptionLen(l)
	if err != nil {
		return dst, err
	}
	dst = ipv6.AppendPad(dst, leadPad[start&3])
	at := len(dst)
	dst = append(dst, Type, byte(n-2), 0, 0, 0, 0, byte((n-HeaderLen)/4), byte(l.Level), 0, 0)
	binary.BigEndian.PutUint32(dst[at+2:], doi)
	dst, _ = cipso.AppendBitmap(dst, &l.Cats, n-HeaderLen) // sized to fit above
	PutChecksum(dst[at:], Checksum(dst[at:]))
	return dst, nil
}

// AppendHopByHop appends a whole Hop-by-Hop header holding only the
// CALIPSO option for l, as calipso_opt_insert builds it for a socket with
// no other option: next is its Next Header; the option sits at offset 2
// and PadN makes the header a multiple of 8 octets.
func AppendHopByHop(dst []byte, next uint8, doi uint32, l *cipso.Label) ([]byte, error) {
	at := len(dst)
	dst = append(dst, next, 0)
	dst, err := AppendOption(dst, 2, doi, l)
	if err != nil {
		return dst[:at], err
	}
	n := len(dst) - at
	dst = ipv6.AppendPad(dst, n&4) // n is 4k: pad to 8k
	dst[at+1] = byte((len(dst)-at)/8 - 1)
	return dst, nil
}
