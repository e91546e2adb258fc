package fuzz

import (
	"encoding/hex"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
)

// seedVector is one hand-written options field (or one option) as hex.
// Its name says what it is and is also the name of its seed file under
// testdata/fuzz/<Target>/.
type seedVector struct {
	name string
	hex  string
}

// seedVectors are the seed corpora of the byte-input targets and the first
// inputs of TestCLIDecode and TestTsharkCIPSODifferential: the edges of the
// option walk and of the CIPSO, FIPS 188 and RFC 1108 checks.
//
// Each comment says what the vector gives on Linux with one pass DOI
// (netlabelctl cipsov4 add pass doi:1 tags:1,2,5, cipso_rbm_strictvalid=1)
// unless it says otherwise. "Refused at N" gives the ICMP Parameter Problem
// pointer, counted from the first octet of the IP header (the options field
// starts at 20). The checks are cipso_v4_validate in net/ipv4/cipso_ipv4.c
// and __ip_options_compile in net/ipv4/ip_options.c, described in
// cipso/RULES.md and ipopt/RULES.md; "strict" is cipso.Strict, which adds
// the MUSTs of the CIPSO draft (draft-ietf-cipso-ipsecurity-01). "tshark"
// is tshark 4.0.17, whose CIPSO and BSO dissectors are dissect_ipopt_cipso
// and dissect_ipopt_security in Wireshark's epan/dissectors/packet-ip.c.
var seedVectors = []seedVector{
	// Tag 1, level 5, no category: the smallest useful label. Accepted;
	// with NetLabel and no DOI configured, refused at the DOI (22).
	{"cipso-tag1-level-only", "86 0A 00 00 00 01 01 04 00 05 00 00"},
	// Tag 1, categories 0 and 15: the first bit of the first bitmap octet
	// and the last of the second (draft §3.4.2.5). Accepted.
	{"cipso-tag1-c0-c15", "86 0C 00 00 00 01 01 06 00 05 80 01"},
	// Tag 1, category 0 in the fixed 10-octet bitmap of the draft's
	// optimized form (§3.4.2.6), which receivers must accept. Accepted,
	// by strict too.
	{"cipso-tag1-optimized", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00"},
	// Tag 1 with one all-zero bitmap octet. Linux accepts it (checked on
	// Linux 6.18); the draft asks for a minimal bitmap (§3.4.2.5), so
	// strict refuses it at 30.
	{"cipso-tag1-zero-octet", "86 0B 00 00 00 01 01 05 00 05 00 00"},
	// Tag 1 whose alignment octet is FF, where the draft says 0
	// (§3.4.2.3). Linux never reads it (checked on Linux 6.18); strict
	// refuses it at 28.
	{"cipso-tag1-align-ff", "86 0A 00 00 00 01 01 04 FF 05 00 00"},
	// DOI 0, reserved (draft §3.3) and never configurable: refused at the
	// DOI (22). tshark shows it without a warning.
	{"cipso-doi-0", "86 0A 00 00 00 00 01 04 00 05 00 00"},
	// Option length 6: a DOI and no tag, below Linux's minimum of 8.
	// Refused at the length octet (21); tshark decodes it silently.
	{"cipso-len-6", "86 06 00 00 00 01 00 00"},
	// Option length 8 holding only a tag header whose length 4 exceeds the
	// 2 octets left: refused at the tag length (27).
	{"cipso-tag-overruns", "86 08 00 00 00 01 01 04"},
	// A second tag whose type is the option's last octet, with no room for
	// its length: refused at that octet (30).
	{"cipso-tag-type-last", "86 0B 00 00 00 01 01 04 00 05 01 00"},
	// Tag length 0: refused at the tag length (27).
	{"cipso-tag-len-0", "86 0A 00 00 00 01 01 00 00 05 00 00"},
	// Tag length 3, below the 4 of tag 1: refused at the tag length (27).
	// A kernel without NetLabel (the CONFIG_NETLABEL=n cipso_v4_validate
	// of include/net/cipso_ipv4.h) takes that length, then refuses the
	// lone octet after the tag (29).
	{"cipso-tag-len-3", "86 0A 00 00 00 01 01 03 00 05 00 00"},
	// Tag length 5, one octet past the option: refused at the tag length
	// (27). tshark's length test is off by one here: it reads past the
	// option and raises an exception.
	{"cipso-tag-past-by-one", "86 0A 00 00 00 01 01 05 00 05 00 00"},
	// Tag type 3, reserved (draft §3.4): not in the DOI's tag list, so
	// refused at the tag type (26). The CONFIG_NETLABEL=n kernel accepts
	// it.
	{"cipso-tag-type-3", "86 0A 00 00 00 01 03 04 00 05 00 00"},
	// Tag 1 followed by two 00 octets inside the option. Linux reads 00 as
	// tag type 0 and refuses it at 30 (the CONFIG_NETLABEL=n kernel at 31,
	// its length 0); tshark reads each 00 as a one-octet pad.
	{"cipso-zero-pad", "86 0C 00 00 00 01 01 04 00 05 00 00"},
	// Tag type 0 with length 5. Type 0 gets through the DOI's tag list by
	// matching its first empty slot; then its length exceeds the 2 octets
	// left, so it is refused at the tag length (27), not at the type.
	{"cipso-tag0-len-5", "86 08 00 00 00 01 00 05"},
	// The local tag 128 (secid 42) arriving from the wire. DOI 1 does not
	// list it: refused at the tag type (26). A local DOI accepts it only on
	// a loopback receive (checked on Linux 6.18).
	{"cipso-tag128", "86 0C 00 00 00 01 80 06 00 00 00 2A"},
	// Tag 2, categories 1 and 5 in ascending order (draft §3.4.3.5).
	// Accepted.
	{"cipso-tag2-c1-c5", "86 0E 00 00 00 01 02 08 00 05 00 01 00 05 00 00"},
	// Tag 2, categories 5 then 1. Linux wants them strictly ascending and
	// refuses at the first category octet (30), where it puts every
	// category error; tshark shows "5,1".
	{"cipso-tag2-descending", "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00"},
	// Tag 2, category 5 twice: not strictly ascending, refused at 30.
	{"cipso-tag2-duplicate", "86 0E 00 00 00 01 02 08 00 05 00 05 00 05 00 00"},
	// Tag 2 of length 7, half a category at the end: refused at 30. The
	// CONFIG_NETLABEL=n kernel accepts it; tshark reads the leftover octet
	// as another tag.
	{"cipso-tag2-odd-length", "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00"},
	// Tag 2, category 65535, which the draft calls invalid (§3.4.3.5).
	// Linux accepts it (checked on Linux 6.18); strict refuses it at 30.
	{"cipso-tag2-c65535", "86 0C 00 00 00 01 02 06 00 05 FF FF"},
	// Tag 5, ranges 20..10 and 5..1, top first and in the descending order
	// of draft §3.4.4.5. Accepted: categories 1..5 and 10..20.
	{"cipso-tag5-two-ranges", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00"},
	// Tag 5, a lone top 3 whose bottom is left out and taken as 0
	// (§3.4.4.5). Accepted: categories 0..3.
	{"cipso-tag5-implied-bottom", "86 0C 00 00 00 01 05 06 00 05 00 03"},
	// Tag 5, ranges 5..1 then 20..10, ascending: refused at 30 (checked on
	// Linux 6.18).
	{"cipso-tag5-ascending", "86 12 00 00 00 01 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00"},
	// Tag 5, one range whose top 5 is below its bottom 10. Linux accepts
	// it and reads no category (netlbl_catmap_setrng sets nothing; checked
	// on Linux 6.18); strict refuses it at 30.
	{"cipso-tag5-inverted", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00"},
	// Tag 5, ranges 20..10 and 10..5, which share the category 10. Linux
	// accepts (checked on Linux 6.18); the draft's ranges must not overlap,
	// so strict refuses at 30.
	{"cipso-tag5-touching", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00"},
	// Tag 5 of length 7, half a value at the end: refused at 30.
	{"cipso-tag5-odd-length", "86 0D 00 00 00 01 05 07 00 05 00 03 01 00 00 00"},
	// The largest tag 1: a 40-octet option, level 255, categories 0..231
	// and 239, the highest a 30-octet bitmap holds. Accepted.
	{"cipso-tag1-largest", "86 28 00 00 00 01 01 22 00 FF" + strings.Repeat(" FF", 29) + " 01"},
	// Two CIPSO options; the draft allows one per datagram (§3). Linux
	// refuses the second at its type (30).
	{"cipso-twice", "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06"},
	// Tag 1 then tag 2 in one option. Linux checks both and takes the
	// label from the first; the draft allows one tag of the MAC
	// sensitivity class (§5.2), so strict refuses the second at 30.
	{"cipso-two-tags", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00"},
	// A 16-octet CIPSO option in a 12-octet field: refused at the option's
	// type (20), not at its length.
	{"cipso-past-field", "86 10 00 00 00 01 01 04 00 05 00 00"},
	// Two NOPs, then a CIPSO option with DOI 9, which is not configured:
	// refused at the DOI, option offset + 2 (24).
	{"nops-cipso-doi-9", "01 01 86 0A 00 00 00 09 01 04 00 05"},
	// A CIPSO option, a NOP, and 86 as the field's last octet, with no room
	// for its length: refused at that octet (31).
	{"cipso-lone-type", "86 0A 00 00 00 01 01 04 00 05 01 86"},
	// Option length 1, shorter than its type and length: refused at the
	// type (20).
	{"cipso-len-1", "86 01 00 00"},
	// A CIPSO option, an EOL, then AB. Linux zeroes every octet after an
	// EOL and ignores it (checked on Linux 6.18); tshark stops at the EOL.
	{"cipso-eol-garbage", "86 0A 00 00 00 01 01 04 00 05 00 AB"},
	// DOI 2 as a trans DOI that maps only level 0 and category 0 (cipsov4
	// add trans doi:2 tags:1 levels:0=0 categories:0=0): level 1 has no
	// mapping and is refused at the level (29) under
	// cipso_rbm_strictvalid=1.
	{"trans-unmapped-level", "86 0C 00 00 00 02 01 06 00 01 80 00"},
	// The same trans DOI, level 0 and category 1, which has no mapping:
	// refused at the first category octet (30).
	{"trans-unmapped-category", "86 0B 00 00 00 02 01 05 00 00 40 00"},
	// An RFC 1108 BSO, classification Unclassified (AB), no protection
	// authority. Linux checks no BSO or ESO content (__ip_options_compile)
	// and accepts this and every one below; "strict" here is
	// rfc1108.Strict, RFC 1108's rules (ipopt/rfc1108/RULES.md), which
	// accepts this one.
	{"bso-unclassified", "82 03 AB 00"},
	// BSO, Top Secret (3D), protection authority GENSER only. Strict
	// accepts it.
	{"bso-topsecret-genser", "82 04 3D 80"},
	// BSO, Top Secret, whose last protection-authority octet has its
	// "another octet follows" bit (FTI) set: strict refuses it (23), and
	// tshark flags it.
	{"bso-last-fti-set", "82 04 3D 01"},
	// BSO, Secret (5A), two protection-authority octets, the first with FTI
	// set; the second sets a flag RFC 1108 does not assign, which strict
	// refuses (24). tshark shows both octets.
	{"bso-secret-two-octets", "82 05 5A 81 02"},
	// BSO, Confidential (96), then an octet after the one whose FTI is
	// clear: strict refuses it (24); tshark reports extraneous data.
	{"bso-octet-after-last", "82 05 96 80 00"},
	// BSO of length 2, no classification: strict refuses the length (21);
	// tshark raises an exception.
	{"bso-len-2", "82 02 00 00"},
	// BSO, classification 00, a value RFC 1108 does not assign: strict
	// refuses it (22); tshark shows it silently.
	{"bso-class-0", "82 03 00 00"},
	// RFC 791's 11-octet Security option, which shares type 130 with the
	// BSO: security 0000, compartments 0005, handling "AB", TCC "CDE".
	// Strict reads type 130 as a BSO and refuses its classification (22).
	{"sec-rfc791", "82 0B 00 00 00 05 41 42 43 44 45 00"},
	// Two BSOs, where RFC 1108 allows one: strict refuses the second (23);
	// tshark shows both.
	{"bso-twice", "82 03 AB 82 03 3D 00 00"},
	// An RFC 1108 ESO, format code 1, no further data. Strict refuses an
	// ESO without a BSO (20).
	{"eso-format-1", "85 03 01 00"},
	// ESO of length 2, no format code: strict refuses the length (21);
	// tshark raises an exception.
	{"eso-len-2", "85 02 00 00"},
	// A CIPSO option, then an empty Record Route (RFC 791, pointer 4): the
	// options of a datagram's first fragment.
	{"cipso-rr", "86 0A 00 00 00 01 01 04 00 05 07 07 04 00 00 00 00 00 00 00"},
	// The same datagram's later fragments: ip_options_fragment
	// (net/ipv4/ip_options.c) turns the options whose copy bit is clear,
	// here the Record Route, into NOPs and keeps CIPSO and the header
	// length.
	{"cipso-rr-fragment", "86 0A 00 00 00 01 01 04 00 05 01 01 01 01 01 01 01 00 00 00"},
	// What Linux sends for pass DOI 1, level 3 (cipso_v4_genopt in
	// net/ipv4/cipso_ipv4.c): with tags:1 and no category,
	{"linux-tag1-level3", "86 0A 00 00 00 01 01 04 00 03 00 00"},
	// with categories 0 and 15 (the minimal bitmap),
	{"linux-tag1-c0-c15", "86 0C 00 00 00 01 01 06 00 03 80 01"},
	// the same with cipso_rbm_optfmt=1 (the bitmap filled to 10 octets),
	{"linux-tag1-optfmt", "86 14 00 00 00 01 01 0E 00 03 80 01 00 00 00 00 00 00 00 00"},
	// with tags:2 and categories 1 and 5 (ascending),
	{"linux-tag2-c1-c5", "86 0E 00 00 00 01 02 08 00 03 00 01 00 05 00 00"},
	// and with tags:5 and categories 0..3 and 10..20 (the ranges top first,
	// highest first, the last bottom 0 left out).
	{"linux-tag5-ranges", "86 10 00 00 00 01 05 0A 00 03 00 14 00 0A 00 03"},
	// FIPS PUB 188 labels, built from its tag layouts (fips188/RULES.md),
	// with DOI 3, which the fuzz targets configure as a pass DOI with tags
	// 1, 2, 5: tag 1, level 5, categories 0, 3 and 9;
	{"fips188-tag1-c0-c3-c9", "86 0c 00 00 00 03 01 06 00 05 90 40"},
	// tag 2, level 2, categories 1, 300 and 65534, the largest valid one;
	{"fips188-tag2-c1-c300-c65534", "86 10 00 00 00 03 02 0a 00 02 00 01 01 2c ff fe"},
	// tag 5, level 1, ranges 20..10 and 3..0 with the last bottom left out;
	{"fips188-tag5-two-ranges", "86 10 00 00 00 03 05 0a 00 01 00 14 00 0a 00 03"},
	// tag 6, the permissive bitmap, laid out as tag 1: level 7, categories
	// 0 and 1. No Linux DOI can list tag 6, so Linux refuses it at the tag
	// type (26);
	{"fips188-tag6-c0-c1", "86 0b 00 00 00 03 06 05 00 07 c0"},
	// tag 7, free form, data AB CD with no alignment or level octet;
	// refused by Linux in the same way;
	{"fips188-tag7-abcd", "86 0a 00 00 00 03 07 04 ab cd"},
	// DOI 1, tag 1, level 0, no category: 10 octets, so a header needs 2
	// octets of padding after it;
	{"fips188-doi1-level-0", "86 0a 00 00 00 01 01 04 00 00"},
	// DOI 1, the 10-octet optimized bitmap with only its last category, 79;
	{"fips188-doi1-optimized-c79", "86 14 00 00 00 01 01 0e 00 03 00 00 00 00 00 00 00 00 00 01"},
	// DOI 1, tag 1, level 9, only category 239: the largest option, 40
	// octets.
	{"fips188-doi1-c239", "86 28 00 00 00 01 01 22 00 09" + strings.Repeat(" 00", 29) + " 01"},
	// DOI 5, tag 5, level 3, ranges 239..239, 6..4, 2..2 and a lone 0: the
	// option of Suricata's unit test DecodeIPV4OptionsCIPSOTest01
	// (src/decode-ipv4.c), which it expects valid.
	{"suricata-tag5", "86 18 00 00 00 05 05 12 00 03 00 ef 00 ef 00 06 00 04 00 02 00 02 00 00"},
	// A DSM network SID label (fips188/dsm/RULES.md): DOI 0x10001000, tag 7
	// with the source SID 0x12341234 (parameter 3) and the node ID 1
	// (parameter 6), what DSM sent by default. No Linux DOI can list tag 7,
	// so Linux refuses it at the tag type even with that DOI configured.
	{"dsm-nsid-ssid-node", "86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01"},
}

// seededTargets are the byte-input targets whose seed corpus is
// seedVectors, checked in under testdata/fuzz/<Target>/.
var seededTargets = []string{"FuzzLinuxWalk", "FuzzCIPSORoundTrip", "FuzzCLIPath"}

// corpusFile is the go test fuzz v1 encoding of one []byte input.
func corpusFile(b []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
}

// corpusName is the name of a vector's seed file: its name.
func corpusName(v seedVector) string {
	return v.name
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/<Target>/ from seedVectors")

// TestSeedCorporaMatchTable checks that the checked-in seed corpus of
// every byte-input target is exactly seedVectors (one file per vector,
// named after it, holding its octets), so that the corpus cannot drift
// from the table. go test -run TestSeedCorporaMatchTable -update-seeds
// rewrites the files.
func TestSeedCorporaMatchTable(t *testing.T) {
	for _, target := range seededTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateSeeds {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for _, v := range seedVectors {
				require.NoError(t, os.WriteFile(filepath.Join(dir, corpusName(v)), []byte(corpusFile(testutil.Unhex(t, v.hex))), 0o644))
			}
		}
		var want []string
		for _, v := range seedVectors {
			want = append(want, corpusName(v))
			got, err := os.ReadFile(filepath.Join(dir, corpusName(v)))
			require.NoError(t, err, "%s: seed for %s (run with -update-seeds)", target, v.name)
			require.Equal(t, corpusFile(testutil.Unhex(t, v.hex)), string(got), "%s: %s", target, v.name)
		}
		ents, err := os.ReadDir(dir)
		require.NoError(t, err)
		var have []string
		for _, e := range ents {
			have = append(have, e.Name())
		}
		slices.Sort(want)
		// Inputs that go test -fuzz saved for a failure are allowed next
		// to the seeds (they are named by their hash, 16 hex digits).
		have = slices.DeleteFunc(have, func(n string) bool { return len(n) == 16 && isHex(n) })
		require.Equal(t, want, have, "%s: files other than the seed vectors", target)
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}
