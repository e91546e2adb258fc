package linuxtest

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"

	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
)

// ConfigureCALIPSO adds a CALIPSO pass DOI (what netlabelctl "calipso add
// pass doi:N" adds) for each wished-for number, or a free number where one
// is taken, as [Namespace.ConfigureDOIs] does for CIPSO, and returns the
// numbers used. NetLabel is global: only new DOIs are added, never one
// that exists, and tb's cleanup removes them again (before the namespace
// is closed, so under the same global lock). A process that died before
// its cleanup leaves a journal that the next user of the lock undoes.
//
// No domain mapping is added: the receive-path check, calipso_validate,
// only looks the DOI up (checked on Linux 6.18, TestCALIPSONoMappingNeeded).
func (ns *Namespace) ConfigureCALIPSO(tb testing.TB, want ...uint32) (DOIs, error) {
	c, err := ns.client()
	if err != nil {
		return nil, err
	}
	used := DOIs{}
	var mine []netlabeltest.Change
	tb.Cleanup(func() {
		for _, ch := range slices.Backward(mine) {
			if err := ns.global.h.Undo(ch); err != nil {
				tb.Errorf("linuxtest: %v", err)
			}
		}
	})
	for _, w := range want {
		if _, dup := used[w]; dup {
			return used, fmt.Errorf("linuxtest: CALIPSO DOI %d asked for twice", w)
		}
		existing, err := c.ListCALIPSODOIs()
		if err != nil {
			return used, fmt.Errorf("linuxtest: %w", err)
		}
		for k := 0; ; k++ {
			if k == netlabeltest.DOICandidates {
				return used, fmt.Errorf("linuxtest: no free CALIPSO DOI found in %d tries", k)
			}
			d := netlabeltest.DOICandidate(w, k)
			ch := netlabeltest.Change{Kind: netlabeltest.CALIPSODOI, Key: strconv.FormatUint(uint64(d), 10)}
			if d == 0 || slices.Contains(existing, d) || slices.Contains(mine, ch) {
				continue
			}
			err := ns.global.h.AddCALIPSODOI(d)
			if errors.Is(err, netlabeltest.ErrExists) {
				continue // someone else's, added just now
			}
			if err != nil {
				return used, fmt.Errorf("linuxtest: calipso add pass doi:%d: %w", d, err)
			}
			mine = append(mine, ch)
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
	c, err := ns.client()
	if err != nil {
		return nil, err
	}
	all, err := c.ListCALIPSODOIs()
	if err != nil {
		return nil, fmt.Errorf("linuxtest: %w", err)
	}
	mine := map[string]bool{}
	for _, ch := range netlabeltest.ProcessChanges() {
		if ch.Kind == netlabeltest.CALIPSODOI {
			mine[ch.Key] = true
		}
	}
	var out []uint32
	for _, d := range all {
		if !mine[strconv.FormatUint(uint64(d), 10)] {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}
