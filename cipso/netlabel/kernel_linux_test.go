package netlabel_test

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/linuxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// The kernel tests add DOIs and domain mappings through the client, read
// them back, compare with netlabelctl where it is installed, and remove
// them. They need root and a kernel with NetLabel, and skip without. They
// use DOI numbers and domain names the host does not, never touch the
// host's own, and check at the end that the host's NetLabel configuration
// is as it was.

// kernelClient skips the test, in one line, where NetLabel cannot be
// changed, takes netlabeltest's lock until the test ends and returns the
// client and the Holder that journals the test's changes (undone when the
// test ends, after which netlabeltest checks the host's configuration).
func kernelClient(t *testing.T) (*netlabel.Client, *netlabeltest.Holder) {
	t.Helper()
	h := netlabeltest.ForTest(t)
	c, err := netlabel.Dial()
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	return c, h
}

// record journals a change the test makes itself.
func record(t *testing.T, h *netlabeltest.Holder, kind netlabeltest.Kind, key string) {
	t.Helper()
	require.NoError(t, h.Record(netlabeltest.Change{Kind: kind, Key: key}))
}

// netlabelctl runs netlabelctl, or gives ok false where it is not
// installed.
func netlabelctl(t *testing.T, args ...string) (string, bool) {
	t.Helper()
	if _, err := exec.LookPath("netlabelctl"); err != nil {
		return "", false
	}
	out, err := exec.Command("netlabelctl", args...).CombinedOutput()
	require.NoError(t, err, "netlabelctl %v: %s", args, out)
	return string(out), true
}

// hostState is the host's NetLabel configuration, as the client and
// netlabelctl list it.
type hostState struct {
	dois            []netlabel.DOI
	maps            []netlabel.Mapping
	ctlDOIs, ctlMap string
}

func readHost(t *testing.T, c *netlabel.Client) hostState {
	t.Helper()
	var h hostState
	var err error
	h.dois, err = c.ListDOIs()
	require.NoError(t, err)
	h.maps, err = c.ListMappings()
	require.NoError(t, err)
	h.ctlDOIs, _ = netlabelctl(t, "cipsov4", "list")
	h.ctlMap, _ = netlabelctl(t, "map", "list")
	return h
}

// freeDOIs picks n DOI numbers from 30000 on that the host does not use.
func freeDOIs(host []netlabel.DOI, n int) []cipso.DOI {
	var out []cipso.DOI
	for d := cipso.DOI(30000); len(out) < n; d++ {
		if !slices.ContainsFunc(host, func(h netlabel.DOI) bool { return h.Number == d }) {
			out = append(out, d)
		}
	}
	return out
}

// prettyList is what "netlabelctl -p cipsov4 list" prints for dois.
func prettyList(dois []netlabel.DOI) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Configured CIPSO mappings (%d)\n", len(dois))
	for _, d := range dois {
		fmt.Fprintf(&sb, " DOI value : %d\n   mapping type : %s\n", d.Number,
			map[cipso.MapType]string{cipso.MapTrans: "TRANSLATED", cipso.MapPass: "PASS_THROUGH", cipso.MapLocal: "LOCAL"}[d.Type])
	}
	return sb.String()
}

// prettyDOI is what "netlabelctl -p cipsov4 list doi:N" prints for d.
func prettyDOI(d netlabel.DOI) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Configured CIPSO mapping (DOI = %d)\n tags (%d): \n", d.Number, len(d.Tags))
	for _, t := range d.Tags {
		fmt.Fprintf(&sb, "   %s\n", map[cipso.TagType]string{1: "RESTRICTED BITMAP", 2: "ENUMERATED", 5: "RANGED", 128: "LOCAL"}[t])
	}
	if d.Type == cipso.MapTrans {
		fmt.Fprintf(&sb, " levels (%d): \n", len(d.Levels))
		for _, p := range d.Levels {
			fmt.Fprintf(&sb, "   %d = %d\n", p.Local, p.Remote)
		}
		fmt.Fprintf(&sb, " categories (%d): \n", len(d.Categories))
		for _, p := range d.Categories {
			fmt.Fprintf(&sb, "   %d = %d\n", p.Local, p.Remote)
		}
	}
	return sb.String()
}

// ctlMapping is how "netlabelctl map list" writes m (one space-separated
// item of its line).
func ctlMapping(m netlabel.Mapping) string {
	var sb strings.Builder
	if m.Default {
		sb.WriteString("domain:DEFAULT,")
	} else {
		fmt.Fprintf(&sb, "domain:%q,", m.Domain)
	}
	proto := func(p netlabel.Protocol, doi uint32) {
		sb.WriteString(p.String())
		if p != netlabel.Unlabeled {
			fmt.Fprintf(&sb, ",%d", doi)
		}
	}
	if len(m.Selectors) == 0 {
		proto(m.Protocol, m.DOI)
		switch {
		case m.Protocol == netlabel.Unlabeled && m.Family == netlabel.FamilyIPv4:
			sb.WriteString(",4")
		case m.Protocol == netlabel.Unlabeled && m.Family == netlabel.FamilyIPv6:
			sb.WriteString(",6")
		}
	}
	for i, s := range m.Selectors {
		if i > 0 {
			sb.WriteByte(',')
		}
		fmt.Fprintf(&sb, "address:%s,protocol:", s.Prefix)
		proto(s.Protocol, s.DOI)
	}
	return sb.String()
}

// transListed is what the kernel lists of pairs: one per local value, the
// last given, in ascending local order.
func transListed(ps []cipso.Pair) []cipso.Pair {
	last := map[uint32]uint32{}
	for _, p := range ps {
		last[p.Local] = p.Remote
	}
	var out []cipso.Pair
	for l, r := range last {
		out = append(out, cipso.Pair{Local: l, Remote: r})
	}
	slices.SortFunc(out, func(a, b cipso.Pair) int { return int(int64(a.Local) - int64(b.Local)) })
	return out
}

func TestKernelDOIs(t *testing.T) {
	c, h := kernelClient(t)
	before := readHost(t, c)
	free := freeDOIs(before.dois, 4)
	mine := []netlabel.DOI{
		{Number: free[0], Type: cipso.MapPass, Tags: []cipso.TagType{1, 2, 5}},
		{Number: free[1], Type: cipso.MapTrans, Tags: []cipso.TagType{1},
			// Local level 0 twice, remote category 5 twice: see DOI.Levels.
			Levels:     []cipso.Pair{{Local: 0, Remote: 0}, {Local: 0, Remote: 1}, {Local: 1, Remote: 3}, {Local: 5, Remote: 7}, {Local: 4, Remote: 255}},
			Categories: []cipso.Pair{{Local: 7, Remote: 100}, {Local: 0, Remote: 0}, {Local: 1, Remote: 5}, {Local: 3, Remote: 5}, {Local: 1000, Remote: 65534}}},
		{Number: free[2], Type: cipso.MapLocal},
	}
	absent := free[3]
	t.Cleanup(func() {
		assert.NoError(t, h.Release())
		after := readHost(t, c)
		assert.Equal(t, before, after, "the host's NetLabel configuration changed")
	})

	for _, d := range mine {
		record(t, h, netlabeltest.DOI, d.Number.String())
		require.NoError(t, c.AddDOI(d), "add %v", d)
	}

	// What the kernel lists: trans pairs as the kernel's local tables give
	// them, a local DOI with its tag 128, after the host's DOIs.
	want := slices.Clone(mine)
	want[1].Levels = transListed(mine[1].Levels)
	want[1].Categories = transListed(mine[1].Categories)
	want[2].Tags = []cipso.TagType{cipso.TagLocal}
	all, err := c.ListDOIs()
	require.NoError(t, err)
	assert.Equal(t, append(slices.Clone(before.dois), want...), all)
	for _, d := range want {
		got, err := c.DOI(d.Number)
		require.NoError(t, err)
		assert.Equal(t, d, got)
		if out, ok := netlabelctl(t, "-p", "cipsov4", "list", "doi:"+d.Number.String()); ok {
			assert.Equal(t, prettyDOI(d), out, "netlabelctl list doi:%v", d.Number)
		}
	}
	if out, ok := netlabelctl(t, "-p", "cipsov4", "list"); ok {
		assert.Equal(t, prettyList(all), out)
	} else {
		t.Log("netlabelctl is not installed: not compared with it")
	}

	// The registry equals ParseConfig of the formatted lines.
	reg, err := netlabel.NewRegistry(all[len(before.dois):])
	require.NoError(t, err)
	cfg := string(netlabel.AppendConfig(nil, all[len(before.dois):]))
	parsed, err := cipso.ParseConfig(strings.NewReader(cfg))
	require.NoError(t, err, "%s", cfg)
	require.Equal(t, parsed.Len(), reg.Len())
	for d := range parsed.All() {
		g := reg.Lookup(d.DOI())
		if assert.NotNil(t, g, "DOI %v", d.DOI()) {
			assert.True(t, d.Equal(g), "DOI %v: want %v, got %v", d.DOI(), d, g)
		}
	}
	full, err := c.Registry()
	require.NoError(t, err)
	assert.Equal(t, len(all), full.Len())
	for _, d := range want {
		assert.NotNil(t, full.Lookup(d.Number))
	}

	// Errors say what was asked, with the kernel's errno.
	err = c.AddDOI(mine[0])
	assert.ErrorIs(t, err, os.ErrExist)
	assert.ErrorContains(t, err, "netlabel: add CIPSOv4 DOI "+mine[0].Number.String())
	_, err = c.DOI(absent)
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorIs(t, c.RemoveDOI(absent), os.ErrNotExist)
	record(t, h, netlabeltest.DOI, absent.String()) // in case the kernel took it after all
	err = c.AddDOI(netlabel.DOI{Number: absent, Type: cipso.MapTrans, Tags: []cipso.TagType{2}, Levels: []cipso.Pair{{Local: 0, Remote: 0}}})
	assert.ErrorIs(t, err, unix.EINVAL)
	_, err = c.DOI(absent)
	assert.ErrorIs(t, err, os.ErrNotExist)

	for _, d := range mine {
		require.NoError(t, c.RemoveDOI(d.Number))
	}
	all, err = c.ListDOIs()
	require.NoError(t, err)
	assert.Equal(t, before.dois, all)
}

func TestKernelMappings(t *testing.T) {
	c, h := kernelClient(t)
	before := readHost(t, c)
	free := freeDOIs(before.dois, 3)
	pass := netlabel.DOI{Number: free[0], Type: cipso.MapPass, Tags: []cipso.TagType{1}}
	trans := netlabel.DOI{Number: free[1], Type: cipso.MapTrans, Tags: []cipso.TagType{1}, Levels: []cipso.Pair{{Local: 0, Remote: 0}}}
	absent := free[2]
	prefix := "iplabel_netlabel_test_" + strconv.Itoa(os.Getpid())
	for _, m := range before.maps {
		require.False(t, strings.HasPrefix(m.Domain, prefix), "the host maps %q", m.Domain)
	}
	plain := netlabel.Mapping{Domain: prefix + "_a", Family: netlabel.FamilyIPv4, Protocol: netlabel.CIPSOv4, DOI: uint32(pass.Number)}
	unlbl := netlabel.Mapping{Domain: prefix + "_b", Family: netlabel.FamilyIPv6, Protocol: netlabel.Unlabeled}
	// Listed longest prefix first.
	selected := netlabel.Mapping{Domain: prefix + "_c", Family: netlabel.FamilyIPv4, Selectors: []netlabel.Selector{
		{Prefix: netip.MustParsePrefix("198.51.100.128/25"), Protocol: netlabel.Unlabeled},
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Protocol: netlabel.CIPSOv4, DOI: uint32(trans.Number)},
	}}
	maps := []netlabel.Mapping{plain, unlbl, selected}
	t.Cleanup(func() {
		assert.NoError(t, h.Release())
		assert.Equal(t, before, readHost(t, c), "the host's NetLabel configuration changed")
	})

	for _, d := range []netlabel.DOI{pass, trans} {
		record(t, h, netlabeltest.DOI, d.Number.String())
		require.NoError(t, c.AddDOI(d))
	}
	for _, m := range maps {
		record(t, h, netlabeltest.Domain, m.Domain)
		m.Selectors = slices.Clone(m.Selectors)
		slices.Reverse(m.Selectors) // the kernel sorts them
		require.NoError(t, c.AddMapping(m), "add %+v", m)
	}

	got, err := c.ListMappings()
	require.NoError(t, err)
	// The host's mappings, the default last, and ours in hash order.
	var ours, host []netlabel.Mapping
	for _, m := range got {
		if strings.HasPrefix(m.Domain, prefix) {
			ours = append(ours, m)
		} else {
			host = append(host, m)
		}
	}
	assert.Equal(t, before.maps, host)
	slices.SortFunc(ours, func(a, b netlabel.Mapping) int { return strings.Compare(a.Domain, b.Domain) })
	assert.Equal(t, maps, ours)
	if out, ok := netlabelctl(t, "map", "list"); ok {
		items := strings.Fields(out)
		for _, m := range got {
			assert.Contains(t, items, ctlMapping(m))
		}
		assert.Len(t, items, len(got))
	}

	// Errors.
	err = c.AddMapping(plain)
	assert.ErrorIs(t, err, os.ErrExist)
	assert.ErrorContains(t, err, fmt.Sprintf("netlabel: add domain mapping %q", plain.Domain))
	err = c.AddMapping(netlabel.Mapping{Domain: selected.Domain, Selectors: selected.Selectors[1:]})
	assert.ErrorIs(t, err, os.ErrExist)
	assert.ErrorIs(t, err, unix.EEXIST)
	assert.ErrorContains(t, err, "for 192.0.2.0/24")
	record(t, h, netlabeltest.Domain, prefix+"_d")
	err = c.AddMapping(netlabel.Mapping{Domain: prefix + "_d", Protocol: netlabel.CIPSOv4, DOI: uint32(absent)})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "CIPSOv4 DOI "+absent.String())
	assert.ErrorIs(t, c.RemoveMapping(prefix+"_d"), os.ErrNotExist)
	assert.Error(t, c.AddMapping(netlabel.Mapping{Protocol: netlabel.Unlabeled}))
	// A new mapping whose second selector fails is taken back whole.
	record(t, h, netlabeltest.Domain, prefix+"_e")
	err = c.AddMapping(netlabel.Mapping{Domain: prefix + "_e", Family: netlabel.FamilyIPv4, Selectors: []netlabel.Selector{
		{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Protocol: netlabel.Unlabeled},
		{Prefix: netip.MustParsePrefix("203.0.113.128/25"), Protocol: netlabel.CIPSOv4, DOI: uint32(absent)},
	}})
	assert.ErrorIs(t, err, os.ErrNotExist)
	got, err = c.ListMappings()
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(got, func(m netlabel.Mapping) bool { return m.Domain == prefix+"_e" }),
		"the first selector of a failed new mapping stayed")
	// Selectors added to an existing mapping before the one that fails stay,
	// and the error says so.
	err = c.AddMapping(netlabel.Mapping{Domain: selected.Domain, Family: netlabel.FamilyIPv4, Selectors: []netlabel.Selector{
		{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Protocol: netlabel.Unlabeled},
		{Prefix: netip.MustParsePrefix("203.0.113.128/25"), Protocol: netlabel.CIPSOv4, DOI: uint32(absent)},
	}})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "the 1 selectors before it were added to the existing mapping and stay")

	// Removing a DOI removes the mappings that use it
	// (netlbl_cipsov4_remove).
	require.NoError(t, c.RemoveDOI(pass.Number))
	got, err = c.ListMappings()
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(got, func(m netlabel.Mapping) bool { return m.Domain == plain.Domain }))
	assert.ErrorIs(t, c.RemoveMapping(plain.Domain), os.ErrNotExist)

	for _, m := range maps[1:] {
		require.NoError(t, c.RemoveMapping(m.Domain))
	}
	require.NoError(t, c.RemoveDOI(trans.Number))
}

// TestKernelLocalDOITag1: a local DOI that also lists tag 1, which only a
// netlink client can configure (netlabelctl gives tag 128 alone), is read
// back with both tags, and the registry built from it judges tag-1 labels
// of that DOI as the kernel does: refused at the level octet with
// cipso_rbm_strictvalid=1 (cipso_v4_map_lvl_valid knows no level of a
// local DOI), delivered with 0.
func TestKernelLocalDOITag1(t *testing.T) {
	c, h := kernelClient(t)
	// linuxtest's namespace only injects and observes here; the sysctl is
	// set under this test's own lock and journal, as its DOI is.
	ns, err := linuxtest.New()
	if err != nil {
		t.Skipf("netlabel: no linuxtest namespace: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	const strictPath = "net/ipv4/cipso_rbm_strictvalid"
	setStrict := func(on bool) {
		v := "0"
		if on {
			v = "1"
		}
		require.NoError(t, h.SetSysctl(strictPath, v))
	}
	before := readHost(t, c)
	free := freeDOIs(before.dois, 1)
	t.Cleanup(func() {
		assert.NoError(t, h.Release())
		assert.Equal(t, before, readHost(t, c), "the host's NetLabel configuration changed")
	})
	d := netlabel.DOI{Number: free[0], Type: cipso.MapLocal, Tags: []cipso.TagType{1, 128}}
	record(t, h, netlabeltest.DOI, d.Number.String())
	require.NoError(t, c.AddDOI(d))
	got, err := c.DOI(d.Number)
	require.NoError(t, err)
	assert.Equal(t, d.Tags, got.Tags)
	reg, err := netlabel.NewRegistry([]netlabel.DOI{got})
	require.NoError(t, err)

	n := uint32(d.Number)
	doi := []byte{byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	fields := [][]byte{
		append(append([]byte{0x86, 0x0a}, doi...), 0x01, 0x04, 0x00, 0x03, 0x00, 0x00), // tag 1, level 3, no categories
		append(append([]byte{0x86, 0x0b}, doi...), 0x01, 0x05, 0x00, 0x00, 0x80, 0x00), // tag 1, level 0, category 0
		append(append([]byte{0x86, 0x0c}, doi...), 0x02, 0x06, 0x00, 0x01, 0x00, 0x02), // tag 2: not allowed
	}
	for _, strict := range []bool{true, false} {
		t.Run("strictvalid="+strconv.FormatBool(strict), func(t *testing.T) {
			setStrict(strict)
			lx := &ipopt.Linux{CIPSO: cipso.Linux{Registry: reg, RBMStrictValid: strict}}
			kernel, err := ns.VerdictMany(fields)
			require.NoError(t, err)
			delivered := 0
			for i, f := range fields {
				want := "delivered"
				if _, err := lx.Compile(f); err != nil {
					var e ipopt.Error
					require.ErrorAs(t, err, &e)
					want = "parameter problem, pointer " + strconv.Itoa(e.Pointer())
				} else {
					delivered++
				}
				assert.Equal(t, kernel[i].String(), want, "field % x", f)
			}
			if strict {
				assert.Zero(t, delivered, "strictvalid=1 delivers no tag 1 of a local DOI")
			} else {
				assert.Equal(t, 2, delivered, "strictvalid=0 delivers the tag-1 labels")
			}
		})
	}
}

// TestKernelCALIPSODOIs adds CALIPSO DOIs through the client, reads them
// back (in the order added, after the host's), compares with netlabelctl
// "calipso list" where it is installed, and checks the errors for a DOI
// added twice or removed when absent.
func TestKernelCALIPSODOIs(t *testing.T) {
	c, h := kernelClient(t)
	before, err := c.ListCALIPSODOIs()
	if errors.Is(err, netlabel.ErrNoCALIPSO) {
		t.Skip("netlabel: the kernel has no CALIPSO (NLBL_CALIPSO)")
	}
	require.NoError(t, err)
	var mine []uint32
	for _, want := range []uint32{30100, 30101} {
		d, err := h.FreeCALIPSODOI(want)
		require.NoError(t, err)
		record(t, h, netlabeltest.CALIPSODOI, strconv.FormatUint(uint64(d), 10))
		require.NoError(t, c.AddCALIPSODOI(d))
		mine = append(mine, d)
	}
	got, err := c.ListCALIPSODOIs()
	require.NoError(t, err)
	assert.Equal(t, append(slices.Clone(before), mine...), got)
	for _, d := range mine {
		has, err := c.HasCALIPSODOI(d)
		require.NoError(t, err)
		assert.True(t, has, "DOI %d", d)
	}
	if out, ok := netlabelctl(t, "calipso", "list"); ok {
		var want []string
		for _, d := range got {
			want = append(want, strconv.FormatUint(uint64(d), 10)+",PASS_THROUGH")
		}
		assert.Equal(t, want, strings.Fields(out))
	}

	err = c.AddCALIPSODOI(mine[0])
	assert.ErrorIs(t, err, os.ErrExist)
	assert.ErrorContains(t, err, "netlabel: add CALIPSO DOI "+strconv.FormatUint(uint64(mine[0]), 10))
	require.NoError(t, c.RemoveCALIPSODOI(mine[0]))
	assert.ErrorIs(t, c.RemoveCALIPSODOI(mine[0]), os.ErrNotExist)
	has, err := c.HasCALIPSODOI(mine[0])
	require.NoError(t, err)
	assert.False(t, has)
	require.NoError(t, c.RemoveCALIPSODOI(mine[1]))
	got, err = c.ListCALIPSODOIs()
	require.NoError(t, err)
	assert.Equal(t, before, got)
}
