package linuxtest

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// suppressOpts is the options field of every datagram below: an RR of
// length 1, which the walk refuses with pointer 20 and whose Parameter
// Problem can always be echoed.
var suppressOpts = []byte{byte(ipopt.RR), 1, 0, 0}

// suppressCases are the reasons of ipopt.ICMPErrorSuppressed (ipopt
// RULES.md §4) and their neighbours on the other side, each a datagram
// from 127.0.0.1 to 127.0.0.1 carrying suppressOpts with one header field
// changed. compiled says whether the option walk sees the datagram at all
// (InHdrErrors counts its refusal): false for the martians routing drops
// first. The unchanged datagram is the control: same options, unicast
// UDP, first fragment, answered.
var suppressCases = []struct {
	name     string
	edit     func(ipopt.Header)
	compiled bool
}{
	{"control: unicast UDP, first fragment", func(ipopt.Header) {}, true},
	{"control: MF, offset 0", frag(0x2000), true},
	{"control: DF", frag(0x4000), true},
	{"control: the reserved flag", frag(0x8000), true},
	{"non-first fragment, offset 8", frag(0x0001), true},
	{"non-first fragment, offset 8, MF", frag(0x2001), true},
	{"last fragment, largest offset", frag(0x1fff), true},

	{"destination 224.0.0.1 (all hosts: joined)", dst("224.0.0.1"), true},
	{"destination 239.1.1.1 (not joined: no route)", dst("239.1.1.1"), false},
	{"destination 255.255.255.255", dst("255.255.255.255"), true},
	{"control: destination 223.255.255.255 (not local: no route, answered)", dst("223.255.255.255"), true},
	{"control: destination 240.0.0.1", dst("240.0.0.1"), true},
	{"control: destination 255.255.255.254", dst("255.255.255.254"), true},
	{"control: destination 127.0.0.2", dst("127.0.0.2"), true},
	{"destination 0.0.0.0: martian", dst("0.0.0.0"), false},
	{"control: destination 0.0.0.1", dst("0.0.0.1"), true},

	{"source 0.0.0.0: martian", src("0.0.0.0"), false},
	{"source 0.0.0.0 to 0.0.0.0: broadcast", func(h ipopt.Header) { src("0.0.0.0")(h); dst("0.0.0.0")(h) }, true},
	{"source 0.0.0.0 to 255.255.255.255: broadcast", func(h ipopt.Header) { src("0.0.0.0")(h); dst("255.255.255.255")(h) }, true},
	{"source 0.0.0.0 to 224.0.0.1: multicast", func(h ipopt.Header) { src("0.0.0.0")(h); dst("224.0.0.1")(h) }, true},
	{"control: source 0.0.0.1", src("0.0.0.1"), true},
	{"control: source 0.1.2.3", src("0.1.2.3"), true},
	{"source 224.0.0.1: martian", src("224.0.0.1"), false},
	{"source 239.255.255.255: martian", src("239.255.255.255"), false},
	{"source 255.255.255.255: martian", src("255.255.255.255"), false},
	{"control: source 240.0.0.1", src("240.0.0.1"), true},
	{"control: source 255.255.255.254", src("255.255.255.254"), true},
	{"control: source 10.0.0.1", src("10.0.0.1"), true},

	{"control: ICMP echo reply", icmp(0), true},
	{"ICMP 3, destination unreachable", icmp(3), true},
	{"ICMP 6, an error in icmp_pointers", icmp(6), true},
	{"control: ICMP 8, echo", icmp(8), true},
	{"ICMP 9, an error in icmp_pointers", icmp(9), true},
	{"ICMP 12, parameter problem", icmp(12), true},
	{"control: ICMP 13, timestamp", icmp(13), true},
	{"control: ICMP 18, address mask reply", icmp(18), true},
	{"ICMP 19, above NR_ICMP_TYPES", icmp(19), true},
	{"ICMP 255", icmp(255), true},
	{"ICMP without a type octet", func(h ipopt.Header) {
		putProtocol(h, 1)
		putTotalLen(h, h.HeaderLen())
	}, true},
	{"ICMP without a type octet, an echo in the octets past the total length", func(h ipopt.Header) {
		icmp(8)(h)
		putTotalLen(h, h.HeaderLen())
	}, true},
	{"control: UDP without payload", func(h ipopt.Header) { putTotalLen(h, h.HeaderLen()) }, true},
	{"ICMP echo, non-first fragment", func(h ipopt.Header) { icmp(8)(h); putFlagsFragment(h, 1) }, true},
}

// The cases change single header fields of Namespace.Datagram's header
// in place, at their RFC 791 §3.1 octets; edited sets the checksum.
func putTotalLen(h ipopt.Header, n int)             { binary.BigEndian.PutUint16(h[2:], uint16(n)) }
func putFlagsFragment(h ipopt.Header, v uint16)     { binary.BigEndian.PutUint16(h[6:], v) }
func putProtocol(h ipopt.Header, v uint8)           { h[9] = v }
func putAddr(h ipopt.Header, off int, a netip.Addr) { a4 := a.As4(); copy(h[off:off+4], a4[:]) }

func frag(v uint16) func(ipopt.Header) { return func(h ipopt.Header) { putFlagsFragment(h, v) } }

func src(a string) func(ipopt.Header) {
	return func(h ipopt.Header) { putAddr(h, 12, netip.MustParseAddr(a)) }
}

func dst(a string) func(ipopt.Header) {
	return func(h ipopt.Header) { putAddr(h, 16, netip.MustParseAddr(a)) }
}

// icmp makes the datagram ICMP with type t (the first octet of what was
// the UDP header).
func icmp(t byte) func(ipopt.Header) {
	return func(h ipopt.Header) {
		putProtocol(h, 1)
		h[:cap(h)][h.HeaderLen()] = t
	}
}

// edited is ns.Datagram(opts) changed by edit, with its checksum set, as
// VerdictDatagrams injects it (but for the identification).
func edited(ns *Namespace, opts []byte, edit func(ipopt.Header)) []byte {
	d := ns.Datagram(opts)
	h := ipopt.Header(d[:20+len(opts)])
	edit(h)
	h.SetChecksum()
	return d
}

// wantDatagram is what ipopt predicts for a received datagram whose
// options Linux refuses: the Parameter Problem, or nothing when the echo
// fails (Compiled.Silent) or ICMPErrorSuppressed says so.
func wantDatagram(d []byte) string {
	h, err := ipopt.ParseHeader(d)
	if err != nil {
		return "dropped"
	}
	c, err := (&ipopt.Linux{}).Compile(h.Options())
	var e ipopt.Error
	switch {
	case !errors.As(err, &e):
		return "not refused: " + fmt.Sprint(err)
	case c.Silent || ipopt.ICMPErrorSuppressed(d):
		return "dropped"
	}
	return "parameter problem, pointer " + strconv.Itoa(e.Pointer())
}

// inHdrErrors reads the namespace's Ip InHdrErrors counter
// (/proc/net/snmp), which ip_rcv_options raises when the walk refuses a
// datagram's options.
func inHdrErrors(t *testing.T, ns *Namespace) int {
	t.Helper()
	n := -1
	require.NoError(t, ns.Do(func() error {
		b, err := os.ReadFile("/proc/thread-self/net/snmp")
		if err != nil {
			return err
		}
		lines := strings.Split(string(b), "\n")
		if len(lines) < 2 {
			return errors.New("short /proc/net/snmp")
		}
		names, values := strings.Fields(lines[0]), strings.Fields(lines[1])
		for i, f := range names {
			if f == "InHdrErrors" && i < len(values) && names[0] == "Ip:" {
				n, err = strconv.Atoi(values[i])
				return err
			}
		}
		return errors.New("no Ip InHdrErrors in /proc/net/snmp")
	}))
	return n
}

// TestSuppressedKernel injects every case of suppressCases, one at a time,
// on both devices: the kernel must answer with the Parameter Problem
// exactly when ipopt.ICMPErrorSuppressed says it is not suppressed, and
// raise InHdrErrors exactly when the case says the walk sees it.
func TestSuppressedKernel(t *testing.T) {
	ns := ForTest(t)
	for _, in := range []Ingress{Loopback, Ethernet} {
		t.Run(in.String(), func(t *testing.T) {
			require.NoError(t, ns.SetIngress(in))
			for _, c := range suppressCases {
				d := edited(ns, suppressOpts, c.edit)
				before := inHdrErrors(t, ns)
				got, err := ns.VerdictDatagrams([][]byte{d})
				require.NoError(t, err)
				assert.Equal(t, wantDatagram(d), got[0].String(), "%s: % x", c.name, d)
				assert.Equal(t, strings.HasPrefix(c.name, "control"), got[0].Outcome == ParameterProblem, "%s: only the controls are answered", c.name)
				raised := inHdrErrors(t, ns) - before
				assert.Equal(t, c.compiled, raised == 1, "%s: InHdrErrors raised by %d", c.name, raised)
			}
		})
	}
}

// TestSuppressedICMPTypes: an ICMP datagram with refused options is
// answered for the 8 types icmp_pointers does not mark as errors (0, 8, 13
// to 18) and for no other of the 256.
func TestSuppressedICMPTypes(t *testing.T) {
	ns := ForTest(t)
	list := make([][]byte, 256)
	for i := range list {
		list[i] = edited(ns, suppressOpts, icmp(byte(i)))
	}
	got, err := ns.VerdictDatagrams(list)
	require.NoError(t, err)
	var answered []int
	for i, d := range list {
		assert.Equal(t, wantDatagram(d), got[i].String(), "ICMP type %d", i)
		if got[i].Outcome == ParameterProblem {
			answered = append(answered, i)
		}
	}
	assert.Equal(t, []int{0, 8, 13, 14, 15, 16, 17, 18}, answered)
}

// suppressAddrs are addresses on both sides of the special ranges of
// routing and __icmp_send.
var suppressAddrs = []string{
	"0.0.0.0", "0.0.0.1", "10.0.0.1", "127.0.0.1", "127.0.0.2", "223.255.255.255",
	"224.0.0.1", "224.0.0.2", "239.255.255.255", "240.0.0.0", "255.255.255.254", "255.255.255.255",
}

// suppressFields are refused options fields, some of whose Parameter
// Problems cannot be echoed (TestEchoKernel).
var suppressFields = [][]byte{
	suppressOpts,
	{0x07, 0x03, 0x04, 0x07, 0x03, 0x04, 0, 0},                               // two RRs: pointer 23
	{0x07, 0x0A, 0x04, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x01},                      // echo fails
	{0x44, 0x0C, 0x05, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x07, 0x01, 0x00, 0x00}, // TS, then pointer 32
	{0x01, 0x01, 0x01, 0x86},                                                 // a type octet last: pointer 23
}

// genSuppressed makes one datagram for TestDifferentialSuppressed: a
// refused field from suppressFields, addresses from suppressAddrs, a
// fragment word with or without an offset, UDP, TCP or ICMP with a type
// near the table's boundaries, and now and then a total length that ends
// at the header (the octets after it stay, as link-layer padding).
func genSuppressed(r *rand.Rand, ns *Namespace) []byte {
	opts := suppressFields[r.IntN(len(suppressFields))]
	opts = testutil.PadEOL(slices.Clip(opts)) // a copy: the table stays as it is
	return edited(ns, opts, func(h ipopt.Header) {
		src(suppressAddrs[r.IntN(len(suppressAddrs))])(h)
		dst(suppressAddrs[r.IntN(len(suppressAddrs))])(h)
		putFlagsFragment(h, []uint16{0, 0, 0x2000, 0x4000, 1, 0x2001, 0x1fff}[r.IntN(7)])
		switch r.IntN(4) {
		case 0:
			putProtocol(h, 6)
		case 1, 2:
			icmp([]byte{0, 1, 3, 7, 8, 9, 12, 13, 18, 19, byte(r.IntN(256))}[r.IntN(11)])(h)
		}
		if r.IntN(8) == 0 {
			putTotalLen(h, h.HeaderLen())
		}
	})
}

// TestDifferentialSuppressed compares the kernel with ipopt on random
// datagrams with refused options: the kernel must send the Parameter
// Problem ipopt.Linux predicts, or nothing exactly when Compiled.Silent or
// ICMPErrorSuppressed says so.
func TestDifferentialSuppressed(t *testing.T) {
	ns := ForTest(t)
	r := rand.New(rand.NewPCG(seed(5), 18))
	list := make([][]byte, differentialCases)
	for i := range list {
		list[i] = genSuppressed(r, ns)
	}
	for _, in := range []Ingress{Loopback, Ethernet} {
		t.Run(in.String(), func(t *testing.T) {
			require.NoError(t, ns.SetIngress(in))
			got, err := ns.VerdictDatagrams(list)
			require.NoError(t, err)
			var ms []mismatch
			problems := 0
			for i, d := range list {
				if got[i].Outcome == ParameterProblem {
					problems++
				}
				if k, w := got[i].String(), wantDatagram(d); k != w {
					ms = append(ms, mismatch{d, k, w})
				}
			}
			t.Logf("%d datagrams: %d parameter problems", len(list), problems)
			report(t, "suppressed", ms)
			assert.Greater(t, problems, len(list)/20, "parameter problems")
			assert.Less(t, problems, len(list)/2, "parameter problems")
		})
	}
}
