package netlabeltest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
)

// The lock and the journals. Their names predate this package (they
// were ipopt/linuxtest's), so that test binaries built from older trees
// still take turns with this one and undo each other's journals.
var (
	// LockPath is the file whose flock serialises the processes that
	// change NetLabel.
	LockPath = filepath.Join(runDir(), "iplabel-linuxtest.lock")
	// JournalPath lists the CIPSO DOIs, domain mappings and sysctls the
	// lock holder changed.
	JournalPath = filepath.Join(runDir(), "iplabel-linuxtest.journal")
	// CALIPSOJournalPath lists the CALIPSO DOIs the lock holder added.
	CALIPSOJournalPath = filepath.Join(runDir(), "iplabel-linuxtest-calipso.journal")
)

// LockWait is how long a process waits for another one to release the
// lock before giving up.
const LockWait = 3 * time.Minute

func runDir() string {
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() {
		return "/run/lock"
	}
	return os.TempDir()
}

// proc is this process's share of the lock.
var proc struct {
	mu      sync.Mutex // guards everything global, in this process
	refs    int        // Holders holding the lock
	lock    *os.File
	client  *netlabel.Client // dialled with the first Acquire
	changes []Change         // live changes of this process, oldest first
	owners  []*Holder        // owners[i] made changes[i]
}

// Holder is one user's hold on the lock and its changes: a test's
// ([ForTest]) or a longer-lived object's, such as an ipopt/linuxtest
// Namespace. The zero value holds nothing. Its methods may be called from
// several goroutines. They must run in the initial network namespace
// (NetLabel answers there only, and the cipso_* sysctls exist there only):
// from an ordinary goroutine, not from a thread locked into another
// namespace.
type Holder struct {
	held bool // counted in proc.refs
}

// Acquire takes the lock for h, once: the first Holder of the process
// waits up to [LockWait] for the file lock, dials NetLabel and undoes what
// a dead process journalled. A Holder that holds it already returns nil.
func (h *Holder) Acquire() error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return h.acquire()
}

// acquire is Acquire; the caller holds proc.mu.
func (h *Holder) acquire() error {
	if h.held {
		return nil
	}
	if proc.refs == 0 {
		if err := lockGlobal(); err != nil {
			return err
		}
	}
	proc.refs++
	h.held = true
	return nil
}

// lockGlobal takes the file lock, dials and undoes the journals.
func lockGlobal() error {
	c, err := netlabel.Dial()
	if err != nil {
		return fmt.Errorf("netlabeltest: %w", err)
	}
	f, err := os.OpenFile(LockPath, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		c.Close()
		return fmt.Errorf("netlabeltest: lock: %w", err)
	}
	deadline := time.Now().Add(LockWait)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		if err != unix.EWOULDBLOCK || time.Now().After(deadline) {
			f.Close()
			c.Close()
			return fmt.Errorf("netlabeltest: lock %s: %w", LockPath, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	proc.client = c
	if err := recoverJournals(); err != nil {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
		c.Close()
		proc.client = nil
		return err
	}
	proc.lock = f
	return nil
}

// recoverJournals undoes, newest first, the changes of a process that
// died holding the lock.
func recoverJournals() error {
	for _, path := range []string{JournalPath, CALIPSOJournalPath} {
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("netlabeltest: journal: %w", err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		var errs []error
		for _, l := range slices.Backward(lines) {
			if c, ok := ParseChange(l); ok {
				errs = append(errs, c.undo())
			}
		}
		if err := errors.Join(errs...); err != nil {
			return err
		}
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("netlabeltest: journal: %w", err)
		}
	}
	return nil
}

// writeJournals writes proc.changes: the CALIPSO DOIs to their journal,
// the rest to the other. A journal with nothing to list is removed.
func writeJournals() error {
	var main, clp strings.Builder
	for _, c := range proc.changes {
		sb := &main
		if c.Kind == CALIPSODOI {
			sb = &clp
		}
		sb.WriteString(c.String())
		sb.WriteByte('\n')
	}
	for _, j := range []struct {
		path string
		text string
	}{{JournalPath, main.String()}, {CALIPSOJournalPath, clp.String()}} {
		if j.text == "" {
			if err := os.Remove(j.path); err != nil && !errors.Is(err, os.ErrNotExist) {
				return fmt.Errorf("netlabeltest: journal: %w", err)
			}
			continue
		}
		if err := os.WriteFile(j.path, []byte(j.text), 0o600); err != nil {
			return fmt.Errorf("netlabeltest: journal: %w", err)
		}
	}
	return nil
}

// Client is the process's NetLabel client, for reading the configuration
// and for changes that [Holder.Record] journalled first. It is nil until
// h has been acquired.
func (h *Holder) Client() *netlabel.Client {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !h.held {
		return nil
	}
	return proc.client
}

// Record journals c as h's change, before the caller makes it; h's
// release undoes it (what is gone by then is no error). It acquires h.
func (h *Holder) Record(c Change) error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := h.acquire(); err != nil {
		return err
	}
	return h.record(c)
}

// record is Record; the caller holds proc.mu and h.
func (h *Holder) record(c Change) error {
	proc.changes = append(proc.changes, c)
	proc.owners = append(proc.owners, h)
	if err := writeJournals(); err != nil {
		proc.changes = proc.changes[:len(proc.changes)-1]
		proc.owners = proc.owners[:len(proc.owners)-1]
		return err
	}
	return nil
}

// forget drops h's last record of c (its change failed); the caller
// holds proc.mu.
func (h *Holder) forget(c Change) {
	for i := len(proc.changes) - 1; i >= 0; i-- {
		if proc.owners[i] == h && proc.changes[i] == c {
			proc.changes = slices.Delete(proc.changes, i, i+1)
			proc.owners = slices.Delete(proc.owners, i, i+1)
			break
		}
	}
	_ = writeJournals()
}

// Changes gives h's live changes, oldest first.
func (h *Holder) Changes() []Change {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	var out []Change
	for i, c := range proc.changes {
		if proc.owners[i] == h {
			out = append(out, c)
		}
	}
	return out
}

// ProcessChanges gives the live changes of every Holder of this process,
// oldest first.
func ProcessChanges() []Change {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	return slices.Clone(proc.changes)
}

// Undo undoes h's change c now (what is gone already is no error) and
// drops it from the journal. A change h did not record is an error.
func (h *Holder) Undo(c Change) error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	for i := len(proc.changes) - 1; i >= 0; i-- {
		if proc.owners[i] == h && proc.changes[i] == c {
			if err := c.undo(); err != nil {
				return err
			}
			proc.changes = slices.Delete(proc.changes, i, i+1)
			proc.owners = slices.Delete(proc.owners, i, i+1)
			return writeJournals()
		}
	}
	return fmt.Errorf("netlabeltest: undo %v: not a change of this holder", c)
}

// Release undoes h's changes, newest first, and lets go of h's hold on the
// lock; the last Holder of the process releases the file lock. What cannot
// be undone stays journalled, for the next lock holder to retry, and is
// reported. Releasing a Holder that holds nothing does nothing.
func (h *Holder) Release() error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if !h.held {
		return nil
	}
	var errs []error
	for i := len(proc.changes) - 1; i >= 0; i-- {
		if proc.owners[i] != h {
			continue
		}
		if err := proc.changes[i].undo(); err != nil {
			errs = append(errs, err)
			continue
		}
		proc.changes = slices.Delete(proc.changes, i, i+1)
		proc.owners = slices.Delete(proc.owners, i, i+1)
	}
	if err := writeJournals(); err != nil {
		errs = append(errs, err)
	}
	h.held = false
	proc.refs--
	if proc.refs == 0 {
		unix.Flock(int(proc.lock.Fd()), unix.LOCK_UN)
		proc.lock.Close()
		proc.lock = nil
		proc.client.Close()
		proc.client = nil
		proc.changes, proc.owners = nil, nil
	}
	return errors.Join(errs...)
}

// undo reverts c. A DOI or mapping that is already gone is not an error.
// The caller holds proc.mu with the lock taken.
func (c Change) undo() error {
	var err error
	switch c.Kind {
	case DOI, CALIPSODOI:
		var n uint64
		n, err = strconv.ParseUint(c.Key, 10, 32)
		if err == nil && c.Kind == DOI {
			err = proc.client.RemoveDOI(cipso.DOI(n))
		} else if err == nil {
			err = proc.client.RemoveCALIPSODOI(uint32(n))
		}
	case Domain:
		err = proc.client.RemoveMapping(c.Key)
	case Sysctl:
		err = writeSysctl(c.Key, c.Old)
	default:
		err = errors.New("unknown kind of change")
	}
	if errors.Is(err, os.ErrNotExist) && c.Kind != Sysctl {
		err = nil
	}
	if err != nil {
		return fmt.Errorf("netlabeltest: undoing %v: %w", c, err)
	}
	return nil
}

func readSysctl(name string) (string, error) {
	b, err := os.ReadFile("/proc/sys/" + name)
	if err != nil {
		return "", fmt.Errorf("netlabeltest: sysctl: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(name, value string) error {
	if err := os.WriteFile("/proc/sys/"+name, []byte(value+"\n"), 0); err != nil {
		return fmt.Errorf("netlabeltest: sysctl: %w", err)
	}
	return nil
}
