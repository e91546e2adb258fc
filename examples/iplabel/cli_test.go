package main

import (
	"bufio"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVersion: iplabel --version and iplabel version print one line on
// stdout with the Go version, and exit 0.
func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"--version"}, {"version"}, {"-version"}} {
		r := iplabel(t, "", args...)
		require.Equal(t, exitOK, r.code, args)
		assert.Empty(t, r.stderr, args)
		ls := lines(r.stdout)
		require.Len(t, ls, 1, args)
		assert.True(t, strings.HasPrefix(ls[0], "iplabel "), ls[0])
		assert.Contains(t, ls[0], runtime.Version())
		assert.Contains(t, ls[0], runtime.GOOS+"/"+runtime.GOARCH)
	}
	r := iplabel(t, "", "version", "extra")
	assert.Equal(t, exitError, r.code)
	oneLineError(t, r, "version takes no arguments")
}

// TestVersionLine: the fields of the build information that go build and
// go install record (debug.BuildInfo) make up the line.
func TestVersionLine(t *testing.T) {
	tests := []struct {
		name string
		bi   *debug.BuildInfo
		want string
	}{
		{"no build information", nil, "iplabel (unknown) github.com/iplabel/iplabel go1.99 linux/amd64"},
		{"go install of a release", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/iplabel/iplabel", Version: "v1.2.3"}},
			"iplabel v1.2.3 github.com/iplabel/iplabel go1.26.0 linux/amd64"},
		{"build in a clean checkout", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/iplabel/iplabel", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.time", Value: "2026-12-04T04:00:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"iplabel (devel) github.com/iplabel/iplabel revision 0123456789abcdef0123456789abcdef01234567 2026-12-04T04:00:00Z go1.26.0 linux/amd64"},
		{"build with uncommitted changes", &debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Path: "github.com/iplabel/iplabel", Version: "(devel)"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123456789abcdef0123456789abcdef01234567"}, {Key: "vcs.modified", Value: "true"}}},
			"iplabel (devel) github.com/iplabel/iplabel revision 0123456789abcdef0123456789abcdef01234567+modified go1.26.0 linux/amd64"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, versionLine(tc.bi, "go1.99", "linux/amd64"))
		})
	}
}

// TestVersionBinary: a binary built in a clean checkout of this commit
// names the module, its pseudo-version and the revision, unmodified. The checkout is a clone
// (go build stamps no VCS information in a git worktree).
func TestVersionBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	git := func(dir string, args ...string) string {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		out, err := cmd.Output()
		require.NoError(t, err, "git %v", args)
		return strings.TrimSpace(string(out))
	}
	if _, err := exec.Command("git", "rev-parse", "HEAD").Output(); err != nil {
		t.Skip("not in a git checkout: no revision to compare with")
	}
	head, top := git(".", "rev-parse", "HEAD"), git(".", "rev-parse", "--show-toplevel")
	src := filepath.Join(t.TempDir(), "src")
	git(".", "clone", "-q", "--shared", "--no-checkout", top, src)
	git(src, "checkout", "-q", "--detach", head)
	bin := filepath.Join(t.TempDir(), "iplabel")
	build := exec.Command("go", "build", "-o", bin, "./examples/iplabel")
	build.Dir = src
	build.Env = append(os.Environ(), "GOFLAGS=-buildvcs=true", "GOWORK=off")
	out, err := build.CombinedOutput()
	require.NoError(t, err, string(out))
	r := runBinary(t, ".", bin, "", "--version")
	require.Equal(t, exitOK, r.code, r.stderr)
	ls := lines(r.stdout)
	require.Len(t, ls, 1)
	f := strings.Fields(ls[0])
	require.GreaterOrEqual(t, len(f), 7, ls[0])
	assert.Equal(t, []string{"iplabel", "github.com/iplabel/iplabel", "revision", head}, []string{f[0], f[2], f[3], f[4]})
	if !strings.HasPrefix(f[1], "v") || strings.Count(f[1], "-") < 2 {
		// A tagged commit has its tag as the version, not a pseudo-version.
		assert.Regexp(t, `^v[0-9]+\.[0-9]+\.[0-9]+$`, f[1], "a tag or a pseudo-version")
	} else {
		assert.Contains(t, f[1], head[:12], "the pseudo-version go build derives from the commit")
	}
	assert.True(t, strings.HasSuffix(ls[0], " "+runtime.Version()+" "+runtime.GOOS+"/"+runtime.GOARCH), ls[0])
}

// TestHelpOverview: iplabel help (and --help, -h) lists every command
// with one line each, on stdout, exit 0; a bare iplabel prints the usage
// on stderr and exits 2.
func TestHelpOverview(t *testing.T) {
	for _, arg := range []string{"help", "--help", "-h"} {
		r := iplabel(t, "", arg)
		require.Equal(t, exitOK, r.code, arg)
		assert.Empty(t, r.stderr)
		for _, name := range []string{"validate", "decode", "encode", "dump", "rewrite", "dois", "completion", "version", "help"} {
			n := 0
			for _, l := range lines(r.stdout) {
				if strings.HasPrefix(l, "  "+name+" ") {
					n++
					assert.Greater(t, len(strings.Fields(l)), 3, "a summary after the name: %q", l)
				}
			}
			assert.Equal(t, 1, n, "one line for %s in:\n%s", name, r.stdout)
		}
	}
	r := iplabel(t, "")
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "iplabel dump [--json] [-l]")
}

// TestCommandHelp: iplabel help CMD, iplabel CMD --help and CMD -h print
// the same help on stdout and exit 0: what the command does, its usage,
// and every flag the command defines spelled as the usage spells it
// (--doi-config, never -doi-config).
func TestCommandHelp(t *testing.T) {
	for _, name := range []string{"validate", "decode", "encode", "dump", "rewrite", "dois"} {
		t.Run(name, func(t *testing.T) {
			r := iplabel(t, "", "help", name)
			require.Equal(t, exitOK, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			for _, other := range [][]string{{name, "--help"}, {name, "-h"}, {name, "-help"}} {
				o := iplabel(t, "", other...)
				assert.Equal(t, exitOK, o.code, other)
				assert.Empty(t, o.stderr, other)
				assert.Equal(t, r.stdout, o.stdout, other)
			}
			assert.True(t, strings.HasPrefix(r.stdout, "iplabel "+name+": "+docOf(name).summary+"\n"), r.stdout)
			assert.Contains(t, r.stdout, "\nusage:\n  iplabel "+name)
			fs := commandFlags(name)
			require.NotNil(t, fs)
			fs.VisitAll(func(f *flag.Flag) {
				spelled := "--" + f.Name
				if len(f.Name) == 1 {
					spelled = "-" + f.Name
				}
				assert.Contains(t, r.stdout, "\n  "+spelled, "flag %s listed", spelled)
				assert.Contains(t, oneLine(r.stdout), oneLine(flagText(f)), "flag %s described", spelled)
				if len(f.Name) > 1 {
					assert.NotContains(t, r.stdout, "\n  -"+f.Name, "single-dash spelling of %s", f.Name)
				}
				if u := strings.Join(docOf(name).usage, "\n"); strings.Contains(u, spelled+" ") {
					// The flag's value is written as the usage lines write it.
					assert.Contains(t, r.stdout, "\n  "+flagSynopsis(f)+"\n")
				}
			})
		})
	}
	r := iplabel(t, "", "help", "dump")
	assert.Contains(t, r.stdout, "\n  --doi-config FILE|kernel\n")
	assert.Contains(t, r.stdout, "\n  -l\n")
	r = iplabel(t, "", "help", "rewrite")
	assert.Contains(t, r.stdout, "\n  --translate[=FROM:TO,...]\n")
	assert.Contains(t, r.stdout, "\n  --in FILE|-\n")
	r = iplabel(t, "", "help", "validate")
	assert.Contains(t, r.stdout, "(default linux)", "defaults are shown")

	for _, name := range []string{"completion", "version", "help"} {
		r := iplabel(t, "", "help", name)
		assert.Equal(t, exitOK, r.code, name)
		assert.True(t, strings.HasPrefix(r.stdout, "iplabel "+name+": "), r.stdout)
		o := iplabel(t, "", name, "--help")
		assert.Equal(t, exitOK, o.code, name)
		assert.Equal(t, r.stdout, o.stdout, name)
	}
	r = iplabel(t, "", "help", "frobnicate")
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	oneLineError(t, r, `"frobnicate"`)
}

// TestUnknownCommandsAndFlags: one line on stderr naming what was not
// understood, as it was typed, nothing on stdout, exit 2.
func TestUnknownCommandsAndFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"frobnicate"}, `iplabel: unknown command "frobnicate"`},
		{[]string{"--frobnicate"}, `iplabel: unknown flag "--frobnicate"`},
		{[]string{"--a\nb\x1b[2J"}, `iplabel: unknown flag "--a\nb\x1b[2J"`},
		{[]string{"validate", "--bogus"}, "iplabel: validate: unknown flag --bogus"},
		{[]string{"decode", "-bogus", "00"}, "iplabel: decode: unknown flag -bogus"},
		{[]string{"encode", "--doi", "16", "--bogus=3"}, "iplabel: encode: unknown flag --bogus"},
		{[]string{"dump", "--xml", samplePath}, "iplabel: dump: unknown flag --xml"},
		{[]string{"rewrite", "--in", samplePath, "--out", "-", "--frob"}, "iplabel: rewrite: unknown flag --frob"},
		{[]string{"dois", "--bogus"}, "iplabel: dois: unknown flag --bogus"},
		{[]string{"encode", "--doi"}, "iplabel: encode: flag needs an argument: --doi"},
		{[]string{"dump", "--json=maybe", samplePath}, `iplabel: dump: invalid boolean value "maybe" for --json`},
		{[]string{"completion", "tcsh"}, `iplabel: completion: unknown shell "tcsh"`},
	}
	for _, tc := range tests {
		r := iplabel(t, "", tc.args...)
		assert.Equal(t, exitError, r.code, tc.args)
		assert.Empty(t, r.stdout, tc.args)
		oneLineError(t, r)
		assert.True(t, strings.HasPrefix(r.stderr, tc.want), "%v: %q", tc.args, r.stderr)
	}
}

// completionDir is a directory with a capture and a config file to
// complete.
func completionDir(t *testing.T) string {
	dir := t.TempDir()
	for _, f := range []string{"a.pcap", "doi.conf"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, f), nil, 0o644))
	}
	return dir
}

// TestBashCompletion runs the bash script's completion function on
// command lines (COMP_WORDS as bash splits them) and checks the words it
// offers: commands, each command's flags, files where a flag or argument
// is a file, --doi-config's kernel, fixed words.
func TestBashCompletion(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	r := iplabel(t, "", "completion", "bash")
	require.Equal(t, exitOK, r.code, r.stderr)
	dir := completionDir(t)
	script := filepath.Join(dir, "iplabel.bash")
	require.NoError(t, os.WriteFile(script, []byte(r.stdout), 0o644))

	complete := func(words ...string) []string {
		t.Helper()
		var b strings.Builder
		b.WriteString("source iplabel.bash\nCOMP_WORDS=(")
		for _, w := range words {
			b.WriteString("'" + w + "' ")
		}
		b.WriteString(")\nCOMP_CWORD=$((${#COMP_WORDS[@]}-1))\n_iplabel\nprintf '%s\\n' \"${COMPREPLY[@]}\"\n")
		cmd := exec.Command(bash, "--norc", "-c", b.String())
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		return lines(string(out))
	}
	files := []string{"a.pcap", "doi.conf", "iplabel.bash"}
	tests := []struct {
		words []string
		want  []string
	}{
		{[]string{"iplabel", ""}, []string{"--help", "--version", "validate", "decode", "encode", "dump", "rewrite", "dois", "completion", "version", "help"}},
		{[]string{"iplabel", "d"}, []string{"decode", "dump", "dois"}},
		{[]string{"iplabel", "dump", "-"}, []string{"--doi-config", "--json", "-l", "--help"}},
		{[]string{"iplabel", "dump", ""}, files},
		{[]string{"iplabel", "dump", "--doi-config", ""}, append(files, "kernel")},
		{[]string{"iplabel", "dump", "--doi-config", "k"}, []string{"kernel"}},
		{[]string{"iplabel", "validate", "--doi-config", "=", ""}, append(files, "kernel")},
		{[]string{"iplabel", "validate", "--profile", ""}, []string{"linux", "strict"}},
		{[]string{"iplabel", "validate", "--rbm-strictvalid", ""}, []string{"0", "1"}},
		{[]string{"iplabel", "rewrite", "--in", "a"}, []string{"a.pcap"}},
		{[]string{"iplabel", "rewrite", "--out", ""}, files},
		{[]string{"iplabel", "rewrite", "--t"}, []string{"--translate"}},
		{[]string{"iplabel", "encode", "--doi", ""}, nil},
		{[]string{"iplabel", "encode", "--c"}, []string{"--calipso", "--categories"}},
		{[]string{"iplabel", "decode", ""}, nil},
		{[]string{"iplabel", "completion", ""}, []string{"bash", "zsh", "fish"}},
		{[]string{"iplabel", "help", "re"}, []string{"rewrite"}},
	}
	for _, tc := range tests {
		assert.ElementsMatch(t, tc.want, complete(tc.words...), "%q", tc.words)
	}
	// Every flag of every command is offered after its command.
	for _, name := range []string{"validate", "decode", "encode", "dump", "rewrite", "dois"} {
		got := complete("iplabel", name, "-")
		commandFlags(name).VisitAll(func(f *flag.Flag) {
			assert.Contains(t, got, flagSpelling(f.Name), name)
		})
	}
}

// TestFishCompletion asks fish what it completes with the script loaded.
func TestFishCompletion(t *testing.T) {
	fish, err := exec.LookPath("fish")
	if err != nil {
		t.Skip("fish not installed")
	}
	r := iplabel(t, "", "completion", "fish")
	require.Equal(t, exitOK, r.code, r.stderr)
	dir := completionDir(t)
	script := filepath.Join(dir, "iplabel.fish")
	require.NoError(t, os.WriteFile(script, []byte(r.stdout), 0o644))
	complete := func(line string) []string {
		t.Helper()
		cmd := exec.Command(fish, "--no-config", "-c", "source iplabel.fish; complete -C '"+line+"'")
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, string(out))
		var words []string
		for _, l := range lines(string(out)) {
			words = append(words, strings.SplitN(l, "\t", 2)[0])
		}
		return words
	}
	files := []string{"a.pcap", "doi.conf", "iplabel.fish"}
	assert.Subset(t, complete("iplabel "), []string{"validate", "decode", "encode", "dump", "rewrite", "dois", "completion", "version", "help"})
	assert.ElementsMatch(t, append(files, "kernel"), complete("iplabel dump --doi-config "))
	assert.ElementsMatch(t, files, complete("iplabel dump "))
	assert.ElementsMatch(t, []string{"linux", "strict"}, complete("iplabel validate --profile "))
	assert.Subset(t, complete("iplabel dump -"), []string{"--doi-config", "--json", "-l", "--help"})
	assert.Subset(t, complete("iplabel rewrite --"), []string{"--in", "--out", "--set", "--strip", "--translate", "--doi-config", "--skip-unfit", "--fix-checksum"})
	assert.ElementsMatch(t, []string{"a.pcap"}, complete("iplabel rewrite --in a"))
	assert.Empty(t, complete("iplabel encode --doi "))
}

// TestZshCompletion: zsh parses the script, which defines a completion
// for every command with each of its flags (zsh completes only in an
// interactive shell, so the specs are checked as text).
func TestZshCompletion(t *testing.T) {
	r := iplabel(t, "", "completion", "zsh")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.True(t, strings.HasPrefix(r.stdout, "#compdef iplabel\n"))
	assert.Contains(t, r.stdout, `'--doi-config=[DOI definitions in netlabelctl syntax, or kernel for the running kernel'\''s]:FILE|kernel:{_alternative "files:file:_files" "words:word:(kernel)"}'`)
	assert.Contains(t, r.stdout, `'--profile=[validation profile]:linux|strict:(linux strict)'`)
	assert.Contains(t, r.stdout, `'--in=[input capture]:FILE|-:_files'`)
	assert.Contains(t, r.stdout, `'--translate=-[map labels between the DOIs of --doi-config]:FROM TO,...: '`)
	assert.Contains(t, r.stdout, `'-l[flush standard output after each packet'\''s line]'`)
	for _, name := range []string{"validate", "decode", "encode", "dump", "rewrite", "dois"} {
		assert.Contains(t, r.stdout, "\n    "+name+")\n")
		commandFlags(name).VisitAll(func(f *flag.Flag) {
			assert.Contains(t, r.stdout, "'"+flagSpelling(f.Name), name)
		})
	}
	zsh, err := exec.LookPath("zsh")
	if err != nil {
		t.Skip("zsh not installed: the script's syntax is not checked")
	}
	cmd := exec.Command(zsh, "-n")
	cmd.Stdin = strings.NewReader(r.stdout)
	out, err := cmd.CombinedOutput()
	assert.NoError(t, err, string(out))
}

// TestDumpLineBuffered: with -l, dump's first line comes out of a pipe
// while the capture on its stdin is still open after the first packet
// (tcpdump -l); the whole output is the same as without -l.
func TestDumpLineBuffered(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	capture := sampleCapture(t)
	const firstRecordEnd = 24 + 16 + 75 // pcap header, record header, first packet
	require.Greater(t, len(capture), firstRecordEnd)

	cmd := exec.Command(builtBinary(t), "dump", "-l", "-")
	stdin, err := cmd.StdinPipe()
	require.NoError(t, err)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	defer cmd.Process.Kill()
	_, err = stdin.Write(capture[:firstRecordEnd])
	require.NoError(t, err)

	first := make(chan string, 1)
	br := bufio.NewReader(stdout)
	go func() {
		l, _ := br.ReadString('\n')
		first <- l
	}()
	var line string
	select {
	case line = <-first:
	case <-time.After(20 * time.Second):
		t.Fatal("no line on stdout while the input is open")
	}
	want := lines(iplabel(t, string(capture), "dump", "-").stdout)
	assert.Equal(t, want[0]+"\n", line)

	_, err = stdin.Write(capture[firstRecordEnd:])
	require.NoError(t, err)
	require.NoError(t, stdin.Close())
	var rest strings.Builder
	_, err = br.WriteTo(&rest)
	require.NoError(t, err)
	require.NoError(t, cmd.Wait())
	assert.Equal(t, want[1:], lines(rest.String()))
}

// TestDumpLineBufferedOutput: -l changes when the lines are written, not
// what they are, in text and JSON, from a file and from stdin.
func TestDumpLineBufferedOutput(t *testing.T) {
	for _, json := range [][]string{nil, {"--json"}} {
		want := iplabel(t, "", append(append([]string{"dump"}, json...), samplePath)...)
		require.Equal(t, exitOK, want.code, want.stderr)
		for _, args := range [][]string{{"dump", "-l", samplePath}, {"dump", "-l", "-"}} {
			r := iplabel(t, string(sampleCapture(t)), append(args, json...)...)
			assert.Equal(t, exitOK, r.code, r.stderr)
			assert.Equal(t, want.stdout, r.stdout, args)
		}
	}
}
