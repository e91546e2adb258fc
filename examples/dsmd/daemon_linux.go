package main

import (
	"context"
	"errors"
	"fmt"
	"log"
	"sync"
	"sync/atomic"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/iplabel/iplabel/ipopt"
	"golang.org/x/net/icmp"
	"golang.org/x/sys/unix"
)

// nowFunc reads the clock (replaceable in tests).
type nowFunc func() time.Time

// Options are the daemon's run-time settings that are not in the
// configuration file.
type Options struct {
	// NetNS is an open network-namespace file (/run/netns/NAME) whose
	// queues the daemon serves; 0 means the daemon's own namespace.
	NetNS int
	// Logf prints a log line; log.Printf if nil.
	Logf func(format string, args ...any)
	// BPFPinDir is where the fail-closed eBPF datapath pins its links
	// (DefaultBPFPinDir if empty); the NFQUEUE datapath ignores it.
	BPFPinDir string
}

// Daemon serves the two queues of one network namespace: OUTPUT packets
// are labeled, PREROUTING packets verified and neutralised.
type Daemon struct {
	// cfg is the configuration the verdict path applies; Reload swaps it
	// in one store, and each packet loads it once (config).
	cfg  atomic.Pointer[Config]
	opt  Options
	now  nowFunc
	ctrs Counters

	logLim *rateLimiter
	icmp   *icmpSender

	cancel  context.CancelFunc
	qmu     sync.Mutex // guards queues: a queue can fail while the next is bound
	queues  []*nfqueue.Nfqueue
	closeMu sync.Once
	done    chan struct{}
	errMu   sync.Mutex
	err     error
}

// Counters returns the daemon's counters.
func (d *Daemon) Counters() *Counters { return &d.ctrs }

// Start binds the output and input queues of the configuration and starts
// serving them. It returns once the kernel has accepted both bindings, so
// packets sent after Start returns are labeled and verified (provided the
// iptables rules of SetupRules are in place).
func Start(ctx context.Context, cfg *Config, opt Options) (*Daemon, error) {
	if opt.Logf == nil {
		opt.Logf = log.Printf
	}
	d := &Daemon{
		opt: opt, now: time.Now,
		logLim: newRateLimiter(cfg.LogRate),
		done:   make(chan struct{}),
	}
	d.cfg.Store(cfg)
	ctx, d.cancel = context.WithCancel(ctx)
	if cfg.ICMP {
		var conn *icmp.PacketConn
		err := inNetNS(opt.NetNS, func() (err error) {
			conn, err = icmp.ListenPacket("ip4:icmp", "0.0.0.0")
			return err
		})
		if err != nil {
			d.cancel()
			return nil, fmt.Errorf("dsmd: ICMP socket: %w", err)
		}
		d.icmp = &icmpSender{conn: conn, lim: newRateLimiter(cfg.ICMPRate)}
	}
	for _, out := range []bool{true, false} {
		if err := d.bind(ctx, out); err != nil {
			d.Close()
			return nil, err
		}
	}
	go func() {
		<-ctx.Done()
		d.Close()
	}()
	return d, nil
}

// config is the configuration in force.
func (d *Daemon) config() *Config { return d.cfg.Load() }

// Reload makes c the configuration of the packets that come next: one
// atomic store, so every packet is handled by the old configuration or
// by c, and none waits or is dropped for the change. A c that differs
// from the running configuration in what only a restart can change
// (restartOnly) is refused, and the old one stays.
func (d *Daemon) Reload(c *Config) error {
	old := d.config()
	if err := restartOnly(old, c, false); err != nil {
		return err
	}
	d.logLim.setRate(c.LogRate)
	if d.icmp != nil {
		d.icmp.lim.setRate(c.ICMPRate)
	}
	d.cfg.Store(c)
	return nil
}

// bind opens and registers one queue.
func (d *Daemon) bind(ctx context.Context, out bool) error {
	cfg := d.config()
	num, name := cfg.QueueIn, "in"
	var flags uint32
	if out {
		num, name = cfg.QueueOut, "out"
		// The socket owner's uid and gid (NFQA_UID, NFQA_GID) are sent
		// only when the queue asks for them.
		flags |= nfqueue.NfQaCfgFlagUIDGid
	}
	if cfg.FailOpen {
		// Accept instead of drop when the queue is full.
		flags |= nfqueue.NfQaCfgFlagFailOpen
	}
	nf, err := nfqueue.Open(&nfqueue.Config{
		NetNS:        d.opt.NetNS,
		NfQueue:      num,
		MaxPacketLen: 0xffff,
		MaxQueueLen:  cfg.QueueLen,
		Copymode:     nfqueue.NfQnlCopyPacket,
		AfFamily:     unix.AF_INET,
		Flags:        flags,
		WriteTimeout: time.Second,
	})
	if err != nil {
		return fmt.Errorf("dsmd: open queue %s %d: %w", name, num, err)
	}
	// A larger socket buffer rides out bursts; ENOBUFS is still counted
	// (QueueOverruns) when it is not enough. Best effort.
	_ = nf.Con.SetReadBuffer(4 << 20)
	q := &queue{d: d, nf: nf, out: out, buf: make([]byte, Headroom+0xffff+Headroom)}
	errfn := func(err error) int {
		if ctx.Err() != nil {
			return 1
		}
		if errors.Is(err, unix.ENOBUFS) {
			d.ctrs.QueueOverruns.Add(1)
			return 0
		}
		var oe interface{ Timeout() bool }
		if errors.As(err, &oe) && oe.Timeout() {
			return 0
		}
		d.fail(fmt.Errorf("dsmd: queue %s %d: %w", name, num, err))
		return 1
	}
	if err := nf.RegisterWithErrorFunc(ctx, q.handle, errfn); err != nil {
		nf.Close()
		if errors.Is(err, unix.EPERM) {
			// With CAP_NET_ADMIN (CheckPrivileges), EPERM means that
			// another netlink socket holds the queue
			// (nfqnl_recv_config in net/netfilter/nfnetlink_queue.c).
			return fmt.Errorf("dsmd: queue %s %d is already bound by another program (another dsmd running with the same \"queue %s\" number?): %w", name, num, name, err)
		}
		return fmt.Errorf("dsmd: bind queue %s %d: %w", name, num, err)
	}
	d.qmu.Lock()
	defer d.qmu.Unlock()
	if ctx.Err() != nil { // closed meanwhile (the other queue failed)
		nf.Close()
		return fmt.Errorf("dsmd: queue %s %d: %w", name, num, ctx.Err())
	}
	d.queues = append(d.queues, nf)
	return nil
}

// fail records the first fatal error and stops the daemon.
func (d *Daemon) fail(err error) {
	d.errMu.Lock()
	if d.err == nil {
		d.err = err
	}
	d.errMu.Unlock()
	go d.Close()
}

// Err is the error that stopped the daemon, if any.
func (d *Daemon) Err() error {
	d.errMu.Lock()
	defer d.errMu.Unlock()
	return d.err
}

// Done is closed when the daemon has stopped.
func (d *Daemon) Done() <-chan struct{} { return d.done }

// Close unbinds the queues and stops the daemon. With the iptables rules
// still in place, packets then follow --queue-bypass: accepted if the
// rules have it (fail-open, or not armed since --setup), else dropped
// (armed fail-closed rules).
func (d *Daemon) Close() error {
	d.closeMu.Do(func() {
		d.cancel()
		d.qmu.Lock()
		for _, q := range d.queues {
			q.Close()
		}
		d.qmu.Unlock()
		if d.icmp != nil {
			d.icmp.conn.Close()
		}
		close(d.done)
	})
	return d.Err()
}

// verdictSender sends verdicts: the part of *nfqueue.Nfqueue the
// handlers use (a fake in tests).
type verdictSender interface {
	SetVerdict(id uint32, verdict int) error
	SetVerdictModPacket(id uint32, verdict int, packet []byte) error
}

// queue serves one NFQUEUE. Its handler runs on the queue's one receiving
// goroutine, so buf and v need no lock.
type queue struct {
	d   *Daemon
	nf  verdictSender
	out bool
	buf []byte
	v   Verdict
}

func (q *queue) name() string {
	if q.out {
		return fmt.Sprintf("out %d", q.d.config().QueueOut)
	}
	return fmt.Sprintf("in %d", q.d.config().QueueIn)
}

func (q *queue) handle(a nfqueue.Attribute) int {
	if a.PacketID == nil {
		return 0
	}
	id := *a.PacketID
	if a.Payload == nil || a.CapLen != nil && int(*a.CapLen) > len(*a.Payload) {
		// No packet, or a truncated copy: rewriting it would cut the
		// packet short.
		q.verdict(id, q.failVerdict(), nil)
		return 0
	}
	if q.out {
		q.handleOut(id, &a)
	} else {
		q.handleIn(id, *a.Payload)
	}
	return 0
}

// failVerdict is the verdict for a packet the daemon cannot handle.
func (q *queue) failVerdict() int {
	q.d.ctrs.Errors.Add(1)
	if q.d.config().FailOpen {
		return nfqueue.NfAccept
	}
	return nfqueue.NfDrop
}

// verdictTries is how often a verdict is sent before the next fallback.
const verdictTries = 3

// verdict sends the verdict v (with the rewritten packet pkt, if not nil)
// for packet id, so that no packet is left in the kernel's queue: a send
// that fails is retried (verdictTries in all); if it still fails, the
// packet is dropped with a plain NF_DROP verdict, retried the same way. If
// even that cannot be sent, the netlink socket is unusable: the daemon
// fails, and closing the socket makes the kernel drop every packet still
// queued to it (nfqnl_rcv_nl_event, NETLINK_URELEASE: the queue instance
// is destroyed and its packets reinjected with NF_DROP).
func (q *queue) verdict(id uint32, v int, pkt []byte) {
	d := q.d
	send := func(v int, pkt []byte) (err error) {
		for try := range verdictTries {
			if try > 0 {
				d.ctrs.VerdictRetries.Add(1)
			}
			if pkt != nil {
				err = q.nf.SetVerdictModPacket(id, v, pkt)
			} else {
				err = q.nf.SetVerdict(id, v)
			}
			if err == nil {
				return nil
			}
		}
		return err
	}
	err := send(v, pkt)
	if err == nil {
		return
	}
	d.ctrs.Errors.Add(1)
	if v != nfqueue.NfDrop || pkt != nil {
		derr := send(nfqueue.NfDrop, nil)
		if derr == nil {
			d.ctrs.VerdictDrops.Add(1)
			if d.allowLog() {
				d.opt.Logf("dsmd: queue %s: verdict for packet %d failed, dropped it instead: %v", q.name(), id, err)
			}
			return
		}
		err = derr
	}
	d.fail(fmt.Errorf("dsmd: queue %s: no verdict could be sent for packet %d: %w", q.name(), id, err))
}

func (q *queue) handleOut(id uint32, a *nfqueue.Attribute) {
	d := q.d
	var s SenderInfo
	if a.UID != nil {
		s.UID, s.HasUID = *a.UID, true
	}
	if a.GID != nil {
		s.GID, s.HasGID = *a.GID, true
	}
	if a.Mark != nil {
		s.Mark = *a.Mark
	}
	n := copy(q.buf[Headroom:], *a.Payload)
	p, err := ipopt.FromBytes(q.buf, Headroom, n)
	if err != nil {
		q.verdict(id, q.failVerdict(), nil)
		return
	}
	o, err := d.config().Label(&p, s)
	d.ctrs.Out[o].Add(1)
	switch o {
	case OutLabeled:
		q.verdict(id, nfqueue.NfAccept, p.Bytes())
	case OutUnlabeled:
		q.verdict(id, nfqueue.NfAccept, nil)
	default:
		q.verdict(id, nfqueue.NfDrop, nil)
		if d.allowLog() {
			d.opt.Logf("dsmd: out: dropped (%s): %s sender %s: %v",
				o, describe(q.buf[Headroom:Headroom+n]), s, err)
		}
	}
}

func (q *queue) handleIn(id uint32, pkt []byte) {
	d, v := q.d, &q.v
	cfg := d.config()
	cfg.Verify(pkt, v)
	if v.Outcome == InAccepted {
		if err := cfg.Neutralise(pkt, v); err != nil {
			v.Outcome, v.Err = InMalformed, err
		}
	}
	d.ctrs.In[v.Outcome].Add(1)
	switch v.Outcome {
	case InAccepted:
		q.verdict(id, nfqueue.NfAccept, pkt)
		return
	case InUnlabeled:
		q.verdict(id, nfqueue.NfAccept, nil)
		return
	}
	q.verdict(id, nfqueue.NfDrop, nil)
	if d.allowLog() {
		d.opt.Logf("dsmd: in: %s", describeVerdict(pkt, v))
	}
	if v.Outcome != InMalformed && d.icmp != nil {
		d.icmp.send(pkt, &d.ctrs, d.now)
	}
}

// allowLog reports whether the log rate limit lets one more line out,
// counting the lines it suppresses.
func (d *Daemon) allowLog() bool {
	if d.logLim.allow(d.now()) {
		return true
	}
	d.ctrs.LogsLimited.Add(1)
	return false
}
