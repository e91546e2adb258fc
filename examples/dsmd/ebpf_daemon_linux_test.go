package main

import (
	"bufio"
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

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinaryEBPF runs the dsmd program with --datapath ebpf as "user
// nobody" in namespace A: it attaches, prints its startup line, keeps no
// capability at all (every thread: CapEff, CapPrm, CapBnd empty,
// NoNewPrivs 1, uid and gid nobody's), still labels, reads its counters
// on SIGUSR1 and at exit on SIGTERM, and detaches on exit (packets then
// leave unlabeled).
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
	dir := t.TempDir()
	bin := filepath.Join(dir, "dsmd")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "dsmd.conf")
	require.NoError(t, os.WriteFile(conf, []byte("node 1\nlabel default sid 0x10\nuser nobody\nicmp off\ndefault allow\n"), 0o600))

	cmd := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--datapath", "ebpf")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	expect := func(sub string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("dsmd exited before printing %q", sub)
				}
				t.Logf("dsmd: %s", l)
				if strings.Contains(l, sub) {
					return l
				}
			case <-timeout:
				t.Fatalf("dsmd did not print %q", sub)
			}
		}
	}
	expect("dsmd: node 1, eBPF datapath on " + devA)

	// The process ip netns exec became is dsmd itself.
	tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", cmd.Process.Pid))
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
	_, err = tx.WriteToUDP([]byte("via the binary"), &net.UDPAddr{IP: addrB, Port: 9})
	require.NoError(t, err)
	ip := wire.find(true, []byte("via the binary"), 2*time.Second)
	require.NotNil(t, ip)
	assert.Equal(t, label(0x10, 1), ip[20:40])
	require.NoError(t, waitFor(5*time.Second, func() bool {
		require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
		return strings.Contains(expect("dsmd: counters: "), "out: labeled=1 ")
	}))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	assert.Contains(t, expect("dsmd: counters at exit: "), "out: labeled=1 ")
	require.NoError(t, cmd.Wait())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())

	_, err = tx.WriteToUDP([]byte("after the exit"), &net.UDPAddr{IP: addrB, Port: 9})
	require.NoError(t, err)
	ip = wire.find(true, []byte("after the exit"), 2*time.Second)
	require.NotNil(t, ip)
	assert.Equal(t, byte(0x45), ip[0], "detached: sent unlabeled")
}
