//go:build linux

// Command socketlabel labels a UDP socket with a CIPSO option through
// setsockopt(IP_OPTIONS) and reads the options of the datagrams it
// receives through IP_RECVOPTS, on Linux.
//
// By default it runs both ends on loopback: a receiver on 127.0.0.1 with
// IP_RECVOPTS, a sender whose socket carries the label, one datagram from
// one to the other, and a line saying what label arrived:
//
//	socketlabel -doi-config doi.conf -doi 16 -level 3 -categories 0,5
//	socketlabel -listen 127.0.0.1:4000 -count 3          # receive only
//	socketlabel -to 127.0.0.1:4000 -doi 16 -level 3       # send only
//
// The kernel checks the label when it is set (ip_options_get: the option
// walk with cipso_v4_validate, no skb): the DOI must be configured with
// netlabelctl ("netlabelctl cipsov4 add pass doi:16 tags:1,2,5"), and
// setting a CIPSO option needs CAP_NET_RAW. The local tag 128 cannot be
// set this way: cipso_v4_validate (net/ipv4/cipso_ipv4.c) accepts it only
// on a packet received on loopback. -doi-config names the same DOIs in
// netlabelctl syntax so that the label can be encoded (tag choice,
// translation) and the received one decoded; without it the DOI is
// pass-through with tags 1, 2, 5.
//
// The socket options Go's net package does not offer come from package
// ipopt/sockopt: SetOptions (IP_OPTIONS), SetRecvOptions (IP_RECVOPTS) and
// ReadMsgUDP, which parses the options out of the control messages.
package main

import (
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/sockopt"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run is the program; it returns the exit status (0, or 2 with a
// one-line message on stderr).
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("socketlabel", flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax")
	doi := fs.Uint("doi", 0, "CIPSO DOI of the label")
	level := fs.Uint("level", 0, "sensitivity level")
	cats := fs.String("categories", "", "categories: 0,5,10-20")
	listen := fs.String("listen", "", "receive only, on this address")
	to := fs.String("to", "", "send only, to this address")
	count := fs.Int("count", 1, "datagrams to send or receive")
	msg := fs.String("message", "labeled hello", "datagram payload")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for a datagram")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	fail := func(err error) int {
		fmt.Fprintf(stderr, "socketlabel: %s\n", strings.Join(strings.Fields(err.Error()), " "))
		return 2
	}
	reg := &cipso.Registry{}
	if *cfg != "" {
		f, err := os.Open(*cfg)
		if err != nil {
			return fail(err)
		}
		reg, err = cipso.ParseConfig(f)
		f.Close()
		if err != nil {
			return fail(fmt.Errorf("%s: %w", *cfg, err))
		}
	}
	var label []byte
	if *listen == "" {
		var err error
		if label, err = encodeLabel(reg, *cfg != "", cipso.DOI(*doi), uint32(*level), *cats); err != nil {
			return fail(err)
		}
	}
	switch {
	case *listen != "":
		rc, err := receiver(*listen)
		if err != nil {
			return fail(err)
		}
		defer rc.Close()
		for range *count {
			if err := receiveOne(rc, reg, *timeout, stdout); err != nil {
				return fail(err)
			}
		}
	case *to != "":
		addr, err := net.ResolveUDPAddr("udp4", *to)
		if err != nil {
			return fail(err)
		}
		sc, err := labeledSender(label)
		if err != nil {
			return fail(err)
		}
		defer sc.Close()
		for range *count {
			if _, err := sc.WriteToUDP([]byte(*msg), addr); err != nil {
				return fail(err)
			}
		}
		fmt.Fprintf(stdout, "sent %d datagram(s) to %s labeled % x\n", *count, addr, label)
	default:
		rc, err := receiver("127.0.0.1:0")
		if err != nil {
			return fail(err)
		}
		defer rc.Close()
		sc, err := labeledSender(label)
		if err != nil {
			return fail(err)
		}
		defer sc.Close()
		for range *count {
			if _, err := sc.WriteToUDP([]byte(*msg), rc.LocalAddr().(*net.UDPAddr)); err != nil {
				return fail(err)
			}
			if err := receiveOne(rc, reg, *timeout, stdout); err != nil {
				return fail(err)
			}
		}
	}
	return 0
}

// encodeLabel builds the CIPSO option for doi, level and categories the
// way Linux generates it (cipso.Domain.AppendOption: the DOI's tags in
// order, the first that fits), padded with EOL to a multiple of 4.
func encodeLabel(reg *cipso.Registry, haveConfig bool, doi cipso.DOI, level uint32, cats string) ([]byte, error) {
	if doi == 0 {
		return nil, fmt.Errorf("-doi: a DOI other than 0 is needed")
	}
	d := reg.Lookup(doi)
	if d == nil && haveConfig {
		return nil, fmt.Errorf("DOI %d is not in -doi-config", doi)
	}
	if d == nil {
		var err error
		if d, err = cipso.NewPass(doi, cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange); err != nil {
			return nil, err
		}
	}
	l := cipso.Label{Level: level}
	if cats != "" {
		for _, item := range strings.Split(cats, ",") {
			lo, hi, _ := strings.Cut(item, "-")
			if hi == "" {
				hi = lo
			}
			a, err1 := strconv.ParseUint(lo, 10, 32)
			b, err2 := strconv.ParseUint(hi, 10, 32)
			if err1 != nil || err2 != nil || a > b {
				return nil, fmt.Errorf("-categories %q: bad item %q", cats, item)
			}
			if err := l.Cats.AddRange(uint32(a), uint32(b)); err != nil {
				return nil, err
			}
		}
	}
	opt, err := d.AppendOption(nil, &l, cipso.Format{})
	if err != nil {
		return nil, fmt.Errorf("label does not fit DOI %d: %w", doi, err)
	}
	for len(opt)%4 != 0 {
		opt = append(opt, byte(ipopt.EOL))
	}
	return opt, nil
}

func receiver(addr string) (*net.UDPConn, error) {
	a, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		return nil, err
	}
	c, err := net.ListenUDP("udp4", a)
	if err != nil {
		return nil, err
	}
	if err := sockopt.SetRecvOptions(c, true); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

func labeledSender(label []byte) (*net.UDPConn, error) {
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		return nil, err
	}
	if err := sockopt.SetOptions(c, label); err != nil {
		c.Close()
		return nil, fmt.Errorf("label % x: %w", label, err)
	}
	return c, nil
}

// receiveOne reads a datagram and prints its sender, its options and the
// label they carry.
func receiveOne(c *net.UDPConn, reg *cipso.Registry, timeout time.Duration, w io.Writer) error {
	buf := make([]byte, 64<<10)
	oob := make([]byte, sockopt.ControlLen)
	if err := c.SetReadDeadline(time.Now().Add(timeout)); err != nil {
		return err
	}
	n, from, m, err := sockopt.ReadMsgUDP(c, buf, oob)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "received %d octets from %s, options [% x]: %s\n", n, from, m.Options, Describe(m.Options, reg))
	return nil
}

// Describe says in words what label an options field carries, decoded
// with the DOIs of reg where the label's DOI is there (host values of a
// trans DOI), else as on the wire.
func Describe(opts []byte, reg *cipso.Registry) string {
	o, ok, _ := ipopt.Find(opts, ipopt.CIPSO)
	if !ok {
		return "no CIPSO label"
	}
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return "bad CIPSO option: " + err.Error()
	}
	var l cipso.Label
	how := "on the wire"
	if d := reg.Lookup(opt.DOI()); d != nil {
		if d.Type() == cipso.MapLocal {
			return "CIPSO DOI " + opt.DOI().String() + ", a local label"
		}
		err, how = d.Decode(opt, &l), "host values"
	} else {
		err = opt.Label(&l)
	}
	if err != nil {
		return "CIPSO DOI " + opt.DOI().String() + ": " + err.Error()
	}
	return "CIPSO DOI " + opt.DOI().String() + ", label " + l.String() + " (" + how + ")"
}
