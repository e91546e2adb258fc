// Package ipopt reads, validates, builds and rewrites the options field of
// an IPv4 header (RFC 791 §3.1): the 0 to 40 octets between the 20-octet
// base header and the payload. It knows the framing of every option but the
// meaning of none of the security labels: the cipso package (option 134)
// and ipopt/rfc1108 (options 130 and 133) decode those, and plug their
// checks into the Linux receive-path profile through [OptionChecker]. The
// rules the package follows, each with its public source, are written out
// in RULES.md next to this file; doc comments cite them as "RULES.md §N".
//
// To read a header, call [ParseHeader]: it makes the checks Linux's
// ip_rcv_core makes before any option is looked at (RULES.md §2) and
// returns a [Header], the header's own bytes with an accessor for every
// field. [Header.Options] is the options field; [Header.VerifyChecksum]
// checks the header checksum. To write a header, fill in [HeaderFields]
// and call [Header.Encode], which sets the version, the IHL and the
// checksum too.
//
// To walk the options of a header, use [NewIter] and [Iter.Next]: one
// [Option] at a time, no allocation, and a sticky error ([Iter.Err]) at the
// octet Linux points at. The walk stops after an EOL, and the octets after
// it stay reachable through [Iter.Tail], so that nothing is lost in a round
// trip. [Find] returns the first option of a [Type] as Linux's
// cipso_v4_optptr finds it, and [Check] reports the first framing error.
// [Type] names the option types of the IANA "IP Option Numbers" registry,
// with their copied flag, class and number.
//
// To check a header as Linux's receive path does, use [Linux]. It
// reproduces __ip_options_compile (net/ipv4/ip_options.c, RULES.md §3): the
// same verdict and the same ICMP Parameter Problem pointer. Its zero value
// is a kernel built without NetLabel; set [Linux.CIPSO] to the cipso
// package's checker for a kernel with NetLabel, [Linux.Security] and
// [Linux.ExtendedSecurity] to rfc1108's to read options 130 and 133 as
// RFC 1108 does (Linux does not look into them), and [Linux.Socket] for
// setsockopt(IP_OPTIONS). [Linux.Compile] also reports
// where the options Linux keeps track of are, and whether Linux answers a
// refused header at all or drops it silently because __ip_options_echo
// fails ([Compiled.Silent], RULES.md §4). [ICMPErrorSuppressed] says,
// from the whole datagram, whether Linux answers it with no ICMP error
// whatever its options: a multicast or broadcast destination, a fragment
// other than the first, an ICMP error, a martian address, a header
// ip_rcv_core drops (RULES.md §4). [ZeroTail] zeroes the octets after an
// EOL, as Linux does on receive.
//
// To build or rewrite options: [Builder] appends a field option by option
// and pads it with EOL to a multiple of 4, as Linux pads the options it
// generates (RULES.md §5); [AppendOption] appends one option and
// [PaddedLen] rounds a length. [Packet] is a small sk_buff-like buffer with
// headroom and tailroom, in which options are inserted, replaced, removed
// or set atomically, with IHL, total length and checksum kept right. Where
// the length of a packet must not change, [Header.Overwrite] rewrites
// octets in place with an RFC 1624 incremental checksum, and
// [Header.NOPOption] removes an option as Linux did before 6.10. For
// fragmentation (RULES.md §6), [FragmentOptionsInPlace] gives the options
// of later fragments in Linux's form and [AppendFragmentOptions] in RFC
// 791's compact form. After any other change, [Header.SetChecksum]
// recomputes the checksum.
//
// Errors: every package of this module returns an [Error], a small
// comparable value. To tell why a packet was refused, use errors.Is with
// the sentinels ([ErrTruncated], [ErrBadLength], ..., cipso.ErrUnknownDOI)
// and errors.As into a variable of type Error (var e ipopt.Error) for the
// details: the faulty field, a [Class] that says how a receiver answers
// (malformed, policy, limit, missing), and where the error is. To answer
// it, [ICMP] gives the ICMP type, code and Parameter Problem pointer by
// class. To find the octet, [Error.Offset] gives the offset in the
// options field (-1 outside it), [Error.HeaderOffset] the octet counted
// from the IP header (also for the base-header fields, which are not in
// the options), [Error.Pointer] the ICMP pointer; a failure at no octet
// of the input (a rewrite that would not fit, a header cut short) has
// none of them (they are -1), RULES.md §10. To report a
// failure of your own, declare an [ErrorKind] once ([NewErrorKind], with
// [KindOptions] for a failure at no octet or another pointer; the shared
// framing kinds are
// [KindTruncated], [KindBadLength] and [KindTooLong]) and return
// kind.At(offset): an error is a pointer into a static table of every
// kind at every offset, so even failing paths do not allocate. IPv6
// protocols declare theirs with [KindOptions.IPv6], whose positions count
// from the 40-octet IPv6 header (RULES.md §10). [AsError] is errors.As for
// an Error, without allocating. [Shift]
// moves an error found in one option to that option's place in the field.
// Text that does not parse (a netlabelctl line, a level string, an RFC
// 1108 label specification) fails with a *[ParseError] instead, giving
// the line and column where the input has them.
//
// To compare this module with its references, tests use
// [github.com/iplabel/iplabel/ipopt/linuxtest] (the running kernel's
// verdict on an options field) and
// [github.com/iplabel/iplabel/internal/tsharktest] (tshark's dissection of the
// same octets). The library itself never imports them.
//
// Nothing in this package allocates on its hot paths (appends allocate only
// when the caller's buffer is too small), panics on any input, or reads
// outside the slices it is given.
package ipopt
