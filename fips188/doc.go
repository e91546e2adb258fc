// Package fips188 decodes, encodes and validates the FIPS PUB 188 (1994)
// network-layer security label additions to CIPSO, and the DSM "network
// SID" label built on them.
//
// The body of FIPS 188 was not available to the authors; every known
// implementation (Linux's cipso_ipv4.h, Wireshark, Suricata, the
// 2001–2002 SELinux FIPS-188 code) carries FIPS 188 tags inside the CIPSO
// option, IPv4 option 134, so this package builds on package cipso: a
// FIPS 188 named tag set is a CIPSO option whose DOI position holds the
// tag set identifier, with two more tag types (fips188.md §0, §2.1):
//
//   - tag 6, the permissive bit map: tag 1's layout, 06 LL 00 level
//     bitmap ([PermissiveBitmap], [AppendPermissiveBitmap]);
//   - tag 7, free form: 07 LL data ([FreeForm], [Profile.AppendFreeForm]).
//
// The pieces, one per file:
//
//   - [Profile] (profile.go): one switch per point the sources leave open
//     (fips188.md §9), [Lenient] (the zero value) and [Strict];
//   - [TagIter] (tagiter.go): cipso's tag walk, tag-0 padding aware;
//   - [PermissiveBitmap] (permissive.go) and [FreeForm] (freeform.go):
//     zero-copy views and append-style encoders;
//   - [TagSet] (tagset.go): the checked view of one option
//     ([Profile.Parse], [Profile.ParseOptions]); a Profile is also an
//     ipopt.OptionChecker;
//   - [Label] (label.go): the decoded meaning with restrictive, permissive
//     and free-form parts apart, its conversion to and from cipso.Label
//     where the meaning is the same, and [Profile.AppendOption];
//   - network SID labels ([NSID], nsid.go): DSM's parameter list inside a
//     tag 7, six typed parameters with presence bits, encoders and sizes
//     ([NSID.AppendOption], [NSID.AlignedLen], [EffectiveMSS]);
//   - [ParamIter] (param.go): a walk over any parameter list;
//   - [NSIDProfile] (nsid_profile.go): DSM's receiver checks with the ICMP
//     pointers DSM reported ([DSMReceiver]), [NSIDStrict], [NSIDLenient],
//     on one option or a whole options field ([FindCIPSO]);
//   - [Mapper] (mapper.go): (source SID, node ID) to a network-wide
//     security ID; [PairMapper] by default, the seed's [SeedMapper] on
//     request.
//
// Errors are *ipopt.Error values (offset, ICMP pointer, field, class) that
// unwrap to the sentinels of this package, of cipso or of ipopt. Offsets
// from functions that take one option count from its type octet; those
// that take an options field count from its start. Nothing here allocates
// on a decode, validate or encode path, panics, or reads outside its
// input.
package fips188
