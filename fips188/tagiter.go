package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
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
	b    []byte
	off  int
	cur  cipso.Tag
	err  error
	pads bool
}

// NewTagIter starts a walk over the tags of o. With pads, a 0 octet where
// a tag type is expected is skipped; without, it is a tag like any other.
func NewTagIter(o cipso.Option, pads bool) TagIter {
	off := cipso.HeaderLen
	if len(o) < off {
		off = len(o)
	}
	return TagIter{b: o, off: off, pads: pads}
}

// Next advances to the next tag and reports whether there is one.
func (it *TagIter) Next() bool {
	if it.err != nil {
		return false
	}
	off := it.off
	if it.pads {
		for off < len(it.b) && it.b[off] == 0 {
			off++
		}
		it.off = off
	}
	if off >= len(it.b) {
		it.cur = cipso.Tag{}
		return false
	}
	if off+1 >= len(it.b) {
		return it.fail(cipso.KindTagTruncated.At(off))
	}
	n := int(it.b[off+1])
	if n < 2 || n > len(it.b)-off {
		return it.fail(cipso.KindBadTagLength.At(off + 1))
	}
	it.cur = cipso.Tag{Offset: off, Type: cipso.TagType(it.b[off]), Bytes: it.b[off : off+n : off+n]}
	it.off = off + n
	return true
}

func (it *TagIter) fail(e ipopt.Error) bool {
	it.err, it.cur = e, cipso.Tag{}
	return false
}

// Tag is the tag Next stopped at.
func (it *TagIter) Tag() cipso.Tag { return it.cur }

// Err is the framing error that ended the walk, or nil.
func (it *TagIter) Err() error { return it.err }
