package fips188

import (
	"testing"

	"github.com/iplabel/iplabel/cipso"
)

func BenchmarkParseStrict(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := strict.Parse(three); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLabel(b *testing.B) {
	b.ReportAllocs()
	var l Label
	for b.Loop() {
		if err := Lenient.Decode(three, &l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDecodeLabelStrictEnum(b *testing.B) {
	b.ReportAllocs()
	var l Label
	for b.Loop() {
		if err := strict.Decode(vecB, &l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendOptionLabel(b *testing.B) {
	var l Label
	if err := strict.Decode(three, &l); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = strict.AppendOption(buf[:0], &l); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkAppendPermissiveBitmap(b *testing.B) {
	var s cipso.CatSet
	_ = s.AddRange(0, 100)
	buf := make([]byte, 0, 40)
	b.ReportAllocs()
	for b.Loop() {
		var err error
		if buf, err = AppendPermissiveBitmap(buf[:0], 3, &s); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPermissiveCategories(b *testing.B) {
	s, err := Lenient.Parse(vecD)
	if err != nil {
		b.Fatal(err)
	}
	pb, _ := s.Permissive()
	var cs cipso.CatSet
	b.ReportAllocs()
	for b.Loop() {
		if err := pb.Categories(&cs); err != nil {
			b.Fatal(err)
		}
	}
}
