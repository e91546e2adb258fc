package fips188

import "github.com/iplabel/iplabel/cipso"

// PermissiveBitmap is a view of a tag 6, FIPS 188's permissive bit map
// (FIPS PUB 188 clause 6.9, as Wireshark's packet-ip.c cites it): tag 1's
// layout with type 6,
//
//	06 LL 00 level bitmap(0..30 octets)
//
// bit 0x80>>(N%8) of bitmap octet N/8 marking category N (RULES.md §3:
// the layout Suricata's and Wireshark's checks agree on). Where tag 1's
// categories are restrictive (the receiver must hold every one), tag 6's
// are permissive: holding any one marked category suffices (our reading
// of the name; the meaning belongs to the tag set's registered
// semantics).
//
// The view aliases the option. Make one with [Profile.ParsePermissiveBitmap]
// or take it from an [Option].
type PermissiveBitmap struct{ t cipso.Tag }

// ParsePermissiveBitmap checks that t is a tag 6 the profile accepts and
// returns its view. Errors, at offsets of t (from the option's type
// octet): not tag 6, cipso.ErrUnknownTag at the type; length below 4 or
// above 34, cipso.ErrBadTagLength at +1; with ZeroAlignment a nonzero
// alignment octet, cipso.ErrBadAlignment at +2; with MinimalBitmap a last
// bitmap octet of 0, cipso.ErrNotCanonical at +4 (the first category
// octet, where Linux points for tag 1's category errors).
func (p Profile) ParsePermissiveBitmap(t cipso.Tag) (PermissiveBitmap, error) {
	if t.Type != cipso.TagPBitmap {
		return PermissiveBitmap{}, cipso.KindUnknownTag.At(t.Offset)
	}
	if err := p.checkBitmapTag(t, false); err != nil {
		return PermissiveBitmap{}, err
	}
	return PermissiveBitmap{t}, nil
}

// checkBitmapTag makes the checks tags 1 and 6 share; optimized allows the
// 10-octet bitmap of tag 1's optimized form (CIPSO draft §3.4.2.6).
func (p Profile) checkBitmapTag(t cipso.Tag, optimized bool) error {
	n := len(t.Bytes)
	if n < cipso.TagBaseLen || n > cipso.MaxTagLen {
		return cipso.KindBadTagLength.At(t.Offset + 1)
	}
	if p.ZeroAlignment && t.Bytes[2] != 0 {
		return cipso.KindBadAlignment.At(t.Offset + 2)
	}
	if p.MinimalBitmap && n > cipso.TagBaseLen && t.Bytes[n-1] == 0 &&
		!(optimized && n-cipso.TagBaseLen == cipso.OptimizedBitmapLen) {
		return cipso.KindNotCanonical.At(t.Offset + cipso.TagBaseLen)
	}
	return nil
}

// Tag is the tag the view was made from.
func (b PermissiveBitmap) Tag() cipso.Tag { return b.t }

// Level is the sensitivity level octet.
func (b PermissiveBitmap) Level() uint8 { return b.t.Level() }

// Alignment is the alignment octet (0 when well formed).
func (b PermissiveBitmap) Alignment() uint8 { return b.t.Alignment() }

// Bitmap is the category bitmap, aliasing the option.
func (b PermissiveBitmap) Bitmap() []byte { return b.t.Categories() }

// Has reports whether category c is marked.
func (b PermissiveBitmap) Has(c uint32) bool {
	bm := b.Bitmap()
	return c/8 < uint32(len(bm)) && bm[c/8]&(0x80>>(c%8)) != 0
}

// Categories stores the marked categories in s, replacing its contents.
// A bitmap of at most 30 octets always fits a CatSet.
func (b PermissiveBitmap) Categories(s *cipso.CatSet) error {
	return s.SetBitmap(b.Bitmap())
}

// PermissiveBitmapLen is the length of the tag 6 that
// [AppendPermissiveBitmap] writes for cats: 4 plus the minimal bitmap.
// Categories above 239 do not fit the 30-octet bitmap: cipso.ErrNoSpace at
// the first category octet (+4), class Limit.
func PermissiveBitmapLen(cats *cipso.CatSet) (int, error) {
	n := cipso.BitmapLen(cats)
	if n > cipso.MaxBitmapLen {
		return 0, cipso.KindNoSpace.At(cipso.TagBaseLen)
	}
	return cipso.TagBaseLen + n, nil
}

// AppendPermissiveBitmap appends a tag 6 with level and cats: 06, length,
// alignment 0, level, then the minimal MSB-first bitmap (no trailing zero
// octet; CIPSO draft §3.4.2.5 for the same layout in tag 1). On error
// nothing is appended. Offsets in errors are from the tag's type octet.
func AppendPermissiveBitmap(dst []byte, level uint8, cats *cipso.CatSet) ([]byte, error) {
	n, err := PermissiveBitmapLen(cats)
	if err != nil {
		return dst, err
	}
	dst = append(dst, byte(cipso.TagPBitmap), byte(n), 0, level)
	// AppendBitmap fails only for a category at or above 8 times the
	// octet count; n-4 is cipso.BitmapLen(cats), max/8+1 octets.
	dst, _ = cipso.AppendBitmap(dst, cats, n-cipso.TagBaseLen)
	return dst, nil
}
