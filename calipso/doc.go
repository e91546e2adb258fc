// Package calipso reads, writes and checks CALIPSO, the Common Architecture
// Label IPv6 Security Option (RFC 5570; Hop-by-Hop option type 7), the way
// Linux's NetLabel does (net/ipv6/calipso.c). RULES.md, next to the code,
// gives the rules and their sources; comments cite it as "RULES.md §N".
//
// To read the label of a packet, find the option in its Hop-by-Hop header
// (ipv6.Find with [Type]), frame it with [ParseOption] and read it:
// [Option.DOI], [Option.Level], [Option.Bitmap], [Option.Checksum] and
// [Option.ChecksumOK], and [Option.Label], which gives a cipso.Label (a
// level and a cipso.CatSet) whose String is the SELinux level text.
//
// [FindPacketLabel] does all of that in one call from the packet's fixed
// header and gives a [PacketLabel], the DOI and the label.
//
// To check an option as Linux does, give [NewLinux] the host's DOIs: its
// Validate refuses what ipv6_hop_calipso and calipso_validate refuse
// (lengths, checksum, unknown DOI; RULES.md §2). [Linux] is an
// ipv6.OptionChecker, so it plugs into an ipv6.Linux walk of the whole
// header; Linux drops every refused packet silently.
//
// To check an option by RFC 5570 where it is stricter than Linux (DOI 0,
// octets after the bitmap, a last bitmap word of zero, an option not at
// 4n+2, a second option; RULES.md §8), use [Strict]: [Strict.CheckOption]
// checks one option and [Strict.Validate] a whole Hop-by-Hop header.
//
// To build the option, [AppendOption] writes what calipso_genopt writes
// for a label in a DOI, padding included, and [AppendHopByHop] a whole
// Hop-by-Hop header around it (RULES.md §4). [Checksum] and [PutChecksum]
// compute and store the checksum (RULES.md §3).
//
// To label a packet, put it in an ipopt.Packet with headroom and call
// [SetLabel] (or [SetOption] with an option built once): it inserts or
// replaces the option as Linux's calipso_skbuff_setattr does, creating the
// Hop-by-Hop header when there is none, keeping every other option and
// fixing the padding, the Next Header chain and the payload length.
// [RemoveOption] takes it out again as calipso_skbuff_delattr does, the
// header with it when nothing else is left in it (RULES.md §7). Both are
// atomic: on error the packet is unchanged.
//
// To configure DOIs from text, write them as netlabelctl commands
// ("calipso add pass doi:16") and read them with [ParseConfig] into a
// [Registry] (lines of NetLabel's other modules are skipped, so the same
// script also feeds cipso.ParseConfig), or one line with [ParseCommand];
// [AppendConfig] writes them back.
//
// Errors are the module's error values of IPv6 kinds (see package ipopt,
// ipopt.KindOptions.IPv6), unwrapping to this package's sentinels or to ipopt's
// framing ones; offsets count from the option's type octet, and the ipv6
// walk moves them to the option's place. Text that does not parse fails with an *ipopt.ParseError. Nothing
// here allocates on a decode, validate, encode or rewrite path.
package calipso
