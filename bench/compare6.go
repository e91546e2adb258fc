package bench

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// Impl6 is one library's way of doing an IPv6 operation.
type Impl6 struct {
	Name string
	// Setup prepares a Bench for c: reusable state is made here, once.
	Setup func(c *Case6) Bench
}

// Op6 is one IPv6 operation and the libraries that can do it.
type Op6 struct {
	Name  string
	Doc   string
	Impls []Impl6
}

// Ops6 are the IPv6 operations, in benchmark order
// (BenchmarkCompareIPv6/<op>/<case>/<impl>). gopacket is used the fastest
// way it publishes: DecodeFromBytes on a layer allocated once (what a
// DecodingLayerParser calls), with no feedback.
var Ops6 = []Op6{
	{
		Name: "hbh",
		Doc:  "frame the Hop-by-Hop header into its options and find the CALIPSO one (iplabel: ParseExtHeader and the option iterator; gopacket: IPv6HopByHop.DecodeFromBytes, then a search of its option list)",
		Impls: []Impl6{
			{"iplabel", hbhIplabel},
			{"gopacket", hbhGopacket},
		},
	},
	{
		Name: "decode",
		Doc:  "header + Hop-by-Hop header + label (iplabel: ParseHeader, ParseExtHeader, Find, calipso.ParseOption, DOI and Label, payload slice); gopacket, which has no CALIPSO decoder: IPv6.DecodeFromBytes (which decodes the Hop-by-Hop header too) and a search of the option list for type 7",
		Impls: []Impl6{
			{"iplabel", decode6Iplabel},
			{"gopacket", decode6Gopacket},
		},
	},
	{
		Name: "validate",
		Doc:  "accept or refuse the packet as Linux's receive path does (iplabel: ipv6.Linux.CheckPacket, ip6_parse_tlv with calipso_validate: checksum and DOI 16 configured); gopacket's only checks are those of IPv6.DecodeFromBytes (it verifies no CALIPSO checksum)",
		Impls: []Impl6{
			{"iplabel", validate6Iplabel},
			{"gopacket", decode6Gopacket},
		},
	},
}

var errOptions = errors.New("bench: wrong option count")

func checkOption(got, want []byte) error {
	if !bytes.Equal(got, want) {
		return fmt.Errorf("option % x, want % x", got, want)
	}
	return nil
}

func hbhIplabel(c *Case6) Bench {
	var st struct {
		opt []byte
		n   int
	}
	return Bench{
		Run: func() error {
			h, err := ipv6.ParseExtHeader(c.HopByHop)
			if err != nil {
				return err
			}
			st.opt, st.n = nil, 0
			it := ipv6.NewIter(h)
			for it.Next() {
				st.n++
				if o := it.Option(); o.Type == calipso.Type && st.opt == nil {
					st.opt = o.Bytes
				}
			}
			if err := it.Err(); err != nil {
				return err
			}
			if st.opt == nil {
				return errNoLabel
			}
			return nil
		},
		Check: func() error {
			if st.n != c.Options {
				return errOptions
			}
			return checkOption(st.opt, c.Option)
		},
	}
}

func hbhGopacket(c *Case6) Bench {
	var hbh layers.IPv6HopByHop
	var data []byte
	return Bench{
		Run: func() error {
			if err := hbh.DecodeFromBytes(c.HopByHop, gopacket.NilDecodeFeedback); err != nil {
				return err
			}
			data = nil
			for _, o := range hbh.Options {
				if o.OptionType == calipso.Type {
					data = o.OptionData
					break
				}
			}
			if data == nil {
				return errNoLabel
			}
			return nil
		},
		Check: func() error {
			if len(hbh.Options) != c.Options {
				return errOptions
			}
			return checkOption(data, c.Option[2:])
		},
	}
}

func decode6Iplabel(c *Case6) Bench {
	pkt := c.Packet
	var st struct {
		doi     uint32
		label   cipso.Label
		payload []byte
	}
	return Bench{
		Run: func() error {
			h, err := ipv6.ParseHeader(pkt)
			if err != nil {
				return err
			}
			hbh, err := ipv6.ParseExtHeader(pkt[ipv6.HeaderLen:])
			if err != nil {
				return err
			}
			o, ok := ipv6.Find(hbh, calipso.Type)
			if !ok {
				return errNoLabel
			}
			opt, err := calipso.ParseOption(o.Bytes)
			if err != nil {
				return err
			}
			st.doi = opt.DOI()
			if st.label, err = opt.Label(); err != nil {
				return err
			}
			end := ipv6.HeaderLen + h.PayloadLen()
			if end > len(pkt) {
				return errTruncated
			}
			st.payload = pkt[ipv6.HeaderLen+len(hbh) : end]
			return nil
		},
		Check: func() error {
			if st.doi != c.DOI || st.label.Level != c.Label.Level || !st.label.Cats.Equal(&c.Label.Cats) {
				return errWrongLabel
			}
			return checkPayload(st.payload)
		},
	}
}

func decode6Gopacket(c *Case6) Bench {
	pkt := c.Packet
	var ip6 layers.IPv6
	var data []byte
	return Bench{
		Run: func() error {
			if err := ip6.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback); err != nil {
				return err
			}
			if ip6.HopByHop == nil {
				return errNoLabel
			}
			data = nil
			for _, o := range ip6.HopByHop.Options {
				if o.OptionType == calipso.Type {
					data = o.OptionData
					break
				}
			}
			if data == nil {
				return errNoLabel
			}
			return nil
		},
		Check: func() error {
			if err := checkOption(data, c.Option[2:]); err != nil {
				return err
			}
			return checkPayload(ip6.Payload)
		},
	}
}

func validate6Iplabel(c *Case6) Bench {
	reg, err := calipso.NewRegistry(DOIs6...)
	if err != nil {
		panic(err)
	}
	walk := ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}
	pkt := c.Packet
	return Bench{
		Run:   func() error { return walk.CheckPacket(pkt) },
		Check: func() error { return nil }, // Run's nil is the verdict
	}
}
