// Package ipopt reads, validates, builds and rewrites the options field of an
// IPv4 header (RFC 791 §3.1): the 0 to 40 octets between the 20-octet base
// header and the payload.
//
// It knows the framing of every option but the meaning of none of the
// security labels; other packages of this module (cipso for option 134, the
// RFC 1108 package for options 130 and 133) decode those, and plug their
// checks into the Linux receive-path profile through [OptionChecker].
//
// The pieces, one per file:
//
//   - type.go: [Type], the option vocabulary (RFC 791, IANA "IP Option
//     Numbers"), with the copied flag, class and number.
//   - walk.go: [Iter], a zero-allocation walk with a sticky error; bytes
//     after an EOL stay reachable through [Iter.Tail] so round trips are
//     byte-exact. [Find] and [Check] are walks too.
//   - The test helpers [github.com/iplabel/iplabel/ipopt/linuxtest] (the
//     running kernel's verdict on an options field) and the RFC 1108 codec
//     [github.com/iplabel/iplabel/ipopt/rfc1108] live below this package.
//   - error.go: [Error], one error type for every package of this module,
//     carrying the octet offset, the ICMP Parameter Problem pointer, the
//     field, a [Class] (malformed, policy, limit, missing) and a sentinel
//     for errors.Is; a failure at no octet of the input (a rewrite that
//     would not fit, a header cut short) has no offset and no pointer
//     ([Error.HasOffset]). Errors are preallocated ([NewErrorKind],
//     [NewErrorKindNoOffset]), so even failing paths do not allocate.
//   - linux.go: [Linux], validation that reproduces Linux's
//     __ip_options_compile, with [NetLabelStub] for kernels without
//     NetLabel, and [ZeroTail], Linux's zeroing of the octets after an EOL.
//   - echo.go: when Linux finds an error but sends no Parameter Problem
//     because __ip_options_echo fails ([Compiled.Silent]).
//   - builder.go: [Builder], append-style construction of a field padded
//     with EOL to a multiple of 4; [AppendOption] and [PaddedLen].
//   - header.go: [Header], a byte-slice view of the IPv4 header checked
//     once by [ParseHeader], with field accessors and setters, the header
//     checksum ([Header.Checksum], [Header.VerifyChecksum],
//     [Header.SetChecksum]) and the RFC 1624 incremental update
//     ([UpdateChecksum]).
//   - packet.go: [Packet], a small sk_buff-like buffer with headroom and
//     tailroom in which options are inserted, replaced, removed and set
//     atomically, with IHL, total length and checksum kept right.
//   - inplace.go: same-length rewrites with an incremental checksum, for
//     packets whose length must not change ([Header.Overwrite]), and
//     Linux's pre-6.10 removal of an option by NOP overwrite
//     ([Header.NOPOption]).
//   - fragment.go: the options a non-first fragment carries, in Linux's
//     form ([FragmentOptionsInPlace]) and compacted
//     ([AppendFragmentOptions]).
//
// Nothing in this package allocates on its hot paths (appends allocate
// only when the caller's buffer is too small), panics on any input, or
// reads outside the slices it is given.
package ipopt
