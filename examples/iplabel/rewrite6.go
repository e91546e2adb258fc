package main

import (
	"errors"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt"
)

// headroom6 is the most a CALIPSO rewrite can grow an IPv6 packet by: a
// whole Hop-by-Hop header around the longest option (2 + 257 octets,
// padded to 264), or the longest option with its padding (3 + 257 + 7)
// in place of a span, in whole multiples of 8 (calipso RULES.md §7).
const headroom6 = 264

// apply6 returns the rewritten IPv6 frame (valid until the next call) or
// an error; frame itself is never modified. off is where the IPv6 header
// starts. --set puts rw.opt6 in the Hop-by-Hop header as Linux's
// calipso_skbuff_setattr does; --strip removes every CALIPSO option of
// that header as calipso_skbuff_delattr does, the header with the last
// one when nothing else is left in it.
func (rw *rewriter) apply6(frame []byte, off int) ([]byte, error) {
	p, err := rw.packet(frame, off, headroom6)
	if err != nil {
		return nil, err
	}
	switch rw.kind {
	case rewriteSet:
		err = calipso.SetOption(&p, rw.opt6)
	case rewriteStrip:
		for err == nil {
			err = calipso.RemoveOption(&p)
		}
		if errors.Is(err, ipopt.ErrNotFound) {
			err = nil
		}
	}
	if err != nil {
		return nil, err
	}
	return p.Bytes(), nil
}
