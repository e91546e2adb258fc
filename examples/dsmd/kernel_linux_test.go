package main

import (
	"context"
	"encoding/binary"
	"net"
	"os/exec"
	"testing"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestKernelFacts checks, on the running kernel, the facts dsmd's design
// rests on, once with each iptables variant installed:
//
//   - the iptables NFQUEUE target queues packets with both iptables-nft
//     and iptables-legacy;
//   - the queue reports the sending socket's owner (NFQA_UID/NFQA_GID,
//     asked for with NFQA_CFG_F_UID_GID);
//   - a kernel with NetLabel drops a DSM label that is not neutralised,
//     answering ICMP Parameter Problem at the DOI field (pointer 22: no
//     such DOI: cipso_v4_validate in net/ipv4/cipso_ipv4.c, checked on
//     Linux 6.18);
//   - at PREROUTING a verdict that changes the packet's length (the label
//     cut out) is not delivered, while the same-length NOP overwrite is;
//   - --queue-bypass accepts packets while no program serves the queue
//     (fail-open), and without it they are dropped (fail-closed).
func TestKernelFacts(t *testing.T) {
	needRoot(t)
	for _, ipt := range []string{"iptables-nft", "iptables-legacy"} {
		t.Run(ipt, func(t *testing.T) {
			if _, err := exec.LookPath(ipt); err != nil {
				t.Skipf("%s not installed", ipt)
			}
			t.Setenv("DSMD_IPTABLES", ipt)
			kernelFacts(t)
		})
	}
}

func kernelFacts(t *testing.T) {
	n := newTestNet(t)
	// A labels everything: uid 1000 gets SID 0x10, anyone else 0x11. B
	// runs no dsmd; its PREROUTING queue is served by the test.
	ca := mustConfig(t, "node 1\nlabel uid 1000 sid 0x10\nlabel gid 0 sid 0x11\n")
	require.NoError(t, n.iptables(0, "-t", "mangle", "-A", "OUTPUT", "-o", devA, "-p", "udp", "-j", "NFQUEUE", "--queue-num", "1"))
	wire := n.startCapture(0, devA)
	n.startDaemon(0, ca, &logBuf{tb: t, name: "dsmd A"})

	rx := n.udpConn(1, &net.UDPAddr{IP: addrB})
	port := rx.LocalAddr().(*net.UDPAddr).Port
	send := func(t *testing.T, fsuid int, msg string) {
		t.Helper()
		var c *net.UDPConn
		n.do(0, func() error {
			// The socket's owner is the creating thread's fsuid
			// (sock_init_data); setfsuid acts on this thread only.
			old, err := unix.SetfsuidRetUid(fsuid)
			if err != nil {
				return err
			}
			defer unix.SetfsuidRetUid(old) //nolint:errcheck // restoring

			c, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: addrB, Port: port})
			return err
		})
		defer c.Close()
		_, err := c.Write([]byte(msg))
		require.NoError(t, err)
	}
	delivered := func(msg string, d time.Duration) bool {
		_ = rx.SetReadDeadline(time.Now().Add(d))
		buf := make([]byte, 2048)
		for {
			k, _, err := rx.ReadFromUDP(buf)
			if err != nil {
				return false
			}
			if string(buf[:k]) == msg {
				return true
			}
		}
	}

	t.Run("queue reports the socket owner", func(t *testing.T) {
		send(t, 1000, "uid-1000")
		ip := wire.find(true, []byte("uid-1000"), 2*time.Second)
		require.NotNil(t, ip)
		assert.Equal(t, label(0x10, 1), ip[20:40])
		send(t, 0, "uid-0")
		ip = wire.find(true, []byte("uid-0"), 2*time.Second)
		require.NotNil(t, ip)
		assert.Equal(t, label(0x11, 1), ip[20:40], "gid 0 rule")
	})

	t.Run("unneutralised label dropped by the kernel", func(t *testing.T) {
		send(t, 0, "raw-label")
		assert.False(t, delivered("raw-label", 300*time.Millisecond))
		// B's kernel answered Parameter Problem (type 12) pointing at the
		// DOI (20 + 2). The error echoes the bad label in its own header.
		var pp []byte
		_ = waitFor(2*time.Second, func() bool {
			for _, f := range wire.frames() {
				if ip := ipOf(f.data); ip != nil && !f.outgoing && ip[9] == protoICMP {
					hl := int(ip[0]&0xf) * 4
					if len(ip) > hl+4 && ip[hl] == 12 {
						pp = ip
						return true
					}
				}
			}
			return false
		})
		require.NotNil(t, pp, "no Parameter Problem from B")
		hl := int(pp[0]&0xf) * 4
		assert.Equal(t, byte(22), pp[hl+4], "pointer at the DOI")
	})

	// B's PREROUTING queue, served by the test: dport 1 of the payload
	// decides the rewrite.
	require.NoError(t, n.iptables(1, "-t", "mangle", "-A", "PREROUTING", "-i", devB, "-p", "udp", "-j", "NFQUEUE", "--queue-num", "2"))
	ctx, cancel := context.WithCancel(context.Background())
	nf, err := nfqueue.Open(&nfqueue.Config{NetNS: n.fd(1), NfQueue: 2, MaxPacketLen: 0xffff, MaxQueueLen: 64,
		Copymode: nfqueue.NfQnlCopyPacket, AfFamily: unix.AF_INET, WriteTimeout: time.Second})
	require.NoError(t, err)
	t.Cleanup(func() {
		cancel() // before Close: Close waits for the goroutine that waits for ctx
		nf.Close()
	})
	require.NoError(t, nf.RegisterWithErrorFunc(ctx, func(a nfqueue.Attribute) int {
		pkt := append([]byte(nil), (*a.Payload)...)
		h, _ := ipopt.ParseHeader(pkt)
		msg := string(pkt[h.HeaderLen()+8:])
		switch msg {
		case "cut":
			buf := make([]byte, Headroom+len(pkt))
			copy(buf[Headroom:], pkt)
			p, _ := ipopt.FromBytes(buf, Headroom, len(pkt))
			if err := p.RemoveOption(ipopt.CIPSO); err != nil {
				t.Errorf("remove label: %v", err)
			}
			_ = nf.SetVerdictModPacket(*a.PacketID, nfqueue.NfAccept, p.Bytes())
		case "nop":
			for i := 20; i < 40; i++ {
				pkt[i] = 1
			}
			binary.BigEndian.PutUint16(pkt[10:], 0)
			binary.BigEndian.PutUint16(pkt[10:], rfc1071(pkt[:40]))
			_ = nf.SetVerdictModPacket(*a.PacketID, nfqueue.NfAccept, pkt)
		default:
			_ = nf.SetVerdict(*a.PacketID, nfqueue.NfAccept)
		}
		return 0
	}, func(error) int { return 1 }))

	t.Run("PREROUTING: same length delivered, shorter not", func(t *testing.T) {
		send(t, 0, "nop")
		assert.True(t, delivered("nop", 2*time.Second), "NOP-neutralised label not delivered")
		send(t, 0, "cut")
		assert.False(t, delivered("cut", 500*time.Millisecond), "a packet shortened at PREROUTING was delivered")
	})

	t.Run("queue-bypass", func(t *testing.T) {
		// No program on queue 9: fail-closed drops, --queue-bypass accepts.
		require.NoError(t, n.iptables(0, "-t", "mangle", "-I", "OUTPUT", "-o", devA, "-p", "udp", "-m", "mark", "--mark", "5",
			"-j", "NFQUEUE", "--queue-num", "9"))
		require.NoError(t, n.iptables(0, "-t", "mangle", "-I", "OUTPUT", "-o", devA, "-p", "udp", "-m", "mark", "--mark", "6",
			"-j", "NFQUEUE", "--queue-num", "9", "--queue-bypass"))
		for _, tc := range []struct {
			mark int
			msg  string
			want bool
		}{{5, "closed", false}, {6, "default", true}} {
			var c *net.UDPConn
			n.do(0, func() (err error) {
				c, err = net.DialUDP("udp4", nil, &net.UDPAddr{IP: addrB, Port: port})
				return err
			})
			setMark(t, c, tc.mark)
			_, _ = c.Write([]byte(tc.msg))
			c.Close()
			assert.Equal(t, tc.want, delivered(tc.msg, 500*time.Millisecond), "mark %d", tc.mark)
		}
	})
}
