// Package fips188 decodes, encodes and validates the FIPS PUB 188 (1994)
// network-layer security label additions to CIPSO, and the DSM "network
// SID" label built on them.
//
// Everything here lives inside the CIPSO option (IPv4 option 134), the
// envelope every known FIPS 188 implementation uses (fips188.md §0, §2.1).
//
// The pieces, one per file:
//
//   - network SID labels ([NSID], nsid.go): DSM's parameter list inside a
//     free-form tag, six typed parameters with presence bits, append-style
//     encoders and size functions ([NSID.AppendOption], [NSID.AlignedLen],
//     [EffectiveMSS]);
//   - [ParamIter] (param.go): a zero-allocation walk over any parameter
//     list, unknown types included;
//   - [NSIDProfile] (nsid_profile.go): DSM's receiver checks with the ICMP
//     pointers DSM reported ([DSMReceiver]), a strict and a lenient
//     profile, on one option or a whole options field;
//   - [Mapper] (mapper.go): the pluggable mapping from (source SID, node
//     ID) to a network-wide security ID.
//
// Errors are *ipopt.Error values that unwrap to the sentinels of this
// package or of ipopt. Nothing here allocates on a decode, validate or
// encode path, panics, or reads outside its input.
package fips188
