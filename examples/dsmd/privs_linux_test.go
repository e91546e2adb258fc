package main

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// buildDsmd builds the dsmd program without cgo (DropPrivileges needs
// that) into a temporary directory.
func buildDsmd(t *testing.T) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("dsmd binary test: needs the go command to build dsmd")
	}
	bin := filepath.Join(t.TempDir(), "dsmd")
	build := exec.Command(goBin, "build", "-o", bin, ".")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// dsmdProc is a dsmd program running in a test namespace.
type dsmdProc struct {
	cmd   *exec.Cmd
	lines chan string
}

// startBinary runs bin --config conf in namespace A and waits for its
// startup line, which it prints once bound, armed and unprivileged.
func (n *testNet) startBinary(t *testing.T, bin, conf string, startup string) *dsmdProc {
	t.Helper()
	cmd := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--iptables", n.ipt)
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var once sync.Once
	wait := func() { once.Do(func() { _ = cmd.Wait() }) }
	t.Cleanup(func() { _ = cmd.Process.Kill(); wait() })
	p := &dsmdProc{cmd: cmd, lines: make(chan string, 64)}
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
	}()
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-p.lines:
			if !ok {
				t.Fatalf("dsmd exited before printing %q", startup)
			}
			t.Logf("dsmd: %s", l)
			if strings.Contains(l, startup) {
				return p
			}
		case <-timeout:
			t.Fatalf("dsmd did not print %q", startup)
		}
	}
}

// procStatus reads the fields of /proc/PID/task/TID/status.
func procStatus(t *testing.T, path string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	m := map[string]string{}
	for l := range strings.Lines(string(b)) {
		k, v, ok := strings.Cut(l, ":")
		if ok {
			m[k] = strings.TrimSpace(v)
		}
	}
	return m
}

// TestBinaryLeastPrivilege runs the dsmd program (fail-closed) in
// namespace A, against an in-process dsmd in B, and checks:
//   - before it is bound, the --setup rules let traffic through
//     (--queue-bypass), so starting in the README's order loses nothing;
//   - once it has printed its startup line, its rules have no bypass any
//     more, and every one of its threads has only CAP_NET_ADMIN (and
//     CAP_NET_RAW with "icmp on") in its permitted, effective and bounding
//     sets, nothing inheritable or ambient, no_new_privs set, and the
//     configured user's ids;
//   - with those privileges it still labels (B accepts what it sends) and
//     verifies (B's ICMP error about a refused packet reaches the socket);
//   - after it exits the rules stay armed (fail-closed: packets are
//     dropped), until --setup is run again.
func TestBinaryLeastPrivilege(t *testing.T) {
	const (
		netAdmin = uint64(1) << unix.CAP_NET_ADMIN
		netRaw   = uint64(1) << unix.CAP_NET_RAW
	)
	tests := []struct {
		name     string
		extra    string // configuration lines
		uid, gid int
		caps     uint64
	}{
		{"as nobody", "user 65534:65534\n", 65534, 65534, netAdmin | netRaw},
		{"as uid 0, icmp off", "icmp off\n", 0, 0, netAdmin},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNet(t)
			bin := buildDsmd(t)
			conf := filepath.Join(t.TempDir(), "a.conf")
			require.NoError(t, os.WriteFile(conf, []byte(confA+"queue out 21\nqueue in 22\n"+tc.extra), 0o644))
			ca, err := LoadConfig(conf)
			require.NoError(t, err)
			cb := mustConfig(t, confB)
			n.installRules(0, ca)
			n.installRules(1, cb)
			db := n.startDaemon(1, cb, &logBuf{tb: t, name: "dsmd B"})
			rx5000 := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 5000})
			rx6000 := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 6000})
			tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
			delivered := func(rx *net.UDPConn, marker string, d time.Duration) bool {
				for {
					got, _, ok := readWithOpts(rx, d)
					if !ok {
						return false
					}
					if string(got) == marker {
						return true
					}
				}
			}
			sendUnlabeled := func(marker string) {
				_, _ = tx.WriteToUDP([]byte(marker), &net.UDPAddr{IP: addrB, Port: 6000})
			}

			// Not yet bound: the rules bypass the queues, B gets the
			// datagram unlabeled (and accepts it: port 6000).
			for _, r := range queueRules(n.save(0)) {
				require.Contains(t, r, "--queue-bypass")
			}
			sendUnlabeled("before")
			assert.True(t, delivered(rx6000, "before", 2*time.Second), "traffic lost before dsmd was bound")

			p := n.startBinary(t, bin, conf, "msg=started node=1 datapath=nfqueue queue-out=21 queue-in=22")
			armed := queueRules(n.save(0))
			require.Len(t, armed, 2)
			for _, r := range armed {
				assert.NotContains(t, r, "--queue-bypass", "bound fail-closed dsmd left a bypass")
			}

			pid := p.cmd.Process.Pid
			comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
			require.NoError(t, err)
			require.Equal(t, "dsmd\n", string(comm))
			tasks, err := filepath.Glob(fmt.Sprintf("/proc/%d/task/*/status", pid))
			require.NoError(t, err)
			assert.Greater(t, len(tasks), 1, "a Go program has several threads")
			capHex := func(v string) uint64 {
				x, err := strconv.ParseUint(v, 16, 64)
				require.NoError(t, err)
				return x
			}
			ids := func(id int) string { s := strconv.Itoa(id); return s + "\t" + s + "\t" + s + "\t" + s }
			for _, task := range tasks {
				st := procStatus(t, task)
				assert.Equal(t, tc.caps, capHex(st["CapEff"]), "%s CapEff", task)
				assert.Equal(t, tc.caps, capHex(st["CapPrm"]), "%s CapPrm", task)
				assert.Equal(t, tc.caps, capHex(st["CapBnd"]), "%s CapBnd", task)
				assert.Zero(t, capHex(st["CapInh"]), "%s CapInh", task)
				assert.Zero(t, capHex(st["CapAmb"]), "%s CapAmb", task)
				assert.Equal(t, "1", st["NoNewPrivs"], "%s NoNewPrivs", task)
				assert.Equal(t, ids(tc.uid), st["Uid"], "%s Uid", task)
				assert.Equal(t, ids(tc.gid), st["Gid"], "%s Gid", task)
				assert.Empty(t, st["Groups"], "%s Groups", task)
			}

			// Labeling still works: B accepts node 1's default SID on 5000.
			c := n.udpConn(0, &net.UDPAddr{IP: addrA})
			before := db.Counters().Snapshot()
			_, err = c.WriteToUDP([]byte("labeled"), &net.UDPAddr{IP: addrB, Port: 5000})
			require.NoError(t, err)
			assert.True(t, delivered(rx5000, "labeled", 3*time.Second), "labeled datagram not delivered")
			assert.Equal(t, uint64(1), delta(before, db.Counters().Snapshot()).In[InAccepted])

			// Verifying still works: SID 0x66 (mark 7) is refused by B,
			// whose labeled ICMP error A's dsmd accepts (allow node 2).
			var d *net.UDPConn
			n.do(0, func() (err error) {
				d, err = net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: 5000})
				return err
			})
			t.Cleanup(func() { d.Close() })
			setMark(t, d, 7)
			setsockopt(t, d, unix.IPPROTO_IP, unix.IP_RECVERR, 1)
			_, _ = d.Write([]byte("sid-66"))
			e, ok := readICMPErr(d, 3*time.Second)
			require.True(t, ok, "B's ICMP error did not get through A's dsmd")
			assert.Equal(t, uint8(3), e.typ)
			assert.Equal(t, uint8(10), e.code)

			require.NoError(t, p.cmd.Process.Signal(syscall.SIGTERM))
			require.NoError(t, p.cmd.Wait())

			// Stopped: the armed rules drop (fail-closed) ...
			for _, r := range queueRules(n.save(0)) {
				assert.NotContains(t, r, "--queue-bypass")
			}
			sendUnlabeled("stopped")
			assert.False(t, delivered(rx6000, "stopped", 300*time.Millisecond), "fail-closed rules let a packet through")
			// ... until --setup is run again.
			n.installRules(0, ca)
			sendUnlabeled("set up again")
			assert.True(t, delivered(rx6000, "set up again", 2*time.Second))
		})
	}
}

// cgoLinked says whether this test binary is linked with cgo, where
// syscall.AllThreadsSyscall answers ENOTSUP.
func cgoLinked() bool {
	_, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_GET_NO_NEW_PRIVS, 0, 0)
	return e == unix.ENOTSUP
}

// TestDropPrivilegesNeedsNoCgo: in a program linked with cgo (as this
// test binary usually is) CheckPrivileges and DropPrivileges refuse, say
// how to build dsmd, and change nothing.
func TestDropPrivilegesNeedsNoCgo(t *testing.T) {
	if !cgoLinked() {
		t.Skip("needs a test binary linked with cgo (without cgo DropPrivileges would drop this process's privileges)")
	}
	before := procStatus(t, "/proc/self/status")
	c := mustConfig(t, "node 1\nuser 65534:65534\n")
	require.ErrorContains(t, CheckPrivileges(c), "CGO_ENABLED=0")
	require.ErrorContains(t, DropPrivileges(c), "CGO_ENABLED=0")
	after := procStatus(t, "/proc/self/status")
	for _, k := range []string{"Uid", "Gid", "CapEff", "CapPrm", "CapBnd", "NoNewPrivs"} {
		assert.Equal(t, before[k], after[k], k)
	}
}

// TestBinaryCannotDrop: a dsmd that could not drop its privileges stops
// before it binds its queues or arms its rules, so the host keeps its
// network (the rules --setup installed go on bypassing): built with cgo
// (a plain "go build"), and started without CAP_SETPCAP (as by a
// systemd unit that leaves it out).
func TestBinaryCannotDrop(t *testing.T) {
	tests := []struct {
		name   string
		cgo    string   // CGO_ENABLED for the build
		prefix []string // command before dsmd
		want   string   // in its error line
	}{
		{"built with cgo", "1", nil, "build it with CGO_ENABLED=0"},
		{"without CAP_SETPCAP", "0", []string{"setpriv", "--bounding-set", "-setpcap", "--"}, "needs CAP_SETPCAP in its effective capability set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n := newTestNet(t)
			goBin, err := exec.LookPath("go")
			if err != nil {
				t.Skip("dsmd binary test: needs the go command to build dsmd")
			}
			if len(tc.prefix) > 0 {
				if _, err := exec.LookPath(tc.prefix[0]); err != nil {
					t.Skipf("dsmd binary test: needs %s (util-linux)", tc.prefix[0])
				}
			}
			if tc.cgo == "1" {
				if out, err := exec.Command(goBin, "env", "CGO_ENABLED").Output(); err != nil || strings.TrimSpace(string(out)) != "1" {
					t.Skip("dsmd binary test: needs cgo (a C compiler) to build a dsmd linked with it")
				}
			}
			bin := filepath.Join(t.TempDir(), "dsmd")
			build := exec.Command(goBin, "build", "-o", bin, ".")
			build.Env = append(os.Environ(), "CGO_ENABLED="+tc.cgo)
			if out, err := build.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			conf := filepath.Join(t.TempDir(), "a.conf")
			require.NoError(t, os.WriteFile(conf, []byte(confA+"queue out 31\nqueue in 32\n"), 0o644))
			ca, err := LoadConfig(conf)
			require.NoError(t, err)
			n.installRules(0, ca)
			before := n.save(0)

			args := append([]string{"netns", "exec", n.names[0]}, tc.prefix...)
			args = append(args, bin, "--config", conf, "--iptables", n.ipt)
			out, err := exec.Command("ip", args...).CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "dsmd ran: %s", out)
			assert.Equal(t, 1, ee.ExitCode())
			assert.Contains(t, string(out), tc.want)
			assert.NotContains(t, string(out), "msg=started", "dsmd printed its startup line")
			assert.Equal(t, before, n.save(0), "dsmd changed its rules although it stopped")

			// The rules still bypass: a packet leaves, unlabeled, and B
			// (no dsmd there, no rules) receives it.
			rx := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 6000})
			tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
			_, err = tx.WriteToUDP([]byte("still up"), &net.UDPAddr{IP: addrB, Port: 6000})
			require.NoError(t, err)
			got, _, ok := readWithOpts(rx, 2*time.Second)
			require.True(t, ok, "traffic lost after dsmd failed to start")
			assert.Equal(t, "still up", string(got))
		})
	}
}

// TestBinaryCannotArm: in fail-closed mode a dsmd whose rules were never
// installed (no --setup) cannot arm them; it stops with an error after its
// privileges were dropped, and the ruleset is as it was.
func TestBinaryCannotArm(t *testing.T) {
	n := newTestNet(t)
	bin := buildDsmd(t)
	conf := filepath.Join(t.TempDir(), "a.conf")
	require.NoError(t, os.WriteFile(conf, []byte(confA+"queue out 41\nqueue in 42\n"), 0o644))
	before := n.save(0)
	out, err := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--iptables", n.ipt).CombinedOutput()
	var ee *exec.ExitError
	require.ErrorAs(t, err, &ee, "dsmd ran: %s", out)
	assert.Equal(t, 1, ee.ExitCode())
	assert.Contains(t, string(out), "were they installed with --setup?")
	assert.Contains(t, string(out), "they were left as they were")
	assert.NotContains(t, string(out), "msg=started", "dsmd printed its startup line")
	assert.Equal(t, before, n.save(0))
}
