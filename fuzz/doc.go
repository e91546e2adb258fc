// Package fuzz holds the module's cross-package fuzz campaigns: native Go
// fuzz targets that drive ipopt, cipso, fips188, fips188/dsm and rfc1108
// together, a bounded run of the iplabel binary on arbitrary input, and a
// differential test against tshark. The package has no code of its own;
// everything is in its test files.
//
// # Running a campaign
//
// fuzz/run runs every target below a package pattern for a given time
// each, one after another, and prints a table of executions, new corpus
// entries and results (from the module root):
//
//	fuzz/run 30s ./fuzz     # the targets of this package
//	fuzz/run 10s            # every target of every module
//
// One target alone is an ordinary go test -fuzz run:
//
//	go test -run '^$' -fuzz '^FuzzLinuxWalk$' -fuzztime 1m ./fuzz
//
// Plain go test ./fuzz replays the seeds and runs the other tests once.
// New corpus entries go to Go's fuzz cache, not into the tree; an input
// that fails is written to testdata/fuzz/<Target>/ and is committed with
// the fix.
//
// # What the targets check
//
// FuzzLinuxWalk runs arbitrary options fields through the Linux receive
// path (ipopt.Linux, Linux's __ip_options_compile, with cipso.Linux,
// cipso_v4_validate, plugged in) under several DOI configurations: every
// failure points inside the field, the octets after an EOL do not matter,
// what Linux accepts the framing check and the CONFIG_NETLABEL=n kernel
// accept too, the CIPSO option the walk records is the one ipopt.Find
// and fips188.FindCIPSO locate and its label decodes, and cipso.Strict
// accepts only what Linux accepts.
//
// FuzzCIPSORoundTrip decodes the first CIPSO option of a field and checks
// cipso and fips188 against each other: an option the strict profiles
// accept re-encodes byte for byte (also through Linux's generator for a
// pass DOI), and the lenient decoders read the same label.
//
// FuzzFIPS188Label and FuzzDSMLabel build FIPS PUB 188 labels and DSM
// network SID labels from the input, encode them, place them after other
// options and check that they decode back where they were put; a DSM
// label is one Linux always refuses, at the tag type or the DOI.
//
// FuzzRewriteLabels applies sequences of inserts, replacements and
// removals of real labels to an ipopt.Packet and checks the header, the
// checksum and the payload after each, and that a rewrite that fails
// changes nothing.
//
// FuzzLinuxWalk6 does for IPv6 what FuzzLinuxWalk does for IPv4: it runs
// arbitrary Hop-by-Hop headers through ipv6.Linux (ip6_parse_tlv) with
// calipso.Linux (calipso_validate) under three CALIPSO configurations,
// to unicast and multicast destinations, and checks positions, the
// packet walk against the header walk, that more DOIs accept more, that
// every Parameter Problem points at what RFC 8200 §4.2 answers, the
// CALIPSO options of accepted headers, and the same header as
// Destination Options. Its seeds are the table seedVectors6
// (ipv6_seeds_test.go), checked in under testdata/fuzz/FuzzLinuxWalk6/
// and kept equal by TestSeedCorpus6MatchesTable (-update-seeds rewrites
// them too).
//
// FuzzCALIPSORoundTrip6 encodes labels with calipso.AppendOption behind
// a few leading options and checks that the walk accepts them with the
// DOI configured, drops them silently without it, decodes them back, and
// refuses every flipped checksum bit.
//
// FuzzCLIPath makes, in process, the library calls that the iplabel
// command's decode and validate make; TestCLIDecode and TestCLIDump run
// the built binary on generated fields and captures, and TestCLIValidate6
// runs validate --ipv6 on generated Hop-by-Hop headers against ipv6.Linux
// with calipso.Linux; they are skipped when examples/iplabel is not in
// the tree.
//
// TestTsharkCIPSODifferential has tshark dissect 2000 generated packets
// and compares its fields with this library's reading; it is skipped
// when tshark is not installed and was written against tshark 4.0.17.
//
// # Adding a seed
//
// The byte-input targets (FuzzLinuxWalk, FuzzCIPSORoundTrip, FuzzCLIPath)
// share one seed corpus, the table seedVectors in seeds_test.go, checked
// in as one file per vector under testdata/fuzz/<Target>/. To add a seed,
// add a line to the table with a name that says what the vector is and a
// comment that says what it gives and why (cite the CIPSO draft, RFC 791
// or RFC 1108, the Linux function, or the package's RULES.md), then
// write the files and commit them:
//
//	go test -run TestSeedCorporaMatchTable -update-seeds ./fuzz
//
// TestSeedCorporaMatchTable fails when the files and the table differ.
// The other targets take typed inputs and keep their seeds as f.Add calls
// in the target itself.
package fuzz
