package linuxtest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// calipsoJournalPath journals the CALIPSO DOIs this process added, as
// journalPath does for the CIPSO ones: whoever takes the global lock next
// after a crash removes what is listed.
var calipsoJournalPath = filepath.Join(runDir(), "iplabel-linuxtest-calipso.journal")

// calipsoAdded are the CALIPSO DOIs of this process, oldest first. Guarded
// by proc.mu.
var calipsoAdded []uint32

// ConfigureCALIPSO adds a CALIPSO pass DOI ("netlabelctl calipso add pass
// doi:N") for each wished-for number, or a free number where one is taken,
// as [Namespace.ConfigureDOIs] does for CIPSO, and returns the numbers
// used. NetLabel is global: only new DOIs are added, never one that
// exists, and tb's cleanup removes them again (before the namespace is
// closed, so under the same global lock). A process that died before its
// cleanup leaves a journal that the next call of this function undoes.
//
// No domain mapping is added: the receive-path check, calipso_validate,
// only looks the DOI up (checked on Linux 6.18, TestCALIPSONoMappingNeeded).
func (ns *Namespace) ConfigureCALIPSO(tb testing.TB, want ...uint32) (DOIs, error) {
	unlock, err := ns.enter()
	if err != nil {
		return nil, err
	}
	defer unlock()
	if len(calipsoAdded) == 0 {
		if err := recoverCALIPSOJournal(); err != nil {
			return nil, err
		}
	}
	used := DOIs{}
	var mine []uint32
	tb.Cleanup(func() {
		proc.mu.Lock()
		defer proc.mu.Unlock()
		for _, d := range slices.Backward(mine) {
			if err := delCALIPSO(d); err != nil {
				tb.Errorf("linuxtest: %v", err)
				continue
			}
			calipsoAdded = slices.DeleteFunc(calipsoAdded, func(x uint32) bool { return x == d })
		}
		if err := writeCALIPSOJournal(); err != nil {
			tb.Errorf("linuxtest: %v", err)
		}
	})
	for _, w := range want {
		if _, dup := used[w]; dup {
			return used, fmt.Errorf("linuxtest: CALIPSO DOI %d asked for twice", w)
		}
		existing, err := listCALIPSO()
		if err != nil {
			return used, err
		}
		for k := 0; ; k++ {
			if k == doiCandidates {
				return used, fmt.Errorf("linuxtest: no free CALIPSO DOI found in %d tries", k)
			}
			d := doiCandidate(w, k)
			if _, taken := existing[d]; taken || d == 0 || slices.Contains(mine, d) {
				continue
			}
			calipsoAdded = append(calipsoAdded, d)
			if err := writeCALIPSOJournal(); err != nil {
				calipsoAdded = calipsoAdded[:len(calipsoAdded)-1]
				return used, err
			}
			_, err := netlabelctl("calipso", "add", "pass", "doi:"+strconv.FormatUint(uint64(d), 10))
			if err != nil {
				calipsoAdded = calipsoAdded[:len(calipsoAdded)-1]
				_ = writeCALIPSOJournal()
				if strings.Contains(err.Error(), "exists") {
					continue // someone else's, added just now
				}
				return used, fmt.Errorf("linuxtest: netlabelctl calipso add pass doi:%d: %w", d, err)
			}
			mine = append(mine, d)
			used[w] = d
			break
		}
	}
	return used, nil
}

// HostCALIPSO returns the CALIPSO DOIs configured in the kernel that this
// process did not add, for a test's model of the kernel. Call it after
// ConfigureCALIPSO, whose lock keeps other users of this package out.
func (ns *Namespace) HostCALIPSO() ([]uint32, error) {
	if err := ns.live(); err != nil {
		return nil, err
	}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	all, err := listCALIPSO()
	if err != nil {
		return nil, err
	}
	var out []uint32
	for d := range all {
		if !slices.Contains(calipsoAdded, d) {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

// listCALIPSO parses "netlabelctl calipso list": "16,PASS_THROUGH ...",
// each DOI with its mapping type.
func listCALIPSO() (map[uint32]string, error) {
	out, err := netlabelctl("calipso", "list")
	if err != nil {
		return nil, fmt.Errorf("linuxtest: netlabelctl calipso list: %w", err)
	}
	dois, err := parseDOIList(out)
	if err != nil {
		return nil, fmt.Errorf("linuxtest: %w", err)
	}
	return dois, nil
}

// delCALIPSO removes a DOI; one already gone is not an error.
func delCALIPSO(d uint32) error {
	_, err := netlabelctl("calipso", "del", "doi:"+strconv.FormatUint(uint64(d), 10))
	if err != nil && !strings.Contains(err.Error(), "does not exist") {
		return fmt.Errorf("netlabelctl calipso del doi:%d: %w", d, err)
	}
	return nil
}

func writeCALIPSOJournal() error {
	if len(calipsoAdded) == 0 {
		if err := os.Remove(calipsoJournalPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("linuxtest: calipso journal: %w", err)
		}
		return nil
	}
	var sb strings.Builder
	for _, d := range calipsoAdded {
		fmt.Fprintf(&sb, "calipso %d\n", d)
	}
	if err := os.WriteFile(calipsoJournalPath, []byte(sb.String()), 0o600); err != nil {
		return fmt.Errorf("linuxtest: calipso journal: %w", err)
	}
	return nil
}

// recoverCALIPSOJournal removes the DOIs a dead process journalled. The
// caller holds the global lock and this process has added none.
func recoverCALIPSOJournal() error {
	b, err := os.ReadFile(calipsoJournalPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("linuxtest: calipso journal: %w", err)
	}
	var errs []error
	for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		f := strings.Fields(l)
		if len(f) != 2 || f[0] != "calipso" {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 32)
		if err != nil {
			continue
		}
		errs = append(errs, delCALIPSO(uint32(n)))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("linuxtest: undoing the calipso journal: %w", err)
	}
	return os.Remove(calipsoJournalPath)
}
