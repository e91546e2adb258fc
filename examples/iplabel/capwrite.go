package main

import (
	"encoding/binary"
	"errors"
	"io"
)

// The writer of rewritten captures. It is written here rather than taken
// from pcapgo because pcapgo v1.1.19's writers lose what a rewrite must
// keep: its pcap Writer writes thiszone and sigfigs as 0, always
// little-endian, and derives timestamps from time.Time (inventing the
// current time for a zero one); its NgWriter writes no packet options
// (opt_comment is lost), no Simple Packet Blocks, always little-endian, a
// single section, and none of the blocks it did not make. Here a pcap
// file keeps its byte order, header fields and raw timestamp fields; a
// pcapng file keeps every section, interface, option and block as
// stored, in its byte order, only the packets changing (see
// capWriter.copyBlock and writeNg).

// capWriter writes the rewritten capture in the input's format.
type capWriter struct {
	w    io.Writer
	c    *capture
	buf  []byte // the record or block being written
	grow uint32 // what the snapshot lengths grow by
}

// newCapWriter starts the output of capture c, whose packets grow by up
// to grow octets: a pcap file header now; for pcapng, it has c hand over
// every block that is not a packet.
func newCapWriter(w io.Writer, c *capture, grow int) (*capWriter, error) {
	cw := &capWriter{w: w, c: c, grow: uint32(grow)}
	if c.ng {
		c.copyBlock = cw.copyBlock
		return cw, nil
	}
	var h [24]byte
	o := c.order
	magic := uint32(magicPcapMicro)
	if c.nanos {
		magic = magicPcapNano
	}
	o.PutUint32(h[0:], magic)
	o.PutUint16(h[4:], 2)
	o.PutUint16(h[6:], 4)
	o.PutUint32(h[8:], c.thiszone)
	o.PutUint32(h[12:], c.sigfigs)
	o.PutUint32(h[16:], grownSnaplen(c.snaplen, true, cw.grow))
	o.PutUint32(h[20:], uint32(c.link))
	_, err := w.Write(h[:])
	return cw, err
}

// grownSnaplen is the snapshot length of the output: grow octets more,
// the most a packet can grow (40 for IPv4 options, 264 for a CALIPSO
// label, rewrite's headroom6); a pcap file that said none gets libpcap's
// 262144, a pcapng interface keeps 0 (no limit).
func grownSnaplen(s uint32, pcap bool, grow uint32) uint32 {
	switch {
	case s == 0 && pcap:
		return maxCaplen
	case s == 0 || s >= 1<<31:
		return s
	}
	return s + grow
}

// write writes the packet next returned last, with frame as its data;
// changed says whether frame differs from the input's.
func (cw *capWriter) write(frame []byte, length uint32, changed bool) error {
	if cw.c.ng {
		return cw.writeNg(frame, length, changed)
	}
	o := cw.c.order
	b := cw.buf[:0]
	b = o.AppendUint32(b, cw.c.rec.tsHi)
	b = o.AppendUint32(b, cw.c.rec.tsLo)
	b = o.AppendUint32(b, uint32(len(frame)))
	b = o.AppendUint32(b, length)
	b = append(b, frame...)
	cw.buf = b
	_, err := cw.w.Write(b)
	return err
}

// errSPBCut is a Simple Packet Block cut short by the snapshot length.
var errSPBCut = errors.New("a Simple Packet Block cut short by the snapshot length cannot be written back: " +
	"its captured length is implied by the interface's snapshot length, which the rewrite grows by 40 (264 for a CALIPSO label)")

// writeNg writes the packet as a block of its input type: an Enhanced
// Packet Block keeps its interface, timestamp and options (but epb_hash
// when the packet changed, and the custom options not to be copied); an
// obsolete Packet Block its drops count too; a Simple Packet Block stays
// one, with no timestamp.
func (cw *capWriter) writeNg(frame []byte, length uint32, changed bool) error {
	o, r := cw.c.order, &cw.c.rec
	b := cw.buf[:0]
	b = o.AppendUint32(b, r.typ)
	b = o.AppendUint32(b, 0) // length, below
	switch r.typ {
	case blockSPB:
		b = o.AppendUint32(b, length)
	case blockPB:
		b = o.AppendUint16(b, uint16(r.iface))
		b = o.AppendUint16(b, r.drops)
	default:
		b = o.AppendUint32(b, uint32(r.iface))
	}
	if r.typ != blockSPB {
		b = o.AppendUint32(b, r.tsHi)
		b = o.AppendUint32(b, r.tsLo)
		b = o.AppendUint32(b, uint32(len(frame)))
		b = o.AppendUint32(b, length)
	}
	b = append(b, frame...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	if r.typ != blockSPB {
		b = cw.appendOptions(b, r.opts, changed)
	}
	b = o.AppendUint32(b, uint32(len(b)+4))
	o.PutUint32(b[4:], uint32(len(b)))
	cw.buf = b
	_, err := cw.w.Write(b)
	return err
}

// appendOptions appends the options of a packet block, dropping those
// that a changed file must not keep. The options were checked when read.
func (cw *capWriter) appendOptions(b, opts []byte, changed bool) []byte {
	o := cw.c.order
	start := len(b)
	kept := 0
	for off := 0; off+4 <= len(opts); {
		code, n := o.Uint16(opts[off:]), int(o.Uint16(opts[off+2:]))
		if code == optEnd {
			break
		}
		end := min(off+4+(n+3)&^3, len(opts))
		if !(code == optEPBHash && changed) && code != optCustomNC1 && code != optCustomNC2 {
			b = append(b, opts[off:end]...)
			for (len(b)-start)%4 != 0 {
				b = append(b, 0)
			}
			kept++
		}
		off = end
	}
	if kept > 0 {
		b = o.AppendUint32(b, 0) // opt_endofopt
	}
	return b
}

// copyBlock copies a block that is not a packet: a section header with
// its section length made unknown (-1: the lengths change), an interface
// description with its snapshot length grown (grownSnaplen), every other block as
// it is but a custom block marked not to be copied (pcapng draft, section
// 4.8).
func (cw *capWriter) copyBlock(typ uint32, block []byte) error {
	switch typ {
	case blockCustomNC:
		return nil
	case blockSHB, blockIDB:
		b := append(cw.buf[:0], block...)
		if typ == blockSHB {
			binary.LittleEndian.PutUint64(b[16:24], ^uint64(0))
		} else {
			cw.c.order.PutUint32(b[12:16], grownSnaplen(cw.c.order.Uint32(b[12:16]), false, cw.grow))
		}
		cw.buf = b
		block = b
	}
	_, err := cw.w.Write(block)
	return err
}
