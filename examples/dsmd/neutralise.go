package main

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

var (
	errNeutraliseSpan = ipopt.NewErrorKind(ipopt.ErrBadValue, "label position", ipopt.Malformed)
	errTranslate      = ipopt.NewErrorKind(cipso.ErrNoSpace, "translated label", ipopt.Limit)
)

// TranslatedLen is the length of the label Neutralise writes in translate
// mode: a CIPSO option with one tag 1 in the optimized form, 6 + 4 + 10 =
// 20 octets (draft §3.4.2.6; Linux cipso_rbm_optfmt), the size of DSM's
// usual label (fips188/dsm/RULES.md).
const TranslatedLen = cipso.HeaderLen + cipso.TagBaseLen + cipso.OptimizedBitmapLen

// Neutralise makes an accepted label acceptable to the kernel, in place
// and without changing the packet's length: at PREROUTING the kernel has
// already set the transport offset, so a packet that changes length is not
// delivered; and a kernel with NetLabel drops every tag-7 CIPSO option at
// its tag type (cipso_v4_validate in net/ipv4/cipso_ipv4.c; checked on
// Linux 6.18). pkt is the datagram Verify accepted and v its verdict.
//
//   - NeutraliseNOP overwrites the label's octets with NOP (0x01), as Linux
//     removed a label before 2024 (cipso_v4_skbuff_delattr in
//     net/ipv4/cipso_ipv4.c; NOPs may fill any gap, RFC 791 §3.1); the
//     rest of the options is untouched.
//   - NeutraliseTranslate writes a 20-octet CIPSO option of the translate
//     DOI carrying one optimized tag 1 (level from the configuration,
//     bitmap = source SID then node ID, big-endian, so categories 0..31
//     are the SID's bits and 32..63 the node's, MSB first), then NOPs over
//     what is left of the label. A kernel with that DOI configured (pass,
//     tag 1) accepts it and hands it to its security module.
//
// The header checksum is updated incrementally (RFC 1624 §3, Eqn. 3) over
// the 16-bit words that changed, so a checksum that was wrong
// stays wrong. It fails, changing nothing, if v does not place a label
// inside pkt's options. It does not allocate.
func (c *Config) Neutralise(pkt []byte, v *Verdict) error {
	if !v.Labeled || len(pkt) < ipopt.BaseHeaderLen {
		return errNeutraliseSpan.At(0)
	}
	hl := int(pkt[0]&0x0f) * 4
	end := ipopt.BaseHeaderLen + v.OptOff + v.OptLen
	if v.OptOff < 0 || v.OptLen < 2 || end > hl || hl > len(pkt) {
		return errNeutraliseSpan.At(v.OptOff)
	}
	var repl [ipopt.MaxOptionsLen]byte
	n := 0
	if c.Mode == NeutraliseTranslate && v.OptLen >= TranslatedLen {
		out, err := c.appendTranslated(repl[:0], &v.Label)
		if err != nil {
			return err
		}
		n = len(out)
	}
	for i := n; i < v.OptLen; i++ {
		repl[i] = byte(ipopt.NOP)
	}
	return ipopt.Header(pkt[:hl]).Overwrite(v.OptOff, repl[:v.OptLen])
}

// appendTranslated appends the translated label for n.
func (c *Config) appendTranslated(dst []byte, n *dsm.Label) ([]byte, error) {
	var bm [8]byte
	binary.BigEndian.PutUint32(bm[0:4], n.SourceSID)
	binary.BigEndian.PutUint32(bm[4:8], n.NodeID)
	var l cipso.Label
	l.Level = uint32(c.TranslateLevel)
	if err := l.Cats.SetBitmap(bm[:]); err != nil {
		return dst, err
	}
	out, err := cipso.AppendOption(dst, c.TranslateDOI, cipso.TagRBitmap, &l,
		cipso.Format{Optimized: true, CatFlag: true})
	if err != nil {
		return dst, err
	}
	if len(out)-len(dst) != TranslatedLen {
		return dst, errTranslate.At(1)
	}
	return out, nil
}
