package main

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/fips188/dsm"
)

// TestEBPFVerdictCommand runs "dsmd bpf-verdict" on a few lines and
// compares its output with the Go validators' verdicts.
func TestEBPFVerdictCommand(t *testing.T) {
	var out, errOut bytes.Buffer
	if st := runBPFVerdict([]string{"--rbm-strictvalid", "2"}, strings.NewReader(""), &out, &errOut); st != 2 {
		t.Errorf("--rbm-strictvalid 2: status %d, want 2 (%s)", st, errOut.String())
	}
	loadEBPFForTest(t, EBPFIngressConfig{}) // skips without root or BPF
	cfg := t.TempDir() + "/dois.conf"
	if err := os.WriteFile(cfg, []byte(ebpfTestDOIs), 0o644); err != nil {
		t.Fatal(err)
	}
	reg := ebpfTestRegistry(t)
	for _, rbm := range []string{"0", "1"} {
		var in, want strings.Builder
		wantStatus := 0
		for _, h := range ebpfFixed {
			if h == "" {
				h = "-"
			}
			in.WriteString(h + "\n")
			ok, ptr, _, _ := ebpfModel(mustHex(t, h), reg, rbm == "1", dsm.Receiver)
			p := "null"
			if ptr >= 0 {
				p = fmt.Sprint(ptr)
			}
			fmt.Fprintf(&want, "{\"ok\":%v,\"pointer\":%s}\n", ok, p)
			if !ok {
				wantStatus = 1
			}
		}
		in.WriteString("# comment\n\nzz\n")
		want.WriteString("{\"ok\":false,\"pointer\":null,\"error\":\"input: line " + fmt.Sprint(len(ebpfFixed)+3) + ": byte 1: not a hex digit: 'z'\"}\n")
		out.Reset()
		errOut.Reset()
		st := runBPFVerdict([]string{"--doi-config", cfg, "--rbm-strictvalid", rbm}, strings.NewReader(in.String()), &out, &errOut)
		if st != 1 || wantStatus != 1 {
			t.Errorf("rbm %s: status %d, want 1 (%s)", rbm, st, errOut.String())
		}
		if out.String() != want.String() {
			t.Errorf("rbm %s: output\n%s\nwant\n%s", rbm, out.String(), want.String())
		}
	}
}
