package main

import (
	"bufio"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBinarySignals runs the dsmd program itself in namespace A (ip netns
// exec) and checks its run-time interface: it binds its queues, labels,
// prints the counters on SIGUSR1 and again at exit on SIGTERM, and exits 0.
// startLogged starts cmd (killed when t ends) and returns expect, which
// waits up to 10 s for a line of cmd's standard error containing sub and
// returns it; every line read is logged and, when check is not nil, given
// to check.
func startLogged(t *testing.T, cmd *exec.Cmd, check func(line string)) (expect func(sub string) string) {
	t.Helper()
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
	return func(sub string) string {
		t.Helper()
		timeout := time.After(10 * time.Second)
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatalf("dsmd exited before printing %q", sub)
				}
				t.Logf("dsmd: %s", l)
				if check != nil {
					check(l)
				}
				if strings.Contains(l, sub) {
					return l
				}
			case <-timeout:
				t.Fatalf("dsmd did not print %q", sub)
			}
		}
	}
}

func TestBinarySignals(t *testing.T) {
	n := newTestNet(t)
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("dsmd binary test: needs the go command to build dsmd")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "dsmd")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0") // DropPrivileges needs a binary without cgo
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	conf := filepath.Join(dir, "dsmd.conf")
	require.NoError(t, os.WriteFile(conf, []byte("node 1\nlabel default sid 0x10\nqueue out 11\nqueue in 12\n"), 0o600))
	c, err := LoadConfig(conf)
	require.NoError(t, err)
	n.installRules(0, c)

	cmd := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--iptables", n.ipt)
	expect := startLogged(t, cmd, nil)
	expect("msg=started node=1 datapath=nfqueue queue-out=11 queue-in=12")

	// One labeled datagram. B runs no dsmd, so B's kernel drops it and
	// answers Parameter Problem, echoing A's label in its own header; A's
	// dsmd rejects that (a label naming node 1 that no rule allows).
	tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
	_, err = tx.WriteToUDP([]byte("via the binary"), &net.UDPAddr{IP: addrB, Port: 9})
	require.NoError(t, err)

	var l string
	require.NoError(t, waitFor(5*time.Second, func() bool {
		require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
		l = expect("msg=counters ")
		return strings.Contains(l, "labeled=1 ") && strings.Contains(l, "rejected=1 ")
	}))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	l = expect(`msg="counters at exit"`)
	assert.Contains(t, l, "labeled=1 accepted=0 rejected=1 malformed=0 unfit=0")
	require.NoError(t, cmd.Wait())
	assert.Equal(t, 0, cmd.ProcessState.ExitCode())
}
