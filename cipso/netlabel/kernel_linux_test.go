package netlabel

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/iplabel/iplabel/cipso"
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

// NetLabel is global to the kernel, and the tests of ipopt/linuxtest
// change it too from other test binaries that go test runs in parallel.
// Those take an exclusive lock on this file (and journal their changes
// beside it, for the next lock holder to undo if a process dies); the
// kernel test takes the same lock and journals its changes the same way,
// one "doi N" or "domain NAME" a line.
func lockDir() string {
	if fi, err := os.Stat("/run/lock"); err == nil && fi.IsDir() {
		return "/run/lock"
	}
	return os.TempDir()
}

var (
	lockPath    = filepath.Join(lockDir(), "iplabel-linuxtest.lock")
	journalPath = filepath.Join(lockDir(), "iplabel-linuxtest.journal")
)

// lockNetLabel takes the lock until the test ends.
func lockNetLabel(t *testing.T, c *Client) {
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	deadline := time.Now().Add(3 * time.Minute)
	for {
		err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
		if err == nil {
			break
		}
		require.ErrorIs(t, err, unix.EWOULDBLOCK)
		require.True(t, time.Now().Before(deadline), "netlabel: waited 3 minutes for %s", lockPath)
		time.Sleep(50 * time.Millisecond)
	}
	t.Cleanup(func() {
		unix.Flock(int(f.Fd()), unix.LOCK_UN)
		f.Close()
	})
	recoverJournal(t, c)
}

// recoverJournal undoes, newest first, what a process that died holding
// the lock journalled, as the next ipopt/linuxtest lock holder would:
// DOIs and domain mappings are removed, cipso_* sysctls get their old
// values back.
func recoverJournal(t *testing.T, c *Client) {
	b, err := os.ReadFile(journalPath)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	t.Logf("undoing a dead process's NetLabel changes: %q", lines)
	j := &journal{t: t}
	for _, l := range lines {
		f := strings.Fields(l)
		switch {
		case len(f) == 2 && (f[0] == "doi" || f[0] == "domain"):
			j.lines = append(j.lines, l)
		case len(f) == 3 && f[0] == "sysctl" && strings.HasPrefix(f[1], "net/ipv4/cipso_"):
			require.NoError(t, os.WriteFile("/proc/sys/"+f[1], []byte(f[2]), 0o644))
		}
	}
	j.undo(c)
	require.NoFileExists(t, journalPath)
}

// journal records the test's changes, before each is made.
type journal struct {
	t     *testing.T
	lines []string
}

func (j *journal) add(line string) {
	j.lines = append(j.lines, line)
	require.NoError(j.t, os.WriteFile(journalPath, []byte(strings.Join(j.lines, "\n")+"\n"), 0o600))
}

// undo removes, newest first, what the journal lists (what is gone
// already is no error), then the journal; after an error the journal
// stays for the next lock holder.
func (j *journal) undo(c *Client) {
	ok := true
	for _, l := range slices.Backward(j.lines) {
		kind, key, _ := strings.Cut(l, " ")
		var err error
		if f := strings.Fields(l); kind == "sysctl" && len(f) == 3 {
			err = os.WriteFile("/proc/sys/"+f[1], []byte(f[2]), 0o644)
		} else if kind == "domain" {
			err = c.RemoveMapping(key)
		} else {
			n, perr := strconv.ParseUint(key, 10, 32)
			require.NoError(j.t, perr)
			err = c.RemoveDOI(cipso.DOI(n))
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			j.t.Errorf("cleanup: %v", err)
			ok = false
		}
	}
	if ok {
		os.Remove(journalPath)
	}
}

// kernelClient skips the test without root or NetLabel, takes the lock
// and dials.
func kernelClient(t *testing.T) *Client {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("netlabel: needs root (CAP_NET_ADMIN)")
	}
	c, err := Dial()
	if errors.Is(err, ErrNoNetLabel) {
		t.Skip("netlabel: needs a kernel with NetLabel (CONFIG_NETLABEL)")
	}
	require.NoError(t, err)
	t.Cleanup(func() { c.Close() })
	lockNetLabel(t, c)
	return c
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
	dois            []DOI
	maps            []Mapping
	ctlDOIs, ctlMap string
}

func readHost(t *testing.T, c *Client) hostState {
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
func freeDOIs(host []DOI, n int) []cipso.DOI {
	var out []cipso.DOI
	for d := cipso.DOI(30000); len(out) < n; d++ {
		if !slices.ContainsFunc(host, func(h DOI) bool { return h.Number == d }) {
			out = append(out, d)
		}
	}
	return out
}

// prettyList is what "netlabelctl -p cipsov4 list" prints for dois.
func prettyList(dois []DOI) string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "Configured CIPSO mappings (%d)\n", len(dois))
	for _, d := range dois {
		fmt.Fprintf(&sb, " DOI value : %d\n   mapping type : %s\n", d.Number,
			map[cipso.MapType]string{cipso.MapTrans: "TRANSLATED", cipso.MapPass: "PASS_THROUGH", cipso.MapLocal: "LOCAL"}[d.Type])
	}
	return sb.String()
}

// prettyDOI is what "netlabelctl -p cipsov4 list doi:N" prints for d.
func prettyDOI(d DOI) string {
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
func ctlMapping(m Mapping) string {
	var sb strings.Builder
	if m.Default {
		sb.WriteString("domain:DEFAULT,")
	} else {
		fmt.Fprintf(&sb, "domain:%q,", m.Domain)
	}
	proto := func(p Protocol, doi uint32) {
		sb.WriteString(p.String())
		if p != Unlabeled {
			fmt.Fprintf(&sb, ",%d", doi)
		}
	}
	if len(m.Selectors) == 0 {
		proto(m.Protocol, m.DOI)
		switch {
		case m.Protocol == Unlabeled && m.Family == FamilyIPv4:
			sb.WriteString(",4")
		case m.Protocol == Unlabeled && m.Family == FamilyIPv6:
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
	c := kernelClient(t)
	before := readHost(t, c)
	free := freeDOIs(before.dois, 4)
	j := &journal{t: t}
	mine := []DOI{
		{Number: free[0], Type: cipso.MapPass, Tags: []cipso.TagType{1, 2, 5}},
		{Number: free[1], Type: cipso.MapTrans, Tags: []cipso.TagType{1},
			// Local level 0 twice, remote category 5 twice: see DOI.Levels.
			Levels:     []cipso.Pair{{Local: 0, Remote: 0}, {Local: 0, Remote: 1}, {Local: 1, Remote: 3}, {Local: 5, Remote: 7}, {Local: 4, Remote: 255}},
			Categories: []cipso.Pair{{Local: 7, Remote: 100}, {Local: 0, Remote: 0}, {Local: 1, Remote: 5}, {Local: 3, Remote: 5}, {Local: 1000, Remote: 65534}}},
		{Number: free[2], Type: cipso.MapLocal},
	}
	absent := free[3]
	t.Cleanup(func() {
		j.undo(c)
		after := readHost(t, c)
		assert.Equal(t, before, after, "the host's NetLabel configuration changed")
	})

	for _, d := range mine {
		j.add("doi " + d.Number.String())
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
	reg, err := NewRegistry(all[len(before.dois):])
	require.NoError(t, err)
	cfg := string(AppendConfig(nil, all[len(before.dois):]))
	parsed, err := cipso.ParseConfig(strings.NewReader(cfg))
	require.NoError(t, err, "%s", cfg)
	registriesEqual(t, parsed, reg)
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
	j.add("doi " + absent.String()) // in case the kernel took it after all
	err = c.AddDOI(DOI{Number: absent, Type: cipso.MapTrans, Tags: []cipso.TagType{2}, Levels: []cipso.Pair{{Local: 0, Remote: 0}}})
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
	c := kernelClient(t)
	before := readHost(t, c)
	free := freeDOIs(before.dois, 3)
	j := &journal{t: t}
	pass := DOI{Number: free[0], Type: cipso.MapPass, Tags: []cipso.TagType{1}}
	trans := DOI{Number: free[1], Type: cipso.MapTrans, Tags: []cipso.TagType{1}, Levels: []cipso.Pair{{Local: 0, Remote: 0}}}
	absent := free[2]
	prefix := "iplabel_netlabel_test_" + strconv.Itoa(os.Getpid())
	for _, m := range before.maps {
		require.False(t, strings.HasPrefix(m.Domain, prefix), "the host maps %q", m.Domain)
	}
	plain := Mapping{Domain: prefix + "_a", Family: FamilyIPv4, Protocol: CIPSOv4, DOI: uint32(pass.Number)}
	unlbl := Mapping{Domain: prefix + "_b", Family: FamilyIPv6, Protocol: Unlabeled}
	// Listed longest prefix first.
	selected := Mapping{Domain: prefix + "_c", Family: FamilyIPv4, Selectors: []Selector{
		{Prefix: netip.MustParsePrefix("198.51.100.128/25"), Protocol: Unlabeled},
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Protocol: CIPSOv4, DOI: uint32(trans.Number)},
	}}
	maps := []Mapping{plain, unlbl, selected}
	t.Cleanup(func() {
		j.undo(c)
		assert.Equal(t, before, readHost(t, c), "the host's NetLabel configuration changed")
	})

	for _, d := range []DOI{pass, trans} {
		j.add("doi " + d.Number.String())
		require.NoError(t, c.AddDOI(d))
	}
	for _, m := range maps {
		j.add("domain " + m.Domain)
		m.Selectors = slices.Clone(m.Selectors)
		slices.Reverse(m.Selectors) // the kernel sorts them
		require.NoError(t, c.AddMapping(m), "add %+v", m)
	}

	got, err := c.ListMappings()
	require.NoError(t, err)
	// The host's mappings, the default last, and ours in hash order.
	var ours, host []Mapping
	for _, m := range got {
		if strings.HasPrefix(m.Domain, prefix) {
			ours = append(ours, m)
		} else {
			host = append(host, m)
		}
	}
	assert.Equal(t, before.maps, host)
	slices.SortFunc(ours, func(a, b Mapping) int { return strings.Compare(a.Domain, b.Domain) })
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
	err = c.AddMapping(Mapping{Domain: selected.Domain, Selectors: selected.Selectors[1:]})
	assert.ErrorIs(t, err, os.ErrExist)
	assert.ErrorIs(t, err, unix.EEXIST)
	assert.ErrorContains(t, err, "for 192.0.2.0/24")
	j.add("domain " + prefix + "_d")
	err = c.AddMapping(Mapping{Domain: prefix + "_d", Protocol: CIPSOv4, DOI: uint32(absent)})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "CIPSOv4 DOI "+absent.String())
	assert.ErrorIs(t, c.RemoveMapping(prefix+"_d"), os.ErrNotExist)
	assert.Error(t, c.AddMapping(Mapping{Protocol: Unlabeled}))
	// A new mapping whose second selector fails is taken back whole.
	j.add("domain " + prefix + "_e")
	err = c.AddMapping(Mapping{Domain: prefix + "_e", Family: FamilyIPv4, Selectors: []Selector{
		{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Protocol: Unlabeled},
		{Prefix: netip.MustParsePrefix("203.0.113.128/25"), Protocol: CIPSOv4, DOI: uint32(absent)},
	}})
	assert.ErrorIs(t, err, os.ErrNotExist)
	got, err = c.ListMappings()
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(got, func(m Mapping) bool { return m.Domain == prefix+"_e" }),
		"the first selector of a failed new mapping stayed")
	// Selectors added to an existing mapping before the one that fails stay,
	// and the error says so.
	err = c.AddMapping(Mapping{Domain: selected.Domain, Family: FamilyIPv4, Selectors: []Selector{
		{Prefix: netip.MustParsePrefix("203.0.113.0/24"), Protocol: Unlabeled},
		{Prefix: netip.MustParsePrefix("203.0.113.128/25"), Protocol: CIPSOv4, DOI: uint32(absent)},
	}})
	assert.ErrorIs(t, err, os.ErrNotExist)
	assert.ErrorContains(t, err, "the 1 selectors before it were added to the existing mapping and stay")

	// Removing a DOI removes the mappings that use it
	// (netlbl_cipsov4_remove).
	require.NoError(t, c.RemoveDOI(pass.Number))
	got, err = c.ListMappings()
	require.NoError(t, err)
	assert.False(t, slices.ContainsFunc(got, func(m Mapping) bool { return m.Domain == plain.Domain }))
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
	c := kernelClient(t)
	// linuxtest's namespace only injects and observes here; the sysctl is
	// set under this test's own lock and journal, as its DOI is.
	ns, err := linuxtest.New()
	if err != nil {
		t.Skipf("netlabel: no linuxtest namespace: %v", err)
	}
	t.Cleanup(func() { ns.Close() })
	const strictPath = "net/ipv4/cipso_rbm_strictvalid"
	old, err := os.ReadFile("/proc/sys/" + strictPath)
	require.NoError(t, err)
	setStrict := func(on bool) {
		v := "0"
		if on {
			v = "1"
		}
		require.NoError(t, os.WriteFile("/proc/sys/"+strictPath, []byte(v), 0o644))
	}
	before := readHost(t, c)
	free := freeDOIs(before.dois, 1)
	j := &journal{t: t}
	t.Cleanup(func() {
		j.undo(c)
		assert.Equal(t, before, readHost(t, c), "the host's NetLabel configuration changed")
	})
	j.add("sysctl " + strictPath + " " + strings.TrimSpace(string(old)))
	d := DOI{Number: free[0], Type: cipso.MapLocal, Tags: []cipso.TagType{1, 128}}
	j.add("doi " + d.Number.String())
	require.NoError(t, c.AddDOI(d))
	got, err := c.DOI(d.Number)
	require.NoError(t, err)
	assert.Equal(t, d.Tags, got.Tags)
	reg, err := NewRegistry([]DOI{got})
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
