package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryEBPF runs the dsmd program with --datapath ebpf as "user
// nobody" in namespace A, fail-closed (the default): it attaches, prints
// its startup line, keeps no capability at all (every thread: CapEff,
// CapPrm, CapBnd empty, NoNewPrivs 1, uid and gid nobody's), still
// labels, reads its counters on SIGUSR1 and at exit on SIGTERM. After it
// exits its pinned gates drop IPv4 both ways; a second dsmd takes the
// same pinned links over (same link IDs, new programs) and labels again;
// after a kill -9 the gates drop again, labeled and unlabeled packets
// alike; --disarm removes the pins and packets pass unlabeled.
func TestBinaryEBPF(t *testing.T) {
	n := newTestNet(t)
	if os.Geteuid() == 0 {
		// Skip early, with one line, where BPF cannot be loaded.
		loadEBPFForTest(t, EBPFIngressConfig{})
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("dsmd binary test: needs the go command to build dsmd")
	}
	nobody, err := user.Lookup("nobody")
	if err != nil {
		t.Skip("dsmd binary test: no user nobody")
	}
	pinDir := testPinDir(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "dsmd")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "dsmd.conf")
	require.NoError(t, os.WriteFile(conf, []byte("node 1\nlabel default sid 0x10\nuser nobody\nicmp off\ndefault allow\n"), 0o600))

	type proc struct {
		cmd    *exec.Cmd
		expect func(sub string) string
	}
	start := func() proc {
		t.Helper()
		cmd := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--datapath", "ebpf", "--pin-dir", pinDir)
		expect := startLogged(t, cmd, nil)
		expect("msg=started node=1 datapath=ebpf interfaces=" + devA)
		return proc{cmd, expect}
	}
	p := start()

	// The process ip netns exec became is dsmd itself.
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", p.cmd.Process.Pid))
	require.NoError(t, err)
	require.NotEmpty(t, tasks)
	for _, f := range tasks {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		st := string(b)
		for _, k := range []string{"CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb"} {
			assert.Contains(t, st, k+":\t0000000000000000", "%s of %s", k, f)
		}
		assert.Contains(t, st, "NoNewPrivs:\t1")
		assert.Contains(t, st, fmt.Sprintf("Uid:\t%s\t%[1]s\t%[1]s\t%[1]s", nobody.Uid))
		assert.Contains(t, st, fmt.Sprintf("Gid:\t%s\t%[1]s\t%[1]s\t%[1]s", nobody.Gid))
	}

	wire := n.startCapture(0, devA)
	tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
	rxA := n.udpConn(0, &net.UDPAddr{IP: addrA, Port: 7000})
	txB := n.udpConn(1, &net.UDPAddr{IP: addrB})
	injB := n.injector(1, devB)
	// out sends from A and returns the datagram on the wire, or nil.
	out := func(marker string, wait time.Duration) []byte {
		t.Helper()
		_, err := tx.WriteToUDP([]byte(marker), &net.UDPAddr{IP: addrB, Port: 9})
		require.NoError(t, err)
		return wire.find(true, []byte(marker), wait)
	}
	// in sends to A from B, labeled (node 2, injected) or not, and says
	// whether A's socket got it.
	in := func(marker string, labeled bool) bool {
		t.Helper()
		if labeled {
			injB.sendFrom(t, mkIPv4(label(0x20, 2), protoUDP, ipB, ipA, udp(40000, 7000, marker)), macB, macA)
		} else {
			_, err := txB.WriteToUDP([]byte(marker), &net.UDPAddr{IP: addrA, Port: 7000})
			require.NoError(t, err)
		}
		for {
			p, _, ok := readWithOpts(rxA, 300*time.Millisecond)
			if !ok {
				return false
			}
			if strings.Contains(string(p), marker) {
				return true
			}
		}
	}
	pinned := func() (links [2]link.ID, progs [2]ebpf.ProgramID) {
		t.Helper()
		for i, e := range []bool{false, true} {
			l, err := link.LoadPinnedLink(ebpfPin(pinDir, devA, e), nil)
			require.NoError(t, err, "the link is pinned")
			info, err := l.Info()
			require.NoError(t, err)
			links[i], progs[i] = info.ID, info.Program
			l.Close()
		}
		return links, progs
	}
	// gone waits until the gates drop what A sends: Linux empties the
	// prog array in a work item once its last descriptor is closed, and
	// until then the programs still label. Nothing leaves unlabeled.
	gone := func(what string) {
		t.Helper()
		i := 0
		require.NoError(t, waitFor(3*time.Second, func() bool {
			i++
			ip := out(fmt.Sprintf("probe %d, %s", i, what), 50*time.Millisecond)
			if ip != nil {
				require.Equal(t, byte(0x4a), ip[0], "%s: sent unlabeled", what)
			}
			return ip == nil
		}), "%s: the gates never dropped", what)
	}
	// armed checks that the gates drop IPv4 both ways.
	armed := func(what string) {
		t.Helper()
		assert.Nil(t, out("out, "+what, 300*time.Millisecond), "%s: sent from A", what)
		assert.False(t, in("in unlabeled, "+what, false), "%s: unlabeled datagram delivered to A", what)
		assert.False(t, in("in labeled, "+what, true), "%s: labeled datagram delivered to A", what)
	}

	ip := out("via the binary", 2*time.Second)
	require.NotNil(t, ip)
	assert.Equal(t, label(0x10, 1), ip[20:40])
	assert.True(t, in("labeled to A", true), "a labeled datagram reaches A")
	require.NoError(t, waitFor(5*time.Second, func() bool {
		require.NoError(t, p.cmd.Process.Signal(syscall.SIGUSR1))
		return strings.Contains(p.expect("msg=counters "), "out.labeled=1 ")
	}))
	links1, progs1 := pinned()
	require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
	assert.Contains(t, p.expect(`msg="counters at exit"`), "out.labeled=1 ")
	require.NoError(t, p.cmd.Wait())
	assert.Equal(t, 0, p.cmd.ProcessState.ExitCode())
	gone("after SIGTERM")
	armed("after SIGTERM")

	p = start()
	links2, progs2 := pinned()
	assert.Equal(t, links1, links2, "the second dsmd took the pinned links over")
	assert.NotEqual(t, progs1, progs2, "with its own programs")
	ip = out("after the restart", 2*time.Second)
	require.NotNil(t, ip, "the restarted dsmd labels")
	assert.Equal(t, label(0x10, 1), ip[20:40])
	assert.True(t, in("labeled to A again", true), "a labeled datagram reaches A")

	require.NoError(t, p.cmd.Process.Kill())
	_ = p.cmd.Wait()
	gone("after kill -9")
	armed("after kill -9")

	cmd := exec.Command(bin, "--datapath", "ebpf", "--pin-dir", pinDir, "--disarm")
	o, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", o)
	assert.Contains(t, string(o), "removed "+ebpfPin(pinDir, devA, false))
	assert.Contains(t, string(o), "removed "+ebpfPin(pinDir, devA, true))
	_, err = os.Stat(pinDir)
	assert.True(t, os.IsNotExist(err), "nothing left pinned: %v", err)
	// The kernel releases an unpinned link in a work item: the first
	// datagrams may still meet the gate.
	i := 0
	require.NoError(t, waitFor(3*time.Second, func() bool {
		i++
		ip = out(fmt.Sprintf("after --disarm %d", i), 50*time.Millisecond)
		return ip != nil
	}), "disarmed: A sends again")
	require.NotNil(t, ip)
	assert.Equal(t, byte(0x45), ip[0], "disarmed: sent unlabeled")
	assert.True(t, in("unlabeled after --disarm", false), "disarmed: unlabeled datagrams reach A")
}

// TestRingBackoff: the pauses after failed ring reads double from 10 ms
// to at most 1 s and start again after a read that succeeds; only the
// first failure is logged.
func TestRingBackoff(t *testing.T) {
	var b ringBackoff
	assert.True(t, b.first())
	assert.False(t, b.first())
	var got []time.Duration
	for range 9 {
		got = append(got, b.next())
	}
	ms := time.Millisecond
	assert.Equal(t, []time.Duration{10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, time.Second, time.Second}, got)
	b.reset()
	assert.Equal(t, 10*ms, b.next())
	assert.False(t, b.first(), "logged once, not again after a reset")
}
