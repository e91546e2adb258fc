package rfc1108_test

import (
	"testing"

	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

var (
	benchOpts = []byte{0x01, 0x82, 0x05, 0x5A, 0x81, 0x00, 0x85, 0x04, 0x02, 0xFF, 0x00, 0x00}
	benchBSO  = benchOpts[1:6]
	sinkErr   error
	sinkLabel rfc1108.Label
	sinkBytes []byte
)

func BenchmarkDecodeBSO(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkErr = rfc1108.DecodeBSO(benchBSO, &sinkLabel)
	}
}

func BenchmarkAppendBSO(b *testing.B) {
	b.ReportAllocs()
	buf := make([]byte, 0, 40)
	a := rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA)
	for b.Loop() {
		sinkBytes, sinkErr = rfc1108.AppendBSO(buf[:0], rfc1108.Secret, a)
	}
}

func BenchmarkStrictValidate(b *testing.B) {
	b.ReportAllocs()
	s := rfc1108.Strict{Require: true}
	for b.Loop() {
		sinkErr = s.Validate(benchOpts)
	}
}

// The Linux walk with the strict profile on options 130 and 133.
func BenchmarkLinuxWalkStrict(b *testing.B) {
	b.ReportAllocs()
	s := rfc1108.Strict{Require: true}
	w := ipopt.Linux{Security: s, ExtendedSecurity: s}
	for b.Loop() {
		sinkErr = w.Validate(benchOpts)
	}
}

func BenchmarkRangeValidate(b *testing.B) {
	b.ReportAllocs()
	r := rfc1108.Range{
		Low:  rfc1108.Label{Level: rfc1108.Unclassified},
		High: rfc1108.Label{Level: rfc1108.TopSecret, Authorities: rfc1108.AuthoritiesOf(rfc1108.GENSER)},
	}
	for b.Loop() {
		sinkErr = r.Validate(benchOpts)
	}
}

func BenchmarkParseSpec(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		sinkLabel, sinkErr = rfc1108.ParseSpec("level=secret,authorities=genser+nsa")
	}
}
