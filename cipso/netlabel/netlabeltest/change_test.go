package netlabeltest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestDOICandidates: the first candidate is the wish, the others are
// valid DOIs (1..2^31-1), repeatable, and distinct from each other.
func TestDOICandidates(t *testing.T) {
	for _, want := range []uint32{1, 5, 16, 0x12345678, 0xFFFFFFFF} {
		assert.Equal(t, want, DOICandidate(want, 0))
		seen := map[uint32]bool{}
		for k := 1; k < DOICandidates; k++ {
			d := DOICandidate(want, k)
			assert.NotZero(t, d)
			assert.Less(t, d, uint32(1<<31))
			assert.Equal(t, d, DOICandidate(want, k), "repeatable")
			assert.False(t, seen[d], "want %d: candidate %d repeats %d", want, k, d)
			seen[d] = true
		}
	}
}

// TestParseChange: the journal lines read back as the changes written,
// and lines of other shapes (a sysctl outside net/ipv4/cipso_*) are none.
func TestParseChange(t *testing.T) {
	for _, line := range []string{"doi 16", "domain foo", "calipso 7", "sysctl net/ipv4/cipso_rbm_strictvalid 1"} {
		c, ok := ParseChange(line)
		assert.True(t, ok, line)
		assert.Equal(t, line, c.String())
	}
	for _, line := range []string{"", "doi", "doi 1 2", "sysctl net/ipv4/ip_forward 1", "sysctl net/ipv4/cipso_cache_enable", "map 1"} {
		_, ok := ParseChange(line)
		assert.False(t, ok, line)
	}
}
