package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueueAlreadyBound: a second dsmd on queues a first one holds says
// so instead of "operation not permitted".
func TestQueueAlreadyBound(t *testing.T) {
	n := newTestNet(t)
	c := mustConfig(t, "node 1\nqueue out 41\nqueue in 42\nicmp off\n")
	n.startDaemon(0, c, &logBuf{tb: t, name: "dsmd A"})
	_, err := Start(context.Background(), c, Options{NetNS: n.fd(0)})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `queue out 41 is already bound by another program (another dsmd running with the same "queue out" number?)`)
}

// Receive policies of B for the reload tests: v2 also allows port 7201.
const (
	reloadA   = "node 1\nlabel default sid 0x10\nallow node 2\n"
	reloadBv1 = "node 2\nlabel default sid 0x20\nallow node 1 sid 0x10 proto udp port 7200\n"
	reloadBv2 = reloadBv1 + "allow node 1 sid 0x10 proto udp port 7201\n"
)

// reloadUnderLoad sends count datagrams from A to B:7200, at most 64 in
// flight, while reload swaps B's configuration between v1 and v2 every
// millisecond (limits generous for a loaded CI machine), and fails the test unless every datagram arrives. It then
// reloads v2 and checks that a datagram to B:7201 arrives, and v1, and
// checks that one does not: the reloads took effect.
func reloadUnderLoad(t *testing.T, n *testNet, reload func(*Config) error) {
	v1, v2 := mustConfig(t, reloadBv1), mustConfig(t, reloadBv2)
	sink := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 7200})
	var tx *net.UDPConn
	n.do(0, func() (err error) {
		tx, err = net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: 7200})
		return err
	})
	defer tx.Close()
	const count, window = 3000, 64
	slots := make(chan struct{}, window)
	var got atomic.Int64
	go func() {
		buf := make([]byte, 256)
		for {
			if _, _, err := sink.ReadFromUDP(buf); err != nil {
				return
			}
			got.Add(1)
			<-slots
		}
	}()
	stop := make(chan struct{})
	reloads := make(chan int)
	go func() {
		k := 0
		for {
			select {
			case <-stop:
				reloads <- k
				return
			default:
			}
			c := v1
			if k%2 == 0 {
				c = v2
			}
			if err := reload(c); err != nil {
				t.Errorf("reload %d: %v", k, err)
			}
			k++
			time.Sleep(time.Millisecond)
		}
	}()
	payload := make([]byte, 32)
	for i := range count {
		select {
		case slots <- struct{}{}:
		case <-time.After(10 * time.Second):
			t.Fatalf("%d of %d datagrams arrived while reloading", got.Load(), i)
		}
		_, err := tx.Write(payload)
		require.NoError(t, err)
	}
	require.NoError(t, waitFor(10*time.Second, func() bool { return got.Load() == count }), "%d of %d arrived", got.Load(), count)
	close(stop)
	k := <-reloads
	t.Logf("%d datagrams arrived during %d reloads", count, k)
	require.Greater(t, k, 10, "too few reloads during the flood to test anything")
	sink.Close()

	rx := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 7201})
	defer rx.Close()
	send := func() {
		n.do(0, func() error {
			c, err := net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: 7201})
			if err != nil {
				return err
			}
			defer c.Close()
			_, err = c.Write([]byte("7201"))
			return err
		})
	}
	require.NoError(t, reload(v2))
	send()
	_, _, ok := readWithOpts(rx, 2*time.Second)
	assert.True(t, ok, "port 7201 refused after reloading the configuration that allows it")
	require.NoError(t, reload(v1))
	send()
	_, _, ok = readWithOpts(rx, 300*time.Millisecond)
	assert.False(t, ok, "port 7201 delivered after reloading the configuration that refuses it")
}

// TestReloadNFQUEUE: Daemon.Reload swaps B's configuration hundreds of
// times during a flood that loses nothing; a configuration that changes
// the queues is refused and the old one kept.
func TestReloadNFQUEUE(t *testing.T) {
	n := newTestNet(t)
	ca, cb := mustConfig(t, reloadA), mustConfig(t, reloadBv1)
	n.installRules(0, ca)
	n.installRules(1, cb)
	n.startDaemon(0, ca, &logBuf{tb: t, name: "dsmd A"})
	db := n.startDaemon(1, cb, &logBuf{tb: t, name: "dsmd B"})
	reloadUnderLoad(t, n, db.Reload)
	assert.ErrorContains(t, db.Reload(mustConfig(t, reloadBv2+"queue in 9\n")), "queue changed, which takes a restart")
	assert.Equal(t, uint16(2), db.config().QueueIn)
	assert.Len(t, db.config().Rules, 1, "the refused configuration was applied")
}

// TestReloadEBPF: EBPFDaemon.Reload refills the maps during a flood that
// loses nothing; what the programs cannot change is refused.
func TestReloadEBPF(t *testing.T) {
	n := newTestNet(t)
	ca, cb := mustConfig(t, reloadA), mustConfig(t, reloadBv1)
	n.startEBPFDaemon(0, ca, &logBuf{tb: t, name: "eBPF A"})
	eb := n.startEBPFDaemon(1, cb, &logBuf{tb: t, name: "eBPF B"})
	reloadUnderLoad(t, n, eb.Reload)
	assert.ErrorContains(t, eb.Reload(mustConfig(t, reloadBv2+"doi 0x10001001\n")), "doi changed, which takes a restart")
	assert.ErrorContains(t, eb.Reload(mustConfig(t, reloadBv2+"neutralise translate doi 16\n")), "neutralise changed")
	c, err := eb.Counters()
	require.NoError(t, err)
	assert.Equal(t, uint64(1), c.In[EBPFRejected], "only the last datagram to 7201 refused: %s", c)
}

// TestBinaryReloadMetrics runs the dsmd program with --metrics and
// --log-format json: the metrics endpoint counts what it labels and
// drops, SIGHUP applies a new configuration (one JSON log line), and a
// configuration that does not parse, or changes the queues, is refused
// with one line while the running one stays.
func TestBinaryReloadMetrics(t *testing.T) {
	n := newTestNet(t)
	bin := buildDsmd(t)
	conf := filepath.Join(t.TempDir(), "dsmd.conf")
	const base = "node 1\nqueue out 51\nqueue in 52\nicmp off\n"
	write := func(s string) { require.NoError(t, os.WriteFile(conf, []byte(s), 0o600)) }
	write(base + "label default sid 0x10\n")
	c, err := LoadConfig(conf)
	require.NoError(t, err)
	n.installRules(0, c)

	const addr = "127.0.0.1:9751"
	cmd := exec.Command("ip", "netns", "exec", n.names[0], bin, "--config", conf, "--iptables", n.ipt,
		"--metrics", addr, "--log-format", "json")
	expect := startLogged(t, cmd, func(l string) {
		assert.True(t, strings.HasPrefix(l, `{"time":"`), "not a JSON line with a time: %s", l)
	})
	expect(`"msg":"started","node":1,"datapath":"nfqueue","queue-out":51,"queue-in":52,"metrics":"` + addr + `"`)

	client := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{
		DialContext: func(ctx context.Context, network, a string) (c net.Conn, err error) {
			n.do(0, func() error {
				c, err = (&net.Dialer{}).DialContext(ctx, network, a)
				return nil
			})
			return c, err
		},
	}}
	metrics := func() map[string]uint64 {
		t.Helper()
		resp, err := client.Get("http://" + addr + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
		assert.Equal(t, "text/plain; version=0.0.4; charset=utf-8", resp.Header.Get("Content-Type"))
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		m := map[string]uint64{}
		for l := range strings.Lines(string(b)) {
			if f := strings.Fields(l); len(f) == 2 && f[0] != "#" {
				v, err := strconv.ParseUint(f[1], 10, 64)
				require.NoError(t, err, l)
				m[f[0]] = v
			}
		}
		return m
	}
	m := metrics()
	assert.Equal(t, uint64(0), m["dsmd_labeled_total"])
	assert.Equal(t, uint64(0), m["dsmd_reloads_total"])

	tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
	send := func() {
		_, err := tx.WriteToUDP([]byte("via the binary"), &net.UDPAddr{IP: addrB, Port: 9})
		require.NoError(t, err)
	}
	waitMetric := func(name string, want uint64) map[string]uint64 {
		t.Helper()
		var m map[string]uint64
		require.NoError(t, waitFor(3*time.Second, func() bool { m = metrics(); return m[name] == want }),
			"%s = %d, want %d", name, m[name], want)
		return m
	}
	send()
	waitMetric("dsmd_labeled_total", 1)

	write(base + "label default drop\n")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	expect(`"msg":"reloaded"`)
	send()
	m = waitMetric("dsmd_out_dropped_total", 1)
	assert.Equal(t, uint64(1), m["dsmd_labeled_total"])
	assert.Equal(t, uint64(1), m["dsmd_reloads_total"])

	write("node x\n")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	l := expect(`"msg":"reload refused, the running configuration stays"`)
	assert.Contains(t, l, fmt.Sprintf(`%s:1: bad node ID \"x\"`, conf))
	write(base + "label default sid 0x10\nqueue-len 64\n")
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP))
	l = expect(`"msg":"reload refused, the running configuration stays"`)
	assert.Contains(t, l, "queue-len changed, which takes a restart")
	send()
	m = waitMetric("dsmd_out_dropped_total", 2)
	assert.Equal(t, uint64(1), m["dsmd_labeled_total"], "a refused configuration was applied")
	assert.Equal(t, uint64(2), m["dsmd_reload_failures_total"])

	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	expect(`"msg":"counters at exit","labeled":1,`)
	require.NoError(t, cmd.Wait())
}

// unitDirective is the value of the first "Key=" line of dsmd.service.
func unitDirective(t *testing.T, unit, key string) string {
	t.Helper()
	for l := range strings.Lines(unit) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), key+"="); ok {
			return v
		}
	}
	t.Fatalf("dsmd.service has no %s=", key)
	return ""
}

// TestServiceUnit runs dsmd as dsmd.service would, its setup script and
// the daemon under the unit's bounding set and no_new_privs (setpriv; no
// systemd here, so the unit's sandboxing options are not exercised): with
// "user" and "icmp on" it starts, labels and reloads; without any one of
// the unit's capabilities it stops in its preflight, before binding.
func TestServiceUnit(t *testing.T) {
	b, err := os.ReadFile("dsmd.service")
	require.NoError(t, err)
	unit := string(b)
	assert.Equal(t, "yes", unitDirective(t, unit, "NoNewPrivileges"))
	assert.Equal(t, "/bin/kill -HUP $MAINPID", unitDirective(t, unit, "ExecReload"))
	assert.Equal(t, "/usr/local/sbin/dsmd --config /etc/dsmd.conf", unitDirective(t, unit, "ExecStart"))
	caps := strings.Fields(unitDirective(t, unit, "CapabilityBoundingSet"))
	require.ElementsMatch(t, []string{"CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"}, caps)
	if _, err := exec.LookPath("setpriv"); err != nil {
		t.Skip("dsmd unit test: needs setpriv (util-linux)")
	}
	n := newTestNet(t)
	bin := buildDsmd(t)
	// Readable by nobody, for the reload (t.TempDir makes its
	// directories 0700).
	dir := t.TempDir()
	for _, d := range []string{dir, filepath.Dir(dir)} {
		require.NoError(t, os.Chmod(d, 0o755))
	}
	conf := filepath.Join(dir, "dsmd.conf")
	require.NoError(t, os.WriteFile(conf, []byte("node 1\nqueue out 61\nqueue in 62\nuser nobody\nicmp on\nlabel default sid 0x10\n"), 0o644))
	setpriv := func(caps []string) []string {
		set := "-all"
		for _, c := range caps {
			set += ",+" + strings.ToLower(strings.TrimPrefix(c, "CAP_"))
		}
		return []string{"netns", "exec", n.names[0], "setpriv", "--bounding-set", set, "--no-new-privs", "--"}
	}
	// ExecStartPre.
	args := append(setpriv(caps), "sh", "-ec", fmt.Sprintf("%s --config %s --iptables %s --setup | sh -e", bin, conf, n.ipt))
	out, err := exec.Command("ip", args...).CombinedOutput()
	require.NoError(t, err, "setup script: %s", out)

	for _, missing := range caps {
		t.Run("without "+missing, func(t *testing.T) {
			var less []string
			for _, c := range caps {
				if c != missing {
					less = append(less, c)
				}
			}
			args := append(setpriv(less), bin, "--config", conf, "--iptables", n.ipt)
			out, err := exec.Command("ip", args...).CombinedOutput()
			var ee *exec.ExitError
			require.ErrorAs(t, err, &ee, "dsmd ran: %s", out)
			assert.Equal(t, 1, ee.ExitCode())
			assert.Contains(t, string(out), "msg=\"cannot drop privileges\"")
			assert.Contains(t, string(out), missing)
			assert.NotContains(t, string(out), "msg=started")
		})
	}

	args = append(setpriv(caps), bin, "--config", conf, "--iptables", n.ipt)
	cmd := exec.Command("ip", args...)
	expect := startLogged(t, cmd, nil)
	expect("msg=started node=1 datapath=nfqueue queue-out=61 queue-in=62")
	tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
	_, err = tx.WriteToUDP([]byte("as a service"), &net.UDPAddr{IP: addrB, Port: 9})
	require.NoError(t, err)
	require.NoError(t, cmd.Process.Signal(syscall.SIGHUP)) // ExecReload
	expect("msg=reloaded")
	require.NoError(t, waitFor(5*time.Second, func() bool {
		require.NoError(t, cmd.Process.Signal(syscall.SIGUSR1))
		return strings.Contains(expect("msg=counters "), "labeled=1 ")
	}))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	expect(`msg="counters at exit"`)
	require.NoError(t, cmd.Wait())
}

// TestNFTQueueProbe records whether nftables could replace iptables for
// dsmd's queue rules: an nft "queue" statement needs the kernel's queue
// expression (nft_queue, CONFIG_NFT_QUEUE). The probe adds one such rule
// in a test namespace; Linux without the expression refuses it with
// ENOENT ("No such file or directory"), which is what the test kernel
// does (checked on Linux 6.18), and iptables-nft's NFQUEUE target (the
// xtables target through nft_compat) is then the only nftables-based way.
func TestNFTQueueProbe(t *testing.T) {
	n := newTestNet(t)
	if _, err := exec.LookPath("nft"); err != nil {
		t.Skip("nft queue probe: needs nft")
	}
	script := "add table ip dsmdprobe\n" +
		"add chain ip dsmdprobe out { type filter hook output priority 0; }\n" +
		"add rule ip dsmdprobe out queue num 1 bypass\n"
	cmd := exec.Command("ip", "netns", "exec", n.names[0], "nft", "-f", "-")
	cmd.Stdin = strings.NewReader(script)
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Logf("this kernel has the nftables queue expression: nft queue rules would work")
		return
	}
	assert.Contains(t, string(out), "No such file or directory", "nft refused the queue rule for another reason")
	assert.Contains(t, string(out), "queue num 1 bypass")
	// iptables-nft's NFQUEUE target still works here (TestKernelFacts).
	require.NoError(t, n.iptables(0, "-t", "mangle", "-A", "OUTPUT", "-j", "NFQUEUE", "--queue-num", "1", "--queue-bypass"))
}
