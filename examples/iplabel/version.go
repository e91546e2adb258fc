package main

import (
	"runtime"
	"runtime/debug"
	"strings"
)

// runVersion is "iplabel version" and "iplabel --version": one line, the
// module's version and path, the VCS revision and time of the build and
// the Go version and platform (versionLine).
func runVersion(e *env, args []string) (int, error) {
	if isHelpArgs(args) {
		writeCommandHelp(e.stdout, docOf("version"), nil)
		return exitOK, nil
	}
	if len(args) != 0 {
		return 0, usagef("version takes no arguments")
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		bi = nil
	}
	_, err := e.stdout.Write([]byte(versionLine(bi, runtime.Version(), runtime.GOOS+"/"+runtime.GOARCH) + "\n"))
	return exitOK, err
}

// versionLine is "iplabel VERSION MODULE [revision REV[+modified] TIME]
// GOVERSION OS/ARCH" from the build information bi (nil when the binary
// has none): VERSION is the module version go install records, the
// pseudo-version go build derives from the commit in a git clone, or
// "(devel)", and the VCS fields go build stamps (vcs.revision, vcs.time,
// vcs.modified) say what was built.
func versionLine(bi *debug.BuildInfo, goVersion, platform string) string {
	version, path := "(unknown)", "github.com/iplabel/iplabel"
	var rev, when string
	var modified bool
	if bi != nil {
		if bi.Main.Version != "" {
			version = bi.Main.Version
		}
		if bi.Main.Path != "" {
			path = bi.Main.Path
		}
		if bi.GoVersion != "" {
			goVersion = bi.GoVersion
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				modified = s.Value == "true"
			}
		}
	}
	parts := []string{"iplabel", version, path}
	if rev != "" {
		if modified {
			rev += "+modified"
		}
		parts = append(parts, "revision", rev)
		if when != "" {
			parts = append(parts, when)
		}
	}
	parts = append(parts, goVersion, platform)
	return strings.Join(parts, " ")
}
