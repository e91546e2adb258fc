package cipso

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// TagSet is a set of tag types, for [Strict.Ignorable].
type TagSet struct{ b [4]uint64 }

// Add puts tag types in the set.
func (s *TagSet) Add(t ...TagType) {
	for _, x := range t {
		s.b[x>>6] |= 1 << (x & 63)
	}
}

// Has reports whether t is in the set.
func (s *TagSet) Has(t TagType) bool { return s.b[t>>6]&(1<<(t&63)) != 0 }

// minStrictLen is the shortest option the strict profile accepts: the
// header and a tag-1 header, the least an implementation must be able to
// send (draft §3.4.5; RULES.md §1).
const minStrictLen = HeaderLen + TagBaseLen

// Strict validates CIPSO options against the draft (draft-ietf-cipso-
// ipsecurity-01) rather than against what Linux lets through, and accepts
// only canonical encodings, so that every option it accepts re-encodes byte
// for byte ([AppendOption] with [FormatOf] the tag). RULES.md §10 lists its
// checks in order, with the offset and sentinel each reports; every
// category error points at the first category octet, as [Linux] does.
// Tags 6 and 7 (FIPS 188) are package fips188's.
//
// The zero Strict checks the option alone: any DOI but 0, no ignorable
// tags. Strict is an [ipopt.OptionChecker].
type Strict struct {
	// Registry, if not nil, must hold the option's DOI, whose tag slots
	// and translation tables then apply.
	Registry *Registry
	// Ignorable holds the tag types, other than 0, 1, 2 and 5, to skip
	// rather than refuse (draft §5.1.1). Package fips188 handles tags 6
	// and 7 itself.
	Ignorable TagSet
}

// CheckOption implements [ipopt.OptionChecker]: o is the option as the
// walk found it (o.Bytes from its type octet, cut to its length; an
// option of another type is refused with ErrNotCIPSO at its type octet),
// and the error's offsets are in the options field, o.Offset being the
// option's. socket makes no difference.
func (s Strict) CheckOption(o ipopt.Option, _ bool) error {
	return ipopt.Shift(s.check(o.Bytes), o.Offset)
}

var (
	_ ipopt.OptionChecker  = Strict{}
	_ ipopt.FieldValidator = Strict{}
)

// Validate walks an options field as Linux does (ipopt.Linux{CIPSO: s})
// and checks its CIPSO option with s.
func (s Strict) Validate(opts []byte) error {
	if s.Ignorable == (TagSet{}) {
		// A checker one pointer long: an interface holds it without
		// allocating.
		return ipopt.Linux{CIPSO: strictCheck{s.Registry}}.Validate(opts)
	}
	at, err := walkAccepting(opts)
	if at < 0 {
		return err
	}
	if e := s.check(opts[at : at+int(opts[at+1])]); e != nil {
		return ipopt.Shift(e, at)
	}
	return err
}

// strictCheck is Strict{Registry: r}.
type strictCheck struct{ r *Registry }

func (c strictCheck) CheckOption(o ipopt.Option, _ bool) error {
	return ipopt.Shift(Strict{Registry: c.r}.check(o.Bytes), o.Offset)
}

// check is the strict reading of b, the option from its type octet, after
// ParseOption's envelope checks (which, in a walk, always pass).
func (s Strict) check(b []byte) error {
	if !framed(b) {
		o, err := ParseOption(b)
		if err != nil {
			return err
		}
		b = o
	}
	n := len(b)
	if n < minStrictLen {
		return ipopt.KindBadLength.At(1)
	}
	doi := DOI(binary.BigEndian.Uint32(b[2:6]))
	if doi == 0 {
		return KindZeroDOI.At(2)
	}
	var d *Domain
	if s.Registry != nil {
		if d = s.Registry.Lookup(doi); d == nil {
			return KindUnknownDOI.At(2)
		}
	}
	mac := false
	for it := HeaderLen; it < n; {
		// The walk of TagIter, written out: the tag type is judged between
		// a missing length octet and a bad one (RULES.md §10).
		typ := TagType(b[it])
		tl, fr := tlv.Frame(b, it)
		if fr == tlv.Truncated {
			return KindTagTruncated.At(it)
		}
		if !typ.MAC() && (typ == TagInvalid || !s.Ignorable.Has(typ)) {
			return KindUnknownTag.At(it)
		}
		if fr == tlv.BadLength {
			return KindBadTagLength.At(it + 1)
		}
		if !typ.MAC() {
			it += tl
			continue
		}
		if tl < TagBaseLen {
			return KindBadTagLength.At(it + 1)
		}
		if d != nil && !d.Permits(typ) {
			return KindTagNotAllowed.At(it)
		}
		if mac {
			return KindMultipleTags.At(it)
		}
		mac = true
		tag := b[it : it+tl]
		if tag[2] != 0 {
			return KindBadAlignment.At(it + 2)
		}
		if d != nil && !d.levelValid(tag[3]) {
			return KindBadLevel.At(it + 3)
		}
		cats := tag[TagBaseLen:]
		var k ipopt.ErrorKind
		switch typ {
		case TagRBitmap:
			if len(cats) > 0 && cats[len(cats)-1] == 0 && len(cats) != OptimizedBitmapLen {
				k = KindNotCanonical
			} else if d != nil && !d.bitmapValid(cats) {
				k = errCategory
			}
		case TagEnum:
			k = strictEnum(cats)
		case TagRange:
			k = strictRanges(cats)
		}
		if k != noKind {
			return k.At(it + TagBaseLen)
		}
		it += tl
	}
	return nil
}

func strictEnum(b []byte) ipopt.ErrorKind {
	if len(b)&1 != 0 {
		return errCategory
	}
	prev := -1
	for i := 0; i+1 < len(b); i += 2 {
		c := int(binary.BigEndian.Uint16(b[i:]))
		if c > MaxWireCategory {
			return errCategory
		}
		if c <= prev {
			return errCatOrder
		}
		prev = c
	}
	return noKind
}

func strictRanges(b []byte) ipopt.ErrorKind {
	if len(b)&1 != 0 {
		return errCategory
	}
	prev := -1 // bottom of the previous range; -1 before the first
	for i := 0; i+1 < len(b); i += 4 {
		hi := int(binary.BigEndian.Uint16(b[i:]))
		lo, explicit := 0, i+4 <= len(b)
		if explicit {
			lo = int(binary.BigEndian.Uint16(b[i+2:]))
		}
		switch {
		case hi > MaxWireCategory || lo > MaxWireCategory:
			return errCategory
		case lo > hi:
			return errCatOrder
		case prev >= 0 && hi >= prev:
			return errCatOrder
		case prev >= 0 && hi+1 == prev:
			return KindNotCanonical
		case explicit && lo == 0 && i+4 == len(b):
			return KindNotCanonical
		}
		prev = lo
	}
	return noKind
}

// FormatOf returns the Format that makes [AppendTag] reproduce t's bitmap
// shape: the optimized form for a 10-octet bitmap, and the category flag
// for a bitmap present but empty (see [Format]). For a tag that [Strict]
// accepts, decoding it ([Tag.Label]) and encoding the label with
// FormatOf(t) gives back t octet for octet.
func FormatOf(t Tag) Format {
	if t.Type != TagRBitmap && t.Type != TagPBitmap {
		return Format{}
	}
	n := len(t.Categories())
	return Format{Optimized: n == OptimizedBitmapLen, CatFlag: n > 0}
}
