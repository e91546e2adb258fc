package fips188

import "testing"

func BenchmarkNSIDDecode(b *testing.B) {
	b.ReportAllocs()
	var n NSID
	for b.Loop() {
		if err := DSMReceiver.Decode(dsmExample, &n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNSIDDecodeOptions(b *testing.B) {
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	b.ReportAllocs()
	var n NSID
	for b.Loop() {
		if _, err := NSIDStrict.DecodeOptions(opts, &n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkNSIDDecodeError(b *testing.B) {
	bad := mut(5, 1)
	b.ReportAllocs()
	var n NSID
	for b.Loop() {
		if DSMReceiver.Decode(bad, &n) == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkNSIDAppendOption(b *testing.B) {
	n := NewNSID(DefaultSID, 1)
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = n.AppendOption(buf[:0], 0); err != nil {
			b.Fatal(err)
		}
	}
}
