package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// FreeForm is a view of a tag 7, FIPS 188's free-form tag (FIPS PUB 188
// clause 6.10, as Wireshark's packet-ip.c cites it):
//
//	07 LL data(LL-2 octets)
//
// with no alignment and no level octet; the data's meaning belongs to the
// tag set (RULES.md §4: the layout Suricata, Wireshark and the 2001–2002
// SELinux FIPS-188 code agree on). DSM's network SID (package fips188/dsm) is
// one such meaning. Under IPv4 the data is at most 32 octets.
//
// The view aliases the option. Make one with [Profile.ParseFreeForm] or
// take it from an [Option].
type FreeForm struct{ t cipso.Tag }

// MaxFreeFormData is the most data a tag 7 carries in a 40-octet option.
const MaxFreeFormData = cipso.MaxTagLen - 2

var (
	errFreeFormSpace = ipopt.NewErrorKind(cipso.ErrNoSpace, "tag data", ipopt.Limit)
	errFreeFormEmpty = ipopt.NewErrorKind(ErrEmptyFreeForm, "tag length", ipopt.Limit)
)

// ParseFreeForm checks that t is a tag 7 the profile accepts and returns
// its view. Errors, at offsets of t: not tag 7, cipso.ErrUnknownTag at the
// type; a length below 2 (4 with FreeFormMin4) or above 34,
// cipso.ErrBadTagLength at +1.
func (p Profile) ParseFreeForm(t cipso.Tag) (FreeForm, error) {
	if t.Type != cipso.TagFreeForm {
		return FreeForm{}, cipso.KindUnknownTag.At(t.Offset)
	}
	if n := len(t.Bytes); n < p.freeFormMin() || n > cipso.MaxTagLen {
		return FreeForm{}, cipso.KindBadTagLength.At(t.Offset + 1)
	}
	return FreeForm{t}, nil
}

// Tag is the tag the view was made from.
func (f FreeForm) Tag() cipso.Tag { return f.t }

// Data is the tag's data, aliasing the option.
func (f FreeForm) Data() []byte { return f.t.Body() }

// FreeFormLen is the length of the tag 7 the profile's AppendFreeForm
// writes for data, or the error it would return: cipso.ErrNoSpace (class
// Limit) at +2 for more than 32 octets; ErrEmptyFreeForm (class Limit) at
// +1 for no data (unless AllowEmptyFreeForm), or for fewer than 2 octets
// with FreeFormMin4, which a Suricata-style receiver would refuse.
func (p Profile) FreeFormLen(data []byte) (int, error) {
	if len(data) > MaxFreeFormData {
		return 0, errFreeFormSpace.At(2)
	}
	if len(data) < p.freeFormEncodeMin() {
		return 0, errFreeFormEmpty.At(1)
	}
	return 2 + len(data), nil
}

// AppendFreeForm appends a tag 7 carrying data: 07, length, data. On error
// nothing is appended.
func (p Profile) AppendFreeForm(dst, data []byte) ([]byte, error) {
	n, err := p.FreeFormLen(data)
	if err != nil {
		return dst, err
	}
	dst = append(dst, byte(cipso.TagFreeForm), byte(n))
	return append(dst, data...), nil
}
