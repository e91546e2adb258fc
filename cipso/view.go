package cipso

import (
	"encoding/binary"
	"iter"
	"math/bits"

	"github.com/iplabel/iplabel/ipopt"
)

// LabelView is the label of an option read where it lies: the DOI, the
// first tag's type and level, and its categories tested and iterated in
// the option's octets, the way Linux's netlbl_bitmap_walk walks a bitmap
// tag in place. It decodes what [Option.Label] decodes (RULES.md §8), but
// building one only checks what Option.Label checks, so a receiver that
// asks "is category c set?" never pays for a [CatSet]; [LabelView.Label]
// gives the materialised label when it is wanted.
//
// A LabelView aliases the option it was made from and is a small value
// (a slice and a few octets); none of its methods allocates, panics or
// fails. The zero LabelView is level 0 with no categories.
type LabelView struct {
	cats  []byte // the first tag's category field
	doi   DOI
	typ   TagType
	level uint8
}

// LabelView makes the view of the label the option carries on the wire,
// from the first tag only (as Linux's cipso_v4_getattr), with no DOI
// translation. It succeeds exactly when [Option.Label] does, with the same
// error (offsets from the option's type octet) when it does not, and
// [LabelView.Label] then gives the label Option.Label decodes.
func (o Option) LabelView() (LabelView, error) {
	if len(o) >= HeaderLen+2 {
		if n := int(o[HeaderLen+1]); n >= TagBaseLen && n <= len(o)-HeaderLen {
			v := LabelView{
				cats:  o[HeaderLen+TagBaseLen : HeaderLen+n : HeaderLen+n],
				doi:   DOI(binary.BigEndian.Uint32(o[2:6])),
				typ:   TagType(o[HeaderLen]),
				level: o[HeaderLen+3],
			}
			if !usual(v.typ, len(v.cats)) {
				if err := v.check(HeaderLen); err != nil {
					return LabelView{}, err
				}
			}
			return v, nil
		}
	}
	// A tag too short for a level, cut short or running past the option:
	// Option.Label's verdict, which is all an error costs.
	var l Label
	return LabelView{}, o.Label(&l)
}

// FindLabelView finds the CIPSO option of an options field (the octets
// after the 20-octet base header) and makes the view of its label, in one
// pass over the octets: the walk of Linux's cipso_v4_optptr (an EOL ends
// it, a NOP is one octet, any other option is skipped by its length, the
// first of type 134 is the label; RULES.md §8), then [ParseOption] and
// [Option.LabelView] on that option. found is false, with a nil error,
// when the walk ends without a CIPSO option. err is the walk's framing
// error, the one [ipopt.Iter] reports (found false), or the option's or
// its label's (found true); its offsets are in the options field.
func FindLabelView(opts []byte) (v LabelView, found bool, err error) {
	i, n := 0, 0
	for {
		if i >= len(opts) {
			return LabelView{}, false, nil
		}
		t := ipopt.Type(opts[i])
		if t == ipopt.EOL {
			return LabelView{}, false, nil
		}
		if t == ipopt.NOP {
			i++
			continue
		}
		if i+1 >= len(opts) || opts[i+1] < 2 || int(opts[i+1]) > len(opts)-i {
			// Everything before i is framed and no EOL came: the
			// field's first framing error is this option's.
			return LabelView{}, false, ipopt.Check(opts)
		}
		n = int(opts[i+1])
		if t == OptionType {
			break
		}
		i += n
	}
	b := opts[i : i+n : i+n]
	// The usual label, a tag of at least 4 octets filling part or all of
	// an option of at most 40, is viewed here; anything else takes
	// ParseOption's and LabelView's way to its verdict.
	if len(b) >= HeaderLen+TagBaseLen && len(b) <= MaxOptionLen {
		if tn := int(b[HeaderLen+1]); tn >= TagBaseLen && tn <= len(b)-HeaderLen {
			v = LabelView{
				cats:  b[HeaderLen+TagBaseLen : HeaderLen+tn : HeaderLen+tn],
				doi:   DOI(binary.BigEndian.Uint32(b[2:6])),
				typ:   TagType(b[HeaderLen]),
				level: b[HeaderLen+3],
			}
			if !usual(v.typ, len(v.cats)) {
				if err := v.check(HeaderLen); err != nil {
					return LabelView{}, true, ipopt.Shift(err, i)
				}
			}
			return v, true, nil
		}
	}
	o, err := ParseOption(b)
	if err == nil {
		v, err = o.LabelView()
	}
	return v, true, ipopt.Shift(err, i)
}

// usual reports whether a label tag of type t with a category field of n
// octets passes every check of decodeTag at once: tag 1, or tag 2 or 5 of
// even length, with no more categories than one 40-octet option carries.
// It is small enough to inline into the constructors; [LabelView.check]
// gives the verdict on the rest.
func usual(t TagType, n int) bool {
	return n <= MaxBitmapLen && (t == TagRBitmap || (t == TagEnum || t == TagRange) && n&1 == 0)
}

// check refuses what decodeTag refuses once the tag's length is known to
// be at least TagBaseLen and to fit: a tag type other than 1, 2 and 5
// (ErrUnknownTag at the type), a category field of odd length in tag 2 or
// 5 (ErrBadCategory after the level), and categories a CatSet cannot hold
// (ErrSetFull after the level), which only a field longer than one 40-octet
// option carries can need. off is the tag's offset in the option.
func (v LabelView) check(off int) error {
	switch v.typ {
	case TagRBitmap:
	case TagEnum, TagRange:
		if len(v.cats)&1 != 0 {
			return errCategory.At(off + TagBaseLen)
		}
	default:
		return KindUnknownTag.At(off)
	}
	if len(v.cats) > MaxBitmapLen {
		var l Label
		if v.label(&l) != nil {
			return errCatsFull.At(off + TagBaseLen)
		}
	}
	return nil
}

// DOI is the option's Domain of Interpretation.
func (v LabelView) DOI() DOI { return v.doi }

// TagType is the type of the tag the label comes from: TagRBitmap,
// TagEnum or TagRange (TagInvalid for the zero LabelView).
func (v LabelView) TagType() TagType { return v.typ }

// Level is the sensitivity level on the wire, octet 3 of the tag.
func (v LabelView) Level() uint8 { return v.level }

// Has reports whether category c is in the label: bit 0x80>>(c%8) of
// octet c/8 of a bitmap (draft §3.4.2.5), one of the enumerated values
// (§3.4.3.5), or inside one of the ranges, top first, a missing last
// bottom being 0 and a bottom above its top holding nothing (§3.4.4.5;
// RULES.md §8).
func (v LabelView) Has(c uint32) bool {
	b := v.cats
	switch v.typ {
	case TagRBitmap:
		return uint64(c>>3) < uint64(len(b)) && b[c>>3]&(0x80>>(c&7)) != 0
	case TagEnum:
		for i := 0; i+1 < len(b); i += 2 {
			if uint32(binary.BigEndian.Uint16(b[i:])) == c {
				return true
			}
		}
	case TagRange:
		for i := 0; i+1 < len(b); i += 4 {
			lo, hi := rangeAt(b, i)
			if lo <= c && c <= hi {
				return true
			}
		}
	}
	return false
}

// Next returns the smallest category >= from, and false if there is none,
// as [CatSet.Next] does on the materialised set. A bitmap is scanned eight
// octets at a time.
func (v LabelView) Next(from uint32) (uint32, bool) {
	b := v.cats
	switch v.typ {
	case TagRBitmap:
		if uint64(from) >= uint64(len(b))*8 {
			return 0, false
		}
		i := int(from >> 3)
		w := bitmapWord(b, i) & (^uint64(0) >> (from & 7))
		for w == 0 {
			if i += 8; i >= len(b) {
				return 0, false
			}
			w = bitmapWord(b, i)
		}
		return uint32(i*8 + bits.LeadingZeros64(w)), true
	case TagEnum:
		best, ok := uint32(0), false
		for i := 0; i+1 < len(b); i += 2 {
			if c := uint32(binary.BigEndian.Uint16(b[i:])); c >= from && (!ok || c < best) {
				best, ok = c, true
			}
		}
		return best, ok
	case TagRange:
		best, ok := uint32(0), false
		for i := 0; i+1 < len(b); i += 4 {
			lo, hi := rangeAt(b, i)
			if lo <= hi && hi >= from {
				if c := max(lo, from); !ok || c < best {
					best, ok = c, true
				}
			}
		}
		return best, ok
	}
	return 0, false
}

// All iterates over the categories in ascending order, each once, as
// [CatSet.All] does on the materialised set: a bitmap eight octets at a
// time, and enumerated values and ranges in place when they come in the
// order the draft gives them (values ascending, ranges descending and
// apart), which is then a single pass.
func (v LabelView) All() iter.Seq[uint32] {
	// The walk is a method, so that All stays small enough to inline and
	// a range over it keeps the closure on the caller's stack.
	return func(yield func(uint32) bool) { v.all(yield) }
}

func (v LabelView) all(yield func(uint32) bool) {
	b := v.cats
	switch v.typ {
	case TagRBitmap:
		for i := 0; i < len(b); i += 8 {
			for w := bitmapWord(b, i); w != 0; {
				k := bits.LeadingZeros64(w)
				if !yield(uint32(i*8 + k)) {
					return
				}
				w &^= 1 << (63 - k)
			}
		}
	case TagEnum:
		if enumAscending(b) {
			for i := 0; i+1 < len(b); i += 2 {
				if !yield(uint32(binary.BigEndian.Uint16(b[i:]))) {
					return
				}
			}
			return
		}
		v.each(yield)
	case TagRange:
		if !rangesDescending(b) {
			v.each(yield)
			return
		}
		// Bottom-up: the last range on the wire is the lowest.
		for i := (len(b) - 2) &^ 3; i >= 0; i -= 4 {
			lo, hi := rangeAt(b, i)
			for c := lo; c <= hi; c++ {
				if !yield(c) {
					return
				}
			}
		}
	}
}

// each yields the categories in ascending order by repeated Next, for
// enumerated values and ranges in any order (duplicates, overlaps).
func (v LabelView) each(yield func(uint32) bool) {
	for from := uint32(0); ; {
		c, ok := v.Next(from)
		if !ok || !yield(c) {
			return
		}
		from = c + 1 // wire categories end at 65535: no wrap
	}
}

// Label is the materialised label: the level and the categories as a
// [Label], the same Option.Label decodes from the option.
func (v LabelView) Label() Label {
	var l Label
	_ = v.label(&l) // LabelView checked that the categories fit
	return l
}

// label decodes the view into l, in wire order, as decodeTag does.
func (v LabelView) label(l *Label) error {
	l.Level = uint32(v.level)
	b := v.cats
	switch v.typ {
	case TagRBitmap:
		return l.Cats.SetBitmap(b)
	case TagEnum:
		for i := 0; i+1 < len(b); i += 2 {
			if err := l.Cats.Add(uint32(binary.BigEndian.Uint16(b[i:]))); err != nil {
				return err
			}
		}
	case TagRange:
		for i := 0; i+1 < len(b); i += 4 {
			lo, hi := rangeAt(b, i)
			if err := l.Cats.AddRange(lo, hi); err != nil {
				return err
			}
		}
	}
	return nil
}

// bitmapWord is octets i..i+7 of the bitmap b read big-endian, octets past
// the end taken as 0: category 8i+k is bit 63-k.
func bitmapWord(b []byte, i int) uint64 {
	if i+8 <= len(b) {
		return binary.BigEndian.Uint64(b[i:])
	}
	var w uint64
	n := 0
	for ; i < len(b); i++ {
		w = w<<8 | uint64(b[i])
		n++
	}
	return w << (64 - 8*n) // n < 8; n == 0 (i past the end) gives 0
}

// rangeAt is the range whose top is at b[i] (draft §3.4.4.5: top, then
// bottom; a last bottom left out is 0). b has even length.
func rangeAt(b []byte, i int) (lo, hi uint32) {
	hi = uint32(binary.BigEndian.Uint16(b[i:]))
	if i+4 <= len(b) {
		lo = uint32(binary.BigEndian.Uint16(b[i+2:]))
	}
	return lo, hi
}

// enumAscending reports whether the enumerated values b are strictly
// ascending (draft §3.4.3.5; Linux's cipso_v4_map_cat_enum_valid).
func enumAscending(b []byte) bool {
	for i := 2; i+1 < len(b); i += 2 {
		if binary.BigEndian.Uint16(b[i:]) <= binary.BigEndian.Uint16(b[i-2:]) {
			return false
		}
	}
	return true
}

// rangesDescending reports whether every range of b has its bottom at most
// its top and lies wholly above the next (draft §3.4.4.5; Linux's
// cipso_v4_map_cat_rng_valid), so that walking them backwards yields each
// category once, in ascending order.
func rangesDescending(b []byte) bool {
	for i := 0; i+1 < len(b); i += 4 {
		lo, hi := rangeAt(b, i)
		if lo > hi {
			return false
		}
		if i+5 < len(b) {
			if _, next := rangeAt(b, i+4); next >= lo {
				return false
			}
		}
	}
	return true
}
