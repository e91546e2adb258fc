package main

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Capture files are read with gopacket's pcapgo (pcap, gzip-compressed
// pcap and pcapng, pure Go). This file adds what a command-line tool needs
// around it: format detection by magic number, byte offsets for error
// messages, checks of record and block framing before pcapgo reads them
// (so that a corrupt length is reported where it is rather than as a huge
// allocation or a misleading end of file), and recovery from a panic in
// the reader on corrupt input. A gzip-compressed pcap gets none of the
// checks and no byte offsets, and a file cut right after a record header
// reads as ending there.

// File magic numbers (first four octets, as read little-endian).
const (
	magicPcapMicro   = 0xa1b2c3d4
	magicPcapNano    = 0xa1b23c4d
	magicPcapMicroBE = 0xd4c3b2a1
	magicPcapNanoBE  = 0x4d3cb2a1
	magicPcapng      = 0x0a0d0d0a
)

// maxSnaplen bounds the snapshot length taken from a pcap header: pcapgo
// allocates a buffer of the snapshot length, so a corrupt header must not
// make it allocate gigabytes. Real captures use 65,535 or 262,144.
const maxSnaplen = 1 << 20

// captureError is a capture that cannot be read on: truncated, corrupt or
// of an unsupported link type. It names the file and the byte.
type captureError struct {
	name   string
	offset int64 // byte of the file; -1 if unknown
	msg    string
}

func (e *captureError) Error() string {
	if e.offset < 0 {
		return e.name + ": " + e.msg
	}
	return e.name + ": byte " + strconv.FormatInt(e.offset, 10) + ": " + e.msg
}

// countingReader counts the octets read from the file.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// capture reads the packets of one pcap or pcapng file.
type capture struct {
	name    string
	ng      bool // pcapng
	nanos   bool // pcap with nanosecond timestamps
	snaplen uint32
	link    layers.LinkType // pcap: the file's link type
	pcap    *pcapgo.Reader
	ngr     *pcapgo.NgReader
	cr      *countingReader
	br      *bufio.Reader
	size    int64 // file size, or -1 (a pipe)
	packets int   // packets read so far
	// sections counts the pcapng section headers after the first, so that
	// interface numbers can be told apart across sections.
	sections int
	order    binary.ByteOrder // pcap: the file's byte order
	ngOrder  binary.ByteOrder // pcapng: the current section's byte order
	ngLinks  []int            // pcapng: link types of the section's interfaces
	gzip     bool             // a gzip-compressed pcap (pcapgo decompresses)
}

// openCapture detects the format of r by its magic number and reads the
// file header. size is the file's size, or -1.
func openCapture(name string, r io.Reader, size int64) (c *capture, err error) {
	c = &capture{name: name, size: size}
	c.cr = &countingReader{r: r}
	// pcapgo wraps its input in a bufio.Reader of the default size, which
	// is this one: so the octets it has consumed are cr.n - br.Buffered().
	c.br = bufio.NewReaderSize(c.cr, 256<<10)
	magic, err := c.br.Peek(4)
	if err != nil {
		if len(magic) == 0 && (err == io.EOF) {
			return nil, &captureError{name, 0, "empty file, not a pcap or pcapng capture"}
		}
		if errors.Is(err, io.EOF) {
			return nil, &captureError{name, 0, "file too short for a capture header"}
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, &captureError{name, c.consumed(), fmt.Sprintf("corrupt capture header (%v)", p)}
		}
	}()
	switch m := binary.LittleEndian.Uint32(magic); {
	case m == magicPcapng:
		c.ng = true
		if h, _ := c.br.Peek(12); len(h) < 12 {
			return nil, &captureError{name, 0, "truncated pcapng section header"}
		} else if bom := binary.LittleEndian.Uint32(h[8:12]); bom == 0x1a2b3c4d {
			c.ngOrder = binary.LittleEndian
		} else if bom == 0x4d3c2b1a {
			c.ngOrder = binary.BigEndian
		} else {
			return nil, &captureError{name, 8, "corrupt pcapng section header: bad byte-order magic"}
		}
		c.ngr, err = pcapgo.NewNgReader(c.br, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, c.readError(err, "pcapng section header")
		}
	case m == magicPcapMicro || m == magicPcapNano || m == magicPcapMicroBE || m == magicPcapNanoBE || magic[0] == 0x1f && magic[1] == 0x8b:
		c.gzip = magic[0] == 0x1f && magic[1] == 0x8b
		c.nanos = m == magicPcapNano || m == magicPcapNanoBE
		c.order = binary.LittleEndian
		if m == magicPcapMicroBE || m == magicPcapNanoBE {
			c.order = binary.BigEndian
		}
		if magic[0] != 0x1f { // not gzip: check the 32-bit link type pcapgo truncates
			if h, _ := c.br.Peek(24); len(h) == 24 {
				if lt := c.order.Uint32(h[20:24]); lt > 255 || !supportedLink(layers.LinkType(lt)) {
					return nil, &captureError{name, 20, "unsupported " + linkNumberName(int(lt)) + ": " + supportedLinks}
				}
			}
		}
		if c.pcap, err = pcapgo.NewReader(c.br); err != nil {
			return nil, c.readError(err, "pcap file header")
		}
		c.snaplen = c.pcap.Snaplen()
		if c.snaplen == 0 || c.snaplen > maxSnaplen {
			c.pcap.SetSnaplen(maxSnaplen)
		}
		c.link = c.pcap.LinkType()
		if !supportedLink(c.link) {
			return nil, &captureError{name, 20, "unsupported " + linkName(c.link) + ": " + supportedLinks}
		}
	default:
		return nil, &captureError{name, 0, fmt.Sprintf("not a pcap or pcapng capture (magic % x)", magic)}
	}
	return c, nil
}

// consumed is the number of octets of the file the reader has used.
func (c *capture) consumed() int64 { return c.cr.n - int64(c.br.Buffered()) }

// readError turns a pcapgo error into a captureError at the current byte.
func (c *capture) readError(err error, what string) error {
	off := c.consumed()
	if c.gzip {
		off = -1
		if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
			return &captureError{c.name, off, "truncated " + what + " (gzip-compressed pcap)"}
		}
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return &captureError{c.name, off, "truncated " + what + ": the file ends at byte " + strconv.FormatInt(c.cr.n, 10)}
	}
	var ce *captureError
	if errors.As(err, &ce) {
		return err
	}
	return &captureError{c.name, off, "corrupt " + what + ": " + err.Error()}
}

// next reads the next packet: its frame (valid until the next call), its
// capture info and its link type. At the end of the file it returns
// io.EOF; any other error is a *captureError naming the byte.
func (c *capture) next() (frame []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	start := c.consumed()
	switch {
	case c.gzip:
		start = -1 // offsets in a compressed file mean nothing to a reader
	case c.ng:
		err = c.precheckBlocks(start)
	default:
		err = c.precheckRecord(start)
	}
	if err != nil {
		return nil, ci, 0, err
	}
	defer func() {
		if p := recover(); p != nil {
			frame, err = nil, &captureError{c.name, start, fmt.Sprintf("corrupt capture at packet %d (%v)", c.packets+1, p)}
		}
	}()
	if c.ng {
		frame, ci, err = c.ngr.ZeroCopyReadPacketData()
	} else {
		frame, ci, err = c.pcap.ZeroCopyReadPacketData()
	}
	if err != nil {
		if err == io.EOF && (c.consumed() == start || c.gzip) {
			return nil, ci, 0, io.EOF
		}
		return nil, ci, 0, c.readError(err, "packet "+strconv.Itoa(c.packets+1))
	}
	c.packets++
	link = c.link
	if c.ng {
		lt := -1
		if i := ci.InterfaceIndex; i >= 0 && i < len(c.ngLinks) {
			lt = c.ngLinks[i] // the 16-bit value pcapgo truncates to 8 bits
		} else if len(ci.AncillaryData) > 0 {
			l, _ := ci.AncillaryData[0].(layers.LinkType)
			lt = int(l)
		}
		if lt < 0 || lt > 255 || !supportedLink(layers.LinkType(lt)) {
			return nil, ci, 0, &captureError{c.name, start, "packet " + strconv.Itoa(c.packets) + ": interface " +
				strconv.Itoa(ci.InterfaceIndex) + " has an unsupported " + linkNumberName(lt) + ": " + supportedLinks}
		}
		link = layers.LinkType(lt)
	}
	return frame, ci, link, nil
}

// precheckRecord looks at the next pcap record before pcapgo reads it, to
// name the fault and its byte: a record header cut short, lengths that
// contradict each other or the snapshot length, data cut short. It
// returns io.EOF at a clean end of file.
func (c *capture) precheckRecord(start int64) error {
	n := func() string { return strconv.Itoa(c.packets + 1) }
	h, _ := c.br.Peek(16)
	switch {
	case len(h) == 0:
		return io.EOF
	case len(h) < 16:
		return &captureError{c.name, start, "packet " + n() + ": record header truncated: the file ends at byte " + strconv.FormatInt(start+int64(len(h)), 10)}
	}
	caplen, orig := c.order.Uint32(h[8:12]), c.order.Uint32(h[12:16])
	snap := c.pcap.Snaplen()
	switch {
	case caplen > snap:
		return &captureError{c.name, start + 8, fmt.Sprintf("packet %s: corrupt record: captured length %d exceeds the snapshot length %d", n(), caplen, snap)}
	case caplen > orig:
		return &captureError{c.name, start + 8, fmt.Sprintf("packet %s: corrupt record: captured length %d exceeds the packet length %d", n(), caplen, orig)}
	}
	if need := 16 + int(caplen); need <= c.br.Size() {
		if p, _ := c.br.Peek(need); len(p) < need {
			return &captureError{c.name, start, fmt.Sprintf("packet %s truncated: its record holds %d octets, the file ends at byte %d", n(), caplen, start+int64(len(p)))}
		}
	}
	return nil
}

// pcapng block types (pcapng draft, section 4).
const (
	blockSHB = 0x0a0d0d0a
	blockIDB = 1
	blockPB  = 2 // obsolete Packet Block
	blockSPB = 3 // Simple Packet Block
	blockEPB = 6 // Enhanced Packet Block
)

// precheckBlocks walks, without consuming them, the pcapng blocks up to
// and including the next packet block, checking their framing before
// pcapgo reads them: block lengths that are not a multiple of 4 or too
// small, a packet's captured length that overruns its block, a file that
// ends inside a block. It returns io.EOF at a clean end of file. Blocks
// longer than the read buffer end the walk early (pcapgo then reports).
func (c *capture) precheckBlocks(start int64) error {
	off := 0
	for {
		h, _ := c.br.Peek(off + 12)
		h = h[min(off, len(h)):]
		at := start + int64(off)
		switch {
		case len(h) == 0:
			return io.EOF
		case len(h) < 8:
			return &captureError{c.name, at, "block header truncated: the file ends at byte " + strconv.FormatInt(at+int64(len(h)), 10)}
		}
		typ := c.ngOrder.Uint32(h[0:4])
		if binary.LittleEndian.Uint32(h[0:4]) == blockSHB {
			if len(h) < 12 {
				return &captureError{c.name, at, "section header truncated"}
			}
			switch binary.LittleEndian.Uint32(h[8:12]) {
			case 0x1a2b3c4d:
				c.ngOrder = binary.LittleEndian
			case 0x4d3c2b1a:
				c.ngOrder = binary.BigEndian
			default:
				return &captureError{c.name, at + 8, "corrupt section header: bad byte-order magic"}
			}
			typ = blockSHB
		}
		switch {
		case typ == blockSHB:
			c.ngLinks = c.ngLinks[:0]
			c.sections++
		case typ == blockIDB && len(h) >= 10:
			c.ngLinks = append(c.ngLinks, int(c.ngOrder.Uint16(h[8:10])))
		}
		blen := int(c.ngOrder.Uint32(h[4:8]))
		if blen < 12 || blen%4 != 0 {
			return &captureError{c.name, at + 4, fmt.Sprintf("corrupt block: length %d (want a multiple of 4, at least 12)", blen)}
		}
		if off+blen > c.br.Size() {
			return nil // too long to look at here
		}
		b, _ := c.br.Peek(off + blen)
		if len(b) < off+blen {
			return &captureError{c.name, at, fmt.Sprintf("block of %d octets truncated: the file ends at byte %d", blen, start+int64(len(b)))}
		}
		b = b[off:]
		switch typ {
		case blockEPB, blockPB:
			if blen < 32 {
				return &captureError{c.name, at + 4, fmt.Sprintf("corrupt packet block: length %d", blen)}
			}
			if caplen := int(c.ngOrder.Uint32(b[20:24])); caplen > blen-32 {
				return &captureError{c.name, at + 20, fmt.Sprintf("packet %d: corrupt packet block: captured length %d overruns the block of %d octets", c.packets+1, caplen, blen)}
			}
			return nil
		case blockSPB:
			return nil
		}
		off += blen
	}
}
