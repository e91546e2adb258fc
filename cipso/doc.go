// Package cipso reads, writes and checks the Commercial IP Security Option
// (CIPSO, IPv4 option 134; draft-ietf-cipso-ipsecurity-01, "CIPSO 2.2")
// the way Linux does, and more strictly where the draft asks for it.
// RULES.md, next to the code, gives the rules followed and their sources.
//
// To read the label of a packet, find the option in the options field
// ([ipopt.Find] with [ipopt.CIPSO] follows Linux's cipso_v4_optptr), frame it
// with [ParseOption] and decode it: [Option.Label] gives the wire values of
// the first tag, the one Linux reads, and [Registry.Decode] or
// [Domain.Decode] map them through the DOI as Linux's cipso_v4_getattr
// does. [FindLabelView] does the finding, framing and reading in one pass
// and leaves the label where it lies: its [LabelView] tests and iterates
// the categories in the option's octets, and gives the [Label] when one is
// wanted ([Option.LabelView] for an option already framed). [Option.Tags]
// walks every tag ([TagIter], [Tag]) without allocating; [Tag.SecID] reads Linux's local tag 128. Tags 6 and 7 (FIPS
// 188) are package fips188's, which builds on [Option], [Tag] and [CatSet].
//
// To do all of that in one call, give [FindPacketLabel] the packet from the
// first octet of its IPv4 header, or [FindLabel] its options field: either
// returns a [PacketLabel], the DOI and the label, read through a Registry
// when one is given. Package cipso/gopacketlabel reads the same label, and
// the BSO, from packets decoded with gopacket.
//
// To check an option as Linux does, give [NewLinux] the host's DOIs: its
// Validate gives the verdict of Linux's receive path and, in the error,
// the ICMP Parameter Problem pointer (cipso_v4_validate inside
// __ip_options_compile; RULES.md §7). [Linux] is an [ipopt.OptionChecker],
// so it also plugs into an [ipopt.Linux] walk. To check against the draft
// instead, use [Strict], which also refuses every non-canonical encoding
// (RULES.md §10). [ipopt.ICMP] turns either's error into the ICMP answer;
// [LabelRange] gives the policy refusals that are
// answered with Destination Unreachable.
//
// To build a label, parse an SELinux level string such as "s3:c0,c5.c9"
// ([ParseLabel]) or fill a [Label]: a level and a [CatSet], which holds any
// category set an option can carry without allocating, with the lattice
// comparisons of a MAC policy ([Label.Dominates], [Label.Join], ...). Then
// [Domain.AppendOption] writes the option Linux's cipso_v4_genopt would
// send in that DOI, trying its tags in order, and [AppendOption],
// [AppendTag] (tags 1, 2 and 5) and [Domain.AppendLocalOption] (tag 128)
// write one given tag; a [Format] picks among the encodings Linux can
// produce, and [OptionLen] and [TagLen] give sizes first.
//
// To configure DOIs from text, write them in netlabelctl's command syntax
// ("cipsov4 add pass doi:16 tags:1,2,5") and read them with [ParseConfig]
// into a [Registry], or one line with [ParseCommand]; [AppendConfig] and
// [Domain.String] write them back. [NewPass], [NewTrans] and [NewLocal]
// make the same domains in code. Registry lookups are lock-free and
// allocation-free. To look at labels before any DOI is configured, set
// [Linux.AnyDOI]: an option of a DOI not registered is then checked
// structurally (every check of cipso_v4_validate but DOI membership).
//
// Errors are [ipopt.Error] values that unwrap to the sentinels of this
// package (or of ipopt for plain framing). Offsets in errors from functions
// that take one option are counted from the option's type octet; the
// functions that take a whole options field, or an [ipopt.Option], report
// offsets in the options field, and [ipopt.Shift] converts the first into the
// second. Text input fails with an *[ipopt.ParseError] giving line and
// column; a definition made in code ([NewPass], ...) with one giving
// neither.
// Nothing here allocates on a decode, validate or encode path, and nothing
// panics or reads outside its input.
package cipso
