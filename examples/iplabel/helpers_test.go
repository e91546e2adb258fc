package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/stretchr/testify/require"
)

// result is what one in-process run of the command produced.
type result struct {
	stdout, stderr string
	code           int
}

// iplabel runs the command in-process with stdin and args.
func iplabel(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return result{out.String(), errb.String(), code}
}

// lines splits output into its lines (no trailing empty line).
func lines(s string) []string {
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return nil
	}
	return strings.Split(s, "\n")
}

// jsonLines decodes every stdout line as JSON, failing on any that is not.
func jsonLines(t testing.TB, s string) []any {
	t.Helper()
	var out []any
	for i, l := range lines(s) {
		var v any
		require.NoError(t, json.Unmarshal([]byte(l), &v), "line %d: %s", i+1, l)
		out = append(out, v)
	}
	return out
}

// asJSON decodes a JSON literal written in a test.
func asJSON(t testing.TB, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v), "test literal %s", s)
	return v
}

// writeFile writes a file in a test's temporary directory.
func writeFile(t testing.TB, name, content string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, []byte(content), 0o644))
	return p
}

// oneLineError checks that stderr is exactly one line starting with
// "iplabel: " and containing every part.
func oneLineError(t testing.TB, r result, parts ...string) {
	t.Helper()
	ls := lines(r.stderr)
	require.Len(t, ls, 1, "stderr should be one line: %q", r.stderr)
	require.True(t, strings.HasPrefix(ls[0], "iplabel: "), "stderr: %q", r.stderr)
	for _, p := range parts {
		require.Contains(t, ls[0], p)
	}
}

// withoutHint is stderr without the line dump ends with when it checked
// labels of DOIs not configured structurally (notConfiguredHint).
func withoutHint(stderr string) string {
	var keep []string
	for _, l := range lines(stderr) {
		if !strings.HasPrefix(l, "iplabel: dump: ") || !strings.Contains(l, "not configured, checked structurally; give the DOIs with --doi-config") {
			keep = append(keep, l+"\n")
		}
	}
	return strings.Join(keep, "")
}

func mustRead(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

func ciOf(capLen, length int) gopacket.CaptureInfo {
	return gopacket.CaptureInfo{Timestamp: time.Unix(1700000000, 0), CaptureLength: capLen, Length: length}
}
