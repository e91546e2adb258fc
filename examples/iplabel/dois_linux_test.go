package main

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
)

// The kernel's DOIs are global to the host. These tests add one DOI of a
// number the host does not use through cipso/netlabel and remove it
// again, under the lock and journal that ipopt/linuxtest and
// cipso/netlabel's tests share (a process that dies holding the lock
// leaves its changes journalled, "doi N" a line, for the next holder to
// undo).
var (
	netlabelLock    = filepath.Join(netlabelRunDir(), "iplabel-linuxtest.lock")
	netlabelJournal = filepath.Join(netlabelRunDir(), "iplabel-linuxtest.journal")
)

func netlabelRunDir() string {
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() {
		return "/run/lock"
	}
	return os.TempDir()
}

// kernelNetLabel skips the test without root or NetLabel, dials, takes
// the lock until the test ends and undoes what a dead holder journalled.
func kernelNetLabel(t *testing.T) *netlabel.Client {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("iplabel dois: adding a DOI needs root (CAP_NET_ADMIN)")
	}
	c, err := netlabel.Dial()
	if errors.Is(err, netlabel.ErrNoNetLabel) {
		t.Skip("iplabel dois: needs a kernel with NetLabel (CONFIG_NETLABEL)")
	}
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	f, err := os.OpenFile(netlabelLock, os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		require.ErrorIs(t, err, unix.EWOULDBLOCK)
		require.True(t, time.Now().Before(deadline), "waited 3 minutes for %s", netlabelLock)
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	})
	if b, err := os.ReadFile(netlabelJournal); err == nil {
		t.Logf("undoing a dead process's NetLabel changes: %q", b)
		for _, l := range slices.Backward(strings.Split(strings.TrimSpace(string(b)), "\n")) {
			f := strings.Fields(l)
			switch {
			case len(f) == 2 && f[0] == "doi":
				n, err := strconv.ParseUint(f[1], 10, 32)
				require.NoError(t, err)
				if err := c.RemoveDOI(cipso.DOI(n)); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("undo %q: %v", l, err)
				}
			case len(f) == 2 && f[0] == "domain":
				if err := c.RemoveMapping(f[1]); err != nil && !errors.Is(err, os.ErrNotExist) {
					t.Fatalf("undo %q: %v", l, err)
				}
			case len(f) == 3 && f[0] == "sysctl" && strings.HasPrefix(f[1], "net/ipv4/cipso_"):
				require.NoError(t, os.WriteFile("/proc/sys/"+f[1], []byte(f[2]), 0o644))
			}
		}
		require.NoError(t, os.Remove(netlabelJournal))
	}
	return c
}

// addKernelDOI adds d to the kernel, journalled, and removes it when the
// test ends.
func addKernelDOI(t *testing.T, c *netlabel.Client, d netlabel.DOI) {
	t.Helper()
	require.NoError(t, os.WriteFile(netlabelJournal, []byte("doi "+strconv.FormatUint(uint64(d.Number), 10)+"\n"), 0o600))
	t.Cleanup(func() {
		if err := c.RemoveDOI(d.Number); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Errorf("remove DOI %v: %v", d.Number, err)
			return
		}
		os.Remove(netlabelJournal)
	})
	require.NoError(t, c.AddDOI(d))
}

// TestKernelDOIs: a DOI added to the kernel appears in "iplabel dois" (in
// netlabelctl syntax, which --doi-config reads back) and is used by
// --doi-config kernel; once removed it is gone from both, and the host's
// NetLabel configuration is as it was.
func TestKernelDOIs(t *testing.T) {
	c := kernelNetLabel(t)
	before, err := c.ListDOIs()
	require.NoError(t, err)
	ctlBefore, haveCtl := netlabelctlList(t)
	doi := cipso.DOI(31000)
	for slices.ContainsFunc(before, func(d netlabel.DOI) bool { return d.Number == doi }) {
		doi++
	}
	line := "cipsov4 add pass doi:" + strconv.FormatUint(uint64(doi), 10) + " tags:1,5"
	// A label of the DOI: tag 1, level 5, no category.
	label := "860a" + strconv.FormatUint(uint64(doi)|1<<32, 16)[1:] + "01040005"

	t.Run("added", func(t *testing.T) {
		addKernelDOI(t, c, netlabel.DOI{Number: doi, Type: cipso.MapPass, Tags: []cipso.TagType{cipso.TagRBitmap, cipso.TagRange}})
		r := iplabel(t, "", "dois")
		require.Equal(t, exitOK, r.code, r.stderr)
		assert.Empty(t, r.stderr)
		assert.Contains(t, lines(r.stdout), line)
		// Every DOI of the kernel, once, and a configuration the
		// command reads back.
		reg, err := loadConfig(writeFile(t, "dois.conf", r.stdout))
		require.NoError(t, err)
		assert.Equal(t, len(before)+1, reg.Len())
		for _, d := range before {
			assert.NotNil(t, reg.Lookup(d.Number), "host DOI %v", d.Number)
		}
		if haveCtl {
			// netlabelctl lists the same DOIs (its order and syntax are its own).
			out, _ := netlabelctlList(t)
			for d := range reg.All() {
				assert.Contains(t, out, strconv.FormatUint(uint64(d.DOI()), 10), "netlabelctl cipsov4 list: %s", out)
			}
		}

		v := iplabel(t, "", "validate", "--doi-config", "kernel", label)
		assert.Equal(t, `{"ok":true}`+"\n", v.stdout, v.stderr)
		assert.Equal(t, exitOK, v.code)
	})
	r := iplabel(t, "", "dois")
	require.Equal(t, exitOK, r.code, r.stderr)
	assert.NotContains(t, lines(r.stdout), line)
	v := iplabel(t, "", "validate", "--doi-config", "kernel", label)
	assert.Equal(t, `{"ok":false,"pointer":22,"error":"cipso: unknown DOI: doi at offset 2 (pointer 22)"}`+"\n", v.stdout, v.stderr)

	after, err := c.ListDOIs()
	require.NoError(t, err)
	assert.Equal(t, before, after, "the host's DOIs are as they were")
	if haveCtl {
		ctlAfter, _ := netlabelctlList(t)
		assert.Equal(t, ctlBefore, ctlAfter)
	}
}

// netlabelctlList is "netlabelctl cipsov4 list", or ok false where
// netlabelctl is not installed.
func netlabelctlList(t *testing.T) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("netlabelctl"); err != nil {
		return "", false
	}
	out, err := exec.Command("netlabelctl", "cipsov4", "list").CombinedOutput()
	require.NoError(t, err, "netlabelctl cipsov4 list: %s", out)
	return string(out), true
}

// TestKernelDOIsUnprivileged: listing the kernel's DOIs needs no
// privilege, so "iplabel dois" as user nobody prints what it prints as
// root; where NetLabel does not answer (a network namespace of its own)
// dois and --doi-config kernel fail with one line saying so. Run as
// another user, the test checks what that user gets.
func TestKernelDOIsUnprivileged(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: not building the binary")
	}
	if os.Geteuid() != 0 {
		// The non-root run itself: a listing, or the one-line reason.
		r := iplabel(t, "", "dois")
		if r.code == exitOK {
			_, err := loadConfig(writeFile(t, "dois.conf", r.stdout))
			require.NoError(t, err)
			assert.Empty(t, r.stderr)
			return
		}
		require.Equal(t, exitError, r.code)
		oneLineError(t, r, "iplabel: dois: the kernel's DOIs: ")
		return
	}
	kernelNetLabel(t) // no DOI changes between the runs compared
	dir := t.TempDir()
	require.NoError(t, os.Chmod(dir, 0o755))
	require.NoError(t, os.Chmod(filepath.Dir(dir), 0o755))
	bin := filepath.Join(dir, "iplabel")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, string(out))
	run := func(attr *syscall.SysProcAttr, args ...string) result {
		cmd := exec.Command(bin, args...)
		cmd.Dir = "/"
		cmd.SysProcAttr = attr
		var o, e strings.Builder
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return result{o.String(), e.String(), ee.ExitCode()}
		}
		require.NoError(t, err)
		return result{o.String(), e.String(), 0}
	}
	root := run(nil, "dois")
	require.Equal(t, exitOK, root.code, root.stderr)
	nobody := run(&syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}, "dois")
	assert.Equal(t, root, nobody, "user nobody lists the same DOIs")

	netns := &syscall.SysProcAttr{Cloneflags: syscall.CLONE_NEWNET}
	r := run(netns, "dois")
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	oneLineError(t, r, "iplabel: dois: the kernel's DOIs: NetLabel is not available here")
	r = run(netns, "validate", "--doi-config", "kernel", "860a0000001001040005")
	assert.Equal(t, exitError, r.code)
	assert.Empty(t, r.stdout)
	oneLineError(t, r, "iplabel: validate: --doi-config kernel: NetLabel is not available here")
}
