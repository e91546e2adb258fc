package cipso

import "encoding/binary"

// Label decodes a tag 1, 2 or 5 into l with the values on the wire (no DOI
// translation; see [Domain.Decode]). It is as lenient as Linux's parsers
// (cipso_v4_parsetag_rbm, _enum, _rng; RULES.md §8) and checks only what
// is needed to read the tag; the validation profiles check the rest:
//
//   - tag 1: length >= 4 (at +1); every bitmap bit is a category; trailing
//     zero octets and the optimized form are fine;
//   - tag 2: length >= 4 (at +1) and even (at +4, as Linux's
//     cipso_v4_map_cat_enum_valid); values in any order, duplicates and
//     65535 included;
//   - tag 5: length >= 4 (at +1) and even (at +4); pairs of high, low,
//     the last low 0 when omitted; an inverted pair (low > high) adds no
//     category, as Linux's netlbl_catmap_setrng.
//
// Other tag types give ErrUnknownTag at the tag type. Offsets are those of
// t (from the option's type octet). On error l is unchanged.
func (t Tag) Label(l *Label) error { return decodeTag(t.Type, t.Bytes, t.Offset, l) }

// decodeTag is Tag.Label on the tag's parts, so that Option.Label can
// decode without building a Tag.
func decodeTag(typ TagType, tb []byte, off int, l *Label) error {
	n := len(tb)
	switch typ {
	case TagRBitmap, TagEnum, TagRange:
	default:
		return KindUnknownTag.At(off)
	}
	if n < TagBaseLen {
		return KindBadTagLength.At(off + 1)
	}
	cats := tb[TagBaseLen:]
	if typ != TagRBitmap && len(cats)&1 != 0 {
		return errCategory.At(off + TagBaseLen)
	}
	if len(cats) <= MaxTagLen-TagBaseLen {
		// A tag one option can carry cannot overflow a CatSet (30 bitmap
		// octets reach category 239; 15 values or 8 ranges make at most
		// 15 runs above 255), so it decodes straight into l.
		l.Level = uint32(tb[3])
		switch typ {
		case TagRBitmap:
			l.Cats.setLowBitmap(cats)
		case TagEnum:
			l.Cats.Clear()
			_ = decodeEnum(&l.Cats, cats)
		case TagRange:
			l.Cats.Clear()
			_ = decodeRanges(&l.Cats, cats)
		}
		return nil
	}
	var out Label
	out.Level = uint32(tb[3])
	var err error
	switch typ {
	case TagRBitmap:
		err = out.Cats.SetBitmap(cats)
	case TagEnum:
		err = decodeEnum(&out.Cats, cats)
	case TagRange:
		err = decodeRanges(&out.Cats, cats)
	}
	if err != nil {
		// ErrSetFull, the only way a category field of even length fails.
		return errCatsFull.At(off + TagBaseLen)
	}
	*l = out
	return nil
}

// decodeEnum adds the enumerated categories b, of even length, to s.
func decodeEnum(s *CatSet, b []byte) error {
	for i := 0; i+1 < len(b); i += 2 {
		c := uint32(binary.BigEndian.Uint16(b[i:]))
		if c < lowCats {
			s.low[c>>6] |= 1 << (c & 63)
			continue
		}
		// Ascending values above the last run (the order Linux requires)
		// are appended or extend that run without a merge.
		if n := int(s.n); n < maxCatRanges && (n == 0 || uint64(s.r[n-1].hi)+1 < uint64(c)) {
			s.r[n] = catRange{c, c}
			s.n++
			continue
		}
		if err := s.Add(c); err != nil {
			return err
		}
	}
	return nil
}

// decodeRanges adds the ranges b, of even length, to s.
func decodeRanges(s *CatSet, b []byte) error {
	for i := 0; i+1 < len(b); i += 4 {
		hi := uint32(binary.BigEndian.Uint16(b[i:]))
		lo := uint32(0)
		if i+4 <= len(b) {
			lo = uint32(binary.BigEndian.Uint16(b[i+2:]))
		}
		if err := s.AddRange(lo, hi); err != nil {
			return err
		}
	}
	return nil
}

// SecID returns the 32-bit security identifier of Linux's local tag 128.
// Linux copies the u32 in host byte order (cipso_v4_gentag_loc), and the
// tag only ever crosses loopback, so this reads it in the native byte
// order of the machine running this code. Errors: not tag 128 (ErrUnknownTag at the type), length
// other than 6 (ErrBadTagLength at +1).
func (t Tag) SecID() (uint32, error) {
	if t.Type != TagLocal {
		return 0, KindUnknownTag.At(t.Offset)
	}
	if len(t.Bytes) != LocalTagLen {
		return 0, KindBadTagLength.At(t.Offset + 1)
	}
	return binary.NativeEndian.Uint32(t.Bytes[2:]), nil
}
