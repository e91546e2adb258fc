package netlabeltest

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strconv"
	"testing"

	"github.com/iplabel/iplabel/cipso/netlabel"
)

// AddDOI adds CIPSO DOI d as h's change: it acquires h, checks that the
// kernel has no DOI of that number, journals it and adds it. A DOI that
// exists (also one that someone else adds between the check and the
// addition) is refused with an error for which errors.Is(err, ErrExists)
// holds, and left alone.
func (h *Holder) AddDOI(d netlabel.DOI) error {
	return h.add(Change{Kind: DOI, Key: strconv.FormatUint(uint64(d.Number), 10)}, func(c *netlabel.Client) error {
		if _, err := c.DOI(d.Number); err == nil {
			return os.ErrExist
		} else if !errors.Is(err, os.ErrNotExist) {
			return err
		}
		return nil
	}, func(c *netlabel.Client) error { return c.AddDOI(d) })
}

// AddCALIPSODOI adds the CALIPSO DOI n as h's change, as AddDOI does for
// CIPSO.
func (h *Holder) AddCALIPSODOI(n uint32) error {
	return h.add(Change{Kind: CALIPSODOI, Key: strconv.FormatUint(uint64(n), 10)}, func(c *netlabel.Client) error {
		has, err := c.HasCALIPSODOI(n)
		if err == nil && has {
			err = os.ErrExist
		}
		return err
	}, func(c *netlabel.Client) error { return c.AddCALIPSODOI(n) })
}

// AddMapping adds the mapping of a domain as h's change. The default
// mapping is the host's and is refused, as is a domain that has a
// mapping already (ErrExists).
func (h *Holder) AddMapping(m netlabel.Mapping) error {
	if m.Default || m.Domain == "" {
		return errors.New("netlabeltest: only the mapping of a named domain can be added (the default mapping is the host's)")
	}
	return h.add(Change{Kind: Domain, Key: m.Domain}, func(c *netlabel.Client) error {
		ms, err := c.ListMappings()
		if err == nil && slices.ContainsFunc(ms, func(o netlabel.Mapping) bool { return !o.Default && o.Domain == m.Domain }) {
			err = os.ErrExist
		}
		return err
	}, func(c *netlabel.Client) error { return c.AddMapping(m) })
}

// BeforeAdd, if set, runs between the check that an addition is possible
// and the addition, for tests of code built on this package that stage a
// race: another process adds the DOI in between.
var BeforeAdd func(Change)

// add checks, journals and makes one change.
func (h *Holder) add(ch Change, check, apply func(*netlabel.Client) error) error {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := h.acquire(); err != nil {
		return err
	}
	what := map[Kind]string{DOI: "CIPSO DOI ", CALIPSODOI: "CALIPSO DOI ", Domain: "domain "}[ch.Kind] + ch.Key
	if err := check(proc.client); errors.Is(err, os.ErrExist) {
		return fmt.Errorf("netlabeltest: %s is configured already; refusing to touch it: %w", what, ErrExists)
	} else if err != nil {
		return fmt.Errorf("netlabeltest: %w", err)
	}
	// Journal first, so that a crash between the two leaves a record.
	if err := h.record(ch); err != nil {
		return err
	}
	if BeforeAdd != nil {
		BeforeAdd(ch)
	}
	if err := apply(proc.client); err != nil {
		h.forget(ch)
		if errors.Is(err, os.ErrExist) {
			// Added by someone else since the check: theirs.
			return fmt.Errorf("netlabeltest: %s is configured already; refusing to touch it: %w (%w)", what, ErrExists, err)
		}
		return fmt.Errorf("netlabeltest: %w", err)
	}
	return nil
}

// SetSysctl sets the global sysctl name (a path under /proc/sys,
// net/ipv4/cipso_*, which exist in the initial network namespace only) as
// h's change; h's release restores the value it had before h first set
// it. Only one Holder of a process may change a sysctl at a time.
func (h *Holder) SetSysctl(name, value string) error {
	if _, ok := ParseChange("sysctl " + name + " 0"); !ok {
		return fmt.Errorf("netlabeltest: %s is not a net/ipv4/cipso_* sysctl", name)
	}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := h.acquire(); err != nil {
		return err
	}
	recorded := false
	for i, c := range proc.changes {
		if c.Kind == Sysctl && c.Key == name {
			if proc.owners[i] != h {
				return fmt.Errorf("netlabeltest: %s is being changed by another holder", name)
			}
			recorded = true
		}
	}
	if !recorded {
		old, err := readSysctl(name)
		if err != nil {
			return err
		}
		if err := h.record(Change{Kind: Sysctl, Key: name, Old: old}); err != nil {
			return err
		}
	}
	return writeSysctl(name, value)
}

// FreeDOI returns want if the kernel has no CIPSO DOI of that number, or
// else the first free number of the sequence [DOICandidate] gives. It
// acquires h; nothing is reserved.
func (h *Holder) FreeDOI(want uint32) (uint32, error) {
	return h.free(want, func(c *netlabel.Client) ([]uint32, error) {
		dois, err := c.ListDOIs()
		var out []uint32
		for _, d := range dois {
			out = append(out, uint32(d.Number))
		}
		return out, err
	})
}

// FreeCALIPSODOI is FreeDOI for CALIPSO DOIs.
func (h *Holder) FreeCALIPSODOI(want uint32) (uint32, error) {
	return h.free(want, (*netlabel.Client).ListCALIPSODOIs)
}

func (h *Holder) free(want uint32, list func(*netlabel.Client) ([]uint32, error)) (uint32, error) {
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := h.acquire(); err != nil {
		return 0, err
	}
	taken, err := list(proc.client)
	if err != nil {
		return 0, fmt.Errorf("netlabeltest: %w", err)
	}
	for k := range DOICandidates {
		if d := DOICandidate(want, k); d != 0 && !slices.Contains(taken, d) {
			return d, nil
		}
	}
	return 0, fmt.Errorf("netlabeltest: no free DOI found in %d tries", DOICandidates)
}

// HostState is NetLabel's configuration as the client lists it.
type HostState struct {
	DOIs        []netlabel.DOI
	CALIPSODOIs []uint32 // nil where the kernel has no CALIPSO
	Mappings    []netlabel.Mapping
}

// ReadHostState lists the configuration.
func ReadHostState(c *netlabel.Client) (HostState, error) {
	var (
		s   HostState
		err error
	)
	if s.DOIs, err = c.ListDOIs(); err != nil {
		return s, err
	}
	if s.CALIPSODOIs, err = c.ListCALIPSODOIs(); err != nil && !errors.Is(err, netlabel.ErrNoCALIPSO) {
		return s, err
	}
	if s.Mappings, err = c.ListMappings(); err != nil {
		return s, err
	}
	return s, nil
}

// Equal reports whether s and o list the same configuration, in the same
// order.
func (s HostState) Equal(o HostState) bool {
	return fmt.Sprint(s) == fmt.Sprint(o)
}

// ForTest skips tb, with one line saying what is missing, unless NetLabel
// can be changed here (root, a kernel with NetLabel, the initial network
// namespace). Otherwise it acquires a Holder for tb and reads the host's
// configuration; when tb ends it releases the Holder (undoing its
// changes) and fails tb unless the configuration is what it was.
func ForTest(tb testing.TB) *Holder {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("netlabeltest: changing NetLabel needs root (CAP_NET_ADMIN)")
	}
	c, err := netlabel.Dial()
	if errors.Is(err, netlabel.ErrNoNetLabel) {
		tb.Skip("netlabeltest: needs a kernel with NetLabel (CONFIG_NETLABEL) in this network namespace")
	}
	if err != nil {
		tb.Fatalf("netlabeltest: %v", err)
	}
	h := &Holder{}
	if err := h.Acquire(); err != nil {
		c.Close()
		tb.Fatal(err)
	}
	before, err := ReadHostState(c)
	if err != nil {
		h.Release()
		c.Close()
		tb.Fatalf("netlabeltest: %v", err)
	}
	tb.Cleanup(func() {
		defer c.Close()
		// The state after is read with the lock still held (by a second
		// Holder), so that another process's test cannot change NetLabel
		// between h's undo and the comparison.
		var keep Holder
		if err := keep.Acquire(); err != nil {
			tb.Errorf("%v", err)
		} else {
			defer keep.Release()
		}
		if err := h.Release(); err != nil {
			tb.Errorf("%v", err)
		}
		after, err := ReadHostState(c)
		if err != nil {
			tb.Errorf("netlabeltest: %v", err)
			return
		}
		if !before.Equal(after) {
			tb.Errorf("netlabeltest: the host's NetLabel configuration changed:\nbefore %+v\nafter  %+v", before, after)
		}
	})
	return h
}
