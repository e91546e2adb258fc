package main

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Network SID labels (DSM's tag 7 with typed parameters,
// fips188/dsm/RULES.md), built with the command's own encoder in the tests below.
const (
	// nsidDefault: source SID 0x12341234, node 1, DSM's DOI 0x10001000.
	nsidDefault = "861410001000070e030612341234060600000001"
	// nsidDup: the source SID twice (DSM's receiver lets the last win).
	nsidDup = "861a10001000071403061234123403060000000506060000000100"
	// nsidDOI16: the label of nsidDefault in DOI 16.
	nsidDOI16 = "861400000010070e030612341234060600000001"
)

// TestNSIDDirective: the network-SID DOI is checked with DSM's receiver
// rules by default, and "iplabel nsid" lines of --doi-config move it,
// choose other rules or turn it off; a cipsov4 DOI of the same number
// makes it an ordinary CIPSO DOI.
func TestNSIDDirective(t *testing.T) {
	require.Equal(t, nsidDefault+"\n", iplabel(t, "", "encode", "--nsid", "ssid=0x12341234,node=1").stdout)
	require.Equal(t, nsidDOI16+"\n", iplabel(t, "", "encode", "--nsid", "ssid=0x12341234,node=1", "--doi", "16").stdout)
	const (
		ok         = `{"ok":true}`
		unknownDOI = `{"ok":false,"pointer":22,"error":"cipso: unknown DOI: doi at offset 2 (pointer 22)"}`
	)
	tests := []struct {
		name string
		conf string // "": no --doi-config
		opts string
		want string
	}{
		{"no config: DSM's receiver", "", nsidDefault, ok},
		{"no config: DSM lets the last of two source SIDs win", "", nsidDup, ok},
		{"no config: DSM refuses a parameter it does not take, at its DSM pointer", "",
			"861410001000070e030612341234050600000001",
			`{"ok":false,"pointer":15,"error":"dsm: unknown or refused NSID parameter: parameter type at offset 14 (pointer 15)"}`},
		{"no config: DOI 16 is not a network-SID DOI", "", nsidDOI16, unknownDOI},
		{"sample config", sampleConfig, nsidDefault, ok},
		{"off", "iplabel nsid off\n", nsidDefault, unknownDOI},
		{"off, with a comment", "iplabel nsid off # DSM is gone\n", nsidDefault, unknownDOI},
		{"moved to DOI 16 (hex)", "iplabel nsid doi:0x10\n", nsidDOI16, ok},
		{"moved: the old DOI is unknown", "iplabel nsid doi:16\n", nsidDefault, unknownDOI},
		{"strict rules refuse the repeat, Linux-style pointer", "iplabel nsid doi:268439552 profile:strict\n", nsidDup,
			`{"ok":false,"pointer":34,"error":"ipopt: duplicate option: parameter type at offset 14 (pointer 34)"}`},
		{"lenient rules take the repeat", "iplabel nsid doi:268439552 profile:lenient\n", nsidDup, ok},
		{"a cipsov4 DOI overrides: Linux refuses tag 7", "cipsov4 add pass doi:268439552 tags:1\n", nsidDefault,
			`{"ok":false,"pointer":26,"error":"cipso: tag type not allowed: tag type at offset 6 (pointer 26)"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, profile := range []string{"linux", "strict"} {
				args := []string{"validate", "--profile", profile}
				if tc.conf == sampleConfig {
					args = append(args, "--doi-config", sampleConfig)
				} else if tc.conf != "" {
					args = append(args, "--doi-config", writeFile(t, "doi.conf", tc.conf))
				}
				r := iplabel(t, "", append(args, tc.opts)...)
				want := tc.want
				if profile == "strict" && strings.Contains(want, "tag type not allowed") {
					continue // cipso.Strict refuses tag 7 its own way
				}
				assert.Equal(t, want+"\n", r.stdout, "%s: %s", profile, r.stderr)
			}
		})
	}
}

// TestNSIDStdin: validate reads network SID labels from stdin as from
// its arguments.
func TestNSIDStdin(t *testing.T) {
	in := []string{nsidDefault, nsidDup, nsidDOI16}
	a := iplabel(t, strings.Join(in, "\n")+"\n", "validate")
	b := iplabel(t, "", append([]string{"validate"}, in...)...)
	assert.Equal(t, b, a)
	assert.Equal(t, []string{`{"ok":true}`, `{"ok":true}`}, lines(a.stdout)[:2])
	assert.Equal(t, exitInvalid, a.code, "DOI 16 is not configured")
}

// TestNSIDDirectiveDump: dump marks a network SID's verdict as DSM's,
// and "iplabel nsid off" makes it an unconfigured DOI like any other.
func TestNSIDDirectiveDump(t *testing.T) {
	r := iplabel(t, "", "dump", "--doi-config", sampleConfig, samplePath)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasSuffix(lines(r.stdout)[5], "node=1  valid (DSM receiver rules)"), lines(r.stdout)[5])

	cfg := writeFile(t, "doi.conf", string(mustRead(t, sampleConfig))+"iplabel nsid off\n")
	r = iplabel(t, "", "dump", "--doi-config", cfg, samplePath)
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasSuffix(lines(r.stdout)[5], "node=1  INVALID pointer 22: cipso: unknown DOI: doi at offset 2 (pointer 22)"), lines(r.stdout)[5])
}

// TestNSIDDirectiveErrors: a bad directive is a FILE:LINE:COLUMN error
// for every command, and the earliest bad line of the file is the one
// reported, whichever parser finds it.
func TestNSIDDirectiveErrors(t *testing.T) {
	tests := []struct {
		conf, want string
	}{
		{"iplabel\n", `:1:8: bad iplabel directive: the only directive is "iplabel nsid doi:N [profile:dsm|strict|lenient]" or "iplabel nsid off"`},
		{"  iplabel map doi:3\n", `:1:11: bad iplabel directive: the only directive`},
		{"iplabel nsid\n", ":1:13: bad iplabel directive: no doi:N (or off)"},
		{"iplabel nsid doi:0\n", ":1:18: bad iplabel directive: doi: want a DOI from 1 to 4294967295, decimal or 0x hex"},
		{"iplabel nsid doi:4294967296\n", ":1:18: bad iplabel directive: doi: want"},
		{"iplabel nsid doi:1_000\n", ":1:18: bad iplabel directive: doi: want"},
		{"iplabel nsid doi:5 profile:dsm2\n", ":1:28: bad iplabel directive: profile: want dsm, strict or lenient"},
		{"iplabel nsid doi:5 doi:6\n", `:1:20: bad iplabel directive: "doi" given twice`},
		{"iplabel nsid doi:5 off\n", `:1:20: bad iplabel directive: "off" takes no arguments`},
		{"iplabel nsid doi:5 tags:7\n", `:1:20: bad iplabel directive: unknown argument "tags:7"`},
		{"iplabel nsid off\n\niplabel nsid doi:5\n", `:3:1: bad iplabel directive: "iplabel nsid" given twice`},
		{"cipsov4 add pass doi:16 tags:1\niplabel nsid doi:16\n", ":2:18: bad iplabel directive: DOI 16 is also a cipsov4 DOI of this file"},
		// The earliest line wins: the cipsov4 error on line 2, then the
		// directive on line 1.
		{"cipsov4 add pass doi:16 tags:1\ncipsov4 add pass doi:17 tags:9\niplabel nsid\n", ":2:30: cipso: invalid DOI definition: tag 9 not allowed in a pass DOI"},
		{"iplabel nsid\ncipsov4 add pass doi:17 tags:9\n", ":1:13: bad iplabel directive"},
	}
	for _, tc := range tests {
		t.Run(strings.TrimSpace(tc.conf), func(t *testing.T) {
			cfg := writeFile(t, "doi.conf", tc.conf)
			for _, args := range [][]string{
				{"validate", "--doi-config", cfg, "-"},
				{"decode", "--doi-config", cfg, "-"},
				{"dump", "--doi-config", cfg, samplePath},
			} {
				r := iplabel(t, "", args...)
				require.Equal(t, exitError, r.code, "%v: %s", args, r.stdout)
				oneLineError(t, r, "iplabel: "+args[0]+": "+cfg+tc.want)
			}
		})
	}
}

// TestConfigFromPipe: a --doi-config read from a pipe (a named pipe here;
// /dev/stdin in a shell) is read once, directive included, and gives
// what the same file gives.
func TestConfigFromPipe(t *testing.T) {
	conf := string(mustRead(t, sampleConfig)) + "iplabel nsid off\n"
	fifo := filepath.Join(t.TempDir(), "doi.fifo")
	require.NoError(t, syscall.Mkfifo(fifo, 0o600))
	go func() {
		f, err := os.OpenFile(fifo, os.O_WRONLY, 0)
		if err != nil {
			return
		}
		f.WriteString(conf)
		f.Close()
	}()
	got := iplabel(t, "", "dump", "--doi-config", fifo, samplePath)
	want := iplabel(t, "", "dump", "--doi-config", writeFile(t, "doi.conf", conf), samplePath)
	require.Equal(t, exitOK, got.code, got.stderr)
	assert.Equal(t, want, got)
	assert.Contains(t, lines(got.stdout)[5], "INVALID pointer 22: cipso: unknown DOI")
}

// FuzzDOIConfig: any configuration text loads or fails with an error
// naming the file (never a panic), and a loaded one never makes a
// configured cipsov4 DOI the network-SID DOI.
func FuzzDOIConfig(f *testing.F) {
	f.Add(string(mustRead(f, sampleConfig)))
	f.Add("iplabel nsid doi:0x10 profile:strict\ncipsov4 add pass doi:17 tags:1\n")
	f.Add("iplabel nsid off\r\n# x\ncalipso add pass doi:3\n")
	f.Add("cipsov4 add pass doi:268439552 tags:1\niplabel nsid\n")
	f.Add("iplabel nsid doi:5 doi:6 profile:dsm\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, conf string) {
		p := filepath.Join(dir, "doi.conf")
		require.NoError(t, os.WriteFile(p, []byte(conf), 0o600))
		cfg, err := loadDOIConfig(p)
		if err != nil {
			require.True(t, strings.HasPrefix(err.Error(), p+":"), "%v", err)
			require.NotContains(t, err.Error(), "\n")
			return
		}
		if cfg.nsidDOI != 0 {
			require.Nil(t, cfg.cipso.Lookup(cfg.nsidDOI))
			require.Equal(t, cfg.nsidDOI, cfg.nsid.DOI)
		}
	})
}
