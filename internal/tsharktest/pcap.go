package tsharktest

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// epoch is the timestamp of the first packet [WriteIPv4] writes; packet i
// is stamped i milliseconds later, so captures are byte-for-byte
// reproducible.
var epoch = time.Unix(1_000_000_000, 0).UTC()

// snapLen is the pcap snapshot length: more than any IPv4 datagram.
const snapLen = 65535

// Datagram returns an IPv4 datagram carrying opts and payload: version 4,
// IHL 5 + the options words, TTL 64, protocol 253 (RFC 3692
// experimental, which tshark leaves undissected), 192.0.2.1 to 192.0.2.2
// (RFC 5737 documentation addresses), identification id, and a correct
// header checksum computed here from RFC 791 §3.1, independently of the
// module's own code. opts is padded with EOL octets to a multiple of 4;
// more than 40 octets fails the test.
func Datagram(tb testing.TB, opts []byte, id uint16, payload []byte) []byte {
	tb.Helper()
	n := (len(opts) + 3) &^ 3
	if n > 40 {
		tb.Fatalf("tsharktest: %d octets of options do not fit in an IPv4 header (at most 40)", len(opts))
	}
	hl := 20 + n
	if hl+len(payload) > 0xFFFF {
		tb.Fatalf("tsharktest: a %d-octet payload does not fit in an IPv4 datagram", len(payload))
	}
	p := make([]byte, hl+len(payload))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	binary.BigEndian.PutUint16(p[4:], id)
	p[8], p[9] = 64, 253
	copy(p[12:], []byte{192, 0, 2, 1, 192, 0, 2, 2})
	copy(p[20:], opts)
	copy(p[hl:], payload)
	binary.BigEndian.PutUint16(p[10:], Checksum(p[:hl]))
	return p
}

// Checksum is the RFC 791 header checksum of h, its checksum field taken
// as zero: the one's complement of the one's complement sum of the 16-bit
// words, written plainly and independently of the module's own code, as a
// reference for tests.
func Checksum(h []byte) uint16 {
	var sum uint32
	for i := 0; i+1 < len(h); i += 2 {
		if i != 10 {
			sum += uint32(binary.BigEndian.Uint16(h[i:]))
		}
	}
	for sum > 0xFFFF {
		sum = sum>>16 + sum&0xFFFF
	}
	return ^uint16(sum)
}

// WriteIPv4 writes datagrams, one packet each, to a new pcap file of link
// type LINKTYPE_IPV4 (228: the packet starts with the IPv4 header) in a
// directory from tb.TempDir, and returns its path. Packet i (from 0) is
// stamped 2001-09-09 01:46:40 UTC + i ms. Any I/O error fails the test.
func WriteIPv4(tb testing.TB, datagrams [][]byte) string {
	tb.Helper()
	return writePcap(tb, "ipv4.pcap", layers.LinkTypeIPv4, datagrams)
}

// writePcap writes packets, one record each, to a new pcap file name of
// link type link in a directory from tb.TempDir, stamped as WriteIPv4
// says, and returns its path.
func writePcap(tb testing.TB, name string, link layers.LinkType, packets [][]byte) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), name)
	f, err := os.Create(path)
	if err != nil {
		tb.Fatalf("tsharktest: %v", err)
	}
	defer f.Close()
	w := pcapgo.NewWriter(f)
	if err := w.WriteFileHeader(snapLen, link); err != nil {
		tb.Fatalf("tsharktest: %s: %v", path, err)
	}
	for i, d := range packets {
		ci := gopacket.CaptureInfo{
			Timestamp:     epoch.Add(time.Duration(i) * time.Millisecond),
			CaptureLength: len(d),
			Length:        len(d),
		}
		if err := w.WritePacket(ci, d); err != nil {
			tb.Fatalf("tsharktest: %s: packet %d: %v", path, i+1, err)
		}
	}
	if err := f.Close(); err != nil {
		tb.Fatalf("tsharktest: %s: %v", path, err)
	}
	return path
}

// countPackets is the number of packets in a pcap or pcapng file.
func countPackets(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var next func() error
	if r, err := pcapgo.NewReader(f); err == nil {
		next = func() error { _, _, err := r.ReadPacketData(); return err }
	} else {
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		ng, ngErr := pcapgo.NewNgReader(f, pcapgo.DefaultNgReaderOptions)
		if ngErr != nil {
			return 0, errors.Join(err, ngErr)
		}
		next = func() error { _, _, err := ng.ReadPacketData(); return err }
	}
	n := 0
	for {
		switch err := next(); {
		case err == nil:
			n++
		case errors.Is(err, io.EOF):
			return n, nil
		default:
			return n, err
		}
	}
}
