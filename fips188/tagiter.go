package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/tlv"
)

// PaddedTagIter walks the tags of one CIPSO option as cipso.TagIter does
// (type, length counting both, body; CIPSO draft §3.4), with one
// difference: a 0 octet where a tag type is expected is skipped as a
// one-octet pad, as Wireshark's packet-ip.c does (RULES.md §5), instead of
// being read as a tag of type 0. For the walk without pads, use
// cipso.Option.Tags.
//
// Framing errors are cipso's, at the same offsets (counted from the
// option's type octet): a tag type that is the option's last octet,
// ipopt.ErrTruncated at the type; a tag length below 2 or past the end,
// cipso.ErrBadTagLength at the length octet.
//
// PaddedTagIter is a small value with a sticky error.
type PaddedTagIter struct {
	w    tlv.Walker
	pads bool
}

// NewPaddedTagIter starts a walk over the tags of o, pads skipped.
func NewPaddedTagIter(o cipso.Option) PaddedTagIter { return newTagIter(o, true) }

// newTagIter is the walk Profile.Parse makes: with pads as
// NewPaddedTagIter, without as cipso.TagIter, but with Tag reporting the
// zero Tag once the walk is over.
func newTagIter(o cipso.Option, pads bool) PaddedTagIter {
	s := min(len(o), cipso.HeaderLen)
	return PaddedTagIter{w: tlv.Walker{B: o, Off: s, Cur: s}, pads: pads}
}

// Next advances to the next tag and reports whether there is one.
func (it *PaddedTagIter) Next() bool {
	if it.pads {
		it.w.SkipZeros()
	}
	return it.w.Next()
}

// Tag is the tag Next stopped at (the zero Tag before the first Next and
// once the walk is over).
func (it *PaddedTagIter) Tag() cipso.Tag {
	b := it.w.Item()
	if b == nil || it.w.State != tlv.Running {
		return cipso.Tag{}
	}
	return cipso.Tag{Offset: it.w.Cur, Type: cipso.TagType(b[0]), Bytes: b}
}

// Err is the framing error that ended the walk, or nil.
func (it *PaddedTagIter) Err() error { return tagErr(it.w.State, it.w.Off) }

func tagErr(s tlv.State, off int) error {
	switch s {
	case tlv.Truncated:
		return cipso.KindTagTruncated.At(off)
	case tlv.BadLength:
		return cipso.KindBadTagLength.At(off + 1)
	}
	return nil
}
