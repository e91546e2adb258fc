package main

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// Capture files: pcap and pcapng, either also gzip-compressed, told by
// their magic number.
//
// The pcap file header is read with gopacket's pcapgo; its records are
// read here, in place in one large buffer (no copy of the packet, no
// allocation per packet), with the checks a command-line tool needs:
// byte offsets for error messages, each record header looked at before
// its data is used (so that a corrupt length is reported where it is,
// rather than as a huge allocation or a misleading end of file), the file
// header fields pcapgo does not expose (thiszone, sigfigs, byte order) and
// the raw timestamp fields, so that rewrite writes them back as they were.
//
// pcapng is read by pcapng.go, not by pcapgo's NgReader: v1.1.19 sizes
// its packet buffer from the lengths a block claims (an interface
// snapshot length or a captured length of 1 GiB in a 140-octet file is
// allocated), truncates 16-bit link types to 8 bits, panics on short
// options, does not expose packet comments, Simple Packet Blocks (it
// gives them a zero timestamp) or the blocks it skips, and numbers its
// packets differently from tshark when custom blocks are present.
//
// A gzip-compressed file (pcap or pcapng) is decompressed here, not by
// pcapgo (which would hide the stream from these checks): it gets every
// check, and its offsets are those of the decompressed stream, named so
// ("uncompressed byte N").

// File magic numbers (first four octets, as read little-endian).
const (
	magicPcapMicro   = 0xa1b2c3d4
	magicPcapNano    = 0xa1b23c4d
	magicPcapMicroBE = 0xd4c3b2a1
	magicPcapNanoBE  = 0x4d3cb2a1
	magicPcapng      = 0x0a0d0d0a
)

// captureBufSize is the size of the buffer a capture is read through: a
// pcap record (16 + maxCaplen octets at most) is always read whole into
// it, and the file in reads of that size.
const captureBufSize = 1 << 20

// maxCaplen is the most octets one packet of a capture may hold: libpcap's
// MAXIMUM_SNAPLEN (262144, pcap-int.h), the ceiling its savefile readers
// apply to most link types, and the largest snapshot length tcpdump
// writes. A record or block claiming more is corrupt; nothing of that
// size is ever allocated.
const maxCaplen = 262144

// captureError is a capture that cannot be read on: truncated, corrupt or
// of an unsupported link type. It names the file and the byte.
type captureError struct {
	name   string
	offset int64 // byte of the file; -1 if unknown
	msg    string
	gzip   bool // offset is in the decompressed stream
}

func (e *captureError) Error() string {
	switch {
	case e.offset < 0:
		return e.name + ": " + e.msg
	case e.gzip:
		return e.name + ": uncompressed byte " + strconv.FormatInt(e.offset, 10) + ": " + e.msg
	}
	return e.name + ": byte " + strconv.FormatInt(e.offset, 10) + ": " + e.msg
}

// errorAt is a captureError of the file at byte offset (-1: unknown);
// a stream that failed to read says why.
func (c *capture) errorAt(offset int64, msg string) error {
	switch {
	case c.gzip && c.sr.err != nil:
		msg += " (gzip: " + c.sr.err.Error() + ")"
	case c.sr.err != nil:
		msg += " (" + c.sr.err.Error() + ")"
	}
	return &captureError{c.name, offset, msg, c.gzip}
}

// countingReader counts the octets read from the file, and keeps the
// first error other than the end of file.
type countingReader struct {
	r   io.Reader
	n   int64
	err error
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	if err != nil && err != io.EOF && c.err == nil {
		c.err = err
	}
	return n, err
}

// byteOrder is binary.LittleEndian or binary.BigEndian.
type byteOrder interface {
	binary.ByteOrder
	binary.AppendByteOrder
}

// record is what the writer of a rewritten capture needs of the packet
// next returned last, beyond its frame: the raw timestamp and the fields
// of its block.
type record struct {
	// pcap: seconds and the micro- or nanosecond fraction as stored;
	// pcapng: the high and low 32 bits of the timestamp.
	tsHi, tsLo uint32
	length     uint32 // original length
	typ        uint32 // pcapng: blockEPB, blockPB or blockSPB
	iface      int    // pcapng: interface of the section
	drops      uint16 // pcapng obsolete Packet Block: drops count
	opts       []byte // pcapng: the block's options, as stored
}

// capture reads the packets of one pcap or pcapng file.
type capture struct {
	name    string
	ng      bool // pcapng
	nanos   bool // pcap with nanosecond timestamps
	gzip    bool // gzip-compressed: sr reads the decompressed stream
	snaplen uint32
	link    layers.LinkType // pcap: the file's link type
	order   byteOrder       // pcap: the file's; pcapng: the current section's
	// thiszone and sigfigs are the pcap file header's fields, kept for
	// the rewritten file.
	thiszone, sigfigs uint32
	cr                *countingReader // the file
	sr                *countingReader // the stream br reads: cr, or the decompressed file
	br                *bufio.Reader
	size              int64 // file size, or -1 (a pipe)
	// packets is the number of the record next returned last: tshark's
	// frame.number, which also counts pcapng custom blocks and systemd
	// journal entries.
	packets int
	rec     record

	// notes receives the notes of a file that is read though not quite
	// right (one line each, once per file); nil discards them.
	notes      io.Writer
	notePrefix string // "iplabel: dump: "
	noted      bool   // the over-snaplen note was written

	// pcapng (pcapng.go).
	sections int       // section headers read
	ifaces   []ngIface // the current section's interfaces
	blk      []byte    // the current block, when read whole
	// copyBlock, when set, is given every pcapng block that is not a
	// packet, whole, as stored (rewrite copies them).
	copyBlock func(typ uint32, block []byte) error
}

// openCapture detects the format of r by its magic number and reads the
// file header. size is the file's size, or -1.
func openCapture(name string, r io.Reader, size int64) (c *capture, err error) {
	c = &capture{name: name, size: size}
	c.cr = &countingReader{r: r}
	c.sr = c.cr
	// The octets consumed are sr.n - br.Buffered() (pcapgo reads the file
	// header from br too).
	c.br = bufio.NewReaderSize(c.cr, captureBufSize)
	magic, err := c.br.Peek(4)
	if err == nil && magic[0] == 0x1f && magic[1] == 0x8b {
		z, zerr := gzip.NewReader(c.br)
		if zerr != nil {
			return nil, &captureError{name, -1, "corrupt gzip header: " + zerr.Error(), false}
		}
		c.gzip = true
		c.sr = &countingReader{r: z}
		c.br = bufio.NewReaderSize(c.sr, captureBufSize)
		if magic, err = c.br.Peek(4); len(magic) == 0 && err == io.EOF {
			return nil, c.errorAt(0, "the gzip-compressed file holds nothing, not a pcap or pcapng capture")
		}
	}
	if err != nil {
		if len(magic) == 0 && (err == io.EOF) {
			return nil, c.errorAt(0, "empty file, not a pcap or pcapng capture")
		}
		if errors.Is(err, io.EOF) {
			return nil, c.errorAt(0, "file too short for a capture header")
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	defer func() {
		if p := recover(); p != nil {
			c, err = nil, c.errorAt(c.pos(), fmt.Sprintf("corrupt capture header (%v)", p))
		}
	}()
	switch m := binary.LittleEndian.Uint32(magic); {
	case m == magicPcapng:
		c.ng = true
		if err := c.checkSectionHeader(0); err != nil {
			return nil, err
		}
	case m == magicPcapMicro || m == magicPcapNano || m == magicPcapMicroBE || m == magicPcapNanoBE:
		c.nanos = m == magicPcapNano || m == magicPcapNanoBE
		c.order = binary.LittleEndian
		if m == magicPcapMicroBE || m == magicPcapNanoBE {
			c.order = binary.BigEndian
		}
		// The 32-bit link type pcapgo truncates, and the fields it skips.
		if h, _ := c.br.Peek(24); len(h) == 24 {
			if lt := c.order.Uint32(h[20:24]); lt > 255 || !supportedLink(layers.LinkType(lt)) {
				return nil, c.errorAt(20, "unsupported "+linkNumberName(int(lt))+": "+supportedLinks)
			}
			c.thiszone, c.sigfigs = c.order.Uint32(h[8:12]), c.order.Uint32(h[12:16])
		}
		pr, err := pcapgo.NewReader(c.br)
		if err != nil {
			return nil, c.readError(err, "pcap file header")
		}
		// A record longer than the snapshot length is read all the same
		// (checkRecord): old capture tools wrote such records, and libpcap
		// and Wireshark read them.
		c.snaplen = pr.Snaplen()
		c.link = pr.LinkType()
		if !supportedLink(c.link) {
			return nil, c.errorAt(20, "unsupported "+linkName(c.link)+": "+supportedLinks)
		}
	default:
		return nil, c.errorAt(0, fmt.Sprintf("not a pcap or pcapng capture (magic % x)", magic))
	}
	return c, nil
}

// consumed is how far the file has been read, for progress: the octets
// of the file (compressed, for a gzip file) read so far.
func (c *capture) consumed() int64 {
	if c.gzip {
		return c.cr.n
	}
	return c.pos()
}

// pos is the offset in the stream of the next octet to read: the byte
// error messages name.
func (c *capture) pos() int64 { return c.sr.n - int64(c.br.Buffered()) }

// note writes a note about the file to c.notes.
func (c *capture) note(offset int64, msg string) {
	if c.notes == nil {
		return
	}
	io.WriteString(c.notes, c.notePrefix+c.errorAt(offset, msg).Error()+"\n")
}

// readError turns a pcapgo error into a captureError at the current byte.
func (c *capture) readError(err error, what string) error {
	off := c.pos()
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return c.errorAt(off, "truncated "+what+": the file ends at byte "+strconv.FormatInt(c.sr.n, 10))
	}
	var ce *captureError
	if errors.As(err, &ce) {
		return err
	}
	return c.errorAt(off, "corrupt "+what+": "+err.Error())
}

// next reads the next packet: its frame (valid until the next call), its
// capture info and its link type; c.packets is then its number and c.rec
// its raw fields. At the end of the file it returns io.EOF; any other
// error is a *captureError naming the byte.
//
// A pcap record is read in place: the record is checked whole in br's
// buffer (checkRecord), its frame is the slice of that buffer and the
// record is then discarded, so a packet costs no copy and no allocation.
func (c *capture) next() (frame []byte, ci gopacket.CaptureInfo, link layers.LinkType, err error) {
	if c.ng {
		return c.nextBlock()
	}
	start := c.pos()
	rec, err := c.checkRecord(start)
	if err != nil {
		return nil, ci, 0, err
	}
	// Capped: an append to the frame must not run into the records
	// buffered after it.
	frame = rec[16:len(rec):len(rec)]
	ci.CaptureLength = len(frame)
	ci.Length = int(c.rec.length)
	ci.Timestamp = c.pcapTime()
	c.br.Discard(len(rec)) // never fails: rec is buffered
	c.packets++
	if c.snaplen != 0 && uint32(len(frame)) > c.snaplen && !c.noted {
		c.noted = true
		c.note(start+8, fmt.Sprintf("packet %d: captured length %d exceeds the snapshot length %d; read whole, as libpcap and Wireshark do (noted once per file)", c.packets, len(frame), c.snaplen))
	}
	return frame, ci, c.link, nil
}

// pcapTime is the timestamp of the pcap record next read last, in UTC, as
// pcapgo gives it: seconds and a micro- or nanosecond fraction.
func (c *capture) pcapTime() time.Time {
	frac := int64(c.rec.tsLo)
	if !c.nanos {
		frac *= 1000
	}
	return time.Unix(int64(c.rec.tsHi), frac).UTC()
}

// checkRecord looks at the next pcap record in br's buffer and returns it
// whole, header and data, without consuming it: it names the fault and its
// byte for a record header cut short, a captured length over the ceiling
// or over the packet's length, data cut short. It keeps the raw fields in
// c.rec. It returns io.EOF at a clean end of file.
func (c *capture) checkRecord(start int64) ([]byte, error) {
	n := func() string { return strconv.Itoa(c.packets + 1) }
	h, _ := c.br.Peek(16)
	switch {
	case len(h) == 0:
		return nil, c.atEnd(start)
	case len(h) < 16:
		return nil, c.errorAt(start, "packet "+n()+": record header truncated: the file ends at byte "+strconv.FormatInt(start+int64(len(h)), 10))
	}
	c.rec.tsHi, c.rec.tsLo = c.order.Uint32(h[0:4]), c.order.Uint32(h[4:8])
	caplen, orig := c.order.Uint32(h[8:12]), c.order.Uint32(h[12:16])
	switch {
	case caplen > maxCaplen:
		return nil, c.errorAt(start+8, fmt.Sprintf("packet %s: corrupt record: captured length %d exceeds the snapshot length %d and %d, the most a capture holds (libpcap's MAXIMUM_SNAPLEN)", n(), caplen, c.snaplen, maxCaplen))
	case caplen > orig:
		return nil, c.errorAt(start+8, fmt.Sprintf("packet %s: corrupt record: captured length %d exceeds the packet length %d", n(), caplen, orig))
	}
	c.rec.length = orig
	need := 16 + int(caplen) // at most captureBufSize
	p, _ := c.br.Peek(need)
	if len(p) < need {
		return nil, c.errorAt(start, fmt.Sprintf("packet %s truncated: its record holds %d octets, the file ends at byte %d", n(), caplen, start+int64(len(p))))
	}
	return p, nil
}

// atEnd is what reading at start, where the stream has no more octets,
// means: io.EOF, or the error that ended the stream (a gzip checksum, an
// I/O error), which must not pass for a clean end.
func (c *capture) atEnd(start int64) error {
	if c.sr.err != nil {
		return c.errorAt(start, "cannot read on")
	}
	return io.EOF
}
