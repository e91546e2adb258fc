package main

import (
	"encoding/binary"
	"math/bits"
	"strconv"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// The structural decode shared by decode's JSON and dump's text: what a
// label says on the wire, with no DOI policy applied. Every failure is an
// ipopt.Error with an offset in the options field.

// tagKind says which fields of a tagView are set.
type tagKind uint8

const (
	tagBitmap   tagKind = iota // tags 1 and 6: level, bitmap in cats
	tagEnum                    // tag 2: level, u16 categories in cats (wire order)
	tagRange                   // tag 5: level, u16 high/low in cats (wire order)
	tagSecID                   // tag 128: secid
	tagFreeForm                // tag 7: data, maybe nsid
	tagData                    // any other tag: data
)

// tagView is one CIPSO tag, decoded as far as its type allows.
type tagView struct {
	off   int // the tag's type octet, in the options field
	typ   cipso.TagType
	kind  tagKind
	level uint8
	cats  []byte      // the category field as on the wire
	label cipso.Label // tags 1, 2, 5, 6: the label as read, wire values (labelOf)
	tag   cipso.Tag   // tags 1, 2, 5: the tag label is decoded from when lazy
	lazy  bool        // label not decoded yet
	data  []byte      // the tag after its type and length octets
	secid uint32
	nsid  dsm.Label // set when hasNSID
	hasNS bool
}

// nsidProfile reads a tag 7's data as a DSM network SID: the six DSM
// parameter types, each at most once, in any order (dsm.Profile).
// Data that does not parse so is shown as hex only.
var nsidProfile = dsm.Profile{RejectDuplicates: true}

// viewTag decodes tag t of an option that starts at optOff into v. Tags 1, 2, 5
// and 6 need the 4-octet tag header (type, length, alignment, level);
// tags 2 and 5 an even category field (cipso.Tag.Label's checks, the
// places Linux points at).
func viewTag(t cipso.Tag, optOff int, v *tagView) error {
	// Field by field: the label (filled below for the tags that have one,
	// and read for those only) and the NSID (read only when hasNS) are not
	// zeroed for every tag.
	v.off, v.typ, v.kind, v.data = optOff+t.Offset, t.Type, 0, t.Body()
	v.level, v.cats, v.secid, v.hasNS, v.lazy = 0, nil, 0, false, false
	switch t.Type {
	case cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange:
		if n := len(t.Bytes); n < cipso.TagBaseLen || n > cipso.MaxTagLen || t.Type != cipso.TagRBitmap && (n-cipso.TagBaseLen)&1 != 0 {
			// Tag.Label names the fault (and decodes a tag longer than
			// an option carries, which may not fit a CatSet).
			if err := t.Label(&v.label); err != nil {
				return ipopt.Shift(err, optOff)
			}
		} else {
			// Sound: Tag.Label cannot fail, and most lines are written
			// from the category field itself, so the set is decoded only
			// when needed (labelOf).
			v.tag, v.lazy = t, true
		}
		v.level, v.cats = t.Level(), t.Categories()
		switch t.Type {
		case cipso.TagRBitmap:
			v.kind = tagBitmap
		case cipso.TagEnum:
			v.kind = tagEnum
		default:
			v.kind = tagRange
		}
	case cipso.TagPBitmap:
		b, err := fips188.Lenient.ParsePermissiveBitmap(t)
		if err != nil {
			return ipopt.Shift(err, optOff)
		}
		v.kind, v.level, v.cats = tagBitmap, b.Level(), b.Bitmap()
		// At most 36 octets: 288 categories, 16 runs above 255 at most,
		// which a CatSet holds.
		v.label.Level = uint32(v.level)
		_ = v.label.Cats.SetBitmap(v.cats)
	case cipso.TagFreeForm:
		v.kind = tagFreeForm
		var n dsm.Label
		if len(v.data) > 0 && nsidProfile.DecodeParams(v.data, &n) == nil && n.Params != 0 {
			v.nsid, v.hasNS = n, true
		}
	case cipso.TagLocal:
		if id, err := t.SecID(); err == nil {
			v.kind, v.secid = tagSecID, id
		} else {
			v.kind = tagData
		}
	default:
		v.kind = tagData
	}
	return nil
}

// labelOf is the label of tag v (tags 1, 2, 5, 6), decoded on first use.
func (v *tagView) labelOf() *cipso.Label {
	if v.lazy {
		_ = v.tag.Label(&v.label) // checked by viewTag
		v.lazy = false
	}
	return &v.label
}

// appendBitmapCats appends the categories set in bitmap bm (MSB first),
// ascending and separated by commas: the JSON "categories" array. Each
// run of set bits is one copy from catList.
func appendBitmapCats(dst, bm []byte) []byte {
	for c, first := cipso.NextBit(bm, 0), true; c >= 0; first = false {
		end := nextClearBit(bm, c)
		if !first {
			dst = append(dst, ',')
		}
		dst = appendCatList(dst, c, end-1)
		c = cipso.NextBit(bm, end)
	}
	return dst
}

// appendCatList appends "lo,lo+1,...,hi".
func appendCatList(dst []byte, lo, hi int) []byte {
	if hi+1 < len(catListOff) {
		return append(dst, catList[catListOff[lo]:catListOff[hi+1]-1]...)
	}
	for c := lo; c <= hi; c++ {
		if c > lo {
			dst = append(dst, ',')
		}
		dst = appendUint(dst, uint64(c))
	}
	return dst
}

// catList is "0,1,2,...,2047," (a CALIPSO bitmap reaches category 1951)
// and catListOff[c] where c starts in it: the text of a run of
// categories, the bulk of dump --json's output, is one slice of it.
var catList, catListOff = func() (string, [2049]uint16) {
	var off [2049]uint16
	var b []byte
	for c := range 2048 {
		off[c] = uint16(len(b))
		b = strconv.AppendInt(b, int64(c), 10)
		b = append(b, ',')
	}
	off[2048] = uint16(len(b))
	return string(b), off
}()

// appendCat appends category c in decimal.
func appendCat(dst []byte, c uint32) []byte { return appendUint(dst, uint64(c)) }

// appendLevelText appends label l as an SELinux level string,
// "s3:c0,c5" (cipso.Label's text).
func appendLevelText(dst []byte, l *cipso.Label) []byte {
	dst, _ = l.AppendText(dst)
	return dst
}

// appendBitmapLevelText appends a level and the categories set in bitmap
// bm (MSB first) as cipso.Label's text would be for them, "s3:c0,c5",
// with no CatSet in between (a CALIPSO bitmap may hold more runs than
// one).
func appendBitmapLevelText(dst []byte, level uint32, bm []byte) []byte {
	dst = append(dst, 's')
	dst = appendUint(dst, uint64(level))
	c := cipso.NextBit(bm, 0)
	if c < 0 {
		return dst
	}
	dst = append(dst, ':')
	for first := true; c >= 0; first = false {
		end := nextClearBit(bm, c)
		dst = appendCatRun(dst, c, end-1, first)
		c = cipso.NextBit(bm, end)
	}
	return dst
}

// appendCatRun appends the run of categories lo..hi as cipso.CatSet's
// text does (SELinux's mls_sid_to_context): "c5", a run of two as
// "c5,c6", a longer one as "c5.c9"; after a comma unless first.
func appendCatRun(dst []byte, lo, hi int, first bool) []byte {
	if !first {
		dst = append(dst, ',')
	}
	dst = append(dst, 'c')
	dst = appendCat(dst, uint32(lo))
	switch {
	case hi == lo:
	case hi == lo+1:
		dst = append(dst, ",c"...)
		dst = appendCat(dst, uint32(hi))
	default:
		dst = append(dst, ".c"...)
		dst = appendCat(dst, uint32(hi))
	}
	return dst
}

// nextClearBit returns the first bit >= from that is clear in bitmap bm
// (MSB first), or len(bm)*8 when every bit from there on is set.
func nextClearBit(bm []byte, from int) int {
	i := from >> 3
	if i >= len(bm) {
		return len(bm) * 8
	}
	if m := ^bm[i] & (0xff >> (from & 7)); m != 0 {
		return i*8 + bits.LeadingZeros8(m)
	}
	for i++; i < len(bm); i++ {
		if bm[i] != 0xff {
			return i*8 + bits.LeadingZeros8(^bm[i])
		}
	}
	return len(bm) * 8
}

// appendTagLevelText appends the label of a tag 1, 2, 5 or 6 as an
// SELinux level string, wire values. The runs are found in the category
// field itself when it is in the order Linux requires (enumerated values
// ascending, ranges descending and apart), else in the decoded set.
func appendTagLevelText(dst []byte, v *tagView) []byte {
	switch v.kind {
	case tagBitmap:
		return appendBitmapLevelText(dst, uint32(v.level), v.cats)
	case tagEnum:
		if b, ok := appendEnumLevelText(dst, v.level, v.cats); ok {
			return b
		}
	case tagRange:
		if rangesApart(v.cats) {
			return appendRangeLevelText(dst, v.level, v.cats)
		}
	}
	return appendLevelText(dst, v.labelOf())
}

// appendEnumLevelText is appendLevelText for a tag 2 whose values
// strictly ascend, found in the same pass: false (and dst as it was) when
// they do not.
func appendEnumLevelText(dst []byte, level uint8, b []byte) ([]byte, bool) {
	start := len(dst)
	dst = append(dst, 's')
	dst = appendCat(dst, uint32(level))
	n := len(b) / 2
	if n > 0 {
		dst = append(dst, ':')
	}
	prev := -1
	for i := 0; i < n; {
		lo := int(binary.BigEndian.Uint16(b[2*i:]))
		if lo <= prev {
			return dst[:start], false
		}
		hi := lo
		for i++; i < n && int(binary.BigEndian.Uint16(b[2*i:])) == hi+1; i++ {
			hi++
		}
		dst = appendCatRun(dst, lo, hi, prev < 0)
		prev = hi
	}
	return dst, true
}

// rangesApart reports whether the ranges of a tag 5 category field are
// each high >= low and descend with a gap between them (so that each is
// one run of the set).
func rangesApart(b []byte) bool {
	n := numRanges(b)
	for i := range n {
		hi, lo := rangeAt(b, i)
		if lo > hi {
			return false
		}
		if i+1 < n {
			if nhi, _ := rangeAt(b, i+1); int(nhi)+1 >= int(lo) {
				return false
			}
		}
	}
	return true
}

// appendRangeLevelText is appendLevelText for a tag 5 whose ranges are
// apart: the runs are the ranges, last first.
func appendRangeLevelText(dst []byte, level uint8, b []byte) []byte {
	dst = append(dst, 's')
	dst = appendCat(dst, uint32(level))
	n := numRanges(b)
	for i := n - 1; i >= 0; i-- {
		if i == n-1 {
			dst = append(dst, ':')
		}
		hi, lo := rangeAt(b, i)
		dst = appendCatRun(dst, int(lo), int(hi), i == n-1)
	}
	return dst
}

// hostLabel maps the wire label of tag v, received in translated DOI d,
// to host values (cipso_v4_map_lvl_ntoh, cipso_v4_map_cat_*_ntoh): false
// when the level or a category is not mapped.
func hostLabel(d *cipso.Domain, v *tagView, h *cipso.Label) bool {
	lv, ok := d.LevelFromWire(v.level)
	if !ok {
		return false
	}
	h.Level = lv
	h.Cats.Clear()
	s := &v.labelOf().Cats
	for c, ok := s.Next(0); ok; c, ok = s.Next(c + 1) {
		hc, mapped := d.CatFromWire(c)
		if !mapped || h.Cats.Add(hc) != nil {
			return false
		}
		if c == ^uint32(0) {
			break
		}
	}
	return true
}

// transOnly is reg when it defines a translated DOI, else nil: with
// none, no label needs a lookup.
func transOnly(reg *cipso.Registry) *cipso.Registry {
	for d := range reg.All() {
		if d.Type() == cipso.MapTrans {
			return reg
		}
	}
	return nil
}

// transDomain is the translated DOI reg defines for doi, or nil (no
// registry, another type, not defined): the DOIs whose labels dump shows
// in host values too.
func transDomain(reg *cipso.Registry, doi cipso.DOI) *cipso.Domain {
	if reg == nil {
		return nil
	}
	if d := reg.Lookup(doi); d != nil && d.Type() == cipso.MapTrans {
		return d
	}
	return nil
}

// u16At reads the i-th big-endian u16 of b.
func u16At(b []byte, i int) uint16 { return binary.BigEndian.Uint16(b[2*i:]) }

// rangeAt returns the i-th range (high, low) of a tag 5 category field;
// a lone final high has low 0 (draft §3.4.4.5).
func rangeAt(b []byte, i int) (hi, lo uint16) {
	hi = binary.BigEndian.Uint16(b[4*i:])
	if 4*i+4 <= len(b) {
		lo = binary.BigEndian.Uint16(b[4*i+2:])
	}
	return hi, lo
}

// numRanges is the number of ranges in a tag 5 category field.
func numRanges(b []byte) int { return (len(b) + 2) / 4 }

// bsoView is a decoded Basic Security Option; legacy is an RFC 791 SEC
// option, which is not decoded.
type bsoView struct {
	label  rfc1108.Label
	legacy bool
}

// viewBSO decodes option 130 at options-field offset off.
func viewBSO(o ipopt.Option) (bsoView, error) {
	if rfc1108.IsLegacySEC(o.Bytes) {
		return bsoView{legacy: true}, nil
	}
	var v bsoView
	if err := rfc1108.DecodeBSO(o.Bytes, &v.label); err != nil {
		return v, ipopt.Shift(err, o.Offset)
	}
	return v, nil
}

// viewESO decodes option 133.
func viewESO(o ipopt.Option) (rfc1108.ESO, error) {
	e, err := rfc1108.ParseESO(o.Bytes)
	if err != nil {
		return nil, ipopt.Shift(err, o.Offset)
	}
	return e, nil
}

// nsidJSONOrder is the order and the names of the network SID parameters
// in decode's JSON (the CLI contract) and in encode's --nsid spec.
var nsidJSONOrder = [...]struct {
	t   dsm.ParamType
	key string
}{
	{dsm.ParamSourceSID, "ssid"},
	{dsm.ParamNodeID, "node"},
	{dsm.ParamPolicySerial, "serial"},
	{dsm.ParamMessageSID, "msid"},
	{dsm.ParamDestSID, "dsid"},
	{dsm.ParamBypass, "bypass"},
}
