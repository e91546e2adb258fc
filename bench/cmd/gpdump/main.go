// Command gpdump is the minimal gopacket dumper bench/dump-throughput
// times against iplabel dump and tshark: it reads a pcap with pcapgo and
// decodes each frame with a DecodingLayerParser (Ethernet, IPv4, UDP,
// payload; layers reused, the fastest gopacket path), then prints one line
// per packet: number, addresses, protocol, and each IPv4 option's type and
// length with the CIPSO option in hex. gopacket has no label decoder, so
// this is the floor of what a gopacket tool does per packet.
//
//	gpdump labels.pcap
package main

import (
	"bufio"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gpdump FILE")
		os.Exit(2)
	}
	if err := run(os.Args[1], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "gpdump:", err)
		os.Exit(1)
	}
}

func run(path string, out io.Writer) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := pcapgo.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return err
	}
	var (
		eth     layers.Ethernet
		ip      layers.IPv4
		udp     layers.UDP
		payload gopacket.Payload
	)
	p := gopacket.NewDecodingLayerParser(layers.LayerTypeEthernet, &eth, &ip, &udp, &payload)
	p.IgnoreUnsupported = true
	decoded := make([]gopacket.LayerType, 0, 4)
	w := bufio.NewWriterSize(out, 1<<16)
	var line []byte
	for n := 1; ; n++ {
		data, _, err := r.ZeroCopyReadPacketData()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		line = strconv.AppendInt(line[:0], int64(n), 10)
		if err := p.DecodeLayers(data, &decoded); err != nil {
			line = append(line, " undecodable: "...)
			line = append(line, err.Error()...)
		}
		for _, t := range decoded {
			if t != layers.LayerTypeIPv4 {
				continue
			}
			line = append(line, ' ')
			line = append(line, ip.SrcIP.String()...)
			line = append(line, " > "...)
			line = append(line, ip.DstIP.String()...)
			line = append(line, " proto "...)
			line = strconv.AppendInt(line, int64(ip.Protocol), 10)
			for _, o := range ip.Options {
				line = append(line, " opt "...)
				line = strconv.AppendInt(line, int64(o.OptionType), 10)
				line = append(line, '/')
				line = strconv.AppendInt(line, int64(o.OptionLength), 10)
				if o.OptionType == 134 {
					line = append(line, ' ')
					line = hex.AppendEncode(line, o.OptionData)
				}
			}
		}
		line = append(line, '\n')
		if _, err := w.Write(line); err != nil {
			return err
		}
	}
	return w.Flush()
}
