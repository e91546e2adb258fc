package main

import (
	"encoding/binary"
	"fmt"
	"io"
	"math/bits"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
)

// A pcapng reader (draft-ietf-opsawg-pcapng), written here rather than
// taken from pcapgo for the reasons capture.go gives. It reads one block
// at a time, in order, whatever its size, so every section header and
// interface description is honoured; it checks every length (block
// length against the ceiling, the fixed part of its type and the file;
// a packet's captured length against the block, maxCaplen and its
// original length; each option against the block; a section's interfaces
// against maxIfaces) before reading or allocating anything, and
// reads a block into a buffer that grows with the octets actually read,
// never with the octets claimed. Reading a packet allocates nothing once
// the buffer has grown to the largest block.

// pcapng block types (pcapng draft, section 10.1).
const (
	blockSHB      = 0x0a0d0d0a
	blockIDB      = 1
	blockPB       = 2 // obsolete Packet Block
	blockSPB      = 3 // Simple Packet Block
	blockISB      = 5 // Interface Statistics Block
	blockEPB      = 6 // Enhanced Packet Block
	blockJournal  = 9 // systemd Journal Export Block
	blockCustom   = 0x00000bad
	blockCustomNC = 0x40000bad // custom block not to be copied
)

// maxBlockLen is the longest pcapng block read: a packet of maxCaplen
// octets leaves room for 16 MiB of options, far more than any writer
// puts in one block. A longer block is corrupt.
const maxBlockLen = 16 << 20

// maxIfaces is the most interfaces a section may describe: far more than
// any capture holds (each is a link a capture tool listened on), and few
// enough that the list stays small (2 MiB) however many 20-octet interface
// descriptions a file holds. A section with more is corrupt.
const maxIfaces = 65536

// pcapng option codes used here (pcapng draft, sections 3.5, 4.2, 4.3).
const (
	optEnd       = 0
	optComment   = 1
	optTSResol   = 9  // if_tsresol
	optTSOffset  = 14 // if_tsoffset
	optEPBHash   = 3  // epb_hash: no longer true once a packet changes
	optCustomNC1 = 19372
	optCustomNC2 = 19373 // custom options not to be copied
)

// ngIface is an interface of the current section.
type ngIface struct {
	link    int    // 16-bit link type
	snaplen uint32 // 0: none
	units   uint64 // timestamp units per second (if_tsresol); 0: unknown resolution
	offset  int64  // if_tsoffset, seconds
}

// checkSectionHeader checks the section header at the start of the file
// (byte off) far enough to tell a pcapng file: its byte-order magic and
// length. nextBlock reads it.
func (c *capture) checkSectionHeader(off int64) error {
	h, _ := c.br.Peek(28)
	if len(h) < 28 {
		return c.errorAt(off, "truncated pcapng section header: the file ends at byte "+strconv.FormatInt(off+int64(len(h)), 10))
	}
	switch binary.LittleEndian.Uint32(h[8:12]) {
	case 0x1a2b3c4d:
		c.order = binary.LittleEndian
	case 0x4d3c2b1a:
		c.order = binary.BigEndian
	default:
		return c.errorAt(off+8, "corrupt pcapng section header: bad byte-order magic")
	}
	return nil
}

// minBlockLen is the length of a block of type typ with no data and no
// options.
func minBlockLen(typ uint32) int {
	switch typ {
	case blockSHB:
		return 28
	case blockIDB:
		return 20
	case blockEPB, blockPB:
		return 32
	case blockSPB:
		return 16
	case blockISB:
		return 24
	case blockCustom, blockCustomNC:
		return 16
	}
	return 12
}

// nextBlock reads blocks up to the next packet and returns it as next
// does. Section headers and interface descriptions are taken in; custom
// blocks and systemd journal entries take a packet number (tshark numbers
// them as frames) but are not returned; the other blocks are skipped.
// Every block that is not a packet goes to c.copyBlock when it is set.
func (c *capture) nextBlock() (frame []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	for {
		start := c.pos()
		fail := func(at int64, format string, a ...any) error {
			return c.errorAt(start+at, fmt.Sprintf(format, a...))
		}
		h, _ := c.br.Peek(12)
		switch {
		case len(h) == 0:
			return nil, ci, 0, c.atEnd(start)
		case len(h) < 8:
			return nil, ci, 0, fail(0, "block header truncated: the file ends at byte %d", start+int64(len(h)))
		}
		typ := c.order.Uint32(h[0:4])
		if binary.LittleEndian.Uint32(h[0:4]) == blockSHB { // the same in either order
			typ = blockSHB
			if err := c.checkSectionHeader(start); err != nil {
				return nil, ci, 0, err
			}
		}
		blen := c.order.Uint32(h[4:8])
		switch {
		case blen%4 != 0 || blen < 12:
			return nil, ci, 0, fail(4, "corrupt block: length %d (want a multiple of 4, at least 12)", blen)
		case blen > maxBlockLen:
			return nil, ci, 0, fail(4, "corrupt block: length %d exceeds %d, the longest block read", blen, maxBlockLen)
		case int(blen) < minBlockLen(typ):
			return nil, ci, 0, fail(4, "corrupt block of type 0x%x: length %d, under the %d of its fixed fields", typ, blen, minBlockLen(typ))
		}
		isPacket := typ == blockEPB || typ == blockPB || typ == blockSPB
		if isPacket {
			if err := c.checkPacketHeader(typ, int(blen), start); err != nil {
				return nil, ci, 0, err
			}
		}
		// Blocks nobody looks at are skipped without being held.
		if !isPacket && typ != blockSHB && typ != blockIDB && c.copyBlock == nil {
			if err := c.skip(int(blen), start); err != nil {
				return nil, ci, 0, err
			}
		} else if err := c.readBlock(int(blen), start); err != nil {
			return nil, ci, 0, err
		}
		b := c.blk
		switch typ {
		case blockSHB:
			if v := c.order.Uint16(b[12:14]); v != 1 {
				return nil, ci, 0, fail(12, "unsupported pcapng version %d.%d (want 1.x)", v, c.order.Uint16(b[14:16]))
			}
			if _, err := c.options(b[24:len(b)-4], start+24, nil); err != nil {
				return nil, ci, 0, err
			}
			c.sections++
			c.ifaces = c.ifaces[:0]
		case blockIDB:
			if c.sections == 0 {
				return nil, ci, 0, fail(0, "interface description before any section header")
			}
			if len(c.ifaces) == maxIfaces {
				return nil, ci, 0, fail(0, "corrupt interface description %d of its section: more than %d, the most read", len(c.ifaces)+1, maxIfaces)
			}
			intf := ngIface{link: int(c.order.Uint16(b[8:10])), snaplen: c.order.Uint32(b[12:16]), units: 1e6}
			if _, err := c.options(b[16:len(b)-4], start+16, func(code uint16, v []byte) {
				switch {
				case code == optTSResol && len(v) == 1:
					intf.units = tsUnits(v[0])
				case code == optTSOffset && len(v) == 8:
					intf.offset = int64(c.order.Uint64(v))
				}
			}); err != nil {
				return nil, ci, 0, err
			}
			c.ifaces = append(c.ifaces, intf)
		case blockEPB, blockPB, blockSPB:
			return c.packetBlock(typ, b, start)
		case blockCustom, blockCustomNC, blockJournal:
			c.packets++
		}
		if c.copyBlock != nil {
			if err := c.copyBlock(typ, b); err != nil {
				return nil, ci, 0, err
			}
		}
	}
}

// tsUnits is the number of timestamp units per second of an if_tsresol
// value: 10^-v, or 2^-(v&0x7f) when the top bit is set; 0 when that does
// not fit in 64 bits.
func tsUnits(v byte) uint64 {
	if v&0x80 != 0 {
		if v&0x7f > 63 {
			return 0
		}
		return 1 << (v & 0x7f)
	}
	if v > 19 {
		return 0
	}
	u := uint64(1)
	for range v {
		u *= 10
	}
	return u
}

// checkPacketHeader checks the fixed fields of a packet block, peeked
// before the block is read: the captured length against the ceiling, the
// block and the packet's original length, the interface against the
// section.
func (c *capture) checkPacketHeader(typ uint32, blen int, start int64) error {
	h, _ := c.br.Peek(28)
	if len(h) < minBlockLen(typ)-4 {
		return c.errorAt(start, fmt.Sprintf("packet %d: block of %d octets truncated: the file ends at byte %d", c.packets+1, blen, start+int64(len(h))))
	}
	n := c.packets + 1
	if typ == blockSPB {
		if len(c.ifaces) == 0 {
			return c.errorAt(start, fmt.Sprintf("packet %d: Simple Packet Block before any interface description in its section", n))
		}
		return nil // its captured length follows from the block, checked in packetBlock
	}
	caplen, orig := c.order.Uint32(h[20:24]), c.order.Uint32(h[24:28])
	switch {
	case caplen > maxCaplen:
		return c.errorAt(start+20, fmt.Sprintf("packet %d: corrupt packet block: captured length %d exceeds %d, the most a capture holds (libpcap's MAXIMUM_SNAPLEN)", n, caplen, maxCaplen))
	case int(caplen) > blen-32:
		return c.errorAt(start+20, fmt.Sprintf("packet %d: corrupt packet block: captured length %d overruns the block of %d octets", n, caplen, blen))
	case caplen > orig: // as a pcap record (precheckRecord)
		return c.errorAt(start+20, fmt.Sprintf("packet %d: corrupt packet block: captured length %d exceeds the packet length %d", n, caplen, orig))
	}
	// As the uint32 it is: an int of it is negative on 32-bit platforms.
	var id uint32
	if typ == blockPB {
		id = uint32(c.order.Uint16(h[8:10]))
	} else {
		id = c.order.Uint32(h[8:12])
	}
	if uint64(id) >= uint64(len(c.ifaces)) {
		return c.errorAt(start+8, fmt.Sprintf("packet %d: interface %d is not described in its section (it has %d)", n, id, len(c.ifaces)))
	}
	return nil
}

// packetBlock takes the packet out of block b, read whole.
func (c *capture) packetBlock(typ uint32, b []byte, start int64) (frame []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	n := c.packets + 1
	r := record{typ: typ}
	var caplen, dataAt int
	if typ == blockSPB {
		intf := c.ifaces[0]
		r.length = c.order.Uint32(b[8:12])
		caplen, dataAt = int(min(r.length, maxCaplen+1)), 12
		if intf.snaplen != 0 && uint32(caplen) > intf.snaplen {
			caplen = int(intf.snaplen)
		}
		if caplen > len(b)-16 {
			return nil, ci, 0, c.errorAt(start+8, fmt.Sprintf("packet %d: corrupt Simple Packet Block: packet length %d overruns the block of %d octets", n, r.length, len(b)))
		}
		if caplen > maxCaplen {
			return nil, ci, 0, c.errorAt(start+8, fmt.Sprintf("packet %d: corrupt Simple Packet Block: captured length exceeds %d, the most a capture holds", n, maxCaplen))
		}
	} else {
		if typ == blockPB {
			r.iface = int(c.order.Uint16(b[8:10]))
			r.drops = c.order.Uint16(b[10:12])
		} else {
			r.iface = int(c.order.Uint32(b[8:12])) // under maxIfaces: checkPacketHeader
		}
		r.tsHi, r.tsLo = c.order.Uint32(b[12:16]), c.order.Uint32(b[16:20])
		caplen, dataAt = int(c.order.Uint32(b[20:24])), 28
		r.length = c.order.Uint32(b[24:28])
		optAt := dataAt + (caplen+3)&^3
		if optAt > len(b)-4 {
			optAt = len(b) - 4 // a captured length that fills the block but its padding
		}
		r.opts = b[optAt : len(b)-4]
		if _, err := c.options(r.opts, start+int64(optAt), nil); err != nil {
			return nil, ci, 0, err
		}
	}
	c.packets = n
	c.rec = r
	intf := c.ifaces[r.iface]
	frame = b[dataAt : dataAt+caplen : dataAt+caplen]
	ci = gopacket.CaptureInfo{CaptureLength: caplen, Length: int(r.length), InterfaceIndex: r.iface}
	if typ != blockSPB {
		ci.Timestamp = ngTime(intf, uint64(r.tsHi)<<32|uint64(r.tsLo))
	}
	if intf.snaplen != 0 && uint32(caplen) > intf.snaplen && !c.noted {
		c.noted = true
		c.note(start+20, fmt.Sprintf("packet %d: captured length %d exceeds the interface's snapshot length %d; read whole, as Wireshark does (noted once per file)", n, caplen, intf.snaplen))
	}
	if intf.link > 255 || !supportedLink(layers.LinkType(intf.link)) {
		return nil, ci, 0, c.errorAt(start, "packet "+strconv.Itoa(n)+": interface "+
			strconv.Itoa(r.iface)+" has an unsupported "+linkNumberName(intf.link)+": "+supportedLinks)
	}
	return frame, ci, layers.LinkType(intf.link), nil
}

// ngTime is the time of a timestamp of interface intf; the zero time when
// the interface's resolution is unusable.
func ngTime(intf ngIface, ts uint64) time.Time {
	if intf.units == 0 {
		return time.Time{}
	}
	sec, frac := ts/intf.units, ts%intf.units
	hi, lo := bits.Mul64(frac, 1e9)
	ns, _ := bits.Div64(hi, lo, intf.units) // frac < units: no overflow
	return time.Unix(int64(sec)+intf.offset, int64(ns)).UTC()
}

// options walks the options of a block (opts, at byte at of the file),
// calling f (if not nil) with each, and checks that none overruns the
// block. It returns the length of the options up to and including the
// end-of-options option (all of opts if there is none).
func (c *capture) options(opts []byte, at int64, f func(code uint16, v []byte)) (int, error) {
	off := 0
	for off+4 <= len(opts) {
		code, n := c.order.Uint16(opts[off:]), int(c.order.Uint16(opts[off+2:]))
		if code == optEnd {
			return off + 4, nil
		}
		end := off + 4 + (n+3)&^3
		if off+4+n > len(opts) {
			return 0, c.errorAt(at+int64(off)+2, fmt.Sprintf("corrupt block: option %d of %d octets overruns the block", code, n))
		}
		if f != nil {
			f(code, opts[off+4:off+4+n])
		}
		off = min(end, len(opts))
	}
	return len(opts), nil
}

// skip discards a block of blen octets at start, checking that the file
// holds it and that its trailing length matches.
func (c *capture) skip(blen int, start int64) error {
	if n, err := c.br.Discard(blen - 4); err != nil {
		return c.truncated(blen, start, start+int64(n))
	}
	return c.trailer(blen, start)
}

// readBlock reads a block of blen octets at start into c.blk, growing the
// buffer with the octets actually read.
func (c *capture) readBlock(blen int, start int64) error {
	if cap(c.blk) >= blen {
		c.blk = c.blk[:blen]
		if n, err := io.ReadFull(c.br, c.blk); err != nil {
			return c.truncated(blen, start, start+int64(n))
		}
	} else {
		c.blk = c.blk[:0]
		for len(c.blk) < blen {
			chunk := min(blen-len(c.blk), 256<<10)
			if cap(c.blk)-len(c.blk) < chunk {
				nb := make([]byte, len(c.blk), min(blen, max(2*cap(c.blk), len(c.blk)+chunk)))
				copy(nb, c.blk)
				c.blk = nb
			}
			n, err := io.ReadFull(c.br, c.blk[len(c.blk):len(c.blk)+chunk])
			c.blk = c.blk[:len(c.blk)+n]
			if err != nil {
				return c.truncated(blen, start, start+int64(len(c.blk)))
			}
		}
	}
	if t := c.order.Uint32(c.blk[blen-4:]); int(t) != blen {
		return c.errorAt(start+int64(blen)-4, fmt.Sprintf("corrupt block: trailing length %d differs from the leading %d", t, blen))
	}
	return nil
}

// trailer reads and checks the trailing length of a skipped block.
func (c *capture) trailer(blen int, start int64) error {
	var t [4]byte
	if n, err := io.ReadFull(c.br, t[:]); err != nil {
		return c.truncated(blen, start, start+int64(blen-4+n))
	}
	if v := c.order.Uint32(t[:]); int(v) != blen {
		return c.errorAt(start+int64(blen)-4, fmt.Sprintf("corrupt block: trailing length %d differs from the leading %d", v, blen))
	}
	return nil
}

// truncated is a block of blen octets at start that the file cuts at end.
func (c *capture) truncated(blen int, start, end int64) error {
	return c.errorAt(start, fmt.Sprintf("block of %d octets truncated: the file ends at byte %d", blen, end))
}
