package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// startEBPFDaemon runs the eBPF datapath for namespace i, or skips the
// test with one line when the kernel cannot load or attach it.
func (n *testNet) startEBPFDaemon(i int, c *Config, logs *logBuf) *EBPFDaemon {
	n.tb.Helper()
	d, err := StartEBPF(c, Options{NetNS: n.fd(i), Logf: logs.logf, BPFPinDir: testPinDir(n.tb)})
	if err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, os.ErrPermission) {
			n.tb.Skipf("dsmd eBPF end-to-end: the kernel cannot load or attach the tc programs: %s", firstLine(err.Error()))
		}
		n.tb.Fatalf("start the eBPF datapath in %s: %v", n.names[i], err)
	}
	n.tb.Cleanup(func() {
		if c, err := d.Counters(); err == nil {
			n.tb.Logf("eBPF %s counters at exit: %s", n.names[i], c)
		}
		d.Close()
	})
	return d
}

// testPinDir mounts a bpf file system of the test's own on a temporary
// directory, for the links a fail-closed eBPF datapath pins, and
// unmounts it when the test ends, which unpins whatever is left there:
// no link outlives the test. It skips the test where bpffs cannot be
// mounted.
func testPinDir(tb testing.TB) string {
	tb.Helper()
	dir := tb.TempDir()
	if err := unix.Mount("bpf", dir, "bpf", 0, ""); err != nil {
		tb.Skipf("dsmd eBPF fail-closed: cannot mount a bpf file system: %v", err)
	}
	tb.Cleanup(func() {
		if err := unix.Unmount(dir, 0); err != nil {
			tb.Errorf("unmounting the test's bpf file system %s: %v", dir, err)
		}
	})
	return filepath.Join(dir, "dsmd")
}

func (d *EBPFDaemon) mustCounters(tb testing.TB) EBPFCounters {
	tb.Helper()
	c, err := d.Counters()
	require.NoError(tb, err)
	return c
}

// TestEndToEndEBPF is TestEndToEnd with --datapath ebpf: the tc programs
// of StartEBPF label on A and verify on B, with only the MSS clamp of
// EBPFSetupScript in iptables. The same checks where they apply: the
// label on the wire is the Go encoder's (the worked example) and tshark
// decodes it; refused SIDs and nodes, forged and malformed labels are
// dropped; unlabeled traffic follows the rules; TCP works. Where the
// datapaths differ: no ICMP error is sent for a refused packet, and a
// UDP datagram at the MTU is dropped as too big (tc egress comes after
// fragmentation) unless the route's MTU leaves room for the label. Set
// DSMD_CAPTURE_EBPF=file.pcap to keep the wire capture.
func TestEndToEndEBPF(t *testing.T) {
	n := newTestNet(t)
	ca, cb := mustConfig(t, confA), mustConfig(t, confB)
	for i, c := range []*Config{ca, cb} {
		require.NoError(t, n.sh(i, EBPFSetupScript(c, false, ScriptOptions{IPTables: n.ipt})))
	}
	wire := n.startCapture(0, devA)
	t.Cleanup(func() {
		if path := os.Getenv("DSMD_CAPTURE_EBPF"); path != "" {
			if err := wire.writePcapTo(path); err != nil {
				t.Errorf("DSMD_CAPTURE_EBPF: %v", err)
				return
			}
			t.Logf("wire capture written to %s (%d frames)", path, len(wire.frames()))
		}
	})
	logA, logB := &logBuf{tb: t, name: "dsmd A"}, &logBuf{tb: t, name: "dsmd B"}
	da := n.startEBPFDaemon(0, ca, logA)
	db := n.startEBPFDaemon(1, cb, logB)

	rx5000 := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 5000})
	rx6000 := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 6000})
	recvOpts(t, rx5000)
	// The forger's frames must not pass A's egress program (which would
	// label them as A's): PACKET_QDISC_BYPASS sends them past tc.
	inj := n.injector(0, devA)
	require.NoError(t, unix.SetsockoptInt(inj.fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1))

	// expectIn sends and waits for B's counter of one of the reasons
	// want to move, then checks delivery.
	expectIn := func(t *testing.T, rx *net.UDPConn, marker string, send func(), want ...EBPFReason) (opts []byte) {
		t.Helper()
		before := db.mustCounters(t)
		send()
		var got EBPFReason
		require.NoError(t, waitFor(3*time.Second, func() bool {
			now := db.mustCounters(t)
			for _, w := range want {
				if now.In[w] > before.In[w] {
					got = w
					return true
				}
			}
			return false
		}), "B never counted %v", want)
		p, o, ok := readWithOpts(rx, 200*time.Millisecond)
		if got >= EBPFLinux && got != EBPFMalformed {
			assert.False(t, ok && strings.Contains(string(p), marker), "dropped packet delivered")
			return nil
		}
		for ok && !strings.Contains(string(p), marker) {
			p, o, ok = readWithOpts(rx, 2*time.Second)
		}
		require.True(t, ok, "allowed packet %q not delivered", marker)
		return o
	}
	dial := func(t *testing.T, port, mark int) *net.UDPConn {
		var c *net.UDPConn
		n.do(0, func() (err error) {
			c, err = net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: port})
			return err
		})
		t.Cleanup(func() { c.Close() })
		if mark != 0 {
			setMark(t, c, mark)
		}
		return c
	}

	t.Run("allowed flow, label on the wire", func(t *testing.T) {
		c := dial(t, 5000, 0)
		before := da.mustCounters(t).Out[EBPFOutLabeled]
		opts := expectIn(t, rx5000, "allowed-1", func() { _, _ = c.Write([]byte("allowed-1")) }, EBPFLabeled)
		assert.Equal(t, bytes.Repeat([]byte{1}, 20), opts, "neutralised into NOPs")
		ip := wire.find(true, []byte("allowed-1"), time.Second)
		require.NotNil(t, ip, "labeled datagram not captured")
		assert.Equal(t, byte(0x4a), ip[0])
		assert.Equal(t, specLabel, ip[20:40], "the worked example, as the Go encoder makes it")
		headerOK(t, ip)
		assert.Equal(t, uint16(len(ip)), binary.BigEndian.Uint16(ip[2:4]))
		assert.Greater(t, da.mustCounters(t).Out[EBPFOutLabeled], before, "A's egress program labeled it")
		tsharkSeesDSMLabel(t, wire)
	})

	t.Run("disallowed SID dropped, ICMP code 10 back", func(t *testing.T) {
		c := dial(t, 5000, 7)
		setsockopt(t, c, unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		before := db.mustCounters(t)
		expectIn(t, rx5000, "sid-66", func() { _, _ = c.Write([]byte("sid-66")) }, EBPFRejected)
		ip := wire.find(true, []byte("sid-66"), time.Second)
		require.NotNil(t, ip)
		assert.Equal(t, label(0x66, 1), ip[20:40])
		// B's ingress program quoted the datagram to dsmd B, which sent
		// Destination Unreachable code 10; it left labeled by B's egress
		// program and was verified by A's before the kernel gave it to
		// the socket (IP_RECVERR).
		e, ok := readICMPErr(c, 3*time.Second)
		require.True(t, ok, "no ICMP error queued on the sender")
		assert.Equal(t, uint8(unix.SO_EE_ORIGIN_ICMP), e.origin)
		assert.Equal(t, uint8(3), e.typ)
		assert.Equal(t, uint8(10), e.code)
		assert.Equal(t, unix.EHOSTUNREACH, e.errno)
		assert.Equal(t, addrB.String(), e.offender.String())
		assert.Equal(t, before.ICMPSent+1, db.mustCounters(t).ICMPSent)
		icmpIP := findICMP(wire, time.Second)
		require.NotNil(t, icmpIP, "ICMP error not captured")
		assert.Equal(t, label(0x20, 2), icmpIP[20:40], "the error carries B's label")
	})

	t.Run("disallowed node dropped", func(t *testing.T) {
		expectIn(t, rx5000, "node-4", func() {
			inj.send(t, mkIPv4(label(0x12341234, 4), protoUDP, [4]byte{192, 0, 2, 4}, ipB, udp(40000, 5000, "node-4")))
		}, EBPFLabeled)
		expectIn(t, rx5000, "node-3", func() {
			inj.send(t, mkIPv4(label(0x12341234, 3), protoUDP, [4]byte{192, 0, 2, 3}, ipB, udp(40000, 5000, "node-3")))
		}, EBPFRejected)
	})

	t.Run("forged labels dropped", func(t *testing.T) {
		expectIn(t, rx5000, "forged-1", func() {
			inj.send(t, mkIPv4(label(0x12341234, 1), protoUDP, [4]byte{192, 0, 2, 3}, ipB, udp(40000, 5000, "forged-1")))
		}, EBPFForged)
		expectIn(t, rx5000, "forged-2", func() {
			inj.send(t, mkIPv4(label(0x12341234, 4), protoUDP, ipA, ipB, udp(40000, 5000, "forged-2")))
		}, EBPFForged)
		expectIn(t, rx5000, "forged-ctl", func() {
			inj.send(t, mkIPv4(label(0x12341234, 1), protoUDP, ipA, ipB, udp(40000, 5000, "forged-ctl")))
		}, EBPFLabeled)
	})

	t.Run("malformed labels dropped", func(t *testing.T) {
		good := label(0x12341234, 1)
		for i, opts := range [][]byte{
			patch(good, 7, 0x0d),                         // tag length
			patch(good, 9, 0x05),                         // parameter length
			patch(good, 5, 0x01),                         // DOI: a CIPSO option of a DOI no one configured
			patch(good, 6, 0x01),                         // tag type 1 in a DSM label
			append(good[:20:20], 0x86, 0x02, 0x00, 0x00), // a second CIPSO option
		} {
			m := fmt.Sprintf("malformed-%d", i)
			expectIn(t, rx5000, m, func() {
				inj.send(t, mkIPv4(opts, protoUDP, ipA, ipB, udp(40000, 5000, m)))
			}, EBPFDSM, EBPFLinux)
		}
	})

	t.Run("unlabeled traffic follows the policy", func(t *testing.T) {
		c6000 := dial(t, 6000, 9)
		expectIn(t, rx6000, "unlabeled-6000", func() { _, _ = c6000.Write([]byte("unlabeled-6000")) }, EBPFPass)
		ip := wire.find(true, []byte("unlabeled-6000"), time.Second)
		require.NotNil(t, ip)
		assert.Equal(t, byte(0x45), ip[0], "sent without options")
		c5000 := dial(t, 5000, 9)
		expectIn(t, rx5000, "unlabeled-5000", func() { _, _ = c5000.Write([]byte("unlabeled-5000")) }, EBPFRejected)
	})

	t.Run("datagram at the MTU", func(t *testing.T) {
		// The datagram leaves IP at 1500 octets; with the label it would
		// be 1520, which the veth would drop: the egress program drops it
		// first and counts it.
		c := dial(t, 5000, 0)
		payload := append([]byte("big-1"), bytes.Repeat([]byte{'x'}, 1472-5)...)
		before := da.mustCounters(t).Out[EBPFOutTooBig]
		_, err := c.Write(payload)
		require.NoError(t, err)
		require.NoError(t, waitFor(time.Second, func() bool { return da.mustCounters(t).Out[EBPFOutTooBig] > before }),
			"A never counted too-big")
		_, _, ok := readWithOpts(rx5000, 200*time.Millisecond)
		assert.False(t, ok, "delivered")
		// A route MTU that leaves room for the label (locked, so that
		// the socket does not set DF) makes IP fragment to 1480: each
		// fragment gets the label and fits.
		n.run("ip", "-n", n.names[0], "route", "replace", "192.0.2.0/24", "dev", devA, "mtu", "lock", "1480")
		c2 := dial(t, 5000, 0)
		payload[4] = '2'
		bv := db.mustCounters(t).In[EBPFLabeled]
		_, err = c2.Write(payload)
		require.NoError(t, err)
		got, _, ok := readWithOpts(rx5000, 3*time.Second)
		require.True(t, ok, "1472-octet datagram not delivered with the route MTU")
		assert.Equal(t, payload, got)
		assert.Equal(t, uint64(2), db.mustCounters(t).In[EBPFLabeled]-bv, "two fragments, each verified")
		var frags [][]byte
		_ = waitFor(time.Second, func() bool {
			frags = frags[:0]
			for _, f := range wire.frames() {
				ip := ipOf(f.data)
				if f.outgoing && ip != nil && ip[9] == protoUDP && binary.BigEndian.Uint16(ip[6:8])&0x3fff != 0 {
					frags = append(frags, ip)
				}
			}
			return len(frags) == 2
		})
		for _, ip := range frags {
			assert.LessOrEqual(t, len(ip), 1500, "fragment within the MTU")
			assert.Equal(t, specLabel, ip[20:40], "label in every fragment")
		}
		assert.Len(t, frags, 2)
		n.run("ip", "-n", n.names[0], "route", "replace", "192.0.2.0/24", "dev", devA)
	})

	t.Run("TCP with the MSS clamp", func(t *testing.T) {
		var ln net.Listener
		n.do(1, func() (err error) {
			ln, err = net.Listen("tcp4", "192.0.2.2:5100")
			return err
		})
		defer ln.Close()
		gso := n.startGSOCapture(0, devA)
		data := bytes.Repeat([]byte("0123456789abcdef"), 256<<10/16)
		errc := make(chan error, 1)
		go func() {
			s, err := ln.Accept()
			if err != nil {
				errc <- err
				return
			}
			defer s.Close()
			_ = s.SetDeadline(time.Now().Add(10 * time.Second))
			got, err := io.ReadAll(s)
			if err == nil && !bytes.Equal(got, data) {
				err = fmt.Errorf("received %d octets, want %d equal ones", len(got), len(data))
			}
			if err == nil {
				_, err = s.Write([]byte("ok"))
			}
			errc <- err
		}()
		var c net.Conn
		n.do(0, func() (err error) {
			c, err = net.DialTimeout("tcp4", "192.0.2.2:5100", 5*time.Second)
			return err
		})
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(10 * time.Second))
		_, err := c.Write(data)
		require.NoError(t, err)
		require.NoError(t, c.(*net.TCPConn).CloseWrite())
		reply, err := io.ReadAll(c)
		require.NoError(t, err)
		require.NoError(t, <-errc)
		assert.Equal(t, "ok", string(reply))
		assert.Equal(t, 1440, synMSS(wire, false), "MSS in the SYN-ACK")
		// Every TCP packet A sends carries A's label. The veth hands GSO
		// packets to B whole; each segment a real link would carry (the
		// labeled header, copied by the segmentation, and gso_size
		// octets, which bpf_skb_adjust_room lowered by the label's
		// length) fits the MTU.
		pkts, gsoPkts := 0, 0
		for _, f := range gso.frames() {
			ip := ipOf(f.data)
			if ip == nil || ip[9] != protoTCP || !f.outgoing {
				continue
			}
			pkts++
			hl := int(ip[0]&15) * 4
			tcpLen := int(ip[hl+12]>>4) * 4
			seg := len(ip)
			if f.gsoSize > 0 {
				gsoPkts++
				seg = hl + tcpLen + f.gsoSize
			}
			ok := assert.Equal(t, specLabel, ip[20:40], "label of packet %d", pkts) &&
				assert.LessOrEqual(t, seg, 1500, "segment of packet %d (gso_size %d)", pkts, f.gsoSize)
			if !ok {
				break
			}
		}
		assert.NotZero(t, pkts)
		t.Logf("%d TCP packets from A, %d of them GSO", pkts, gsoPkts)
	})

	t.Logf("A: %s", da.mustCounters(t))
	t.Logf("B: %s", db.mustCounters(t))
	for _, d := range []*EBPFDaemon{da, db} {
		c := d.mustCounters(t)
		assert.Zero(t, c.Out[EBPFOutMalformed]+c.Out[EBPFOutNoRoom]+c.Out[EBPFOutUnfit], "egress failures")
	}
}

// gsoFrame is a frame with the GSO size of its virtio_net_hdr (0 for a
// packet that is not GSO).
type gsoFrame struct {
	data     []byte
	outgoing bool
	gsoSize  int
}

type gsoCapture struct {
	mu sync.Mutex
	fr []gsoFrame
}

func (c *gsoCapture) frames() []gsoFrame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]gsoFrame(nil), c.fr...)
}

// startGSOCapture captures dev in namespace i with PACKET_VNET_HDR, which
// puts a virtio_net_hdr before every frame (gso_size at octet 4), so that
// a GSO packet's segment size can be seen.
func (n *testNet) startGSOCapture(i int, dev string) *gsoCapture {
	n.tb.Helper()
	fd := -1
	n.do(i, func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		if fd, err = unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL))); err != nil {
			return err
		}
		if err := unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_VNET_HDR, 1); err != nil {
			return err
		}
		tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		return unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index})
	})
	c := &gsoCapture{}
	stop, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 10+65536+64)
		for {
			select {
			case <-stop:
				return
			default:
			}
			k, from, err := unix.Recvfrom(fd, buf, 0)
			if err != nil || k < 10 {
				if err == nil || errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
					continue
				}
				return
			}
			f := gsoFrame{data: append([]byte(nil), buf[10:k]...), gsoSize: int(binary.NativeEndian.Uint16(buf[4:6]))}
			if buf[1] == 0 { // VIRTIO_NET_HDR_GSO_NONE
				f.gsoSize = 0
			}
			if ll, ok := from.(*unix.SockaddrLinklayer); ok {
				f.outgoing = ll.Pkttype == unix.PACKET_OUTGOING
			}
			c.mu.Lock()
			c.fr = append(c.fr, f)
			c.mu.Unlock()
		}
	}()
	n.tb.Cleanup(func() {
		close(stop)
		<-done
		unix.Close(fd)
	})
	return c
}

// TestEndToEndEBPFSocketOwner checks the socket owner the egress program
// matches label lines on, against what NFQUEUE reports (NFQA_UID and
// NFQA_GID: the fsuid and fsgid of the thread that created the socket):
// uid lines on bpf_get_socket_uid, gid lines on the fsgid of the
// socket's file (read through bpf_cast_to_kern_ctx), first match wins.
// example.conf, which has a gid line, is accepted.
func TestEndToEndEBPFSocketOwner(t *testing.T) {
	ex, err := LoadConfig("example.conf")
	require.NoError(t, err)
	require.NoError(t, EBPFUnsupported(ex), "example.conf on the eBPF datapath")

	n := newTestNet(t)
	c := mustConfig(t, "node 1\nlabel uid 1000 sid 0x10\nlabel gid 2000 sid 0x11\nlabel gid 0 sid 0x12\nlabel default sid 0x13\noverload fail-open\n")
	wire := n.startCapture(0, devA)
	n.startEBPFDaemon(0, c, &logBuf{tb: t, name: "eBPF A"})
	for _, tc := range []struct {
		fsuid, fsgid int
		sid          uint32
	}{
		{1000, 0, 0x10},    // the uid line comes first
		{1000, 2000, 0x10}, // still the uid line
		{0, 2000, 0x11},    // the gid line
		{5, 0, 0x12},       // gid 0
		{5, 5, 0x13},       // no line: the default
	} {
		msg := fmt.Sprintf("owner %d:%d", tc.fsuid, tc.fsgid)
		var conn *net.UDPConn
		n.do(0, func() error {
			// sock_init_data takes the creating thread's fsuid and
			// the file its fsgid; both calls act on this thread only.
			oldU, err := unix.SetfsuidRetUid(tc.fsuid)
			if err != nil {
				return err
			}
			defer unix.SetfsuidRetUid(oldU) //nolint:errcheck // restoring
			oldG, err := unix.SetfsgidRetGid(tc.fsgid)
			if err != nil {
				return err
			}
			defer unix.SetfsgidRetGid(oldG) //nolint:errcheck // restoring
			conn, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: addrB, Port: 9})
			return err
		})
		_, err := conn.Write([]byte(msg))
		conn.Close()
		require.NoError(t, err)
		ip := wire.find(true, []byte(msg), 2*time.Second)
		require.NotNil(t, ip, msg)
		assert.Equal(t, label(tc.sid, 1), ip[20:40], msg)
	}
}

// TestEndToEndEBPFUDPGSO sends a UDP GSO datagram (UDP_SEGMENT: one
// packet that the stack, or the device, cuts into datagrams of 1000
// octets of payload after tc egress) through the egress program: it
// cannot be labeled (bpf_skb_adjust_room refuses to grow a GSO packet
// that is not TCP), so it is dropped and counted as no-room, and none of
// its segments leaves unlabeled. A datagram of the same size sent
// without UDP_SEGMENT leaves labeled, in fragments.
func TestEndToEndEBPFUDPGSO(t *testing.T) {
	n := newTestNet(t)
	c := mustConfig(t, "node 1\nlabel default sid 0x10\noverload fail-open\nicmp off\n")
	wire := n.startCapture(0, devA)
	d := n.startEBPFDaemon(0, c, &logBuf{tb: t, name: "eBPF A"})
	require.NoError(t, n.sh(0, "ip route change 192.0.2.0/24 dev "+devA+" mtu lock 1480"))
	send := func(marker string, gso bool) {
		t.Helper()
		var conn *net.UDPConn
		n.do(0, func() (err error) {
			conn, err = net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: 9})
			return err
		})
		defer conn.Close()
		if gso {
			setsockopt(t, conn, unix.IPPROTO_UDP, unix.UDP_SEGMENT, 1000)
		}
		payload := bytes.Repeat([]byte(marker), 3000/len(marker))
		_, err := conn.Write(payload)
		require.NoError(t, err)
	}

	before := d.mustCounters(t).Out
	send("gso-datagram ", true)
	require.NoError(t, waitFor(2*time.Second, func() bool {
		return d.mustCounters(t).Out[EBPFOutNoRoom] > before[EBPFOutNoRoom]
	}), "the GSO packet was not counted as no-room: %s", d.mustCounters(t))
	assert.Nil(t, wire.find(true, []byte("gso-datagram "), 300*time.Millisecond), "a segment of the GSO packet left")
	assert.Equal(t, before[EBPFOutLabeled], d.mustCounters(t).Out[EBPFOutLabeled])

	send("plain-datagram ", false)
	ip := wire.find(true, []byte("plain-datagram "), 2*time.Second)
	require.NotNil(t, ip, "the datagram without UDP_SEGMENT left")
	assert.Equal(t, label(0x10, 1), ip[20:40])
}

// TestEBPFFailOpenAfterFailClosed starts a fail-open dsmd where a
// fail-closed one left its links pinned: the fail-open one removes the
// pins (its own plain links label meanwhile), and once it is closed too
// packets leave unlabeled.
func TestEBPFFailOpenAfterFailClosed(t *testing.T) {
	n := newTestNet(t)
	pinDir := testPinDir(t)
	wire := n.startCapture(0, devA)
	tx := n.udpConn(0, &net.UDPAddr{IP: addrA})
	out := func(marker string) []byte {
		t.Helper()
		_, err := tx.WriteToUDP([]byte(marker), &net.UDPAddr{IP: addrB, Port: 9})
		require.NoError(t, err)
		return wire.find(true, []byte(marker), 300*time.Millisecond)
	}
	start := func(conf string) *EBPFDaemon {
		d, err := StartEBPF(mustConfig(t, conf), Options{NetNS: n.fd(0), Logf: t.Logf, BPFPinDir: pinDir})
		if err != nil && (errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, os.ErrPermission)) {
			t.Skipf("dsmd eBPF: the kernel cannot load or attach the tc programs: %s", firstLine(err.Error()))
		}
		require.NoError(t, err)
		return d
	}
	closed := start("node 1\nlabel default sid 0x10\nicmp off\n")
	require.NoError(t, closed.Close())
	_, err := os.Stat(ebpfPin(pinDir, devA, true))
	require.NoError(t, err, "fail-closed: the egress link stays pinned")

	open := start("node 1\nlabel default sid 0x11\noverload fail-open\nicmp off\n")
	for _, e := range []bool{false, true} {
		_, err := os.Stat(ebpfPin(pinDir, devA, e))
		assert.True(t, os.IsNotExist(err), "fail-open removed the pin: %v", err)
	}
	var ip []byte
	i := 0
	// The unpinned gates go in a work item.
	require.NoError(t, waitFor(3*time.Second, func() bool {
		i++
		ip = out(fmt.Sprintf("fail-open %d", i))
		return ip != nil
	}), "the fail-open dsmd sends")
	assert.Equal(t, label(0x11, 1), ip[20:40])
	require.NoError(t, open.Close())
	i = 0
	require.NoError(t, waitFor(3*time.Second, func() bool {
		i++
		ip = out(fmt.Sprintf("after fail-open %d", i))
		return ip != nil && ip[0] == 0x45
	}), "closed fail-open: packets leave unlabeled")
}

// TestEBPFAbortRemovesCreatedPins: the failure path of a start after the
// links are pinned (abort, as after a failed startICMP or
// dropPrivileges) removes the pins this dsmd created, so the gates do
// not stay behind.
func TestEBPFAbortRemovesCreatedPins(t *testing.T) {
	n := newTestNet(t)
	pinDir := testPinDir(t)
	d, err := StartEBPF(mustConfig(t, "node 1\nlabel default sid 0x10\nicmp off\n"), Options{NetNS: n.fd(0), Logf: t.Logf, BPFPinDir: pinDir})
	if err != nil && (errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, os.ErrPermission)) {
		t.Skipf("dsmd eBPF: the kernel cannot load or attach the tc programs: %s", firstLine(err.Error()))
	}
	require.NoError(t, err)
	for _, e := range []bool{false, true} {
		_, err := os.Stat(ebpfPin(pinDir, devA, e))
		require.NoError(t, err, "fail-closed: the link is pinned")
	}
	require.NoError(t, d.abort())
	for _, e := range []bool{false, true} {
		_, err := os.Stat(ebpfPin(pinDir, devA, e))
		assert.True(t, os.IsNotExist(err), "abort removed the pin it created: %v", err)
	}
}
