package linuxtest

import (
	"errors"
	"fmt"
	"time"

	"golang.org/x/sys/unix"
)

// batch is how many datagrams are injected before the collector reads the
// answers; the receive buffers hold far more than that.
const batch = 512

// Verdict injects one datagram carrying opts and reports what the kernel
// did with it. opts is the whole options field: a multiple of 4 octets, at
// most 40 (pad with EOL octets).
func (ns *Namespace) Verdict(opts []byte) (Verdict, error) {
	v, err := ns.VerdictMany([][]byte{opts})
	if err != nil {
		return Verdict{}, err
	}
	return v[0], nil
}

// VerdictMany is Verdict for many options fields: the i-th verdict is for
// list[i]. Datagrams are injected in batches, each followed by a marker
// datagram without options; once the marker is delivered the kernel has
// finished with the batch, so a datagram that was neither delivered nor
// answered by then was dropped. It fails if a marker does not come back
// within the namespace's Timeout.
func (ns *Namespace) VerdictMany(list [][]byte) ([]Verdict, error) {
	for i, o := range list {
		if len(o)%4 != 0 || len(o) > 40 {
			return nil, fmt.Errorf("linuxtest: case %d: options field of %d octets (want a multiple of 4, at most 40)", i, len(o))
		}
	}
	out := make([]Verdict, len(list))
	timeout := ns.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	err := ns.do(func() error {
		for start := 0; start < len(list); start += batch {
			end := min(start+batch, len(list))
			if err := ns.runBatch(list[start:end], out[start:end], timeout); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// runBatch runs on the namespace's thread. The tap sees outgoing frames
// only while it runs.
func (ns *Namespace) runBatch(list [][]byte, out []Verdict, timeout time.Duration) (err error) {
	if err := ns.watchOutgoing(true); err != nil {
		return err
	}
	defer func() {
		if werr := ns.watchOutgoing(false); err == nil {
			err = werr
		}
	}()
	if err := ns.drain(); err != nil {
		return err
	}
	first := ns.seq
	to := &unix.SockaddrLinklayer{Ifindex: ns.ifindex, Protocol: htons(unix.ETH_P_IP)}
	var frame []byte
	send := func(opts []byte) error {
		frame = appendFrame(frame[:0], ns.dstMAC, opts, ns.seq, ns.port)
		ns.seq = (ns.seq + 1) & seqMask
		if err := unix.Sendto(ns.inject, frame, 0, to); err != nil {
			return fmt.Errorf("linuxtest: inject: %w", err)
		}
		return nil
	}
	for _, o := range list {
		if err := send(o); err != nil {
			return err
		}
	}
	marker := ns.seq
	if err := send(nil); err != nil {
		return err
	}
	index := func(seq uint32) (int, bool) {
		i := int((seq - first) & seqMask)
		return i, i < len(list)
	}

	// Deliveries, until the marker.
	buf := make([]byte, 64)
	oob := make([]byte, unix.CmsgSpace(40))
	deadline := time.Now().Add(timeout)
	for seen := false; !seen; {
		n, oobn, _, _, err := unix.Recvmsg(ns.udp, buf, oob, 0)
		if err == unix.EAGAIN {
			if err := wait(ns.udp, deadline); err != nil {
				return err
			}
			continue
		}
		if err != nil {
			return fmt.Errorf("linuxtest: recvmsg: %w", err)
		}
		seq, ok := payloadSeq(buf[:n])
		if !ok {
			continue
		}
		if seq == marker {
			seen = true
			continue
		}
		if i, ok := index(seq); ok {
			out[i].Outcome = Delivered
			out[i].Options = recvOpts(oob[:oobn])
		}
	}

	// ICMP errors: sent while the kernel handled each datagram, so all of
	// them are on the tap before the marker was delivered.
	frame = make([]byte, 2048)
	for {
		n, _, err := unix.Recvfrom(ns.tap, frame, 0)
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			return fmt.Errorf("linuxtest: tap: %w", err)
		}
		e, ok := parseICMPError(frame[:min(n, len(frame))], ns.port)
		if !ok {
			continue
		}
		i, ok := index(e.seq)
		if !ok {
			continue
		}
		v := Verdict{Outcome: OtherICMP, Type: e.typ, Code: e.code, Options: e.quotedOpts, ReplyOptions: e.replyOpts}
		if e.typ == 12 {
			v.Outcome, v.Pointer = ParameterProblem, int(e.pointer)
		}
		out[i] = v
	}
}

// drain discards anything left on the receiving sockets by an earlier
// batch that timed out.
func (ns *Namespace) drain() error {
	buf := make([]byte, 2048)
	for _, fd := range []int{ns.udp, ns.tap} {
		for {
			_, _, err := unix.Recvfrom(fd, buf, 0)
			if err == unix.EAGAIN {
				break
			}
			if err != nil {
				return fmt.Errorf("linuxtest: drain: %w", err)
			}
		}
	}
	return nil
}

var errTimeout = errors.New("linuxtest: timed out waiting for the kernel")

// wait blocks until fd is readable or the deadline passes.
func wait(fd int, deadline time.Time) error {
	for {
		ms := int(time.Until(deadline) / time.Millisecond)
		if ms <= 0 {
			return errTimeout
		}
		n, err := unix.Poll([]unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}, ms)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return fmt.Errorf("linuxtest: poll: %w", err)
		}
		if n > 0 {
			return nil
		}
	}
}

// recvOpts extracts the IP_RECVOPTS control message (ip_cmsg_recv_opts).
func recvOpts(oob []byte) []byte {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	for _, m := range msgs {
		if m.Header.Level == unix.IPPROTO_IP && m.Header.Type == unix.IP_RECVOPTS {
			return append([]byte{}, m.Data...)
		}
	}
	return []byte{}
}
