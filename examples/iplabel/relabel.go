package main

import (
	"errors"
	"fmt"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// doiPair is one translation: labels of from go to to.
type doiPair struct{ from, to *cipso.Domain }

type rewriteKind uint8

const (
	rewriteSet rewriteKind = iota
	rewriteStrip
	rewriteTranslate
)

// rewriter relabels one frame at a time in a reused buffer.
type rewriter struct {
	kind  rewriteKind
	opt   []byte                    // set: the IPv4 option, nil for a CALIPSO label
	opt6  []byte                    // set: the CALIPSO option, nil for an IPv4 label
	pairs map[cipso.DOI]doiPair     // translate: by source DOI
	buf   []byte                    // headroom + frame
	tmp   [ipopt.MaxOptionsLen]byte // translate: the new option
	label cipso.Label               // translate: the host label
}

// ipv4 and ipv6 report which packets the rewrite applies to: --set
// relabels the packets of its label's IP version, --strip both, and
// --translate IPv4 only.
func (rw *rewriter) ipv4() bool { return rw.kind != rewriteSet || rw.opt != nil }
func (rw *rewriter) ipv6() bool { return rw.kind == rewriteStrip || rw.opt6 != nil }

// growth is the most a packet can grow by, for the snapshot length: 40
// octets of IPv4 options, or headroom6 for a CALIPSO label.
func (rw *rewriter) growth() int {
	if rw.opt6 != nil {
		return headroom6
	}
	return ipopt.MaxOptionsLen
}

// others names the packets the rewrite leaves alone, for the summary.
func (rw *rewriter) others() string {
	switch {
	case rw.ipv4() && rw.ipv6():
		return "not IPv4 or IPv6"
	case rw.ipv6():
		return "not IPv6"
	}
	return "not IPv4"
}

// errUntouched is apply's way of saying the packet needs no change.
var errUntouched = errors.New("untouched")

// packet copies frame behind headroom octets of rw's reused buffer and
// returns the Packet over the copy, its network header at off.
func (rw *rewriter) packet(frame []byte, off, headroom int) (ipopt.Packet, error) {
	need := headroom + len(frame)
	if cap(rw.buf) < need {
		rw.buf = make([]byte, need+need/4)
	}
	buf := rw.buf[:need]
	copy(buf[headroom:], frame)
	p, err := ipopt.FromBytes(buf, headroom, len(frame))
	if err == nil {
		err = p.SetNetworkOffset(off)
	}
	return p, err
}

// apply returns the rewritten frame (valid until the next call) or an
// error; frame itself is never modified, so a failed rewrite leaves the
// packet as it was. fixSum: the header checksum is set right even when
// the options do not change.
func (rw *rewriter) apply(frame []byte, off int, fixSum bool) ([]byte, error) {
	p, err := rw.packet(frame, off, ipopt.MaxOptionsLen)
	if err != nil {
		return nil, err
	}
	switch rw.kind {
	case rewriteSet:
		err = p.SetOption(rw.opt)
	case rewriteStrip:
		for _, t := range []ipopt.Type{ipopt.CIPSO, ipopt.SEC, ipopt.ESEC} {
			for err == nil {
				err = p.RemoveOption(t)
			}
			if errors.Is(err, ipopt.ErrNotFound) {
				err = nil
			}
			if err != nil {
				break
			}
		}
	case rewriteTranslate:
		err = rw.translate(&p)
		if err == errUntouched {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	if fixSum {
		if h, err := p.Header(); err == nil {
			h.SetChecksum()
		}
	}
	return p.Bytes(), nil
}

// translate maps the packet's CIPSO label into the paired DOI.
func (rw *rewriter) translate(p *ipopt.Packet) error {
	h, err := p.Header()
	if err != nil {
		return err
	}
	o, ok, _ := ipopt.Find(h.Options(), ipopt.CIPSO)
	if !ok {
		return errUntouched
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return ipopt.Shift(err, o.Offset)
	}
	pr, ok := rw.pairs[opt.DOI()]
	if !ok {
		return errUntouched
	}
	if err := pr.from.Decode(opt, &rw.label); err != nil {
		return fmt.Errorf("label of DOI %d: %w", opt.DOI(), ipopt.Shift(err, o.Offset))
	}
	var f cipso.Format
	if t, err := opt.FirstTag(); err == nil {
		f = cipso.FormatOf(t)
	}
	n, err := pr.to.AppendOption(rw.tmp[:0], &rw.label, f)
	if err != nil {
		return fmt.Errorf("label does not fit DOI %d: %w", pr.to.DOI(), err)
	}
	return p.ReplaceOption(ipopt.CIPSO, n)
}
