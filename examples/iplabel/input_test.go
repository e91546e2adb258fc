package main

import (
	"errors"
	"io"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestLongInputLine: a stdin line over 64 KiB (its newline not counted)
// gets its own error line naming the line, and validate and decode go on
// with the next line; a line of exactly 64 KiB is read.
func TestLongInputLine(t *testing.T) {
	label := "860A00000001010400050000" // DOI 1, tag 1, level 5: invalid with no DOI
	fits := label + strings.Repeat(" ", maxLine-len(label))
	tests := []struct {
		name   string
		in     string
		bad    []int // lines reported as too long
		fields int   // JSON lines
	}{
		{"one long line between fields", "-\n" + strings.Repeat("0", maxLine+1) + "\n-\n", []int{2}, 3},
		{"64 KiB fits", fits + "\n" + fits + "\r\n", nil, 2},
		{"64 KiB + CR at EOF fits", fits + "\r", nil, 1},
		{"a long line at EOF", "-\n" + strings.Repeat("0", 1<<20), []int{2}, 2},
		{"a long comment", "#" + strings.Repeat("x", maxLine) + "\n-\n", []int{1}, 2},
		{"several, and 1 MiB", "-\n" + strings.Repeat("ab", 1<<19) + "\n\n" + strings.Repeat(" ", maxLine+2) + "\r\n-\n", []int{2, 4}, 4},
	}
	for _, cmd := range []string{"validate", "decode"} {
		for _, tc := range tests {
			t.Run(cmd+"/"+tc.name, func(t *testing.T) {
				r := iplabel(t, tc.in, cmd)
				got := jsonLines(t, r.stdout)
				require.Len(t, got, tc.fields)
				var wantErr []string
				for _, n := range tc.bad {
					wantErr = append(wantErr, "iplabel: "+cmd+": stdin: line "+strconv.Itoa(n)+": line longer than 65536 bytes")
				}
				assert.Equal(t, wantErr, lines(r.stderr))
				long := 0
				for _, v := range got {
					m := v.(map[string]any)
					if msg, ok := m["error"].(string); ok && strings.Contains(msg, "line longer than") {
						assert.Equal(t, asJSON(t, `{"ok":false,"pointer":null,"error":"input: line `+strconv.Itoa(tc.bad[long])+`: line longer than 65536 bytes"}`), v)
						long++
					}
				}
				assert.Equal(t, len(tc.bad), long)
				switch {
				case len(tc.bad) > 0 && cmd == "validate":
					assert.Equal(t, exitInvalid, r.code)
				case len(tc.bad) > 0:
					assert.Equal(t, exitError, r.code)
				}
			})
		}
	}
}

// endlessLine is a reader of one endless line of '0's.
type endlessLine struct{ n int }

func (e *endlessLine) Read(p []byte) (int, error) {
	if e.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), e.n)
	for i := range p[:k] {
		p[i] = '0'
	}
	e.n -= k
	return k, nil
}

// TestLongInputLineNotBuffered: skipping a 64 MiB line allocates about
// the read buffer, not the line.
func TestLongInputLineNotBuffered(t *testing.T) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	var errs []string
	err := forEachField(nil, io.MultiReader(&endlessLine{n: 64 << 20}, strings.NewReader("\n-\n")), func(fl *field) error {
		if fl.err != nil {
			errs = append(errs, fl.where+": "+fl.err.Error())
		}
		return nil
	})
	runtime.ReadMemStats(&m1)
	require.NoError(t, err)
	assert.Equal(t, []string{"line 1: line longer than 65536 bytes"}, errs)
	assert.Less(t, m1.TotalAlloc-m0.TotalAlloc, uint64(1<<20), "bytes allocated for a 64 MiB line")
}

// TestInputReadError: a read error ends the input with a message naming
// the last line read.
func TestInputReadError(t *testing.T) {
	boom := errors.New("boom")
	n := 0
	err := forEachField(nil, io.MultiReader(strings.NewReader("-\n-\n"), iotest.ErrReader(boom)), func(fl *field) error {
		n++
		return nil
	})
	assert.Equal(t, 2, n)
	require.ErrorIs(t, err, boom)
	assert.Equal(t, "stdin: after line 2: boom", err.Error())
}
