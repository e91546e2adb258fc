package main

import (
	"bytes"
	"errors"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// runBinary runs a built iplabel binary and returns its outputs and exit
// status.
func runBinary(t *testing.T, dir, bin, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else {
		require.NoError(t, err)
	}
	return result{out.String(), errb.String(), code}
}

// TestBuiltBinary builds the command and checks a few runs end to end:
// exit statuses, stdout holding only the results, one-line errors.
func TestBuiltBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	bin := filepath.Join(t.TempDir(), "iplabel")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))

	r := runBinary(t, ".", bin, "", "dump", samplePath)
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, lines(r.stdout), len(samplePackets(t)))
	assert.Equal(t, string(notConfiguredHint(10)), r.stderr, "no progress line when stderr is not a terminal; the hint to configure DOIs")

	r = runBinary(t, ".", bin, "86 0A 00 00 00 10 01 04 00 05 00 00\nzz\n", "validate", "--doi-config", sampleConfig)
	assert.Equal(t, exitInvalid, r.code)
	assert.Equal(t, `{"ok":true}`+"\n"+`{"ok":false,"pointer":null,"error":"input: line 2: byte 1: not a hex digit: 'z'"}`+"\n", r.stdout)

	r = runBinary(t, ".", bin, "", "encode", "--doi", "16", "--level", "3", "--categories", "0,5", "--tags", "1")
	assert.Equal(t, 0, r.code)
	assert.Equal(t, "860b00000010010500038400\n", r.stdout, "as cipso_v4_genopt: tag 1, minimal bitmap, EOL padding")

	r = runBinary(t, ".", bin, "", "encode", "--doi", "0", "--level", "1")
	assert.Equal(t, exitError, r.code)
	assert.Len(t, lines(r.stderr), 1)
	assert.Empty(t, r.stdout)

	cut := writeFile(t, "cut.pcap", string(sampleCapture(t)[:200]))
	r = runBinary(t, ".", bin, "", "dump", cut)
	assert.Equal(t, exitError, r.code)
	assert.Len(t, lines(r.stderr), 1)
	assert.Contains(t, r.stderr, cut)

	r = runBinary(t, ".", bin, "", "nonsense")
	assert.Equal(t, exitError, r.code)
}

// TestReadmeCommand runs the README's main-job command from the module
// root with go run: a first run, with no DOI configured. The labels that
// are valid once their DOIs are configured are not called invalid (their
// DOI is "not configured"; the network SID is checked with DSM's rules),
// and one line on stderr says how to configure DOIs.
func TestReadmeCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not running go run")
	}
	cmd := exec.Command("go", "run", "./examples/iplabel", "dump", "examples/iplabel/testdata/sample.pcap")
	cmd.Dir = filepath.Join("..", "..")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, stderr.String())
	ls := lines(string(out))
	pkts := samplePackets(t)
	require.Len(t, ls, len(pkts))
	assert.Contains(t, ls[0], "CIPSO DOI 16: restricted bitmap s3:c0,c5  DOI 16 not configured")
	for i, p := range pkts {
		if p.valid {
			assert.NotContains(t, ls[i], "INVALID", "packet %d: %s", i+1, p.what)
		}
	}
	assert.Contains(t, ls[5], "valid (DSM receiver rules)")
	assert.Equal(t, 8, strings.Count(string(out), " not configured\n"), "the sound labels of DOIs 16, 5 and 3")
	hint := lines(stderr.String())
	require.Len(t, hint, 1, "one line on stderr: %q", stderr.String())
	assert.Contains(t, hint[0], "--doi-config FILE")
	assert.Contains(t, hint[0], "--doi-config kernel")
}
