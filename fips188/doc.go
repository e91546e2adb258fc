// Package fips188 decodes, encodes and validates the network-layer
// security label of FIPS PUB 188 (1994). The DSM network SID label, built
// on its tag 7, is package fips188/dsm.
//
// Every implementation that cites FIPS 188 (Linux's cipso_ipv4.h,
// Wireshark's packet-ip.c, Suricata) carries its label in the CIPSO
// option, IPv4 option 134: a FIPS 188 named tag set is a CIPSO option
// whose DOI position holds the tag set identifier, with two tag types
// added to CIPSO's 1, 2 and 5: tag 6, the permissive bit map (06 LL 00
// level bitmap), and tag 7, free form (07 LL data). This package builds
// on package cipso for the envelope and tags 1, 2, 5. The clauses of FIPS
// 188 that give the byte layouts are not public; RULES.md, next to this
// file, says what the package implements and which points are our
// reading.
//
// # To read a FIPS 188 label
//
// Choose a [Profile]: [Lenient] (the zero value) accepts what Linux-era
// and Wireshark-era implementations produce, [Strict] takes the refusing
// reading of every open point (RULES.md §6; [Strict.Profile] is that
// reading as a Profile). [Profile.Decode] reads one option into a
// [Label], which keeps the restrictive categories (tags 1, 2, 5), the
// permissive ones (tag 6) and the free-form data (tag 7) apart;
// [Profile.DecodeOptions] does the same for a whole options field. For a
// zero-copy view instead, [Profile.Parse] returns a checked [Option],
// whose tags [PaddedTagIter] walks and whose tag 6 and tag 7 are
// [PermissiveBitmap] and [FreeForm] views. [Label.CIPSO] gives the
// [cipso.Label] of a label that has only a restrictive part.
//
// # To write a FIPS 188 label
//
// Fill a [Label] (or [Label.SetCIPSO] from a cipso.Label) and call
// [Profile.AppendOption]; [Profile.OptionLen] gives the size first. Single
// tags are written with [AppendPermissiveBitmap] and
// [Profile.AppendFreeForm].
//
// # To check options
//
// [Profile.Validate] and [Strict.Validate] check the label of a whole
// options field, [Profile.CheckOption] and [Strict.CheckOption] one
// option: Profile and Strict are [ipopt.OptionChecker]s, so an options
// walk such as ipopt.Linux can use them for option 134. [FindCIPSO] finds
// the one CIPSO option of an options field.
//
// # Errors and allocation
//
// Errors are ipopt.Error values (offset, ICMP pointer, field, class) that
// unwrap to the sentinels of this package, of cipso or of ipopt. Offsets
// from functions that take one option count from its type octet; those
// that take an options field count from its start. Nothing here allocates
// on a decode, validate or encode path, panics, or reads outside its
// input.
package fips188
