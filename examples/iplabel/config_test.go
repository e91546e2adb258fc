package main

import (
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestConfigLongLine: a --doi-config line over 64 KiB is a one-line
// FILE:LINE:COLUMN error for every command that reads the file; a line of
// exactly 64 KiB is read.
func TestConfigLongLine(t *testing.T) {
	cmd := "cipsov4 add pass doi:16 tags:1"
	tests := []struct {
		name string
		conf string
		line int // 0: loads
	}{
		{"64 KiB", "# a\n" + cmd + strings.Repeat(" ", maxLine-len(cmd)) + "\n", 0},
		{"64 KiB + 1", "# a\n" + cmd + strings.Repeat(" ", maxLine+1-len(cmd)) + "\n", 2},
		{"a 4 MiB comment", "# a\n\n#" + strings.Repeat("x", 4<<20), 3},
	}
	for _, tc := range tests {
		cfg := writeFile(t, "doi.conf", tc.conf)
		for _, args := range [][]string{
			{"validate", "--doi-config", cfg, "-"},
			{"decode", "--doi-config", cfg, "-"},
			{"encode", "--doi-config", cfg, "--doi", "16", "--level", "1"},
			{"dump", "--doi-config", cfg, samplePath},
		} {
			t.Run(tc.name+"/"+args[0], func(t *testing.T) {
				r := iplabel(t, "", args...)
				if tc.line == 0 {
					assert.NotEqual(t, exitError, r.code, r.stderr)
					assert.Empty(t, r.stderr)
					return
				}
				require.Equal(t, exitError, r.code)
				assert.Empty(t, r.stdout)
				oneLineError(t, r, cfg+":"+strconv.Itoa(tc.line)+":65537: cipso: syntax error: line longer than 65536 bytes")
			})
		}
	}
}

// TestConfigManyDOIs: a configuration of 100,000 DOIs loads, and the last
// of them is used.
func TestConfigManyDOIs(t *testing.T) {
	var b strings.Builder
	for doi := 100000; doi >= 1; doi-- {
		b.WriteString("cipsov4 add pass doi:" + strconv.Itoa(doi) + " tags:1\n")
	}
	cfg := writeFile(t, "doi.conf", b.String())
	r := iplabel(t, "", "validate", "--doi-config", cfg, "860A000186A0010400050000")
	assert.Equal(t, "{\"ok\":true}\n", r.stdout, r.stderr)
	assert.Equal(t, exitOK, r.code)
	reg, err := loadConfig(cfg)
	require.NoError(t, err)
	assert.Equal(t, 100000, reg.Len())
}
