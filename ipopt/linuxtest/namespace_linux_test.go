package linuxtest

import (
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// Sysctls New sets inside the namespace; the host's values must not move.
var namespaceSysctls = []string{
	"net/ipv4/conf/all/route_localnet",
	"net/ipv4/conf/lo/route_localnet",
	"net/ipv4/conf/all/accept_local",
	"net/ipv4/conf/lo/accept_local",
	"net/ipv4/icmp_ratelimit",
	"net/ipv4/icmp_ratemask",
	"net/ipv4/conf/all/accept_source_route",
}

func hostSysctls(t *testing.T) map[string]string {
	t.Helper()
	m := map[string]string{}
	for _, name := range namespaceSysctls {
		v, err := readSysctl(name)
		require.NoError(t, err)
		m[name] = v
	}
	return m
}

// TestNamespaceIsPrivate establishes that /proc/sys/net follows the
// network namespace of the thread that opens it: the namespace sees its
// own values, the host keeps its own.
func TestNamespaceIsPrivate(t *testing.T) {
	before := hostSysctls(t)
	ns := ForTest(t)
	require.NoError(t, ns.SetSysctl("net.ipv4.conf.all.accept_source_route", "1"))
	for name, want := range map[string]string{
		"net/ipv4/conf/all/route_localnet":      "1",
		"net/ipv4/conf/lo/accept_local":         "1",
		"net/ipv4/icmp_ratelimit":               "0",
		"net/ipv4/icmp_ratemask":                "0",
		"net/ipv4/conf/all/accept_source_route": "1",
	} {
		v, err := ns.Sysctl(name)
		require.NoError(t, err)
		assert.Equal(t, want, v, name)
	}
	assert.Equal(t, before, hostSysctls(t), "host sysctls unchanged")

	// A new namespace starts with accept_source_route 0 for "all" and 1
	// for lo, so source routes are refused (IN_DEV_SOURCE_ROUTE needs both).
	fresh := ForTest(t)
	for name, want := range map[string]string{
		"net/ipv4/conf/all/accept_source_route": "0",
		"net/ipv4/conf/lo/accept_source_route":  "1",
	} {
		v, err := fresh.Sysctl(name)
		require.NoError(t, err)
		assert.Equal(t, want, v, name)
	}

	assert.Error(t, ns.SetSysctl("kernel/hostname", "x"), "only net/ sysctls")
}

// TestGlobalCIPSOState establishes that the cipso_* sysctls exist only in
// the initial network namespace and that NetLabel's generic-netlink family
// does not answer inside another one: both are global state.
func TestGlobalCIPSOState(t *testing.T) {
	ns := ForTest(t)
	_, err := readSysctl(strictValid)
	require.NoError(t, err, "host has %s", strictValid)
	_, err = ns.Sysctl(strictValid)
	assert.ErrorIs(t, err, os.ErrNotExist, "no %s in the namespace", strictValid)

	// A child forked from a thread in the namespace (here one of Do's)
	// inherits its namespace: it does not see the sysctl either.
	var out []byte
	require.NoError(t, ns.Do(func() error {
		out, err = exec.Command("cat", "/proc/sys/"+strictValid).CombinedOutput()
		return nil
	}))
	assert.Error(t, err, "a child in the namespace reads %s: %s", strictValid, out)

	// NetLabel answers a socket made on the host, not one made in the
	// namespace.
	require.NoError(t, ns.Do(func() error {
		_, err = netlabel.Dial()
		return nil
	}))
	assert.ErrorIs(t, err, netlabel.ErrNoNetLabel, "NetLabel inside the namespace")
	c, err := netlabel.Dial()
	require.NoError(t, err, "NetLabel on the host")
	_, err = c.ListDOIs()
	assert.NoError(t, err, "NetLabel on the host")
	c.Close()
}

// TestConfigureNetLabelRestores adds a DOI and a domain mapping, checks
// that they are there, that existing ones are refused, and that Close
// removes exactly what was added.
func TestConfigureNetLabelRestores(t *testing.T) {
	needKernel(t)
	domain := "linuxtest-" + strconv.Itoa(os.Getpid())
	ns, err := New()
	require.NoError(t, err)
	defer ns.Close()

	doi, err := ns.FreeDOI(424242)
	require.NoError(t, err)
	require.NoError(t, ns.ConfigureNetLabel(
		"cipsov4 add pass doi:"+strconv.Itoa(int(doi))+" tags:1",
		"map add domain:"+domain+" protocol:cipsov4,"+strconv.Itoa(int(doi)),
	))
	other, err := ns.FreeDOI(424243)
	require.NoError(t, err)
	dois, err := listDOIs()
	require.NoError(t, err)
	assert.True(t, dois[doi])
	domains, err := listDomains()
	require.NoError(t, err)
	assert.True(t, domains[domain])

	// Existing entries and unsupported commands are refused, and the
	// refusal changes nothing.
	assert.ErrorContains(t, ns.ConfigureNetLabel("cipsov4 add local doi:"+strconv.Itoa(int(doi))), "already exists")
	assert.ErrorContains(t, ns.ConfigureNetLabel("map add domain:"+domain+" protocol:unlbl"), "already has a mapping")
	assert.Error(t, ns.ConfigureNetLabel("cipsov4 del doi:"+strconv.Itoa(int(doi))))
	assert.Error(t, ns.ConfigureNetLabel("map add default protocol:unlbl"))
	assert.Error(t, ns.ConfigureNetLabel("cipsov4 add pass doi:0 tags:1"))
	assert.Error(t, ns.ConfigureNetLabel("cipsov4 add pass doi:"+strconv.Itoa(int(other))+" tags:6"), "netlabelctl refuses tag 6")
	dois, err = listDOIs()
	require.NoError(t, err)
	assert.True(t, dois[doi])
	assert.False(t, dois[other])
	journal, err := os.ReadFile(journalPath)
	require.NoError(t, err)
	assert.Equal(t, "doi "+strconv.Itoa(int(doi))+"\ndomain "+domain+"\n", string(journal))

	require.NoError(t, ns.Close())
	dois, err = listDOIs()
	require.NoError(t, err)
	assert.False(t, dois[doi], "DOI removed")
	domains, err = listDomains()
	require.NoError(t, err)
	assert.False(t, domains[domain], "mapping removed")
	assert.True(t, domains["DEFAULT"], "the host's default mapping is untouched")
	_, err = os.Stat(journalPath)
	assert.ErrorIs(t, err, os.ErrNotExist, "journal removed")

	assert.ErrorIs(t, ns.ConfigureNetLabel("cipsov4 add pass doi:"+strconv.Itoa(int(other))+" tags:1"), ErrClosed)
	assert.NoError(t, ns.Close(), "second Close")
}

// TestJournalRecovery simulates a process that died holding global
// state: the next one to take the lock undoes what the journal lists.
func TestJournalRecovery(t *testing.T) {
	needKernel(t)
	old, err := readSysctl(strictValid)
	require.NoError(t, err)
	other := map[string]string{"0": "1", "1": "0"}[old]
	require.NotEmpty(t, other)

	// The dead process: took the lock, journalled, changed, vanished.
	f, err := os.OpenFile(lockPath, os.O_RDWR|os.O_CREATE, 0o600)
	require.NoError(t, err)
	require.NoError(t, unix.Flock(int(f.Fd()), unix.LOCK_EX))
	doi := freeDOI(t, 424245)
	require.NoError(t, os.WriteFile(journalPath, []byte("doi "+strconv.Itoa(int(doi))+"\nsysctl "+strictValid+" "+old+"\n"), 0o600))
	c, err := netlabel.Dial()
	require.NoError(t, err)
	defer c.Close()
	require.NoError(t, c.AddDOI(netlabel.DOI{Number: cipso.DOI(doi), Type: cipso.MapPass, Tags: []cipso.TagType{1}}))
	require.NoError(t, writeSysctl(strictValid, other))
	require.NoError(t, f.Close()) // releases the lock

	ns := ForTest(t)
	require.NoError(t, ns.ConfigureNetLabel()) // takes the lock
	dois, err := listDOIs()
	require.NoError(t, err)
	assert.False(t, dois[doi], "DOI of the dead process removed")
	v, err := readSysctl(strictValid)
	require.NoError(t, err)
	assert.Equal(t, old, v, "sysctl of the dead process restored")
}

// TestStrictValidRestored: Close puts the global sysctl back, and two
// namespaces of one process cannot both own it.
func TestStrictValidRestored(t *testing.T) {
	needKernel(t)
	old, err := readSysctl(strictValid)
	require.NoError(t, err)
	ns, err := New()
	require.NoError(t, err)
	defer ns.Close()
	other, err := New()
	require.NoError(t, err)
	defer other.Close()

	require.NoError(t, ns.SetCIPSOStrictValid(old == "0"))
	require.NoError(t, ns.SetCIPSOStrictValid(old == "1"))
	require.NoError(t, ns.SetCIPSOStrictValid(old == "0"))
	assert.Error(t, other.SetCIPSOStrictValid(true), "owned by the first namespace")
	v, err := readSysctl(strictValid)
	require.NoError(t, err)
	assert.NotEqual(t, old, v)

	require.NoError(t, ns.Close())
	v, err = readSysctl(strictValid)
	require.NoError(t, err)
	assert.Equal(t, old, v, "restored by Close")
	require.NoError(t, other.Close())
}

// TestVerdictInput: a field that is not a multiple of 4 octets, or is over
// 40, cannot be an IPv4 options field.
func TestVerdictInput(t *testing.T) {
	ns := ForTest(t)
	_, err := ns.Verdict([]byte{1, 1, 1})
	assert.Error(t, err)
	_, err = ns.Verdict(make([]byte, 44))
	assert.Error(t, err)
	v, err := ns.Verdict(nil)
	require.NoError(t, err)
	assert.Equal(t, Delivered, v.Outcome, "no options")
	assert.Empty(t, v.Options)
	vs, err := ns.VerdictMany(nil)
	require.NoError(t, err)
	assert.Empty(t, vs)
}

// TestVerdictDatagrams: the datagrams Datagram makes get the verdicts
// Verdict gives for the same options (with the options as delivered), on
// both devices; VerdictDatagrams refuses what is not an IPv4 datagram.
func TestVerdictDatagrams(t *testing.T) {
	ns := ForTest(t)
	for _, d := range [][]byte{nil, make([]byte, 19), append([]byte{0x65}, make([]byte, 19)...),
		append([]byte{0x44}, make([]byte, 19)...), append([]byte{0x46}, make([]byte, 20)...),
		append([]byte{0x45}, make([]byte, 1500)...)} {
		_, err := ns.VerdictDatagrams([][]byte{d})
		assert.Error(t, err, "% x", d)
	}
	fields := [][]byte{
		nil,
		{0x07, 0x07, 0x04, 0, 0, 0, 0, 0}, // RR: delivered with the address filled in
		{0x07, 0x03, 0x04, 0x07, 0x03, 0x04, 0, 0},          // two RRs: pointer 23
		{0x83, 0x07, 0x04, 127, 0, 0, 1, 0},                 // LSRR: dropped
		{0x07, 0x0A, 0x04, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x01}, // echo fails: dropped
	}
	for _, in := range []Ingress{Loopback, Ethernet} {
		require.NoError(t, ns.SetIngress(in))
		want, err := ns.VerdictMany(fields)
		require.NoError(t, err)
		list := make([][]byte, len(fields))
		for i, f := range fields {
			list[i] = ns.Datagram(f)
		}
		snap := fmt.Sprint(list)
		got, err := ns.VerdictDatagrams(list)
		require.NoError(t, err)
		assert.Equal(t, want, got, "%v", in)
		assert.Equal(t, snap, fmt.Sprint(list), "the caller's datagrams are not changed")
	}
	// Another port, or not UDP: errors are traced by the identification.
	other := ns.Datagram([]byte{0x07, 0x03, 0x04, 0x07, 0x03, 0x04, 0, 0})
	other[20+8+3]++ // the UDP destination port's low octet
	icmp := ns.Datagram([]byte{0x07, 0x03, 0x04, 0x07, 0x03, 0x04, 0, 0})
	icmp[9], icmp[28] = 1, 8 // an ICMP echo
	fine := ns.Datagram(nil)
	fine[20+3]++
	got, err := ns.VerdictDatagrams([][]byte{other, icmp, fine})
	require.NoError(t, err)
	assert.Equal(t, "parameter problem, pointer 23", got[0].String())
	assert.Equal(t, "parameter problem, pointer 23", got[1].String())
	assert.Equal(t, "icmp error 3/3", got[2].String(), "UDP to a closed port: port unreachable")
}

// TestConcurrentUse: methods may be called from several goroutines.
func TestConcurrentUse(t *testing.T) {
	ns := ForTest(t)
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			for range 20 {
				v, err := ns.Verdict([]byte{7, 3, 4, 7, 3, 4, 0, 0})
				assert.NoError(t, err)
				assert.Equal(t, "parameter problem, pointer 23", v.String(), "goroutine %d", i)
				assert.Equal(t, unix.EINVAL, ns.SetSockOptions([]byte{7, 2}))
			}
		})
	}
	wg.Wait()
}

// TestClosed: every method of a closed namespace fails with ErrClosed.
func TestClosed(t *testing.T) {
	needKernel(t)
	ns, err := New()
	require.NoError(t, err)
	require.NoError(t, ns.Close())
	_, err = ns.Verdict(nil)
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, ns.SetSockOptions(nil), ErrClosed)
	_, err = ns.Sysctl("net/ipv4/icmp_ratelimit")
	assert.ErrorIs(t, err, ErrClosed)
	assert.ErrorIs(t, ns.SetCIPSOStrictValid(true), ErrClosed)
	assert.NoError(t, ns.Close())
}

// freeDOI returns the first number ConfigureDOIs would try for want that
// is not configured now.
func freeDOI(t *testing.T, want uint32) uint32 {
	t.Helper()
	dois, err := listDOIs()
	require.NoError(t, err)
	for k := range netlabeltest.DOICandidates {
		if d := netlabeltest.DOICandidate(want, k); !dois[d] {
			return d
		}
	}
	t.Fatalf("no free DOI for %d", want)
	return 0
}
