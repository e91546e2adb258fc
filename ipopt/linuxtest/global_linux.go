package linuxtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Global kernel state (NetLabel, the cipso_* sysctls) is shared by every
// process on the machine, so a process that changes it first takes an
// exclusive lock on lockPath, held until its last Namespace that changed
// anything is closed. Test binaries of different packages, which go test
// runs in parallel, therefore take turns.
//
// Before each change the process writes it to journalPath. If a process
// dies without closing its namespaces (a test timeout, a kill), the next
// process to take the lock finds the journal and undoes what is listed:
// DOIs and domain mappings are deleted and sysctls get their old values.
var (
	lockPath    = filepath.Join(runDir(), "iplabel-linuxtest.lock")
	journalPath = filepath.Join(runDir(), "iplabel-linuxtest.journal")
)

// LockWait is how long a process waits for another one to release the
// global lock before giving up.
const LockWait = 3 * time.Minute

func runDir() string {
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() {
		return "/run/lock"
	}
	return os.TempDir()
}

type changeKind uint8

const (
	changeDOI    changeKind = iota + 1 // key: the DOI
	changeDomain                       // key: the domain name
	changeSysctl                       // key: the sysctl; old: its value before
)

// change is one undoable change of global state, as journalled:
// "doi 16", "domain foo", "sysctl net/ipv4/cipso_rbm_strictvalid 1".
type change struct {
	kind     changeKind
	key, old string
	owner    *globalState
}

func (c change) String() string {
	switch c.kind {
	case changeDOI:
		return "doi " + c.key
	case changeDomain:
		return "domain " + c.key
	default:
		return "sysctl " + c.key + " " + c.old
	}
}

func parseChange(line string) (change, bool) {
	f := strings.Fields(line)
	switch {
	case len(f) == 2 && f[0] == "doi":
		return change{kind: changeDOI, key: f[1]}, true
	case len(f) == 2 && f[0] == "domain":
		return change{kind: changeDomain, key: f[1]}, true
	case len(f) == 3 && f[0] == "sysctl" && strings.HasPrefix(f[1], "net/ipv4/cipso_"):
		return change{kind: changeSysctl, key: f[1], old: f[2]}, true
	}
	return change{}, false
}

// undo reverts c. A DOI or mapping that is already gone is not an error.
func (c change) undo() error {
	var err error
	switch c.kind {
	case changeDOI:
		_, err = netlabelctl("cipsov4", "del", "doi:"+c.key)
	case changeDomain:
		_, err = netlabelctl("map", "del", "domain:"+c.key)
	case changeSysctl:
		return writeSysctl(c.key, c.old)
	}
	if err != nil && strings.Contains(err.Error(), "does not exist") {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("linuxtest: undoing %v: %w", c, err)
	}
	return nil
}

// proc is this process's share of the global lock.
var proc struct {
	mu      sync.Mutex // guards everything global, in this process
	refs    int        // globalStates holding the lock
	lock    *os.File
	changes []change // live changes of this process, oldest first
}

// globalState is one Namespace's changes to global state.
type globalState struct {
	held bool // counted in proc.refs
}

// acquire takes the global lock for g (once). The caller holds proc.mu.
func (g *globalState) acquire() error {
	if g.held {
		return nil
	}
	if proc.refs == 0 {
		if err := lockGlobal(); err != nil {
			return err
		}
	}
	proc.refs++
	g.held = true
	return nil
}

// lockGlobal takes the file lock and undoes what a dead process left in
// the journal.
func lockGlobal() error {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("linuxtest: lock: %w", err)
	}
	deadline := time.Now().Add(LockWait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			return fmt.Errorf("linuxtest: lock %s: %w", lockPath, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := recoverJournal(); err != nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
		return err
	}
	proc.lock = f
	return nil
}

// recoverJournal undoes, newest first, the changes a process that died
// holding the lock had journalled.
func recoverJournal() error {
	b, err := os.ReadFile(journalPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("linuxtest: journal: %w", err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var errs []error
	for _, l := range slices.Backward(lines) {
		if c, ok := parseChange(l); ok {
			errs = append(errs, c.undo())
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	return os.Remove(journalPath)
}

// writeJournal writes proc.changes to the journal.
func writeJournal() error {
	var sb strings.Builder
	for _, c := range proc.changes {
		sb.WriteString(c.String())
		sb.WriteByte('\n')
	}
	if err := os.WriteFile(journalPath, []byte(sb.String()), 0o600); err != nil {
		return fmt.Errorf("linuxtest: journal: %w", err)
	}
	return nil
}

// record journals c as g's, before it is made. The caller holds proc.mu.
func (g *globalState) record(c change) error {
	c.owner = g
	proc.changes = append(proc.changes, c)
	if err := writeJournal(); err != nil {
		proc.changes = proc.changes[:len(proc.changes)-1]
		return err
	}
	return nil
}

// forget drops the last record of c (its change failed). The caller holds
// proc.mu.
func (g *globalState) forget(c change) {
	for i := len(proc.changes) - 1; i >= 0; i-- {
		if p := proc.changes[i]; p.owner == g && p.kind == c.kind && p.key == c.key {
			proc.changes = slices.Delete(proc.changes, i, i+1)
			break
		}
	}
	_ = writeJournal()
}

// restore undoes g's changes, newest first, and releases g's hold on the
// global lock.
func (g *globalState) restore() error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !g.held {
		return nil // g never changed anything
	}
	var errs []error
	for i := len(proc.changes) - 1; i >= 0; i-- {
		c := proc.changes[i]
		if c.owner != g {
			continue
		}
		if err := c.undo(); err != nil {
			// Keep it journalled, so the next process retries.
			errs = append(errs, err)
			continue
		}
		proc.changes = slices.Delete(proc.changes, i, i+1)
	}
	if err := writeJournal(); err != nil {
		errs = append(errs, err)
	}
	g.held = false
	proc.refs--
	if proc.refs == 0 {
		if len(proc.changes) == 0 && len(errs) == 0 {
			os.Remove(journalPath)
		}
		// Whatever could not be undone stays in the journal, for the next
		// process to retry.
		unix.Flock(int(proc.lock.Fd()), unix.LOCK_UN)
		proc.lock.Close()
		proc.lock = nil
		proc.changes = nil
	}
	return errors.Join(errs...)
}

// strictValid is the global sysctl that gates the tag-1 level and
// category checks of cipso_v4_validate (net/ipv4/cipso_ipv4.c).
const strictValid = "net/ipv4/cipso_rbm_strictvalid"

// SetCIPSOStrictValid sets the global sysctl net.ipv4.cipso_rbm_strictvalid
// (it exists only in the initial network namespace and applies to all of
// them); Close restores the old value. Only one Namespace of a process may
// change it at a time.
func (ns *Namespace) SetCIPSOStrictValid(on bool) error {
	if err := ns.live(); err != nil {
		return err
	}
	v := "0"
	if on {
		v = "1"
	}
	return ns.global.setSysctl(strictValid, v)
}

func (g *globalState) setSysctl(name, value string) error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := g.acquire(); err != nil {
		return err
	}
	recorded := false
	for _, c := range proc.changes {
		if c.kind == changeSysctl && c.key == name {
			if c.owner != g {
				return fmt.Errorf("linuxtest: %s is being changed by another namespace", name)
			}
			recorded = true
		}
	}
	if !recorded {
		old, err := readSysctl(name)
		if err != nil {
			return err
		}
		if err := g.record(change{kind: changeSysctl, key: name, old: old}); err != nil {
			return err
		}
	}
	return writeSysctl(name, value)
}
