package fips188

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// Profile says how to read and write the points FIPS 188's network-layer
// encoding leaves open. The clauses of FIPS PUB 188 that give the layouts
// are not public; its layout is reconstructed from CIPSO and from
// implementations that cite it (RULES.md §1), and each point those
// disagree on, or that no source settles, is one switch here (RULES.md
// §6).
//
// The zero Profile, [Lenient], is the default: it accepts what Linux-era
// and Wireshark-era implementations produce and read. [Strict.Profile]
// turns every switch to the stricter reading. Profiles are small values;
// copy one and change a field to make a variant.
//
// Whatever the profile, these hold (CIPSO's rules, the envelope of every
// FIPS 188 implementation; RULES.md §2): option type 134 and length 6..40
// (cipso.ParseOption), a nonzero tag set identifier (CIPSO draft §3.3),
// tags framed inside the option, tags 1, 2, 5 and 6 at least 4 octets
// long, categories that decode.
type Profile struct {
	// FreeFormMin4 refuses a tag 7 shorter than 4 octets (Suricata's
	// IPV4OptValidateCIPSO) instead of 2 (Wireshark's dissect_ipopt_cipso)
	// (RULES.md §4, §6 point 4). The encoders then also write at least
	// 2 data octets.
	FreeFormMin4 bool
	// SingleTag refuses a second tag of any type in one option. FIPS 188's
	// abstract syntax allows a sequence of tags per tag set; whether its
	// network form does is unknown (RULES.md §6 point 5), so the default
	// allows it.
	SingleTag bool
	// SingleMACTag refuses a second tag of the MAC sensitivity class (1, 2,
	// 5) in one option, CIPSO draft §5.2's rule (RULES.md §5). Linux's
	// cipso_v4_validate accepts several and cipso_v4_getattr reads the
	// first.
	SingleMACTag bool
	// SingleTagPerType refuses a tag type that appears twice in one option
	// (two tag 6, two tag 7). By default the first of each kind carries the
	// label, as Linux takes the label from the first tag.
	SingleTagPerType bool
	// RejectTagZero refuses tag type 0, which CIPSO reserves (CIPSO draft
	// §3.4; Linux and Suricata refuse it). By default a 0 octet between
	// tags is a one-octet pad and is skipped, as Wireshark's packet-ip.c
	// reads it (RULES.md §5).
	RejectTagZero bool
	// RejectUnknownTags refuses tag types other than 1, 2, 5, 6 and 7
	// (CIPSO draft §5.1.1's default), but those in Ignorable. By default
	// they are all skipped over by their length octet: the draft lets an
	// administrator mark tags as ignorable, and Wireshark shows them
	// without complaint.
	RejectUnknownTags bool
	// Ignorable lists the unknown tag types RejectUnknownTags still skips
	// (CIPSO draft §5.1.1: an administrator MAY mark tags safe to
	// ignore). Types 0, 1, 2, 5, 6 and 7 in it have no effect.
	Ignorable cipso.TagSet
	// ZeroAlignment refuses a nonzero alignment octet in tags 1, 2, 5 and
	// 6 (CIPSO draft §3.4.2.3; Suricata checks it, Linux and Wireshark do
	// not; RULES.md §3, §7).
	ZeroAlignment bool
	// MinimalBitmap refuses a bitmap with trailing zero octets in a tag 6,
	// and in a tag 1 other than the 10-octet optimized form (CIPSO draft
	// §3.4.2.5 SHOULD, §3.4.2.6; whether FIPS 188 kept the rule is RULES.md
	// §6 point 7). The encoders always write the minimal bitmap.
	MinimalBitmap bool
	// StrictMACTags holds tags 1, 2 and 5 to cipso.Strict's rules as
	// well: enumerations strictly ascending without 65535, ranges
	// descending and disjoint in canonical form, minimal bitmaps (the
	// optimized form aside). These are CIPSO's rules, which a FIPS 188
	// label that uses those tags inherits (RULES.md §6 point 7).
	StrictMACTags bool
	// SameLevel refuses level-carrying tags (1, 2, 5, 6) in one option
	// whose levels differ (RULES.md §6 point 6). By default the first
	// tag's level is the label's.
	SameLevel bool
	// RequireTag refuses an option with no tag (RULES.md §6 point 8;
	// Linux's cipso_v4_validate refuses options below 8 octets).
	RequireTag bool
	// AllowEmptyFreeForm lets the encoders write a tag 7 with no data
	// (length 2), which Wireshark reads but Suricata refuses. By default
	// they refuse it (RULES.md §4). Decoders accept
	// it unless FreeFormMin4 is set.
	AllowEmptyFreeForm bool
}

// Lenient is the zero Profile, spelled out: the accepting reading of every
// open point.
var Lenient = Profile{}

// Strict is the standard's strict reading: it takes the stricter reading
// of every open point but the number of non-MAC tags: one MAC tag, one tag
// per type, tag 0 and unknown tags refused, zero alignment octets, minimal
// bitmaps, cipso.Strict's rules for tags 1, 2 and 5, one level, at least
// one tag, tag 7 at least 4 octets and never empty. Several tags (say a
// tag 1, a tag 6 and a tag 7) stay allowed: FIPS 188's abstract syntax
// has them.
//
// The zero Strict is ready to use. It checks options; [Strict.Profile]
// gives the same rules as a Profile, to decode and encode with or to
// change a switch of.
type Strict struct{}

// Profile is the Profile with Strict's rules.
func (Strict) Profile() Profile {
	return Profile{
		FreeFormMin4:      true,
		SingleMACTag:      true,
		SingleTagPerType:  true,
		RejectTagZero:     true,
		RejectUnknownTags: true,
		ZeroAlignment:     true,
		MinimalBitmap:     true,
		StrictMACTags:     true,
		SameLevel:         true,
		RequireTag:        true,
	}
}

// CheckOption implements ipopt.OptionChecker with Strict's rules
// ([Profile.CheckOption]).
func (s Strict) CheckOption(o ipopt.Option, socket bool) error {
	return s.Profile().CheckOption(o, socket)
}

// Validate checks the label of an options field with Strict's rules
// ([Profile.Validate]).
func (s Strict) Validate(opts []byte) error { return s.Profile().Validate(opts) }

var _ ipopt.OptionChecker = Strict{}

// freeFormMin is the shortest tag 7 the profile reads.
func (p Profile) freeFormMin() int {
	if p.FreeFormMin4 {
		return 4
	}
	return 2
}

// freeFormEncodeMin is the fewest data octets the profile's encoders write.
func (p Profile) freeFormEncodeMin() int {
	switch {
	case p.FreeFormMin4:
		return 2
	case p.AllowEmptyFreeForm:
		return 0
	}
	return 1
}
