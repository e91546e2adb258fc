package netlabeltest

import (
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
)

// TestHolder: what a Holder adds is journalled, existing entries are
// refused and left alone, also when someone else adds one between the
// check and the addition, and Release removes exactly what was added.
func TestHolder(t *testing.T) {
	ForTest(t) // skips where NetLabel cannot be changed; checks the host at the end
	h := &Holder{}
	require.NoError(t, h.Acquire())
	defer h.Release()
	c := h.Client()
	doi, err := h.FreeDOI(424242)
	require.NoError(t, err)
	clp, err := h.FreeCALIPSODOI(424242)
	require.NoError(t, err)
	domain := "netlabeltest-" + strconv.Itoa(os.Getpid())
	require.NoError(t, h.AddDOI(netlabel.DOI{Number: cipso.DOI(doi), Type: cipso.MapPass, Tags: []cipso.TagType{1}}))
	require.NoError(t, h.AddCALIPSODOI(clp))
	require.NoError(t, h.AddMapping(netlabel.Mapping{Domain: domain, Protocol: netlabel.CIPSOv4, DOI: doi}))
	clpMap := netlabel.Mapping{Domain: domain + "-6", Family: netlabel.FamilyIPv6, Protocol: netlabel.CALIPSO, DOI: clp}
	require.NoError(t, h.AddMapping(clpMap))
	maps, err := c.ListMappings()
	require.NoError(t, err)
	assert.Contains(t, maps, clpMap, "a domain mapped to a CALIPSO DOI")
	key := strconv.FormatUint(uint64(doi), 10)
	b, err := os.ReadFile(JournalPath)
	require.NoError(t, err)
	assert.Equal(t, "doi "+key+"\ndomain "+domain+"\ndomain "+domain+"-6\n", string(b))
	b, err = os.ReadFile(CALIPSOJournalPath)
	require.NoError(t, err)
	assert.Equal(t, "calipso "+strconv.FormatUint(uint64(clp), 10)+"\n", string(b))

	assert.ErrorIs(t, h.AddDOI(netlabel.DOI{Number: cipso.DOI(doi), Type: cipso.MapLocal}), ErrExists)
	assert.ErrorIs(t, h.AddCALIPSODOI(clp), ErrExists)
	assert.ErrorIs(t, h.AddMapping(netlabel.Mapping{Domain: domain, Protocol: netlabel.Unlabeled}), ErrExists)
	assert.Error(t, h.AddMapping(netlabel.Mapping{Default: true, Protocol: netlabel.Unlabeled}))

	// Another process takes the number between the check and the addition.
	raced, err := h.FreeDOI(424243)
	require.NoError(t, err)
	BeforeAdd = func(Change) {
		require.NoError(t, c.AddDOI(netlabel.DOI{Number: cipso.DOI(raced), Type: cipso.MapLocal}))
	}
	err = h.AddDOI(netlabel.DOI{Number: cipso.DOI(raced), Type: cipso.MapPass, Tags: []cipso.TagType{1}})
	BeforeAdd = nil
	assert.ErrorIs(t, err, ErrExists)
	got, err := c.DOI(cipso.DOI(raced))
	require.NoError(t, err)
	assert.Equal(t, cipso.MapLocal, got.Type, "the other process's DOI is left alone")
	require.NoError(t, c.RemoveDOI(cipso.DOI(raced)))
	assert.Len(t, h.Changes(), 4)

	require.NoError(t, h.Release())
	maps, err = c.ListMappings()
	require.NoError(t, err)
	assert.NotContains(t, maps, clpMap)
	_, err = c.DOI(cipso.DOI(doi))
	assert.ErrorIs(t, err, os.ErrNotExist)
	has, err := c.HasCALIPSODOI(clp)
	require.NoError(t, err)
	assert.False(t, has)
	assert.NoFileExists(t, CALIPSOJournalPath)
}

// TestJournalRecovery: a process that died holding the lock leaves its
// journals; the next one to take the lock undoes what they list.
func TestJournalRecovery(t *testing.T) {
	outer := ForTest(t)
	c := outer.Client()
	const strict = "net/ipv4/cipso_rbm_strictvalid"
	old, err := readSysctl(strict)
	require.NoError(t, err)
	other := map[string]string{"0": "1", "1": "0"}[old]
	doi, err := outer.FreeDOI(424245)
	require.NoError(t, err)
	clp, err := outer.FreeCALIPSODOI(424245)
	require.NoError(t, err)
	// The dead process: journalled, changed, vanished (the lock is ours
	// already, so release it to simulate the next process taking it).
	require.NoError(t, os.WriteFile(JournalPath, []byte("doi "+strconv.FormatUint(uint64(doi), 10)+"\nsysctl "+strict+" "+old+"\n"), 0o600))
	require.NoError(t, os.WriteFile(CALIPSOJournalPath, []byte("calipso "+strconv.FormatUint(uint64(clp), 10)+"\n"), 0o600))
	require.NoError(t, c.AddDOI(netlabel.DOI{Number: cipso.DOI(doi), Type: cipso.MapPass, Tags: []cipso.TagType{1}}))
	require.NoError(t, c.AddCALIPSODOI(clp))
	require.NoError(t, writeSysctl(strict, other))
	proc.mu.Lock()
	err = recoverJournals()
	proc.mu.Unlock()
	require.NoError(t, err)

	_, err = c.DOI(cipso.DOI(doi))
	assert.ErrorIs(t, err, os.ErrNotExist, "DOI of the dead process removed")
	has, err := c.HasCALIPSODOI(clp)
	require.NoError(t, err)
	assert.False(t, has, "CALIPSO DOI of the dead process removed")
	v, err := readSysctl(strict)
	require.NoError(t, err)
	assert.Equal(t, old, v, "sysctl of the dead process restored")
	assert.NoFileExists(t, JournalPath)
	assert.NoFileExists(t, CALIPSOJournalPath)
}
