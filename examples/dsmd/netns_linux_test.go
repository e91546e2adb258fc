package main

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"golang.org/x/sys/unix"
)

// The test network: two network namespaces made by the test, joined by a
// veth pair with documentation addresses (RFC 5737).
var (
	addrA = net.IPv4(192, 0, 2, 1).To4()
	addrB = net.IPv4(192, 0, 2, 2).To4()
	macA  = net.HardwareAddr{0x02, 0xd5, 0x3d, 0, 0, 0x01}
	macB  = net.HardwareAddr{0x02, 0xd5, 0x3d, 0, 0, 0x02}
)

const (
	devA = "dsmd-a"
	devB = "dsmd-b"
	// nsPrefix starts the names of the namespaces the tests make; the
	// process id follows, so stale ones from a killed run can be found.
	nsPrefix = "dsmdtest-"
)

// testNet is the pair of namespaces. Deleting a namespace deletes its
// veth end and its iptables rules with it, so Close leaves nothing behind.
type testNet struct {
	tb    testing.TB
	names [2]string
	fds   [2]*os.File
	ipt   string // iptables binary that works here
}

// needRoot skips unless the test can make namespaces and install iptables
// NFQUEUE rules.
func needRoot(tb testing.TB) string {
	tb.Helper()
	if os.Geteuid() != 0 {
		tb.Skip("dsmd end-to-end: needs root (network namespaces, iptables NFQUEUE)")
	}
	if _, err := exec.LookPath("ip"); err != nil {
		tb.Skip("dsmd end-to-end: needs ip (iproute2)")
	}
	ipt := iptablesBinary()
	if ipt == "" {
		tb.Skip("dsmd end-to-end: needs iptables (iptables-nft or iptables-legacy) with the NFQUEUE target")
	}
	return ipt
}

// iptablesBinary picks the iptables to use: $DSMD_IPTABLES, else the
// first of iptables, iptables-nft, iptables-legacy on $PATH.
func iptablesBinary() string {
	if b := os.Getenv("DSMD_IPTABLES"); b != "" {
		return b
	}
	for _, b := range []string{"iptables", "iptables-nft", "iptables-legacy"} {
		if _, err := exec.LookPath(b); err == nil {
			return b
		}
	}
	return ""
}

var staleOnce sync.Once

// removeStale deletes namespaces left by earlier test processes that died
// before their cleanup ran.
func removeStale() {
	ents, _ := os.ReadDir("/run/netns")
	for _, e := range ents {
		rest, ok := strings.CutPrefix(e.Name(), nsPrefix)
		if !ok {
			continue
		}
		pid, err := strconv.Atoi(strings.SplitN(rest, "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if unix.Kill(pid, 0) == unix.ESRCH {
			_ = exec.Command("ip", "netns", "del", e.Name()).Run()
		}
	}
}

var netSeq struct {
	sync.Mutex
	n int
}

// newTestNet makes the two namespaces (A: 192.0.2.1 on dsmd-a, B:
// 192.0.2.2 on dsmd-b) and registers their removal with tb.Cleanup.
func newTestNet(tb testing.TB) *testNet {
	tb.Helper()
	ipt := needRoot(tb)
	staleOnce.Do(removeStale)
	netSeq.Lock()
	netSeq.n++
	seq := netSeq.n
	netSeq.Unlock()
	n := &testNet{tb: tb, ipt: ipt}
	for i := range n.names {
		n.names[i] = fmt.Sprintf("%s%d-%d%c", nsPrefix, os.Getpid(), seq, 'a'+i)
	}
	tb.Cleanup(n.close)
	for i, name := range n.names {
		n.run("ip", "netns", "add", name)
		f, err := os.Open(filepath.Join("/run/netns", name))
		if err != nil {
			tb.Fatalf("open namespace: %v", err)
		}
		n.fds[i] = f
		// No IPv6: the captures and the timings hold only what the tests send.
		n.run("ip", "netns", "exec", name, "sysctl", "-q", "-w",
			"net.ipv6.conf.all.disable_ipv6=1", "net.ipv6.conf.default.disable_ipv6=1")
	}
	a, b := n.names[0], n.names[1]
	n.run("ip", "-n", a, "link", "add", devA, "address", macA.String(), "type", "veth",
		"peer", "name", devB, "netns", b, "address", macB.String())
	n.run("ip", "-n", a, "addr", "add", "192.0.2.1/24", "dev", devA)
	n.run("ip", "-n", b, "addr", "add", "192.0.2.2/24", "dev", devB)
	for i, dev := range []string{devA, devB} {
		n.run("ip", "-n", n.names[i], "link", "set", "lo", "up")
		n.run("ip", "-n", n.names[i], "link", "set", dev, "up")
		// Static neighbours: no ARP traffic in the captures or the timings.
		peerIP, peerMAC := addrB, macB
		if i == 1 {
			peerIP, peerMAC = addrA, macA
		}
		n.run("ip", "-n", n.names[i], "neigh", "replace", peerIP.String(), "lladdr", peerMAC.String(),
			"dev", dev, "nud", "permanent")
	}
	return n
}

func (n *testNet) close() {
	for i, name := range n.names {
		if n.fds[i] != nil {
			n.fds[i].Close()
		}
		if name != "" {
			if out, err := exec.Command("ip", "netns", "del", name).CombinedOutput(); err != nil &&
				!bytes.Contains(out, []byte("No such file")) {
				n.tb.Errorf("ip netns del %s: %v: %s", name, err, out)
			}
		}
	}
}

// fd is the namespace file of A (0) or B (1), for Options.NetNS.
func (n *testNet) fd(i int) int { return int(n.fds[i].Fd()) }

func (n *testNet) run(args ...string) {
	n.tb.Helper()
	out, err := exec.Command(args[0], args[1:]...).CombinedOutput()
	if err != nil {
		n.tb.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// iptables runs the chosen iptables in namespace i.
func (n *testNet) iptables(i int, args ...string) error {
	cmd := append([]string{"netns", "exec", n.names[i], n.ipt}, args...)
	out, err := exec.Command("ip", cmd...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v: %s", n.ipt, strings.Join(args, " "), err, out)
	}
	return nil
}

// installRules runs the iptables part of the --setup script of c in
// namespace i. The rules go with the namespace. The netlabelctl line of
// translate mode is left out: NetLabel answers only in the initial
// namespace, and the translate test registers its DOI itself.
func (n *testNet) installRules(i int, c *Config) {
	n.tb.Helper()
	iptOnly := *c
	iptOnly.Mode = NeutraliseNOP
	if err := n.sh(i, SetupScript(&iptOnly, false, ScriptOptions{IPTables: n.ipt})); err != nil {
		if strings.Contains(err.Error(), "NFQUEUE") || strings.Contains(err.Error(), "No chain/target/match") {
			n.tb.Skipf("dsmd end-to-end: iptables NFQUEUE target unavailable: %v", err)
		}
		n.tb.Fatal(err)
	}
}

// do runs f with the calling thread inside namespace i, so that sockets f
// opens belong to it.
func (n *testNet) do(i int, f func() error) {
	n.tb.Helper()
	if err := inNetNS(n.fd(i), f); err != nil {
		n.tb.Fatal(err)
	}
}

// udpConn opens a UDP socket in namespace i bound to laddr.
func (n *testNet) udpConn(i int, laddr *net.UDPAddr) *net.UDPConn {
	n.tb.Helper()
	var c *net.UDPConn
	n.do(i, func() (err error) {
		c, err = net.ListenUDP("udp4", laddr)
		return err
	})
	n.tb.Cleanup(func() { c.Close() })
	return c
}
