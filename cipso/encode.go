package cipso

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/ipopt"
)

// Format selects among the encodings Linux can generate for one label
// (RULES.md §6, §9). The zero value is Linux's default.
type Format struct {
	// Optimized sends a tag-1 bitmap of 1..10 octets as the fixed
	// 10-octet optimized form, tag length 14 (draft §3.4.2.6; Linux
	// sysctl net.ipv4.cipso_rbm_optfmt=1). Longer bitmaps are unaffected.
	Optimized bool
	// CatFlag is the NETLBL_SECATTR_MLS_CAT flag of the label Linux
	// encodes: set, an empty category set still gets a category field,
	// which for tag 1 is one 00 bitmap octet (tag length 5; with Optimized,
	// the 10-octet zero bitmap), because cipso_v4_map_cat_rbm_hton
	// returns one octet for an empty walk (RULES.md §9). Linux's LSMs
	// differ: Smack's smk_netlbl_mls sets the flag on every label, SELinux
	// (mls_export_netlbl_cat) only when the set is not empty. The zero
	// value, SELinux's behaviour, writes tag length 4 for an empty set.
	// Tags 2 and 5 are the same either way.
	CatFlag bool
}

// bitmapTagLen is the length of the tag 1 (or 6) that appendBitmapTag
// writes for cats: 4 plus the minimal bitmap (Linux
// cipso_v4_gentag_rbm). Categories 240 and up do not fit a 30-octet bitmap:
// ErrNoSpace at the first category octet (+4).
func bitmapTagLen(cats *CatSet, f Format) (int, error) {
	n := BitmapLen(cats)
	if n > MaxBitmapLen {
		return 0, KindNoSpace.At(TagBaseLen)
	}
	if n == 0 && f.CatFlag {
		n = 1
	}
	if f.Optimized && n > 0 && n <= OptimizedBitmapLen {
		n = OptimizedBitmapLen
	}
	return TagBaseLen + n, nil
}

// appendBitmapTag appends a bitmap tag of type t (TagRBitmap; package
// fips188 uses it for TagPBitmap, which has the same layout) with level and
// cats: t, length, alignment 0, level, then the minimal MSB-first bitmap
// or the optimized form (draft §3.4.2; Linux cipso_v4_gentag_rbm).
// Offsets in errors are from the tag's type octet. On error nothing is
// appended.
func appendBitmapTag(dst []byte, t TagType, level uint8, cats *CatSet, f Format) ([]byte, error) {
	n, err := bitmapTagLen(cats, f)
	if err != nil {
		return dst, err
	}
	dst = append(dst, byte(t), byte(n), 0, level)
	dst, _ = AppendBitmap(dst, cats, n-TagBaseLen)
	return dst, nil
}

// enumTagLen is the length of the tag 2 for cats: 4 plus 2 per category.
// Errors, at the first category octet (+4): more than 15 categories
// (ErrNoSpace, Linux -ENOSPC) or one above 65534 (ErrBadCategory).
func enumTagLen(cats *CatSet) (int, error) {
	n := cats.Len()
	if n > MaxEnumCats {
		return 0, KindNoSpace.At(TagBaseLen)
	}
	if m, ok := cats.Max(); ok && m > MaxWireCategory {
		return 0, errWireCat.At(TagBaseLen)
	}
	return TagBaseLen + 2*n, nil
}

// appendEnumTag appends a tag 2: 02, length, 0, level, then the categories
// in ascending order as big-endian u16 (draft §3.4.3; Linux
// cipso_v4_gentag_enum). On error nothing is appended.
func appendEnumTag(dst []byte, level uint8, cats *CatSet) ([]byte, error) {
	n, err := enumTagLen(cats)
	if err != nil {
		return dst, err
	}
	dst = append(dst, byte(TagEnum), byte(n), 0, level)
	for c := range cats.All() {
		dst = binary.BigEndian.AppendUint16(dst, uint16(c))
	}
	return dst, nil
}

// rangeTagLen is the length of the tag 5 for cats: 4 plus 4 per range,
// minus 2 when the lowest range starts at 0 (its bottom is omitted).
// Errors, at the first category octet (+4): more than 30 octets of ranges
// (ErrNoSpace, Linux -ENOSPC), a category above 65534 (ErrBadCategory).
func rangeTagLen(cats *CatSet) (int, error) {
	if m, ok := cats.Max(); ok && m > MaxWireCategory {
		return 0, errWireCat.At(TagBaseLen)
	}
	n := 4 * cats.numRanges()
	if cats.Has(0) {
		n -= 2
	}
	if n > MaxBitmapLen {
		return 0, KindNoSpace.At(TagBaseLen)
	}
	return TagBaseLen + n, nil
}

// appendRangeTag appends a tag 5: 05, length, 0, level, then the maximal
// runs of cats in descending order as big-endian high, low, the final low
// left out when it is 0 (draft §3.4.4; Linux cipso_v4_map_cat_rng_hton,
// RULES.md §9). On error nothing is appended.
func appendRangeTag(dst []byte, level uint8, cats *CatSet) ([]byte, error) {
	n, err := rangeTagLen(cats)
	if err != nil {
		return dst, err
	}
	dst = append(dst, byte(TagRange), byte(n), 0, level)
	// The runs come ascending and go on the wire descending: extend dst by
	// the field and fill it from its end, lowest run last.
	dst = append(dst, make([]byte, n-TagBaseLen)...)
	w := len(dst)
	for lo, hi := range cats.Ranges() {
		if lo == 0 {
			// Only the lowest run can start at 0: its bottom is omitted.
			w -= 2
			binary.BigEndian.PutUint16(dst[w:], uint16(hi))
			continue
		}
		w -= 4
		binary.BigEndian.PutUint16(dst[w:], uint16(hi))
		binary.BigEndian.PutUint16(dst[w+2:], uint16(lo))
	}
	return dst, nil
}

// appendLocalTag appends Linux's local tag 128: 80 06 and secid in the
// host's byte order (cipso_v4_gentag_loc). It only ever crosses loopback.
func appendLocalTag(dst []byte, secid uint32) []byte {
	dst = append(dst, byte(TagLocal), LocalTagLen)
	return binary.NativeEndian.AppendUint32(dst, secid)
}

// TagLen is the length of the tag of type t (1, 2 or 5) for cats.
func TagLen(t TagType, cats *CatSet, f Format) (int, error) {
	switch t {
	case TagRBitmap:
		return bitmapTagLen(cats, f)
	case TagEnum:
		return enumTagLen(cats)
	case TagRange:
		return rangeTagLen(cats)
	}
	return 0, KindWireTag.At(0)
}

// AppendTag appends the tag of type t (1, 2 or 5) for a label with wire
// values: a level above 255 is ErrBadLevel at +3. Offsets are from the
// tag's type octet. On error nothing is appended.
func AppendTag(dst []byte, t TagType, l *Label, f Format) ([]byte, error) {
	if l.Level > MaxWireLevel {
		if t.MAC() {
			return dst, KindWireLevel.At(3)
		}
		return dst, KindWireTag.At(0)
	}
	lv := uint8(l.Level)
	switch t {
	case TagRBitmap:
		return appendBitmapTag(dst, t, lv, &l.Cats, f)
	case TagEnum:
		return appendEnumTag(dst, lv, &l.Cats)
	case TagRange:
		return appendRangeTag(dst, lv, &l.Cats)
	}
	return dst, KindWireTag.At(0)
}

// AppendOptionHeader appends the option header for a body of tagsLen
// octets: 86, 6+tagsLen, DOI (draft §3; Linux cipso_v4_gentag_hdr). It
// fails with ErrNoSpace when the option would exceed 40 octets.
func AppendOptionHeader(dst []byte, doi DOI, tagsLen int) ([]byte, error) {
	if tagsLen < 0 || HeaderLen+tagsLen > MaxOptionLen {
		return dst, KindNoBuffer.At(1)
	}
	dst = append(dst, byte(OptionType), byte(HeaderLen+tagsLen))
	return binary.BigEndian.AppendUint32(dst, uint32(doi)), nil
}

// OptionLen is the length of the option [AppendOption] writes.
func OptionLen(t TagType, l *Label, f Format) (int, error) {
	if l.Level > MaxWireLevel {
		return 0, KindWireLevel.At(HeaderLen + 3)
	}
	n, err := TagLen(t, &l.Cats, f)
	if err != nil {
		return 0, ipopt.Shift(err, HeaderLen)
	}
	return HeaderLen + n, nil
}

// AppendOption appends a one-tag CIPSO option for DOI doi carrying l with
// tag type t (1, 2 or 5), the values taken as they go on the wire (no DOI
// translation; see [Domain.AppendOption] for Linux's tag selection and
// translation). Offsets in errors are from the option's type octet. On
// error nothing is appended.
func AppendOption(dst []byte, doi DOI, t TagType, l *Label, f Format) ([]byte, error) {
	n, err := OptionLen(t, l, f)
	if err != nil {
		return dst, err
	}
	// Neither fails: OptionLen made the checks they make.
	out, _ := AppendOptionHeader(dst, doi, n-HeaderLen)
	out, _ = AppendTag(out, t, l, f)
	return out, nil
}
