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

	"github.com/iplabel/iplabel/ipopt/tsharktest"
)

// specVector is one worked vector of the specification, an options field
// (or one option) as hex, with where it comes from.
type specVector struct {
	src string // "rulebook 14", "fips188 A", ...
	hex string
}

// specVectors are the worked vectors of /work/shared/spec: the
// differential checklist of cipso-rulebook.md (case numbers), the
// rewriting example of its section F, fips188.md §7 and the example of
// dsm-network-sid.md. They are the seed corpora of the byte-input targets.
var specVectors = []specVector{
	{"rulebook 1", "86 0A 00 00 00 01 01 04 00 05 00 00"},
	{"rulebook 2", "86 0C 00 00 00 01 01 06 00 05 80 01"},
	{"rulebook 3", "86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00"},
	{"rulebook 4", "86 0B 00 00 00 01 01 05 00 05 00 00"},
	{"rulebook 5", "86 0A 00 00 00 01 01 04 FF 05 00 00"},
	{"rulebook 6", "86 0A 00 00 00 00 01 04 00 05 00 00"},
	{"rulebook 7", "86 06 00 00 00 01 00 00"},
	{"rulebook 8", "86 08 00 00 00 01 01 04"},
	{"rulebook 9", "86 0B 00 00 00 01 01 04 00 05 01 00"},
	{"rulebook 10", "86 0A 00 00 00 01 01 00 00 05 00 00"},
	{"rulebook 11", "86 0A 00 00 00 01 01 03 00 05 00 00"},
	{"rulebook 12", "86 0A 00 00 00 01 01 05 00 05 00 00"},
	{"rulebook 13", "86 0A 00 00 00 01 03 04 00 05 00 00"},
	{"rulebook 14", "86 0C 00 00 00 01 01 04 00 05 00 00"},
	{"rulebook 15", "86 08 00 00 00 01 00 05"},
	{"rulebook 16", "86 0C 00 00 00 01 80 06 00 00 00 2A"},
	{"rulebook 17", "86 0E 00 00 00 01 02 08 00 05 00 01 00 05 00 00"},
	{"rulebook 18", "86 0E 00 00 00 01 02 08 00 05 00 05 00 01 00 00"},
	{"rulebook 19", "86 0E 00 00 00 01 02 08 00 05 00 05 00 05 00 00"},
	{"rulebook 20", "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00"},
	{"rulebook 21", "86 0C 00 00 00 01 02 06 00 05 FF FF"},
	{"rulebook 22", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00"},
	{"rulebook 23", "86 0C 00 00 00 01 05 06 00 05 00 03"},
	{"rulebook 24", "86 12 00 00 00 01 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00"},
	{"rulebook 25", "86 0E 00 00 00 01 05 08 00 05 00 05 00 0A 00 00"},
	{"rulebook 26", "86 12 00 00 00 01 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00"},
	{"rulebook 27", "86 0D 00 00 00 01 05 07 00 05 00 03 01 00 00 00"},
	{"rulebook 28", "86 28 00 00 00 01 01 22 00 FF" + strings.Repeat(" FF", 29) + " 01"},
	{"rulebook 29", "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06"},
	{"rulebook 30", "86 0E 00 00 00 01 01 04 00 05 02 04 00 06 00 00"},
	{"rulebook 31", "86 10 00 00 00 01 01 04 00 05 00 00"},
	{"rulebook 32", "01 01 86 0A 00 00 00 09 01 04 00 05"},
	{"rulebook 33", "86 0A 00 00 00 01 01 04 00 05 01 86"},
	{"rulebook 34", "86 01 00 00"},
	{"rulebook 35", "86 0A 00 00 00 01 01 04 00 05 00 AB"},
	{"rulebook 36a", "86 0C 00 00 00 02 01 06 00 01 80 00"},
	{"rulebook 36b", "86 0B 00 00 00 02 01 05 00 00 40 00"},
	{"rulebook 37a", "82 03 AB 00"},
	{"rulebook 37b", "82 04 3D 80"},
	{"rulebook 37c", "82 04 3D 01"},
	{"rulebook 37d", "82 05 5A 81 02"},
	{"rulebook 37e", "82 05 96 80 00"},
	{"rulebook 37f", "82 02 00 00"},
	{"rulebook 37g", "82 03 00 00"},
	{"rulebook 37h", "82 0B 00 00 00 05 41 42 43 44 45 00"},
	{"rulebook 37i", "82 03 AB 82 03 3D 00 00"},
	{"rulebook 38a", "85 03 01 00"},
	{"rulebook 38b", "85 02 00 00"},
	{"rulebook 39", "86 0A 00 00 00 01 01 04 00 05 07 07 04 00 00 00 00 00 00 00"},
	{"rulebook 39 fragment", "86 0A 00 00 00 01 01 04 00 05 01 01 01 01 01 01 01 00 00 00"},
	{"rulebook 40a", "86 0A 00 00 00 01 01 04 00 03 00 00"},
	{"rulebook 40b", "86 0C 00 00 00 01 01 06 00 03 80 01"},
	{"rulebook 40c", "86 14 00 00 00 01 01 0E 00 03 80 01 00 00 00 00 00 00 00 00"},
	{"rulebook 40d", "86 0E 00 00 00 01 02 08 00 03 00 01 00 05 00 00"},
	{"rulebook 40e", "86 10 00 00 00 01 05 0A 00 03 00 14 00 0A 00 03"},
	{"fips188 A", "86 0c 00 00 00 03 01 06 00 05 90 40"},
	{"fips188 B", "86 10 00 00 00 03 02 0a 00 02 00 01 01 2c ff fe"},
	{"fips188 C", "86 10 00 00 00 03 05 0a 00 01 00 14 00 0a 00 03"},
	{"fips188 D", "86 0b 00 00 00 03 06 05 00 07 c0"},
	{"fips188 E", "86 0a 00 00 00 03 07 04 ab cd"},
	{"fips188 F", "86 0a 00 00 00 01 01 04 00 00"},
	{"fips188 G", "86 14 00 00 00 01 01 0e 00 03 00 00 00 00 00 00 00 00 00 01"},
	{"fips188 H", "86 28 00 00 00 01 01 22 00 09" + strings.Repeat(" 00", 29) + " 01"},
	{"fips188 S", "86 18 00 00 00 05 05 12 00 03 00 ef 00 ef 00 06 00 04 00 02 00 02 00 00"},
	{"dsm example", "86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01"},
}

// seededTargets are the byte-input targets whose seed corpus is
// specVectors, checked in under testdata/fuzz/<Target>/.
var seededTargets = []string{"FuzzLinuxWalk", "FuzzCIPSORoundTrip", "FuzzCLIPath"}

// unhex decodes space-separated hex; the vectors are constants, so a bad
// one is a bug in this file.
func unhex(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic("bad hex vector " + s)
	}
	return b
}

// corpusFile is the go test fuzz v1 encoding of one []byte input.
func corpusFile(b []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
}

// corpusName names a vector's file after its source ("rulebook-14").
func corpusName(v specVector) string {
	return strings.NewReplacer(" ", "-").Replace(v.src)
}

var updateSeeds = flag.Bool("update-seeds", false, "rewrite testdata/fuzz/<Target>/ from specVectors")

// TestSeedCorporaMatchSpec checks that the checked-in seed corpus of
// every byte-input target is exactly specVectors (one file per vector,
// named after it, holding its octets), so that the corpus cannot drift
// from the specification. go test -run TestSeedCorporaMatchSpec
// -update-seeds rewrites the files.
func TestSeedCorporaMatchSpec(t *testing.T) {
	for _, target := range seededTargets {
		dir := filepath.Join("testdata", "fuzz", target)
		if *updateSeeds {
			require.NoError(t, os.MkdirAll(dir, 0o755))
			for _, v := range specVectors {
				require.NoError(t, os.WriteFile(filepath.Join(dir, corpusName(v)), []byte(corpusFile(unhex(v.hex))), 0o644))
			}
		}
		var want []string
		for _, v := range specVectors {
			want = append(want, corpusName(v))
			got, err := os.ReadFile(filepath.Join(dir, corpusName(v)))
			require.NoError(t, err, "%s: seed for %s (run with -update-seeds)", target, v.src)
			require.Equal(t, corpusFile(unhex(v.hex)), string(got), "%s: %s", target, v.src)
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
		require.Equal(t, want, have, "%s: files other than the spec vectors", target)
	}
}

func isHex(s string) bool {
	_, err := hex.DecodeString(s)
	return err == nil
}

// TestRFC791Checksum pins the reference checksum (tsharktest.Checksum,
// used by these tests as an independent oracle) to the worked example of
// rulebook F:
// header 48 00 00 28 00 01 00 00 40 11 [dc ad] 0a 00 00 01 0a 00 00 02
// with options 86 0a 00 00 00 01 01 04 00 05 00 00 has checksum 0xDCAD.
func TestRFC791Checksum(t *testing.T) {
	h := unhex("48 00 00 28 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 86 0a 00 00 00 01 01 04 00 05 00 00")
	require.Equal(t, uint16(0xDCAD), tsharktest.Checksum(h))
}
