package main

import (
	"io"
	"os"
	"testing"
)

// BenchmarkDumpCaptureFile runs the whole dump command, text and --json,
// over the capture named by IPLABEL_BENCH_CAPTURE (bench/cmd/gencap
// writes one; bench/dump-throughput times the same work as a process),
// with the DOI configuration named by IPLABEL_BENCH_DOI_CONFIG. For
// profiling: go test -run '^$' -bench DumpCaptureFile -cpuprofile cpu.out.
func BenchmarkDumpCaptureFile(b *testing.B) {
	path, cfg := os.Getenv("IPLABEL_BENCH_CAPTURE"), os.Getenv("IPLABEL_BENCH_DOI_CONFIG")
	if path == "" || cfg == "" {
		b.Skip("IPLABEL_BENCH_CAPTURE and IPLABEL_BENCH_DOI_CONFIG not set (a bench/cmd/gencap capture and its DOI configuration)")
	}
	for _, tc := range []struct {
		name  string
		flags []string
	}{{"text", nil}, {"json", []string{"--json"}}} {
		b.Run(tc.name, func(b *testing.B) {
			args := append(append([]string{"dump"}, tc.flags...), "--doi-config", cfg, path)
			b.ReportAllocs()
			for b.Loop() {
				if run(args, nil, io.Discard, io.Discard) != 0 {
					b.Fatal("dump failed")
				}
			}
		})
	}
}
