package netlabeltest

import (
	"errors"
	"strings"
)

// ErrExists marks a refusal to add what the kernel has already: a DOI or
// a domain mapping that is someone else's, never to be touched.
var ErrExists = errors.New("netlabeltest: configured already")

// Kind is what a [Change] changed.
type Kind uint8

// The kinds of change, as the journal names them.
const (
	DOI        Kind = iota + 1 // "doi N": a CIPSO DOI added
	Domain                     // "domain NAME": a domain mapping added
	Sysctl                     // "sysctl net/ipv4/cipso_NAME OLD": a global sysctl set, OLD its value before
	CALIPSODOI                 // "calipso N": a CALIPSO DOI added
)

// Change is one undoable change of global state, as journalled. Key is
// the DOI number, the domain or the sysctl's path under /proc/sys; Old is
// a sysctl's value before.
type Change struct {
	Kind     Kind
	Key, Old string
}

// String gives c's journal line, without the newline.
func (c Change) String() string {
	switch c.Kind {
	case DOI:
		return "doi " + c.Key
	case Domain:
		return "domain " + c.Key
	case CALIPSODOI:
		return "calipso " + c.Key
	default:
		return "sysctl " + c.Key + " " + c.Old
	}
}

// ParseChange reads a journal line; ok is false for a line that is none
// (a sysctl is only ever one of net/ipv4/cipso_*).
func ParseChange(line string) (c Change, ok bool) {
	f := strings.Fields(line)
	switch {
	case len(f) == 2 && f[0] == "doi":
		return Change{Kind: DOI, Key: f[1]}, true
	case len(f) == 2 && f[0] == "domain":
		return Change{Kind: Domain, Key: f[1]}, true
	case len(f) == 2 && f[0] == "calipso":
		return Change{Kind: CALIPSODOI, Key: f[1]}, true
	case len(f) == 3 && f[0] == "sysctl" && strings.HasPrefix(f[1], "net/ipv4/cipso_"):
		return Change{Kind: Sysctl, Key: f[1], Old: f[2]}, true
	}
	return Change{}, false
}

// DOICandidates is how many numbers [Holder.FreeDOI] tries for one wish.
const DOICandidates = 64

// DOICandidate returns the k-th number tried for a DOI wished to be want:
// want itself, then numbers spread over 1..2^31-1 that depend only on want
// and k (so a run on a given host is repeatable).
func DOICandidate(want uint32, k int) uint32 {
	if k == 0 {
		return want
	}
	x := uint64(want)<<32 | uint64(k)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	return uint32(x%(1<<31-1)) + 1
}
