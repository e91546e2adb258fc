package linuxtest

import "testing"

// BenchmarkVerdictMany measures how many options fields per second the
// kernel judges through the namespace, in batches of 1000.
func BenchmarkVerdictMany(b *testing.B) {
	ns := ForTest(b)
	list := genCases(1)[:1000]
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ns.VerdictMany(list); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*len(list))/b.Elapsed().Seconds(), "fields/s")
}

// BenchmarkSetSockOptions measures one setsockopt(IP_OPTIONS) round trip
// through the namespace's thread.
func BenchmarkSetSockOptions(b *testing.B) {
	ns := ForTest(b)
	opts := []byte{7, 7, 4, 0, 0, 0, 0, 0}
	b.ReportAllocs()
	for b.Loop() {
		if err := ns.SetSockOptions(opts); err != nil {
			b.Fatal(err)
		}
	}
}
