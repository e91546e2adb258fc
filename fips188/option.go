package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// Option is a checked view of one FIPS 188 named tag set in its network
// form: a CIPSO option whose DOI position holds the 32-bit tag set
// identifier, followed by the set's tags (RULES.md §2: the identifier's
// mapping to the tag set name, an OID under the NIST CSOR branch
// 2.16.840.1.101.3.1, is by configuration). An IPv4 datagram carries one
// CIPSO option, so one tag set (RULES.md §2, §6 point 11).
//
// An Option comes from [Profile.Parse], which has checked the whole option
// against the profile, so its accessors need no further checks; it is what
// a cipso.Option is to package cipso, once checked. It aliases the parsed
// bytes.
type Option struct{ opt cipso.Option }

var (
	errNoTags = ipopt.NewErrorKind(ErrNoTags, "tags", ipopt.Malformed)
)

// Parse checks the CIPSO option at the start of b (octets after the
// option's length are ignored) against the profile and returns its view.
// Checks, in walk order, with offsets from b[0]:
//
//   - the envelope, as cipso.ParseOption: type 134, length 6..40 within b;
//   - tag set identifier not 0 (CIPSO draft §3.3), cipso.ErrBadDOI at 2;
//   - tag framing (cipso.TagIter's rules, with tag 0 a pad as
//     [PaddedTagIter] reads it unless RejectTagZero);
//   - for each tag, at its type octet: SingleTag, SingleTagPerType and
//     (tags 1, 2, 5) SingleMACTag, cipso.ErrMultipleTags; tag 0 with
//     RejectTagZero, or a type other than 1, 2, 5, 6, 7 with
//     RejectUnknownTags and not Ignorable, cipso.ErrUnknownTag;
//   - tags 1 and 6: length 4..34, ZeroAlignment, MinimalBitmap
//     ([Profile.ParsePermissiveBitmap]); tags 2 and 5: length >= 4,
//     ZeroAlignment; tags 1, 2, 5: categories that decode (cipso.Tag.Label:
//     even length), and with StrictMACTags cipso.Strict's rules (offsets
//     as cipso reports them); tag 7: length per FreeFormMin4
//     ([Profile.ParseFreeForm]);
//   - with SameLevel, a level differing from the first tag's,
//     cipso.ErrBadLevel at the level octet (+3);
//   - with RequireTag, no tag at all, ErrNoTags at 6.
//
// Every failure is class ipopt.Malformed. Parse does not allocate.
func (p Profile) Parse(b []byte) (Option, error) {
	o, err := cipso.ParseOption(b)
	if err != nil {
		return Option{}, err
	}
	if o.DOI() == 0 {
		return Option{}, cipso.KindZeroDOI.At(2)
	}
	var seen [4]uint64
	tags, macs := 0, 0
	level, hasLevel := uint8(0), false
	it := newTagIter(o, !p.RejectTagZero)
	for it.Next() {
		t := it.Tag()
		tags++
		if p.SingleTag && tags > 1 {
			return Option{}, cipso.KindMultipleTags.At(t.Offset)
		}
		if p.SingleTagPerType {
			w, bit := t.Type>>6, uint64(1)<<(t.Type&63)
			if seen[w]&bit != 0 {
				return Option{}, cipso.KindMultipleTags.At(t.Offset)
			}
			seen[w] |= bit
		}
		if err := p.checkTag(t, &macs); err != nil {
			return Option{}, err
		}
		if levelTag(t.Type) {
			if !hasLevel {
				level, hasLevel = t.Level(), true
			} else if p.SameLevel && t.Level() != level {
				return Option{}, cipso.KindBadLevel.At(t.Offset + 3)
			}
		}
	}
	if err := it.Err(); err != nil {
		return Option{}, err
	}
	if p.RequireTag && tags == 0 {
		return Option{}, errNoTags.At(cipso.HeaderLen)
	}
	// Walked without pads, an accepted option has no tag 0 (RejectTagZero
	// refuses it), so the padded walk of Option.Tags reads it the same.
	return Option{opt: o}, nil
}

// levelTag reports whether tags of type t carry a level octet.
func levelTag(t cipso.TagType) bool { return t.MAC() || t == cipso.TagPBitmap }

// checkTag checks one framed tag; macs counts the MAC tags met so far.
func (p Profile) checkTag(t cipso.Tag, macs *int) error {
	switch t.Type {
	case cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange:
		*macs++
		if p.SingleMACTag && *macs > 1 {
			return cipso.KindMultipleTags.At(t.Offset)
		}
		if t.Type == cipso.TagRBitmap {
			if err := p.checkBitmapTag(t, true); err != nil {
				return err
			}
		} else {
			if len(t.Bytes) < cipso.TagBaseLen {
				return cipso.KindBadTagLength.At(t.Offset + 1)
			}
			if p.ZeroAlignment && t.Bytes[2] != 0 {
				return cipso.KindBadAlignment.At(t.Offset + 2)
			}
		}
		var l cipso.Label
		if err := t.Label(&l); err != nil {
			return err
		}
		if p.StrictMACTags {
			return strictMACTag(t)
		}
		return nil
	case cipso.TagPBitmap:
		_, err := p.ParsePermissiveBitmap(t)
		return err
	case cipso.TagFreeForm:
		_, err := p.ParseFreeForm(t)
		return err
	case cipso.TagInvalid:
		// Reached only with RejectTagZero: otherwise the walk skips it.
		return cipso.KindUnknownTag.At(t.Offset)
	}
	if p.RejectUnknownTags && !p.Ignorable.Has(t.Type) {
		return cipso.KindUnknownTag.At(t.Offset)
	}
	return nil
}

// strictMACTag runs cipso.Strict over a one-tag option holding a copy of
// t (the rest of the option is checked here), with offsets moved back to
// t's place. t comes from Parse's walk of an option of at most 40 octets,
// starting at octet 6, so t is at most 34 octets and the copy fits buf.
func strictMACTag(t cipso.Tag) error {
	var buf [cipso.MaxOptionLen]byte
	n := cipso.HeaderLen + len(t.Bytes)
	buf[0], buf[1], buf[5] = byte(cipso.OptionType), byte(n), 1
	copy(buf[cipso.HeaderLen:], t.Bytes)
	// A one-tag option of at most 40 octets with a nonzero DOI: the
	// envelope checks pass and only the tag's are made.
	var s cipso.Strict
	return s.CheckOption(ipopt.Option{Offset: t.Offset - cipso.HeaderLen, Type: ipopt.CIPSO, Bytes: buf[:n]}, false)
}

// CheckOption implements ipopt.OptionChecker: Parse on o.Bytes without the
// view, with offsets moved into the options field (o.Offset), so that an
// options walk such as ipopt.Linux can check option 134 with this profile.
// socket makes no difference.
func (p Profile) CheckOption(o ipopt.Option, _ bool) error {
	_, err := p.Parse(o.Bytes)
	return ipopt.Shift(err, o.Offset)
}

// Validate checks the label of opts, a whole options field: ParseOptions
// without the results. A field without a CIPSO option fails with
// ErrMissing.
func (p Profile) Validate(opts []byte) error {
	_, _, err := p.ParseOptions(opts)
	return err
}

var _ ipopt.OptionChecker = Profile{}

// ParseOptions parses the CIPSO option of a whole options field, located
// with [FindCIPSO] (framing and a second CIPSO option are reported as
// there), and fails with ErrMissing (class Missing, pointer 134, the value
// CIPSO draft §5.1.2 puts in ICMP Parameter Problem code 1) when there is
// none. It also returns the option as found, whose Offset places it for a
// rewrite. Errors carry options-field offsets.
func (p Profile) ParseOptions(opts []byte) (Option, ipopt.Option, error) {
	o, err := findRequired(opts)
	if err != nil {
		return Option{}, ipopt.Option{}, err
	}
	s, err := p.Parse(o.Bytes)
	if err != nil {
		return Option{}, ipopt.Option{}, ipopt.Shift(err, o.Offset)
	}
	return s, o, nil
}

// ID is the tag set identifier, the CIPSO DOI position.
func (s Option) ID() cipso.DOI { return s.opt.DOI() }

// CIPSO is the same option as a cipso.Option, cut to its length, for
// package cipso's accessors.
func (s Option) CIPSO() cipso.Option { return s.opt }

// Tags starts a walk over the tags, tag-0 pads skipped ([PaddedTagIter]).
func (s Option) Tags() PaddedTagIter { return NewPaddedTagIter(s.opt) }

// Restrictive returns the first MAC-sensitivity tag (1, 2 or 5), the one
// Linux takes the label from, if there is one.
func (s Option) Restrictive() (cipso.Tag, bool) {
	it := s.Tags()
	for it.Next() {
		if t := it.Tag(); t.Type.MAC() {
			return t, true
		}
	}
	return cipso.Tag{}, false
}

// Permissive returns the first tag 6, if there is one.
func (s Option) Permissive() (PermissiveBitmap, bool) {
	it := s.Tags()
	for it.Next() {
		if t := it.Tag(); t.Type == cipso.TagPBitmap {
			return PermissiveBitmap{t}, true
		}
	}
	return PermissiveBitmap{}, false
}

// FreeForm returns the first tag 7, if there is one.
func (s Option) FreeForm() (FreeForm, bool) {
	it := s.Tags()
	for it.Next() {
		if t := it.Tag(); t.Type == cipso.TagFreeForm {
			return FreeForm{t}, true
		}
	}
	return FreeForm{}, false
}
