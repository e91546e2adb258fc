package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestLinkType reads the ARPHRD type of an interface (no privileges
// needed): lo is ARPHRD_LOOPBACK.
func TestLinkType(t *testing.T) {
	typ, err := linkType("lo")
	require.NoError(t, err)
	assert.Equal(t, uint16(unix.ARPHRD_LOOPBACK), typ)
	_, err = linkType("no-such-if0")
	assert.Error(t, err)
}

// TestEBPFRefusesNonEthernet: the eBPF datapath reads a 14-octet Ethernet
// header, so it refuses an interface without one (here a tun device)
// instead of letting its traffic pass unchecked; the veth of the test
// network is Ethernet.
func TestEBPFRefusesNonEthernet(t *testing.T) {
	n := newTestNet(t)
	n.run("ip", "-n", n.names[0], "tuntap", "add", "mode", "tun", "name", "dsmdtun0")
	typ := uint16(0)
	n.do(0, func() (err error) { typ, err = linkType("dsmdtun0"); return err })
	require.Equal(t, uint16(unix.ARPHRD_NONE), typ, "a tun device has no link header")
	c := mustConfig(t, confA+"interface dsmdtun0\n")
	_, err := StartEBPF(c, Options{NetNS: n.fd(0), Logf: t.Logf})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "interface dsmdtun0 is not Ethernet")
}

// TestBinaryEBPFNeedsPerfmon: without CAP_PERFMON the verifier refuses
// the programs, so dsmd --datapath ebpf says what it lacks before it
// loads anything.
func TestBinaryEBPFNeedsPerfmon(t *testing.T) {
	n := newTestNet(t)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("dsmd binary test: needs setpriv (util-linux)")
	}
	bin := buildDsmd(t)
	conf := filepath.Join(t.TempDir(), "a.conf")
	require.NoError(t, os.WriteFile(conf, []byte(confA), 0o644))
	out, err := exec.Command("ip", "netns", "exec", n.names[0], "setpriv", "--bounding-set", "-perfmon", "--",
		bin, "--config", conf, "--datapath", "ebpf").CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "dsmd ran: %s", out)
	assert.Contains(t, string(out), "CAP_PERFMON")
}
