// Package ipopt reads, validates, builds and rewrites the options field of an
// IPv4 header (RFC 791 §3.1): the 0 to 40 octets between the 20-octet base
// header and the payload.
//
// It knows the framing of every option but the meaning of none of the
// security labels; the cipso, fips188 and ipopt/secopt packages decode those
// and plug their checks into the Linux receive-path profile through
// [OptionChecker].
//
// The pieces, one per file:
//
//   - [Type]: the option vocabulary (RFC 791, IANA "IP Option Numbers").
//   - [Iter]: a zero-allocation walk with a sticky error; bytes after an EOL
//     stay reachable through [Iter.Tail] so round trips are byte-exact.
//   - [Error]: one error type for every package of this module, carrying the
//     octet offset, the ICMP Parameter Problem pointer, the field and a
//     sentinel for errors.Is. Errors are preallocated, so even failing paths
//     do not allocate.
//   - [Linux]: validation that reproduces Linux's __ip_options_compile.
//   - [Builder]: append-style construction padded with EOL.
//   - [Header]: a byte-slice view of the IPv4 header with checksum helpers.
//   - [Packet]: a small sk_buff-like buffer with headroom in which options are
//     inserted, replaced and removed atomically.
//   - [FragmentOptions]: the options a non-first fragment carries.
//
// Nothing in this package allocates on its hot paths, panics on any input,
// or reads outside the slices it is given.
package ipopt
