package cipso

import (
	"encoding/binary"
	"strconv"

	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// Sizes of the CIPSO option and its tags (draft §3; Linux
// include/net/cipso_ipv4.h; RULES.md §1, §2).
const (
	// OptionType is the option-type octet: 134, copied, class 0, number 6.
	OptionType = ipopt.CIPSO
	// HeaderLen is the option header: type, length and the 4-octet DOI
	// (CIPSO_V4_HDR_LEN).
	HeaderLen = 6
	// MaxOptionLen is the longest option, the whole options field
	// (CIPSO_V4_OPT_LEN_MAX).
	MaxOptionLen = 40
	// TagBaseLen is the header of tags 1, 2, 5 and 6: type, length,
	// alignment octet and level (CIPSO_V4_TAG_RBM_BLEN and friends).
	TagBaseLen = 4
	// LocalTagLen is the exact length of Linux's local tag 128
	// (CIPSO_V4_TAG_LOC_BLEN).
	LocalTagLen = 6
	// MaxTagLen is the longest tag: what is left of 40 octets after the
	// option header.
	MaxTagLen = MaxOptionLen - HeaderLen
	// MaxBitmapLen is the longest category bitmap, 30 octets, categories
	// 0..239 (draft §3.4.2.5).
	MaxBitmapLen = MaxTagLen - TagBaseLen
	// OptimizedBitmapLen is the fixed bitmap length of the optimized tag-1
	// form (draft §3.4.2.6; Linux cipso_rbm_optfmt).
	OptimizedBitmapLen = 10
	// MaxEnumCats is the most enumerated categories one tag 2 holds.
	MaxEnumCats = MaxBitmapLen / 2
	// MaxWireRanges is the most ranges one tag 5 holds: 7 pairs and a lone
	// final top (CIPSO_V4_TAG_RNG_CAT_MAX).
	MaxWireRanges = 8
	// MaxWireLevel is the highest sensitivity level on the wire
	// (CIPSO_V4_MAX_REM_LVLS).
	MaxWireLevel = 255
	// MaxWireCategory is the highest legal category on the wire
	// (CIPSO_V4_MAX_REM_CATS; draft §3.4.3.5). Linux accepts 65535 in a
	// received tag 2 (RULES.md §7), so decoders accept it too.
	MaxWireCategory = 65534
)

// DOI is a CIPSO Domain of Interpretation number (draft §3.3). 0 is
// reserved and never valid.
type DOI uint32

// String gives the decimal number.
func (d DOI) String() string { return strconv.FormatUint(uint64(d), 10) }

// stringer is fmt.Stringer, for the compile-time checks of the String
// methods without importing fmt into the package.
type stringer interface{ String() string }

var _ stringer = DOI(0)

// Option is a view of one CIPSO option: type octet, length octet, DOI and
// tags. It aliases the bytes it was made from. Make one with
// [ParseOption]; its accessors then need no further checks (and still do
// not panic on a hand-made Option).
type Option []byte

// ParseOption returns the CIPSO option at the start of b, cut to its
// length octet. It checks only the envelope: b[0] is 134, the length is
// 6..40 (at offset 1) and fits in b (at offset 0, where Linux's option walk
// reports it). Offsets in errors are counted from b[0].
func ParseOption(b []byte) (Option, error) {
	if len(b) == 0 {
		return nil, ipopt.KindTruncated.At(0)
	}
	if b[0] != byte(OptionType) {
		return nil, errNotCIPSO.At(0)
	}
	if len(b) < 2 {
		return nil, ipopt.KindTruncated.At(0)
	}
	n := int(b[1])
	if n < HeaderLen || n > MaxOptionLen {
		return nil, ipopt.KindBadLength.At(1)
	}
	if n > len(b) {
		return nil, ipopt.KindBadLength.At(0)
	}
	return Option(b[:n:n]), nil
}

// Len is the option's length in octets.
func (o Option) Len() int { return len(o) }

// DOI is the Domain of Interpretation (octets 2..5, big-endian), or 0 if
// the option is shorter than its header.
func (o Option) DOI() DOI {
	if len(o) < HeaderLen {
		return 0
	}
	return DOI(binary.BigEndian.Uint32(o[2:6]))
}

// Tags starts a walk over the option's tags.
func (o Option) Tags() TagIter {
	s := min(len(o), HeaderLen)
	return TagIter{tlv.Walker{B: o, Off: s, Cur: s}}
}

// FirstTag returns the first tag, the one Linux takes the label from
// (cipso_v4_getattr switches on octet 6 only).
func (o Option) FirstTag() (Tag, error) {
	it := o.Tags()
	if it.Next() {
		return it.Tag(), nil
	}
	if it.Err() != nil {
		return Tag{}, it.Err()
	}
	return Tag{}, KindTagTruncated.At(len(o))
}

// Label decodes the label the option carries on the wire into l, from the
// first tag only (as Linux's cipso_v4_getattr), with no DOI translation;
// see [Domain.Decode] for that. The tags after the first are not examined.
// On error l is unchanged.
func (o Option) Label(l *Label) error {
	if len(o) >= HeaderLen+2 {
		if n := int(o[HeaderLen+1]); n >= 2 && n <= len(o)-HeaderLen {
			return decodeTag(TagType(o[HeaderLen]), o[HeaderLen:HeaderLen+n:HeaderLen+n], HeaderLen, l)
		}
	}
	// The first tag is cut short or runs past the option (FirstTag
	// finds a tag exactly when the test above holds): FirstTag's error.
	_, err := o.FirstTag()
	return err
}
