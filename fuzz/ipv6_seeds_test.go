package fuzz

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
)

// seedVectors6 are the seed corpus of FuzzLinuxWalk6: whole Hop-by-Hop
// headers (Next Header 17 first) at the edges of ip6_parse_tlv
// (net/ipv6/exthdrs.c; ipopt/ipv6/RULES.md §3) and of calipso_validate
// (net/ipv6/calipso.c; calipso/RULES.md). Each comment says what Linux
// does with the header in a packet to a unicast address of the host with
// CALIPSO DOIs 16 and 17 configured (doi6Registry); "pointer N" is the
// ICMPv6 Parameter Problem pointer, from the first octet of the IPv6
// header. CALIPSO checksums are CRC-16/X-25 of the option with the field
// zero, low octet first (RFC 5570 §5, calipso_genopt), worked out
// separately. Every verdict was checked on Linux 6.18 with
// ipopt/linuxtest (VerdictHopByHop).
var seedVectors6 = []seedVector{
	// PadN of 4: the smallest useful header. Delivered.
	{"padn-4", "11 00 01 04 00 00 00 00"},
	// Six Pad1: a run of 6, within the 7 Linux allows. Delivered.
	{"pad1-run-6", "11 00 00 00 00 00 00 00"},
	// PadN of 8 octets: over 7, dropped silently.
	{"padn-8", "11 01 01 06 00 00 00 00 00 00 01 04 00 00 00 00"},
	// PadN whose last octet is 1: Linux wants zero padding; dropped.
	{"padn-nonzero", "11 00 01 04 00 00 00 01"},
	// Unknown option 0x1E, action 00: skipped. Delivered.
	{"unknown-00", "11 00 1e 02 00 00 01 00"},
	// Unknown option 0x5E, action 01: dropped silently.
	{"unknown-01", "11 00 5e 02 00 00 01 00"},
	// Unknown option 0x9E, action 10: Parameter Problem code 2, pointer
	// 42, also to a multicast destination.
	{"unknown-10", "11 00 9e 02 00 00 01 00"},
	// Unknown option 0xDE, action 11: code 2, pointer 42; to multicast,
	// nothing.
	{"unknown-11", "11 00 de 02 00 00 01 00"},
	// Nine skipped options: one over max_hbh_opts_number 8; dropped.
	{"nine-options", "11 02 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 1e 00 01 02 00 00"},
	// An option whose length runs past the header: dropped.
	{"option-past-end", "11 00 1e 08 00 00 00 00"},
	// Router Alert, value 0 (MLD): delivered.
	{"router-alert", "11 00 05 02 00 00 01 00"},
	// Router Alert with 3 octets of data: dropped (ipv6_hop_ra).
	{"router-alert-len-3", "11 00 05 03 00 00 00 00"},
	// Jumbo Payload of 65535 at offset 2: code 0, pointer 44 (the value).
	{"jumbo-65535", "11 00 c2 04 00 00 ff ff"},
	// Jumbo Payload at offset 3 (not 4n+2): dropped.
	{"jumbo-misaligned", "11 01 00 c2 04 00 01 00 00 00 01 02 00 00 00 00"},
	// IOAM at offset 2 (not 4n): dropped; at offset 4, ignored while IOAM
	// is off on the device: delivered.
	{"ioam-misaligned", "11 00 31 02 00 00 01 00"},
	{"ioam-aligned", "11 00 01 00 31 02 00 00"},
	// CALIPSO DOI 16, level 3, categories 0 and 5, one bitmap word, at
	// offset 2 as calipso_genopt puts it: delivered.
	{"calipso-s3-c0-c5", "11 01 07 0c 00 00 00 10 01 03 f6 6b 84 00 00 00"},
	// The same with the checksum's low octet off by one: dropped.
	{"calipso-bad-checksum", "11 01 07 0c 00 00 00 10 01 03 f6 6a 84 00 00 00"},
	// The same label in DOI 18, not configured (checksum right): dropped.
	{"calipso-unknown-doi", "11 01 07 0c 00 00 00 12 01 03 0c f0 84 00 00 00"},
	// The same label in DOI 0, reserved (checksum right): dropped.
	{"calipso-doi-0", "11 01 07 0c 00 00 00 00 01 03 62 94 84 00 00 00"},
	// DOI 16, level 0, no bitmap, then PadN: delivered.
	{"calipso-no-bitmap", "11 01 07 08 00 00 00 10 00 00 07 6c 01 02 00 00"},
	// An option length of 6, under the 8 ipv6_hop_calipso wants: dropped.
	{"calipso-len-6", "11 01 07 06 00 00 00 10 00 00 01 04 00 00 00 00"},
	// A compartment length of 2 words in an option with room for one:
	// dropped.
	{"calipso-cmpt-too-long", "11 01 07 0c 00 00 00 10 02 03 f6 6b 84 00 00 00"},
	// Two options: DOI 16 then DOI 17 (level 7, category 1, two words);
	// both are checked, both valid: delivered.
	{"calipso-two", "11 04 07 0c 00 00 00 10 01 03 f6 6b 84 00 00 00 07 10 00 00 00 11 02 07 fa 40 40 00 00 00 00 00 00 00 01 04 00 00 00 00"},
}

// TestSeedCorpus6MatchesTable checks that testdata/fuzz/FuzzLinuxWalk6/
// is exactly seedVectors6, as TestSeedCorporaMatchTable does for the IPv4
// targets; -update-seeds rewrites it.
func TestSeedCorpus6MatchesTable(t *testing.T) {
	dir := filepath.Join("testdata", "fuzz", "FuzzLinuxWalk6")
	if *updateSeeds {
		require.NoError(t, os.MkdirAll(dir, 0o755))
		for _, v := range seedVectors6 {
			require.NoError(t, os.WriteFile(filepath.Join(dir, v.name), []byte(corpusFile(testutil.Unhex(t, v.hex))), 0o644))
		}
	}
	var want []string
	for _, v := range seedVectors6 {
		want = append(want, v.name)
		got, err := os.ReadFile(filepath.Join(dir, v.name))
		require.NoError(t, err, "seed for %s (run with -update-seeds)", v.name)
		require.Equal(t, corpusFile(testutil.Unhex(t, v.hex)), string(got), v.name)
	}
	ents, err := os.ReadDir(dir)
	require.NoError(t, err)
	var have []string
	for _, e := range ents {
		if n := e.Name(); len(n) != 16 || !isHex(n) {
			have = append(have, n)
		}
	}
	slices.Sort(want)
	require.Equal(t, want, have, "files other than the seed vectors")
}
