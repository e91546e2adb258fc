package main

import (
	"encoding/binary"
	"errors"
	"net"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"golang.org/x/sys/unix"
)

// capture records every frame sent and received on one device with an
// AF_PACKET socket (packet(7)), the wire as the veth carries it.
type capture struct {
	fd   int
	mu   sync.Mutex
	fr   []frame
	done chan struct{}
}

type frame struct {
	at       time.Time
	data     []byte // Ethernet frame
	outgoing bool
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// startCapture opens the socket in namespace i on dev and reads until
// the test ends.
func (n *testNet) startCapture(i int, dev string) *capture {
	n.tb.Helper()
	c := &capture{fd: -1, done: make(chan struct{})}
	n.do(i, func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, int(htons(unix.ETH_P_ALL)))
		if err != nil {
			return err
		}
		if err := unix.Bind(fd, &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}); err != nil {
			unix.Close(fd)
			return err
		}
		tv := unix.NsecToTimeval(int64(50 * time.Millisecond))
		if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			unix.Close(fd)
			return err
		}
		c.fd = fd
		return nil
	})
	stop := make(chan struct{})
	go c.loop(stop)
	n.tb.Cleanup(func() {
		close(stop)
		<-c.done
		unix.Close(c.fd)
	})
	return c
}

func (c *capture) loop(stop chan struct{}) {
	defer close(c.done)
	buf := make([]byte, 65536+64)
	for {
		select {
		case <-stop:
			return
		default:
		}
		k, from, err := unix.Recvfrom(c.fd, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			return
		}
		out := false
		if ll, ok := from.(*unix.SockaddrLinklayer); ok {
			out = ll.Pkttype == unix.PACKET_OUTGOING
		}
		c.mu.Lock()
		c.fr = append(c.fr, frame{at: time.Now(), data: append([]byte(nil), buf[:k]...), outgoing: out})
		c.mu.Unlock()
	}
}

// frames returns the frames seen so far.
func (c *capture) frames() []frame {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]frame(nil), c.fr...)
}

// ipOf returns the IPv4 datagram of an Ethernet frame, or nil.
func ipOf(f []byte) []byte {
	if len(f) < 14+20 || binary.BigEndian.Uint16(f[12:14]) != unix.ETH_P_IP {
		return nil
	}
	return f[14:]
}

// find returns the first IPv4 datagram in the direction wanted whose
// payload (after the header) contains marker, waiting up to d for it.
func (c *capture) find(outgoing bool, marker []byte, d time.Duration) []byte {
	deadline := time.Now().Add(d)
	for {
		for _, f := range c.frames() {
			ip := ipOf(f.data)
			if ip == nil || f.outgoing != outgoing {
				continue
			}
			hl := int(ip[0]&0xf) * 4
			if hl <= len(ip) && containsBytes(ip[hl:], marker) {
				return ip
			}
		}
		if time.Now().After(deadline) {
			return nil
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func containsBytes(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

// writePcap writes the frames to the file DSMD_CAPTURE names, if it is
// set.
func (c *capture) writePcap(tb testing.TB) {
	if path := os.Getenv("DSMD_CAPTURE"); path != "" {
		if err := c.writePcapTo(path); err != nil {
			tb.Errorf("DSMD_CAPTURE: %v", err)
			return
		}
		tb.Logf("wire capture written to %s (%d frames)", path, len(c.frames()))
	}
}

// writePcapTo writes the frames as pcap, link type Ethernet.
func (c *capture) writePcapTo(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(65536, layers.LinkTypeEthernet); err != nil {
		return err
	}
	for _, fr := range c.frames() {
		ci := gopacket.CaptureInfo{Timestamp: fr.at, CaptureLength: len(fr.data), Length: len(fr.data)}
		if err := w.WritePacket(ci, fr.data); err != nil {
			return err
		}
	}
	return f.Close()
}

// injector sends hand-made frames on a device of a namespace, bypassing
// that namespace's IP stack and its dsmd (a forger on the wire).
type injector struct {
	fd      int
	ifindex int
}

func (n *testNet) injector(i int, dev string) *injector {
	n.tb.Helper()
	inj := &injector{fd: -1}
	n.do(i, func() error {
		ifi, err := net.InterfaceByName(dev)
		if err != nil {
			return err
		}
		fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
		if err != nil {
			return err
		}
		inj.fd, inj.ifindex = fd, ifi.Index
		return nil
	})
	n.tb.Cleanup(func() { unix.Close(inj.fd) })
	return inj
}

// send sends the IPv4 datagram ip from macA to macB.
func (inj *injector) send(tb testing.TB, ip []byte) {
	tb.Helper()
	inj.sendFrom(tb, ip, macA, macB)
}

// sendFrom sends the IPv4 datagram ip from MAC src to MAC dst.
func (inj *injector) sendFrom(tb testing.TB, ip []byte, src, dst net.HardwareAddr) {
	tb.Helper()
	f := make([]byte, 14+len(ip))
	copy(f[0:6], dst)
	copy(f[6:12], src)
	binary.BigEndian.PutUint16(f[12:14], unix.ETH_P_IP)
	copy(f[14:], ip)
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_IP), Ifindex: inj.ifindex, Halen: 6}
	copy(sa.Addr[:], dst)
	if err := unix.Sendto(inj.fd, f, 0, sa); err != nil {
		tb.Fatalf("inject: %v", err)
	}
}
