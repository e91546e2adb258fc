package dsm

import "testing"

func BenchmarkDecode(b *testing.B) {
	b.ReportAllocs()
	var n Label
	for b.Loop() {
		if err := Receiver.Decode(dsmExample, &n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeOptions(b *testing.B) {
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	b.ReportAllocs()
	var n Label
	for b.Loop() {
		if _, err := strict.DecodeOptions(opts, &n); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeError(b *testing.B) {
	bad := mut(5, 1)
	b.ReportAllocs()
	var n Label
	for b.Loop() {
		if Receiver.Decode(bad, &n) == nil {
			b.Fatal("accepted")
		}
	}
}

func BenchmarkAppendOption(b *testing.B) {
	n := New(DefaultSID, 1)
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = n.AppendOption(buf[:0], 0); err != nil {
			b.Fatal(err)
		}
	}
}
