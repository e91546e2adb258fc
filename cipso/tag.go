package cipso

import (
	"strconv"

	"github.com/iplabel/iplabel/internal/tlv"
)

// TagType is the first octet of a CIPSO tag (draft §3.4; Linux
// CIPSO_V4_TAG_*).
type TagType uint8

// Tag types.
const (
	TagInvalid  TagType = 0   // reserved (draft §3.4); ends a DOI's tag list in Linux
	TagRBitmap  TagType = 1   // restricted bitmap (draft §3.4.2)
	TagEnum     TagType = 2   // enumerated categories (draft §3.4.3)
	TagRange    TagType = 5   // ranged categories (draft §3.4.4)
	TagPBitmap  TagType = 6   // permissive bitmap (FIPS 188; package fips188)
	TagFreeForm TagType = 7   // free form (FIPS 188; package fips188)
	TagLocal    TagType = 128 // Linux local tag: a host secid, loopback only
)

// MAC reports whether the tag belongs to the MAC sensitivity class, of
// which one option carries at most one (tags 1, 2 and 5; draft §3.4.1,
// §5.2).
func (t TagType) MAC() bool { return t == TagRBitmap || t == TagEnum || t == TagRange }

// String gives a short name: "rbitmap", "enum", "range", "pbitmap",
// "freeform", "local", "invalid", or "tag(N)".
func (t TagType) String() string {
	switch t {
	case TagInvalid:
		return "invalid"
	case TagRBitmap:
		return "rbitmap"
	case TagEnum:
		return "enum"
	case TagRange:
		return "range"
	case TagPBitmap:
		return "pbitmap"
	case TagFreeForm:
		return "freeform"
	case TagLocal:
		return "local"
	}
	return "tag(" + strconv.Itoa(int(t)) + ")"
}

var _ stringer = TagType(0)

// Tag is one tag of an option, as [TagIter] found it. Bytes aliases the
// option; nothing is copied.
type Tag struct {
	// Offset is the tag's type octet, counted from the option's type
	// octet (so the first tag is at 6).
	Offset int
	// Type is the tag type octet.
	Type TagType
	// Bytes is the whole tag: type, length and body; len(Bytes) is the
	// tag length octet.
	Bytes []byte
}

// Body is the tag after its type and length octets.
func (t Tag) Body() []byte {
	if len(t.Bytes) < 2 {
		return nil
	}
	return t.Bytes[2:]
}

// Alignment is octet 2 of a tag 1, 2, 5 or 6, which the draft says is 0
// (§3.4.2.3), or 0 if the tag is shorter.
func (t Tag) Alignment() uint8 {
	if len(t.Bytes) < TagBaseLen {
		return 0
	}
	return t.Bytes[2]
}

// Level is octet 3 of a tag 1, 2, 5 or 6, the sensitivity level on the
// wire, or 0 if the tag is shorter.
func (t Tag) Level() uint8 {
	if len(t.Bytes) < TagBaseLen {
		return 0
	}
	return t.Bytes[3]
}

// Categories is the category field of a tag 1, 2, 5 or 6: the octets after
// the level (a bitmap, u16 values or u16 range ends).
func (t Tag) Categories() []byte {
	if len(t.Bytes) < TagBaseLen {
		return nil
	}
	return t.Bytes[TagBaseLen:]
}

// TagIter walks the tags of one option (draft §3.4: type, length counting
// both, body; back to back until the option ends). It is a small value with
// a sticky error; nothing escapes and nothing is allocated.
//
//	it := opt.Tags()
//	for it.Next() {
//		t := it.Tag()
//		...
//	}
//	if err := it.Err(); err != nil { ... }
//
// Framing errors, at the octets Linux's cipso_v4_validate points at
// (RULES.md §7 steps 3.2 and 3.3), counted from the option's type octet:
//   - a tag type that is the option's last octet: ipopt.ErrTruncated at the
//     tag type;
//   - a tag length past the end of the option, or below 2 (which could not
//     advance the walk): ErrBadTagLength at the tag length.
type TagIter struct{ w tlv.Walker }

// Next advances to the next tag and reports whether there is one.
func (it *TagIter) Next() bool { return it.w.Next() }

// Tag is the tag Next stopped at (the zero Tag before the first Next and
// after a framing error).
func (it *TagIter) Tag() Tag {
	b := it.w.Item()
	if b == nil {
		return Tag{}
	}
	return Tag{Offset: it.w.Cur, Type: TagType(b[0]), Bytes: b}
}

// Err is the framing error that ended the walk, or nil. It is an
// ipopt.Error with an offset from the option's type octet.
func (it *TagIter) Err() error {
	switch it.w.State {
	case tlv.Truncated:
		return KindTagTruncated.At(it.w.Off)
	case tlv.BadLength:
		return KindBadTagLength.At(it.w.Off + 1)
	}
	return nil
}
