// Package netlabeltest lets tests change the kernel's NetLabel
// configuration and leave it exactly as they found it, the way
// net/http/httptest gives tests a server of their own. NetLabel (its CIPSO
// and CALIPSO DOIs, its domain mappings) and the cipso_* sysctls are
// global to the machine, shared by every process and every network
// namespace, and a host that does labelled networking has a configuration
// of its own; tests change them through [netlabel.Client] and this
// package, never through netlabelctl.
//
// To start, call [ForTest]: it skips the test with one line saying what
// is missing (root, NetLabel), takes the machine-wide lock and returns a
// [Holder] whose changes are undone when the test ends, after which it
// checks that the host's configuration ([ReadHostState]) is what it was.
// Code that manages its own lifetime, as ipopt/linuxtest's Namespace does,
// uses a Holder of its own: [Holder.Acquire] takes the lock and
// [Holder.Release] undoes what the Holder changed and lets go.
//
// To change the configuration, [Holder.AddDOI], [Holder.AddCALIPSODOI],
// [Holder.AddMapping] and [Holder.SetSysctl] journal the change, then make
// it; a DOI or domain that exists already is refused ([ErrExists]), never
// modified or removed. Tests that make a change themselves (one that is
// meant to fail, say) journal it first with [Holder.Record].
//
// To pick DOI numbers the host does not use, [Holder.FreeDOI] and
// [Holder.FreeCALIPSODOI] take a wished-for number and give it, or the
// first free one of a sequence that depends only on the wish
// ([DOICandidate]), so a run on a given host is repeatable. Nothing is
// reserved: add the DOI (under the lock) and try the next candidate when
// someone else took it ([ErrExists]).
//
// The lock is an exclusive flock on a file in /run/lock (or the temporary
// directory), held from the first Acquire of a process until its last
// Holder is released, so that test binaries that go test runs in parallel
// take turns; [LockWait] bounds the wait. Before each change the process
// writes it to a journal beside the lock, one change a line ("doi 16",
// "domain NAME", "sysctl net/ipv4/cipso_rbm_strictvalid 1", and "calipso
// 16" in a journal of its own). A process that dies holding the lock
// leaves the journal behind, and the next one to take the lock undoes
// what it lists, newest first, before anything else.
//
// It needs Linux; elsewhere [Holder.Acquire] fails and [ForTest] skips.
package netlabeltest
