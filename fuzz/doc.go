// Package fuzz holds the module's cross-package fuzz campaigns: native Go
// fuzz targets that drive ipopt, cipso, fips188 and rfc1108 together (the
// Linux option walk with cipso's checker plugged in, CIPSO and FIPS 188
// round trips, network SID labels inside whole options fields, Packet
// rewrite sequences with real labels, the library calls the iplabel CLI
// makes), a bounded run of the iplabel binary on arbitrary input, and a
// differential test against tshark.
//
// The package has no code of its own; everything is in its test files.
// Run every target for a while with fuzz/run (from the module root):
//
//	fuzz/run 30s ./fuzz
//
// The seed corpora under testdata/fuzz/<Target>/ are the worked vectors of
// the project's specification (cipso-rulebook.md differential checklist,
// fips188.md §7, dsm-network-sid.md); TestSeedCorporaMatchSpec keeps them
// in sync with the table in seeds_test.go.
package fuzz
