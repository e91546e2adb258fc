package linuxtest

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"

	"fmt"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// hostOwnDOIs stand for what the owner of a labelled-networking host has
// configured: DOIs 16, 7 and 5, numbers the tests would like to use.
var hostOwnDOIs = []string{
	"cipsov4 add pass doi:16 tags:1,2,5",
	"cipsov4 add trans doi:7 tags:1 levels:0=0,1=3 categories:0=0,1=5",
	"cipsov4 add local doi:5",
}

// netlabelState is what the host's owner sees: both lists, verbatim.
func netlabelState(t *testing.T) string {
	t.Helper()
	c, err := netlabel.Dial()
	require.NoError(t, err)
	defer c.Close()
	s, err := netlabeltest.ReadHostState(c)
	require.NoError(t, err)
	return fmt.Sprintf("%+v", s)
}

// withHostDOIs configures hostOwnDOIs (those that are free: a DOI the
// host really has is left alone and counts as its own) in a namespace of
// their own, closed when the test ends, and returns the NetLabel state
// with them, which the test must leave exactly as it found it, and the
// lines it added (the others' DOIs are configured as the host has them).
func withHostDOIs(t *testing.T) (state string, added map[string]bool) {
	t.Helper()
	host := ForTest(t)
	added = map[string]bool{}
	for _, line := range hostOwnDOIs {
		err := host.ConfigureNetLabel(line)
		if errors.Is(err, errExists) {
			continue
		}
		require.NoError(t, err)
		added[line] = true
	}
	return netlabelState(t), added
}

// TestConfigureDOIsAvoidsHostDOIs: on a host whose NetLabel already holds
// DOIs 16, 7 and 5, ConfigureDOIs leaves them alone and configures the
// tests' DOIs under free numbers, also when another process takes the
// number it picked between its check and its netlabelctl call; HostDOIs
// describes the host's DOIs as they were configured; the kernel verdicts
// follow the numbers used; and after Close both netlabelctl lists are
// byte for byte what they were.
func TestConfigureDOIsAvoidsHostDOIs(t *testing.T) {
	needKernel(t)
	before, added := withHostDOIs(t)

	ns, err := New()
	require.NoError(t, err)
	defer ns.Close()

	// Another process adds the first number tried for the second DOI
	// (testDOIs[1], local, wish 17), whatever that number is on this
	// host, right after the check that it is free; it must stay, and be
	// that process's.
	hostHad, err := listDOITypes()
	require.NoError(t, err)
	var raced string
	adds := 0
	other, err := netlabel.Dial() // the other process
	require.NoError(t, err)
	defer other.Close()
	addLocal := func(key string) error {
		n, err := strconv.ParseUint(key, 10, 32)
		if err != nil {
			return err
		}
		return other.AddDOI(netlabel.DOI{Number: cipso.DOI(n), Type: cipso.MapLocal})
	}
	delDOI := func(key string) error {
		n, err := strconv.ParseUint(key, 10, 32)
		if err != nil {
			return err
		}
		return other.RemoveDOI(cipso.DOI(n))
	}
	netlabeltest.BeforeAdd = func(c netlabeltest.Change) {
		if c.Kind != netlabeltest.DOI {
			return
		}
		if adds++; adds == 2 {
			raced = c.Key
			require.NoError(t, addLocal(c.Key))
		}
	}
	defer func() { netlabeltest.BeforeAdd = nil }()
	defer func() { // the other process's DOI goes when the test does
		if raced != "" {
			_ = delDOI(raced)
		}
	}()
	dois, err := ns.ConfigureDOIs(append(slices.Clone(testDOIs), "cipsov4 add pass doi:5 tags:1", "cipsov4 add pass doi:7 tags:5")...)
	netlabeltest.BeforeAdd = nil
	require.NoError(t, err)
	require.NotEmpty(t, raced, "the race was staged")
	racedDOI, err := strconv.ParseUint(raced, 10, 32)
	require.NoError(t, err)
	for _, want := range []uint32{16, 5, 7} {
		assert.NotEqual(t, want, dois.Of(want), "DOI %d is the host's; another number is used", want)
	}
	assert.NotEqual(t, uint32(racedDOI), dois.Of(17), "the raced number %s is not used", raced)
	if _, taken := hostHad[18]; taken {
		assert.NotEqual(t, uint32(18), dois.Of(18), "DOI 18 is the host's; another number is used")
	} else {
		assert.Equal(t, uint32(18), dois.Of(18), "a free wish is granted")
	}
	list, err := listDOITypes()
	require.NoError(t, err)
	assert.Equal(t, "LOCAL", list[uint32(racedDOI)], "the other process's DOI %s is untouched", raced)
	for want, typ := range map[uint32]string{16: "PASS_THROUGH", 17: "LOCAL", 18: "TRANSLATED", 5: "PASS_THROUGH", 7: "PASS_THROUGH"} {
		assert.Equal(t, typ, list[dois.Of(want)], "DOI %d configured as %d", want, dois.Of(want))
	}

	host, err := ns.HostDOIs()
	require.NoError(t, err)
	for _, line := range hostOwnDOIs {
		if added[line] {
			assert.Contains(t, host, line, "HostDOIs describes the host's DOIs")
			continue
		}
		doi := strings.Fields(line)[3] // the host's own, as the host has it
		assert.True(t, slices.ContainsFunc(host, func(l string) bool { return slices.Contains(strings.Fields(l), doi) }),
			"HostDOIs has the host's %s: %q", doi, host)
	}
	assert.Contains(t, host, "cipsov4 add local doi:"+raced)
	for _, want := range []uint32{16, 17, 18, 5, 7} {
		assert.NotContains(t, host, dois.Rewrite("cipsov4 add pass doi:"+strconv.Itoa(int(want))+" tags:1"))
	}

	// The kernel knows the DOIs under the numbers used.
	free, err := ns.FreeDOI(9)
	require.NoError(t, err)
	setDOIOctets(t, map[string]uint32{"<P>": dois.Of(16), "<L>": dois.Of(17), "<T>": dois.Of(18), "<5>": dois.Of(5), "<U>": free})
	cases := []kernelCase{
		{"pass DOI, tag 1", "86 0A <P> 01 04 00 05 00 00", "delivered"},
		{"trans DOI, mapped", "86 0B <T> 01 05 00 00 80 00", "delivered"},
		{"asked-for 5: a pass DOI, tag 1", "86 0A <5> 01 04 00 05 00 00", "delivered"},
		{"not configured", "86 0A <U> 01 04 00 05 00 00", "parameter problem, pointer 22"},
	}
	// The host's DOIs as configured here (a host's own may differ).
	if added[hostOwnDOIs[2]] {
		cases = append(cases, kernelCase{"the host's DOI 5 is local: tag 1 refused", "86 0A 00 00 00 05 01 04 00 05 00 00", "parameter problem, pointer 26"})
	}
	if added[hostOwnDOIs[0]] {
		cases = append(cases, kernelCase{"the host's DOI 16", "86 0A 00 00 00 10 01 04 00 05 00 00", "delivered"})
	}
	checkKernel(t, ns, cases)

	require.NoError(t, ns.Close())
	require.NoError(t, delDOI(raced))
	raced = "" // deleted
	assert.Equal(t, before, netlabelState(t), "the DOIs and mappings are as before")
}
