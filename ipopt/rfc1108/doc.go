// Package rfc1108 encodes, decodes and validates the IPv4 security options
// of RFC 1108: the Basic Security Option (BSO, type 130), which carries a
// classification level and protection authority flags, and the Extended
// Security Option (ESO, type 133), which carries additional security
// information under a format code. The rules, with their public sources,
// are in RULES.md next to this file.
//
// To read the BSO of a packet, hand the options field to [FindLabel]: it
// finds the first option 130 wherever it sits and decodes it into a
// [Label], a [Classification] and a set of [Authorities]. [DecodeBSO]
// decodes one option, and [ParseBSO] and [ParseESO] give zero-copy views
// ([BSO], [ESO]) of one option's octets. Levels are ordered by RFC 1108
// Table 1, never numerically: compare them with [Classification.Compare].
//
// [FindPacketLabel] does what FindLabel does from a whole IPv4 packet,
// reading its header first (ipopt.ParseHeader).
//
// To check a packet as a strict RFC 1108 receiver would, use [Strict]: its
// zero value is the plain RFC, its fields add site policy (a required BSO,
// a BSO that must come first). Linux looks only at the framing of options
// 130 and 133: ipopt.Linux gives its verdict, and with Strict as its
// Security and ExtendedSecurity checkers the Linux walk with RFC 1108's
// rules on top. To accept only labels inside an accreditation range, use
// [Range.Validate].
//
// To build a BSO, use [AppendBSO] (the minimal encoding of a level and
// authorities) or [AppendLabel] (which keeps a decoded label's PAF length);
// [AppendESO] builds an ESO. To read or write a label as text, use
// [ParseSpec] and [AppendSpec] ("level=secret,authorities=genser+nsa");
// [Label], [Classification] and [Authorities] also implement the
// encoding.Text* interfaces.
//
// The obsolete 11-octet RFC 791 form of option 130 is a different format:
// [IsLegacySEC] tells it apart the way Wireshark does, and [LegacySEC],
// [DecodeLegacySEC] and [AppendLegacySEC] handle it. [DecodeBSO] never
// reads it, and [DecodeLegacySEC] never reads RFC 1108.
//
// Errors are ipopt.Error values (offset, ICMP pointer, field, class)
// unwrapping to this package's sentinels or to ipopt's framing sentinels.
// Single-option functions report offsets from the option's type octet;
// validators report offsets in the options field. A label specification
// that does not parse fails with an *[ipopt.ParseError] unwrapping to
// [ErrBadSpec]. Decoding, validating and
// encoding do not allocate, even when they fail, and never panic.
package rfc1108
