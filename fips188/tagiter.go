package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/tlv"
)

// TagIter walks the tags of one CIPSO option as cipso.TagIter does (type,
// length counting both, body; CIPSO draft §3.4), with one difference:
// unless told otherwise it skips a tag type 0 as a one-octet pad, as
// Wireshark's packet-ip.c does (RULES.md §5), instead of reading the next
// octet as its length.
//
// Framing errors are cipso's, at the same offsets (counted from the
// option's type octet): a tag type that is the option's last octet,
// ipopt.ErrTruncated at the type; a tag length below 2 or past the end,
// cipso.ErrBadTagLength at the length octet.
//
// TagIter is a small value with a sticky error.
type TagIter struct {
	w    tlv.Walker
	pads bool
}

// NewTagIter starts a walk over the tags of o. With pads, a 0 octet where
// a tag type is expected is skipped; without, it is a tag like any other.
func NewTagIter(o cipso.Option, pads bool) TagIter {
	s := min(len(o), cipso.HeaderLen)
	return TagIter{w: tlv.Walker{B: o, Off: s, Cur: s}, pads: pads}
}

// Next advances to the next tag and reports whether there is one.
func (it *TagIter) Next() bool {
	if it.pads {
		it.w.SkipZeros()
	}
	return it.w.Next()
}

// Tag is the tag Next stopped at.
func (it *TagIter) Tag() cipso.Tag {
	b := it.w.Item()
	if b == nil || it.w.State != tlv.Running {
		return cipso.Tag{}
	}
	return cipso.Tag{Offset: it.w.Cur, Type: cipso.TagType(b[0]), Bytes: b}
}

// Err is the framing error that ended the walk, or nil.
func (it *TagIter) Err() error { return tagErr(it.w.State, it.w.Off) }

func tagErr(s tlv.State, off int) error {
	switch s {
	case tlv.Truncated:
		return cipso.KindTagTruncated.At(off)
	case tlv.BadLength:
		return cipso.KindBadTagLength.At(off + 1)
	}
	return nil
}
