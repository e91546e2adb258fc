// Package cipso decodes, encodes and validates the Commercial IP Security
// Option (CIPSO, IPv4 option 134; draft-ietf-cipso-ipsecurity-01, "CIPSO
// 2.2") the way Linux does, and more strictly where the draft does.
//
// The pieces, one per file:
//
//   - [Option] and [TagIter]: a zero-copy view of one option and a
//     zero-allocation walk over its tags ([Tag]).
//   - Tag decoders ([Tag.Label], [Option.Label], [Tag.SecID]) for tags 1
//     (restricted bitmap), 2 (enumerated), 5 (ranged) and Linux's local
//     tag 128. Tags 6 and 7 (FIPS 188) are left to package fips188, which
//     builds on [Option], [Tag], [CatSet] and the bitmap helpers.
//   - [CatSet] (catset.go): a category set that holds every legal set
//     without allocating, and [Label]: a sensitivity level and a category
//     set, with the comparisons of a MAC policy ([Label.Dominates], ...).
//   - Encoders: [AppendBitmapTag], [AppendEnumTag], [AppendRangeTag],
//     [AppendLocalTag], [AppendOption], with size functions.
//   - DOIs: [Domain] (pass-through, translated, local), the [Registry]
//     lookups use on the receive path, and the netlabelctl command syntax
//     ([ParseConfig], [AppendConfig]).
//   - Validation profiles: [Linux] (cipso_v4_validate, verdict and pointer
//     for pointer) and [Strict] (the draft plus FIPS 188, canonical forms
//     only), both [ipopt.OptionChecker]s; [LabelRange] for policy checks.
//   - Text: SELinux MLS/MCS level strings ("s3:c0,c5.c9") through
//     [ParseLabel] and [Label.AppendText].
//
// Errors are *[ipopt.Error] values that unwrap to the sentinels of this
// package (or of ipopt for plain framing). Offsets in errors from functions
// that take one option are counted from the option's type octet; the
// functions that take a whole options field, or an [ipopt.Option], report
// offsets in the options field. [ipopt.Shift] converts the first into the
// second. Nothing here allocates on a decode, validate or encode path, and
// nothing panics or reads outside its input.
package cipso
