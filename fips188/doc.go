// Package fips188 decodes, encodes and validates the network-layer
// security label of FIPS PUB 188 (1994), and the DSM network SID label
// built on it.
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
// reading of every open point (RULES.md §6). [Profile.Decode] reads one
// option into a [Label], which keeps the restrictive categories (tags 1,
// 2, 5), the permissive ones (tag 6) and the free-form data (tag 7)
// apart; [Profile.DecodeOptions] does the same for a whole options field.
// For a zero-copy view instead, [Profile.Parse] returns a checked
// [TagSet], whose tags [TagIter] walks and whose tag 6 and tag 7 are
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
// # To check options as part of an options walk
//
// [Profile.Validate] checks one option; a Profile is an
// [ipopt.OptionChecker], so an options walk such as ipopt.Linux can use it
// for option 134. [FindCIPSO] finds the one CIPSO option of an options
// field.
//
// # To carry a DSM network SID
//
// DSM labelled each packet with the security ID of the sending process and
// the node it ran on, as typed parameters in the data of a tag 7 (RULES.md
// §8). [NewNSID] makes the label DSM sent; [NSID] holds any of the six
// parameters ([ParamType]). [NSID.AppendOption] writes the whole option,
// [NSID.AppendTag] and [NSID.AppendParams] its parts; [NSID.AlignedLen]
// is the room it takes in the IPv4 header and [EffectiveMSS] the TCP
// segment size that is left.
//
// # To check a packet as a DSM receiver does
//
// [NSIDProfile.Decode] checks one option in DSM's order and decodes it;
// [NSIDProfile.DecodeOptions] finds it in an options field. [DSMReceiver]
// is DSM's receiver with the ICMP pointers DSM reported; [NSIDStrict] and
// [NSIDLenient] accept all six parameter types with Linux-style pointers.
// [NSIDProfile.DecodeFreeForm] reads a tag 7 found among other tags, and
// [ParamIter] walks any parameter list. A Linux kernel with NetLabel
// refuses such packets before any socket sees them, so a DSM receiver
// checks or strips the label first (RULES.md §8.7).
//
// # To map SIDs
//
// A [Mapper] turns a received (source SID, node ID) pair into one
// network-wide security ID ([NSID.NetworkSID]). [PairMapper], the default,
// never collides; [TableMapper] maps configured pairs; [SeedMapper] is
// DSM's own formula, for interoperation; [MapperFunc] adapts a function.
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
