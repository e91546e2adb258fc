package main

import (
	"encoding/binary"

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
	cats  []byte // the category field as on the wire
	data  []byte // the tag after its type and length octets
	secid uint32
	nsid  dsm.Label // set when hasNSID
	hasNS bool
}

// nsidProfile reads a tag 7's data as a DSM network SID: the six DSM
// parameter types, each at most once, in any order (dsm.Profile).
// Data that does not parse so is shown as hex only.
var nsidProfile = dsm.Profile{RejectDuplicates: true}

// viewTag decodes tag t of an option that starts at optOff. Tags 1, 2, 5
// and 6 need the 4-octet tag header (type, length, alignment, level);
// tags 2 and 5 an even category field (cipso.Tag.Label's checks, the
// places Linux points at).
func viewTag(t cipso.Tag, optOff int) (tagView, error) {
	v := tagView{off: optOff + t.Offset, typ: t.Type, data: t.Body()}
	switch t.Type {
	case cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange:
		var l cipso.Label
		if err := t.Label(&l); err != nil {
			return v, ipopt.Shift(err, optOff)
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
			return v, ipopt.Shift(err, optOff)
		}
		v.kind, v.level, v.cats = tagBitmap, b.Level(), b.Bitmap()
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
	return v, nil
}

// nextBitmapCat returns the first category >= from set in a CIPSO bitmap
// (MSB first), or -1.
func nextBitmapCat(bm []byte, from int) int { return cipso.NextBit(bm, from) }

// appendBitmapCats appends the categories set in bitmap bm (MSB first),
// ascending and separated by commas.
func appendBitmapCats(dst, bm []byte) []byte {
	first := true
	for c := nextBitmapCat(bm, 0); c >= 0; c = nextBitmapCat(bm, c+1) {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendInt(dst, c)
	}
	return dst
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
