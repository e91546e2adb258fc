package tsharktest

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// SkipMessage is what [Require] skips a test with when tshark is missing.
const SkipMessage = "tshark differential: needs tshark on PATH (Debian package tshark)"

// Require returns the path of the tshark on $PATH. Without one it skips
// the test with [SkipMessage].
func Require(tb testing.TB) string {
	tb.Helper()
	path, err := exec.LookPath("tshark")
	if err != nil {
		tb.Skip(SkipMessage)
	}
	return path
}

// Fields has tshark dissect the capture at pcapPath and returns what it
// prints for the given fields: one row per packet in capture order, one
// column per field in the order given, each column the field's
// occurrences joined by ';' (see the package documentation for empty and
// absent fields). extraArgs go on tshark's command line after the
// defaults, so "-E", "quote=d" or "-o", "ip.check_checksum:TRUE" override
// them; a display filter (-Y) would drop rows and fail the row check.
//
// Fields skips the test like [Require] when tshark is missing. It fails
// the test when tshark fails (its stderr in the message), when the number
// of rows is not the number of packets in the capture, or when a row
// does not have one column per field.
func Fields(tb testing.TB, pcapPath string, fields []string, extraArgs ...string) [][]string {
	tb.Helper()
	tshark := Require(tb)
	packets, err := countPackets(pcapPath)
	if err != nil {
		tb.Fatalf("tsharktest: reading %s: %v", pcapPath, err)
	}
	args := []string{"-n", "-r", pcapPath, "-T", "fields",
		"-E", "occurrence=a", "-E", "aggregator=;", "-E", "separator=/t", "-E", "quote=n"}
	args = append(args, extraArgs...)
	for _, f := range fields {
		args = append(args, "-e", f)
	}
	cmd := exec.Command(tshark, args...)
	cmd.Env = append(os.Environ(), "WIRESHARK_CONFIG_DIR="+tb.TempDir())
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("tsharktest: %s: %v: %s", strings.Join(cmd.Args, " "), err, stderr.String())
	}
	rows := splitRows(stdout.String())
	if len(rows) != packets {
		tb.Fatalf("tsharktest: tshark printed %d rows for the %d packets of %s", len(rows), packets, pcapPath)
	}
	for i, r := range rows {
		if len(r) != len(fields) {
			tb.Fatalf("tsharktest: packet %d: %d columns for %d fields: %q", i+1, len(r), len(fields), r)
		}
	}
	return rows
}

// splitRows splits tshark's output into lines, each ended by a newline
// (a line may be empty: one field, absent), and the lines at tabs.
func splitRows(out string) [][]string {
	if out == "" {
		return nil
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	rows := make([][]string, len(lines))
	for i, l := range lines {
		rows[i] = strings.Split(l, "\t")
	}
	return rows
}
