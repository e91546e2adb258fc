// Command gencap writes a pcap of N labelled IPv4/UDP datagrams on
// Ethernet, for timing whole-process dumpers (bench/dump-throughput):
//
//	gencap -n 1000000 -o labels.pcap
//
// The datagrams cycle through the benchmark cases of package bench
// (cipso-max, cipso-enum, multi, nsid), an RFC 1108 BSO, a datagram
// without options, and one whose CIPSO option Linux refuses (DOI 0, which
// the CIPSO draft §3.3 reserves and no DOI configuration can hold, so
// cipso_v4_validate in net/ipv4/cipso_ipv4.c drops it), with IDs and
// ports varying from packet to packet.
package main

import (
	"bufio"
	"encoding/binary"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"

	"github.com/iplabel/iplabel/bench"
)

func main() {
	n := flag.Int("n", 1000000, "number of packets")
	out := flag.String("o", "labels.pcap", "output file")
	flag.Parse()
	if err := run(*n, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gencap:", err)
		os.Exit(1)
	}
}

// templates are the IPv4 datagrams the capture cycles through.
func templates() [][]byte {
	var t [][]byte
	for _, c := range bench.Cases {
		t = append(t, c.Labeled)
	}
	payload := bench.Cases[0].Labeled[len(bench.Cases[0].Labeled)-16:]
	t = append(t,
		bench.BuildPacket([]byte{0x82, 0x04, 0x5A, 0x80}, payload), // BSO secret, GENSER
		bench.BuildPacket(nil, payload),
		bench.BuildPacket([]byte{0x86, 0x0A, 0, 0, 0, 0, 0x01, 0x04, 0x00, 0x05, 0, 0}, payload), // DOI 0
	)
	return t
}

func run(n int, path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(f, 1<<20)
	w := pcapgo.NewWriter(bw)
	if err := w.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return err
	}
	tpl := templates()
	frame := make([]byte, 14+100)
	copy(frame, []byte{0x02, 0, 0, 0, 0, 2, 0x02, 0, 0, 0, 0, 1, 0x08, 0x00})
	t0 := time.Unix(1_700_000_000, 0)
	for i := range n {
		ip := tpl[i%len(tpl)]
		fr := frame[:14+len(ip)]
		copy(fr[14:], ip)
		h := fr[14:]
		hl := int(h[0]&0x0f) * 4
		// Vary the ID and the UDP source port; refresh the checksum.
		binary.BigEndian.PutUint16(h[4:], uint16(i))
		binary.BigEndian.PutUint16(h[hl:], uint16(1024+i%50000))
		binary.BigEndian.PutUint16(h[10:], bench.Checksum(h[:hl]))
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * time.Microsecond), CaptureLength: len(fr), Length: len(fr)}
		if err := w.WritePacket(ci, fr); err != nil {
			return err
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return f.Close()
}
