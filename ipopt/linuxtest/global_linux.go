package linuxtest

import (
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
)

// Global kernel state (NetLabel, the cipso_* sysctls) is shared by every
// process on the machine. A Namespace changes it through a
// netlabeltest.Holder of its own: the first change takes the machine-wide
// lock (held until the process's last Namespace that changed anything is
// closed, so test binaries that go test runs in parallel take turns) and
// every change is journalled before it is made, for the next lock holder
// to undo if this process dies.

// LockWait is how long a process waits for another one to release the
// global lock before giving up.
const LockWait = netlabeltest.LockWait

// globalState is one Namespace's changes to global state.
type globalState struct {
	h netlabeltest.Holder
}

// restore undoes g's changes, newest first, and releases g's hold on the
// global lock.
func (g *globalState) restore() error { return g.h.Release() }

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
	return ns.global.h.SetSysctl(strictValid, v)
}
