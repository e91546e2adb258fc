// Package rfc1108 encodes, decodes and validates the IPv4 security options
// of RFC 1108: the Basic Security Option (BSO, type 130), which carries a
// classification level and protection authority flags, and the Extended
// Security Option (ESO, type 133), which carries additional security
// information under a format code. The rules, with their sources and
// status, are in the rulebook's sections D.1 and D.2; Wireshark's reading
// is in C.4.
//
// The pieces, one per file:
//
//   - [Classification]: the level octet, ordered by RFC 1108 Table 1, never
//     numerically.
//   - [Authority] and [Authorities]: the protection authority flags as a
//     comparable bitmap covering every flag that fits an IPv4 header.
//   - [Label]: level plus authorities, with dominance for policy.
//   - [BSO] and [ESO]: zero-copy views; [DecodeBSO], [AppendBSO],
//     [AppendLabel], [AppendESO].
//   - [LegacySEC]: the obsolete 11-octet RFC 791 form of option 130, kept
//     apart, detected the way Wireshark detects it ([IsLegacySEC]).
//   - [Strict] and [Linux]: validation profiles over a whole options field.
//   - [Range]: an accreditation range with policy errors.
//   - [ParseSpec] and [AppendSpec]: "level=secret,authorities=genser+nsa".
//
// Errors are *ipopt.Error values (offset, ICMP pointer, field, class)
// unwrapping to this package's sentinels or to ipopt's framing sentinels.
// Single-option functions report offsets from the option's type octet;
// validators report offsets in the options field. Decoding, validating and
// encoding do not allocate, even when they fail, and never panic.
package rfc1108
