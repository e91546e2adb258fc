// Package dsm encodes, decodes and checks the DSM network SID label, the
// per-packet label of the Distributed Security Module (Ericsson DSI,
// 2002): the security ID of the sending process and the node it ran on,
// carried as typed parameters in the data of a FIPS 188 free-form tag
// (tag 7) of a CIPSO option, IPv4 option 134, under the private DOI
// 0x10001000. RULES.md, next to this file, gives the wire format, what
// DSM's sender wrote and what its receiver checked; package fips188
// reads the tag 7 that carries it.
//
// # To send a label
//
// [New] makes the label DSM sent, the source SID and the node ID; a
// [Label] holds any of the six parameters ([ParamType]), added with
// [Label.With]. [Label.AppendOption] writes the whole option and
// [Label.AppendParams] the free-form tag's data; [Label.OptionLen] padded
// to 4 (ipopt.PaddedLen) is the room it takes in the IPv4 header and
// [EffectiveMSS] the TCP segment size that is left. A Label's text form ([Label.AppendText]) is
// "ssid=0x12341234 node=0x1".
//
// # To check a packet as a DSM receiver does
//
// Choose a [Profile]: [Receiver] is DSM's receiver with the ICMP pointers
// DSM reported; [Strict] and [Lenient] accept all six parameter types with
// Linux-style pointers, Strict refusing repeats, disorder and unknown
// types, Lenient skipping unknown types and letting the last repeat win
// ([Strict.Profile] is Strict's rules as a Profile).
// [Profile.Decode] checks one option in DSM's order and decodes it;
// [Profile.DecodeOptions] finds it in an options field and
// [Profile.Validate] checks it there. A Profile and Strict are
// [ipopt.OptionChecker]s for option 134. [Profile.DecodeFreeForm] reads a
// tag 7 found among other tags by package fips188, [Profile.DecodeParams]
// a bare parameter list, and [ParamIter] walks any parameter list. A
// Linux kernel with NetLabel refuses such packets before any socket sees
// them, so a DSM receiver checks or strips the label first (RULES.md §8).
//
// To read the label of a received packet in one call, give [FindPacketLabel]
// the packet from the first octet of its IPv4 header and a Profile.
//
// # To map SIDs
//
// A [Mapper] turns a received (source SID, node ID) pair into one
// network-wide security ID ([Label.NetworkSID]). [PairMapper], the
// default, never collides; [TableMapper] maps configured pairs;
// [SeedMapper] is DSM's own formula, for interoperation; [MapperFunc]
// adapts a function.
//
// # Errors and allocation
//
// Errors are ipopt.Error values (offset, ICMP pointer, field, class) that
// unwrap to the sentinels of this package, of fips188, of cipso or of
// ipopt. Offsets from functions that take one option count from its type
// octet; those that take an options field count from its start. Nothing
// here allocates on a decode, validate or encode path, panics, or reads
// outside its input.
package dsm
