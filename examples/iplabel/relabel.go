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
	opt   []byte                    // set: the option
	pairs map[cipso.DOI]doiPair     // translate: by source DOI
	buf   []byte                    // headroom + frame
	tmp   [ipopt.MaxOptionsLen]byte // translate: the new option
	label cipso.Label               // translate: the host label
}

// errUntouched is apply's way of saying the packet needs no change.
var errUntouched = errors.New("untouched")

// apply returns the rewritten frame (valid until the next call) or an
// error; frame itself is never modified, so a failed rewrite leaves the
// packet as it was. fixSum: the header checksum is set right even when
// the options do not change.
func (rw *rewriter) apply(frame []byte, off int, fixSum bool) ([]byte, error) {
	const headroom = ipopt.MaxOptionsLen
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
