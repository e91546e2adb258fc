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
	return ns.verdicts(len(list), func(start, end int, out []Verdict, timeout time.Duration) error {
		return ns.runBatch(list[start:end], out, timeout)
	})
}

// Datagram returns the IPv4 datagram that Verdict injects for opts, without
// its Ethernet header: from 127.0.0.1 to 127.0.0.1, not fragmented, UDP to
// the namespace's receiving socket, with this package's payload. A test
// changes its header fields (in place, then ipopt.Header.SetChecksum; or
// all of them with ipopt.Header.Encode) or its payload, and passes it to
// [Namespace.VerdictDatagrams]. opts is the whole options field: a
// multiple of 4 octets, at most 40.
func (ns *Namespace) Datagram(opts []byte) []byte {
	return appendDatagram(nil, opts, 0, ns.port)
}

// maxDatagram is the longest datagram VerdictDatagrams injects: the MTU of
// an Ethernet device.
const maxDatagram = 1500

// VerdictDatagrams is VerdictMany for whole IPv4 datagrams of the test's
// own, header and payload, so that header fields other than the options
// can be chosen: addresses, fragment offset, protocol, total length. Each
// is injected behind an Ethernet header to the receiving device's own
// address (PACKET_HOST), as it is except for three things VerdictDatagrams
// sets on a copy: the identification, by which the ICMP error about it
// is traced back whatever its protocol; for UDP to the receiving socket's
// port, the source port and the case number of this package's payload;
// and the header checksum. The i-th verdict is for list[i]. Delivered is
// reported only for what reaches the receiving socket (UDP to 127.0.0.1
// at its port with this package's payload, as [Namespace.Datagram] makes
// it); anything else that is neither answered nor delivered there is
// Dropped. A datagram must hold its whole header (version 4, IHL at
// least 5) and be at most 1500 octets.
func (ns *Namespace) VerdictDatagrams(list [][]byte) ([]Verdict, error) {
	for i, d := range list {
		if err := checkDatagram(d); err != nil {
			return nil, fmt.Errorf("linuxtest: datagram %d: %w", i, err)
		}
	}
	return ns.verdicts(len(list), func(start, end int, out []Verdict, timeout time.Duration) error {
		build := func(dst []byte, i int, seq uint32) []byte {
			dst = appendEth(dst, ns.dstMAC)
			h := len(dst)
			dst = append(dst, list[start+i]...)
			stamp(dst[h:], seq, ns.port)
			return dst
		}
		return ns.runCases(end-start, build, true, out, timeout)
	})
}

// checkDatagram refuses what VerdictDatagrams cannot inject.
func checkDatagram(d []byte) error {
	switch {
	case len(d) < 20 || d[0]>>4 != 4 || d[0]&0x0f < 5:
		return errors.New("not an IPv4 header")
	case len(d) < int(d[0]&0x0f)*4:
		return errors.New("shorter than its header")
	case len(d) > maxDatagram:
		return fmt.Errorf("%d octets (at most %d)", len(d), maxDatagram)
	}
	return nil
}

// verdicts runs n cases in batches on the namespace's thread: run fills
// out with the verdicts of cases start to end.
func (ns *Namespace) verdicts(n int, run func(start, end int, out []Verdict, timeout time.Duration) error) ([]Verdict, error) {
	out := make([]Verdict, n)
	timeout := ns.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	err := ns.do(func() error {
		for start := 0; start < n; start += batch {
			end := min(start+batch, n)
			if err := run(start, end, out[start:end], timeout); err != nil {
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

// runBatch runs the options fields of list on the namespace's thread.
func (ns *Namespace) runBatch(list [][]byte, out []Verdict, timeout time.Duration) error {
	build := func(dst []byte, i int, seq uint32) []byte {
		return appendFrame(dst, ns.dstMAC, list[i], seq, ns.port)
	}
	return ns.runCases(len(list), build, false, out, timeout)
}

// runCases injects n frames, the i-th of case seq made by build, then a
// marker, and fills out. With byID an ICMP error is traced back to its
// case by the quoted identification alone (a batch holds fewer than 2^16
// cases); otherwise it must quote one of this package's UDP datagrams. It
// runs on the namespace's thread. The tap sees outgoing frames only while
// it runs.
func (ns *Namespace) runCases(n int, build func(dst []byte, i int, seq uint32) []byte, byID bool, out []Verdict, timeout time.Duration) (err error) {
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
	send := func(f []byte) error {
		ns.seq = (ns.seq + 1) & seqMask
		if err := unix.Sendto(ns.inject, f, 0, to); err != nil {
			return fmt.Errorf("linuxtest: inject: %w", err)
		}
		return nil
	}
	for i := range n {
		frame = build(frame[:0], i, ns.seq)
		if err := send(frame); err != nil {
			return err
		}
	}
	marker := ns.seq
	if err := send(appendFrame(frame[:0], ns.dstMAC, nil, marker, ns.port)); err != nil {
		return err
	}
	index := func(seq uint32) (int, bool) {
		i := int((seq - first) & seqMask)
		return i, i < n
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
		m, _, err := unix.Recvfrom(ns.tap, frame, 0)
		if err == unix.EAGAIN {
			return nil
		}
		if err != nil {
			return fmt.Errorf("linuxtest: tap: %w", err)
		}
		e, ours, ok := parseQuote(frame[:min(m, len(frame))], ns.port)
		var i int
		switch {
		case !ok:
			continue
		case byID:
			i = int(e.id - uint16(first))
			ok = i < n
		case ours:
			i, ok = index(e.seq)
		default:
			ok = false
		}
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
