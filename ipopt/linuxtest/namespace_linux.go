package linuxtest

import (
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Namespace is a private network namespace with lo up and the sockets
// that inject datagrams, receive them and watch for ICMP errors. Its
// methods are safe for concurrent use; they run one at a time.
type Namespace struct {
	// Timeout bounds the wait for one batch; DefaultTimeout if zero. Set it
	// before using the namespace.
	Timeout time.Duration

	calls  chan func()   // run on the namespace's thread; never closed
	quit   chan struct{} // closed by Close
	exited chan struct{} // closed when that thread is gone

	closeOnce sync.Once
	closeErr  error

	// netns is a descriptor of the namespace (/proc/thread-self/ns/net of
	// its thread), which Do's threads join; -1 once closed.
	netnsMu sync.RWMutex
	netns   int

	// Owned by the namespace's thread.
	lo      int     // lo's index
	ifindex int     // device frames are sent out of (lo, or veth lt0)
	dstMAC  [6]byte // destination MAC: lo's (zero) or veth lt1's
	veth    [2]int  // indexes of lt0 and lt1, once made
	vethMAC [6]byte // lt1's address
	inject  int     // AF_PACKET socket that sends frames on lo
	tap     int     // AF_PACKET socket that sees outgoing ICMP on lo
	udp     int     // UDP socket bound on 127.0.0.1:port
	sockopt int     // UDP socket for setsockopt(IP_OPTIONS)
	port    uint16
	seq     uint32

	global globalState // NetLabel DOIs and global sysctls changed
}

// New makes a network namespace with only lo up, configured so that
// injected frames reach the option check and every ICMP error is sent.
// Close it to release it and to undo NetLabel and sysctl changes.
func New() (*Namespace, error) {
	if os.Geteuid() != 0 {
		return nil, errors.New("linuxtest: needs root")
	}
	ns := &Namespace{
		calls:  make(chan func()),
		quit:   make(chan struct{}),
		exited: make(chan struct{}),
		inject: -1, tap: -1, udp: -1, sockopt: -1, netns: -1,
	}
	started := make(chan error, 1)
	go ns.run(started)
	if err := <-started; err != nil {
		<-ns.exited
		return nil, err
	}
	return ns, nil
}

// run owns the OS thread that lives in the namespace. It never unlocks the
// thread: when run returns, the Go runtime ends the thread rather than
// reusing it in the host namespace.
func (ns *Namespace) run(started chan<- error) {
	defer close(ns.exited)
	runtime.LockOSThread()
	if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
		started <- fmt.Errorf("linuxtest: unshare(CLONE_NEWNET): %w", err)
		return
	}
	if err := ns.setup(); err != nil {
		ns.closeSockets()
		ns.closeNetns()
		started <- err
		return
	}
	started <- nil
	for {
		select {
		case f := <-ns.calls:
			f()
		case <-ns.quit:
			ns.closeSockets()
			return
		}
	}
}

// probeNamespace checks that this process may make a network namespace
// (CAP_SYS_ADMIN), on a throwaway thread.
func probeNamespace() error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread() // never unlocked: the thread ends with the goroutine
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("linuxtest: cannot make a network namespace: %w", err)
			return
		}
		errc <- nil
	}()
	return <-errc
}

// do runs f on the namespace's thread and returns its error.
func (ns *Namespace) do(f func() error) (err error) {
	done := make(chan struct{})
	call := func() {
		defer close(done)
		err = f()
	}
	select {
	case ns.calls <- call:
	case <-ns.exited:
		return ErrClosed
	}
	<-done
	return err
}

// Close ends the namespace and restores the global state it changed:
// NetLabel DOIs and domain mappings it added are removed and global
// sysctls get their old values back. It returns the first error met while
// restoring; it is safe to call more than once.
func (ns *Namespace) Close() error {
	ns.closeOnce.Do(func() {
		// Stop the thread. A call racing with Close either runs first or
		// gets ErrClosed: do gives up once the thread has exited.
		close(ns.quit)
		<-ns.exited
		ns.closeNetns()
		ns.closeErr = ns.global.restore()
	})
	return ns.closeErr
}

// setup runs on the namespace's thread, right after unshare.
func (ns *Namespace) setup() error {
	var err error
	if ns.netns, err = unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0); err != nil {
		return fmt.Errorf("linuxtest: opening the namespace: %w", err)
	}
	if ns.lo, _, err = linkUp("lo"); err != nil {
		return err
	}
	ns.ifindex = ns.lo
	if err := addDefaultRoute(ns.lo); err != nil {
		return err
	}
	// Frames from 127.0.0.1 arriving on lo are martians unless these are
	// set (ip_route_input_slow, fib_validate_source). ICMP errors are rate
	// limited unless the mask is empty (icmpv4_xrlim_allow).
	for _, s := range [][2]string{
		{"net/ipv4/conf/all/route_localnet", "1"},
		{"net/ipv4/conf/lo/route_localnet", "1"},
		{"net/ipv4/conf/all/accept_local", "1"},
		{"net/ipv4/conf/lo/accept_local", "1"},
		{"net/ipv4/icmp_ratelimit", "0"},
		{"net/ipv4/icmp_ratemask", "0"},
	} {
		if err := writeSysctl(s[0], s[1]); err != nil {
			return err
		}
	}
	if err := ns.openSockets(); err != nil {
		return err
	}
	return pinThread()
}

// linkUp sets IFF_UP on the named device (SIOCSIFFLAGS) and returns its
// index and hardware address.
func linkUp(name string) (index int, mac [6]byte, err error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return 0, mac, fmt.Errorf("linuxtest: socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq(name)
	if err != nil {
		return 0, mac, err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFINDEX, ifr); err != nil {
		return 0, mac, fmt.Errorf("linuxtest: SIOCGIFINDEX %s: %w", name, err)
	}
	index = int(ifr.Uint32())
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return 0, mac, fmt.Errorf("linuxtest: SIOCGIFFLAGS %s: %w", name, err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return 0, mac, fmt.Errorf("linuxtest: SIOCSIFFLAGS %s up: %w", name, err)
	}
	// net reads links over rtnetlink from the calling thread, so from
	// the namespace.
	ifi, err := net.InterfaceByIndex(index)
	if err != nil {
		return 0, mac, fmt.Errorf("linuxtest: %s: %w", name, err)
	}
	copy(mac[:], ifi.HardwareAddr)
	return index, mac, nil
}

// SetIngress chooses the device injected datagrams arrive on. The first
// switch to Ethernet makes a veth pair (lt0, lt1) in the namespace.
func (ns *Namespace) SetIngress(in Ingress) error {
	return ns.do(func() error {
		switch in {
		case Loopback:
			ns.ifindex, ns.dstMAC = ns.lo, [6]byte{}
		case Ethernet:
			if ns.veth[0] == 0 {
				if err := addVeth("lt0", "lt1"); err != nil {
					return err
				}
				out, _, err := linkUp("lt0")
				if err != nil {
					return err
				}
				in, mac, err := linkUp("lt1")
				if err != nil {
					return err
				}
				ns.veth, ns.vethMAC = [2]int{out, in}, mac
			}
			ns.ifindex, ns.dstMAC = ns.veth[0], ns.vethMAC
			return ns.waitReady()
		default:
			return fmt.Errorf("linuxtest: unknown ingress %d", in)
		}
		return nil
	})
}

// waitReady sends markers until one comes back. A new device drops what
// it is given until the kernel's link watcher has attached its queueing
// discipline (dev_activate), which can take a second.
func (ns *Namespace) waitReady() error {
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := ns.runBatch(nil, nil, 50*time.Millisecond)
		if err == nil || err != errTimeout || time.Now().After(deadline) {
			return err
		}
	}
}

// pinThread keeps the namespace's thread on one CPU. Loopback frames are
// queued on the backlog of the CPU that sends them (netif_rx), so frames
// sent from one CPU are handled in the order they were sent; the marker
// that ends a batch then comes after every frame of the batch.
func pinThread() error {
	var set unix.CPUSet
	if err := unix.SchedGetaffinity(0, &set); err != nil {
		return fmt.Errorf("linuxtest: sched_getaffinity: %w", err)
	}
	for cpu := 0; cpu < len(set)*64; cpu++ {
		if set.IsSet(cpu) {
			var one unix.CPUSet
			one.Set(cpu)
			if err := unix.SchedSetaffinity(0, &one); err != nil {
				return fmt.Errorf("linuxtest: sched_setaffinity: %w", err)
			}
			return nil
		}
	}
	return errors.New("linuxtest: no CPU in the affinity mask")
}

// Sysctl reads a sysctl of the namespace, named as under /proc/sys
// ("net/ipv4/conf/all/accept_source_route" or
// "net.ipv4.conf.all.accept_source_route").
func (ns *Namespace) Sysctl(name string) (string, error) {
	var v string
	err := ns.do(func() (err error) {
		v, err = readSysctl(name)
		return err
	})
	return v, err
}

// SetSysctl writes a per-namespace sysctl (under net/). The value lives and
// dies with the namespace, so nothing is restored. Global sysctls, such as
// net/ipv4/cipso_rbm_strictvalid, do not exist in the namespace; see
// [Namespace.SetCIPSOStrictValid].
func (ns *Namespace) SetSysctl(name, value string) error {
	if !strings.HasPrefix(sysctlPath(name), "/proc/sys/net/") {
		return fmt.Errorf("linuxtest: %s is not a network sysctl", name)
	}
	return ns.do(func() error { return writeSysctl(name, value) })
}

func sysctlPath(name string) string {
	if !strings.Contains(name, "/") {
		name = strings.ReplaceAll(name, ".", "/")
	}
	return "/proc/sys/" + strings.TrimPrefix(name, "/")
}

// readSysctl and writeSysctl act on the network namespace of the calling
// thread: /proc/sys/net is resolved for the task that opens it.
func readSysctl(name string) (string, error) {
	b, err := os.ReadFile(sysctlPath(name))
	if err != nil {
		return "", fmt.Errorf("linuxtest: sysctl: %w", err)
	}
	return strings.TrimSpace(string(b)), nil
}

func writeSysctl(name, value string) error {
	if err := os.WriteFile(sysctlPath(name), []byte(value+"\n"), 0); err != nil {
		return fmt.Errorf("linuxtest: sysctl: %w", err)
	}
	return nil
}
