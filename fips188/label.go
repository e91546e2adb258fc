package fips188

import (
	"bytes"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// Label is the meaning of a FIPS 188 named tag set in its network form,
// with the restrictive and the permissive categories kept apart:
//
//   - Restrictive, carried by a tag 1, 2 or 5 (CIPSO's categories): a
//     subject must hold every one (RULES.md §3, our reading of the name);
//   - Permissive, carried by a tag 6: holding any one suffices (RULES.md
//     §3);
//   - FreeForm, the data of a tag 7, whose meaning the tag set defines
//     (DSM's network SID is one; see package fips188/dsm).
//
// The level is the hierarchical sensitivity level of the restrictive and
// permissive tags, which both carry it (one level per label; RULES.md §5:
// there is no level-only tag). A Label with only a restrictive part has
// the same meaning as a [cipso.Label]; see [Label.CIPSO] and
// [Label.SetCIPSO].
//
// FreeForm aliases the decoded bytes; copy it to keep it past them.
type Label struct {
	// ID is the tag set identifier, the CIPSO DOI position (never 0).
	ID cipso.DOI
	// Level is the sensitivity level of the restrictive and permissive
	// tags; 0 when the label has neither.
	Level uint8
	// RestrictiveTag is the tag type carrying Restrictive: cipso.TagRBitmap,
	// cipso.TagEnum or cipso.TagRange; 0 when the label has no restrictive
	// part.
	RestrictiveTag cipso.TagType
	// Restrictive is the restrictive category set.
	Restrictive cipso.CatSet
	// Format is the shape of a tag-1 bitmap (cipso.FormatOf), so that a
	// decoded optimized or empty-flagged bitmap re-encodes as it came.
	Format cipso.Format
	// HasPermissive says whether the label has a permissive part.
	HasPermissive bool
	// Permissive is the permissive category set (tag 6).
	Permissive cipso.CatSet
	// HasFreeForm says whether the label has a free-form part.
	HasFreeForm bool
	// FreeForm is the data of the tag 7.
	FreeForm []byte
}

// Equal reports whether l and o have the same meaning: every field but
// Format, with FreeForm compared by content.
func (l *Label) Equal(o *Label) bool {
	return l.ID == o.ID && l.Level == o.Level && l.RestrictiveTag == o.RestrictiveTag &&
		l.Restrictive.Equal(&o.Restrictive) && l.HasPermissive == o.HasPermissive &&
		l.Permissive.Equal(&o.Permissive) && l.HasFreeForm == o.HasFreeForm &&
		bytes.Equal(l.FreeForm, o.FreeForm)
}

// Label decodes the tag set into l (RULES.md §5): the first MAC tag (1, 2
// or 5) gives the restrictive part, as Linux's cipso_v4_getattr takes its
// label from the first tag; the first tag 6 the permissive part; the
// first tag 7 the free-form data (aliasing the option); the first
// level-carrying tag the level. Other
// tags, which the profile let through, are not read. On error l is
// unchanged.
func (s Option) Label(l *Label) error {
	var out Label
	out.ID = s.ID()
	levelSet := false
	it := s.Tags()
	for it.Next() {
		t := it.Tag()
		switch {
		case t.Type.MAC() && out.RestrictiveTag == 0:
			var c cipso.Label
			if err := t.Label(&c); err != nil {
				return err
			}
			out.RestrictiveTag, out.Restrictive, out.Format = t.Type, c.Cats, cipso.FormatOf(t)
		case t.Type == cipso.TagPBitmap && !out.HasPermissive:
			// A tag in an option of at most 40 octets has at most 30
			// bitmap octets, which SetBitmap always takes.
			_ = out.Permissive.SetBitmap(t.Categories())
			out.HasPermissive = true
		case t.Type == cipso.TagFreeForm && !out.HasFreeForm:
			out.FreeForm, out.HasFreeForm = t.Body(), true
		}
		if levelTag(t.Type) && !levelSet {
			out.Level, levelSet = t.Level(), true
		}
	}
	if err := it.Err(); err != nil {
		return err
	}
	*l = out
	return nil
}

// Decode parses the CIPSO option at the start of b with the profile
// ([Profile.Parse]) and decodes its label into l. On error l is unchanged.
// It does not allocate.
func (p Profile) Decode(b []byte, l *Label) error {
	s, err := p.Parse(b)
	if err != nil {
		return err
	}
	return s.Label(l)
}

// DecodeOptions is Decode for the CIPSO option of a whole options field
// ([Profile.ParseOptions]); it returns the option as found.
func (p Profile) DecodeOptions(opts []byte, l *Label) (ipopt.Option, error) {
	s, o, err := p.ParseOptions(opts)
	if err != nil {
		return ipopt.Option{}, err
	}
	if err := s.Label(l); err != nil {
		return ipopt.Option{}, ipopt.Shift(err, o.Offset)
	}
	return o, nil
}

var (
	errNoEquivalent = ipopt.NewErrorKind(ErrNoEquivalent, "label", ipopt.Limit)
	errEncDOI       = ipopt.NewErrorKind(cipso.ErrBadDOI, "doi", ipopt.Limit)
	errEncMulti     = ipopt.NewErrorKind(cipso.ErrMultipleTags, "tag type", ipopt.Limit)
	errEncNoTags    = ipopt.NewErrorKind(ErrNoTags, "tags", ipopt.Limit)
)

// CIPSO stores in c the cipso.Label with l's meaning: l's level and
// restrictive categories. Only a label whose one part is restrictive has
// one: a permissive set or free-form data has no CIPSO equivalent, and
// neither has a label with no restrictive tag. Those fail with
// ErrNoEquivalent (class ipopt.Limit), leaving c unchanged.
func (l *Label) CIPSO(c *cipso.Label) error {
	if l.RestrictiveTag == 0 || l.HasPermissive || l.HasFreeForm {
		return errNoEquivalent.At(0)
	}
	c.Level, c.Cats = uint32(l.Level), l.Restrictive
	return nil
}

// SetCIPSO sets l to the label with c's meaning under tag set id: c's
// level and categories as the restrictive part, carried by tag (1, 2 or
// 5). A level above 255 has no wire form (cipso.ErrBadLevel), nor has a
// tag type other than 1, 2, 5 (cipso.ErrTagNotAllowed); both are class
// ipopt.Limit and leave l unchanged. Categories are checked when encoding.
func (l *Label) SetCIPSO(id cipso.DOI, c *cipso.Label, tag cipso.TagType) error {
	if !tag.MAC() {
		return cipso.KindWireTag.At(cipso.HeaderLen)
	}
	if c.Level > cipso.MaxWireLevel {
		return cipso.KindWireLevel.At(cipso.HeaderLen + 3)
	}
	*l = Label{ID: id, Level: uint8(c.Level), RestrictiveTag: tag, Restrictive: c.Cats}
	return nil
}

// OptionLen is the length of the option [Profile.AppendOption] writes for
// l, or the error it would return.
func (p Profile) OptionLen(l *Label) (int, error) {
	n := cipso.HeaderLen
	tags := 0
	if l.RestrictiveTag != 0 {
		if !l.RestrictiveTag.MAC() {
			return 0, cipso.KindWireTag.At(n)
		}
		tl, err := cipso.TagLen(l.RestrictiveTag, &l.Restrictive, l.Format)
		if err != nil {
			return 0, ipopt.Shift(err, n)
		}
		n += tl
		tags++
	}
	// A later tag needs at least its header (4 octets for tag 6, 2 for tag
	// 7); when that does not fit, say so before checking the tag, so that
	// error offsets stay within the 40-octet option.
	if l.HasPermissive {
		if p.SingleTag && tags > 0 {
			return 0, errEncMulti.At(n)
		}
		if n+cipso.TagBaseLen > cipso.MaxOptionLen {
			return 0, cipso.KindNoBuffer.At(1)
		}
		tl, err := PermissiveBitmapLen(&l.Permissive)
		if err != nil {
			return 0, ipopt.Shift(err, n)
		}
		n += tl
		tags++
	}
	if l.HasFreeForm {
		if p.SingleTag && tags > 0 {
			return 0, errEncMulti.At(n)
		}
		if n+2 > cipso.MaxOptionLen {
			return 0, cipso.KindNoBuffer.At(1)
		}
		tl, err := p.FreeFormLen(l.FreeForm)
		if err != nil {
			return 0, ipopt.Shift(err, n)
		}
		n += tl
		tags++
	}
	switch {
	case l.ID == 0:
		return 0, errEncDOI.At(2)
	case l.Level != 0 && l.RestrictiveTag == 0 && !l.HasPermissive:
		return 0, cipso.KindWireLevel.At(cipso.HeaderLen + 3)
	case p.RequireTag && tags == 0:
		return 0, errEncNoTags.At(cipso.HeaderLen)
	case n > cipso.MaxOptionLen:
		return 0, cipso.KindNoBuffer.At(1)
	}
	return n, nil
}

// AppendOption appends the CIPSO option carrying l: 86, length, the tag
// set identifier, then the restrictive tag (cipso's encoders: minimal
// bitmap unless l.Format asks otherwise, ascending enumeration, descending
// ranges), the permissive tag 6 (minimal bitmap) and the free-form tag 7,
// in that order, each only if present. It refuses, with class ipopt.Limit
// errors at the offset the failing field would have: identifier 0
// (cipso.ErrBadDOI), a level no tag carries (cipso.ErrBadLevel), a
// restrictive tag type other than 1, 2, 5, categories a tag cannot carry
// (cipso's errors), free-form data the profile's encoders refuse, more
// than one tag with SingleTag, no tag with RequireTag, and more than 40
// octets (cipso.ErrNoSpace). On error nothing is appended.
func (p Profile) AppendOption(dst []byte, l *Label) ([]byte, error) {
	n, err := p.OptionLen(l)
	if err != nil {
		return dst, err
	}
	// None of the encoders below fails: OptionLen has made their checks on
	// the same values. It bounded n to 6..40 (AppendOptionHeader), required
	// a restrictive tag of type 1, 2 or 5 and ran cipso.TagLen on its
	// categories and format (cipso.AppendTag, whose level is a uint8
	// here), and ran PermissiveBitmapLen and the profile's FreeFormLen.
	out, _ := cipso.AppendOptionHeader(dst, l.ID, n-cipso.HeaderLen)
	if l.RestrictiveTag != 0 {
		c := cipso.Label{Level: uint32(l.Level), Cats: l.Restrictive}
		out, _ = cipso.AppendTag(out, l.RestrictiveTag, &c, l.Format)
	}
	if l.HasPermissive {
		out, _ = AppendPermissiveBitmap(out, l.Level, &l.Permissive)
	}
	if l.HasFreeForm {
		out, _ = p.AppendFreeForm(out, l.FreeForm)
	}
	return out, nil
}
