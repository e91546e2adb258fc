package fuzz

import (
	"errors"
	"testing"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// doi6Registry holds the CALIPSO DOIs the IPv6 targets configure: 16
// and 17, those of seedVectors6.
var doi6Registry = func() *calipso.Registry {
	r, err := calipso.NewRegistry(16, 17)
	if err != nil {
		panic(err)
	}
	return r
}()

// walks6 are the kernels the IPv6 targets compare, strictest last: no
// NetLabel (every CALIPSO option that frames is accepted), NetLabel with
// DOIs 16 and 17, NetLabel with no CALIPSO DOI.
var walks6 = []ipv6.Linux{
	{},
	{CALIPSO: calipso.NewLinux(doi6Registry)},
	{CALIPSO: calipso.NewLinux(nil)},
}

// packet6 is an IPv6 packet from 2001:db8::1 to 2001:db8::2 (or ff02::1)
// carrying hdr as its Hop-by-Hop header, then 8 octets of UDP header.
func packet6(hdr []byte, multicast bool) []byte {
	p := make([]byte, 40, 40+len(hdr)+8)
	p[0], p[6], p[7] = 0x60, 0, 64
	n := len(hdr) + 8
	p[4], p[5] = byte(n>>8), byte(n)
	copy(p[8:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 1})
	copy(p[24:], []byte{0x20, 0x01, 0x0d, 0xb8, 15: 2})
	if multicast {
		copy(p[24:], []byte{0xff, 0x02, 15: 1})
	}
	p = append(p, hdr...)
	return append(p, make([]byte, 8)...)
}

// checkPosition6 fails unless err is nil or an ipopt.Error pointing
// inside the n-octet header (offset 0..n-1, or 1 for a header under 2
// octets) with the Parameter Problem pointer offset+40.
func checkPosition6(t *testing.T, what string, err error, n int) {
	t.Helper()
	if err == nil {
		return
	}
	if _, ok := ipopt.AsError(err); !ok {
		t.Fatalf("%s: %T %v is not an ipopt.Error", what, err, err)
	}
	off, ptr := testutil.Position(t, err)
	if off < 0 || off >= max(n, 2) || ptr != off+ipv6.HeaderLen {
		t.Fatalf("%s: %v: offset %d, pointer %d, outside the %d-octet header", what, err, off, ptr, n)
	}
}

// FuzzLinuxWalk6 runs arbitrary Hop-by-Hop headers through Linux's
// receive-path walk (ipv6.Linux, ip6_parse_tlv) with calipso's checker
// (calipso.Linux, calipso_validate), to unicast and multicast
// destinations, and checks what must hold across the packages:
//
//   - nothing panics and nothing is written; every failure is an
//     ipopt.Error inside the header with pointer offset+40;
//   - the packet walk (CheckPacket) gives the header walk's verdict;
//   - a kernel with more DOIs accepts more: what NetLabel without DOIs
//     accepts, DOIs 16 and 17 accept, and what those accept the kernel
//     without NetLabel accepts; an accepted header frames (ipv6.NewIter);
//   - a Parameter Problem (ipv6.ICMP) points at what RFC 8200 §4.2 and
//     RFC 2675 say it answers: code 2 at an option type whose action bits
//     are 10, or 11 to a unicast address; code 0 at a Jumbo Payload
//     option or its value, to a unicast address;
//   - every CALIPSO option of a header DOIs 16 and 17 accept frames
//     (calipso.ParseOption), has Linux's checksum, a configured DOI and a
//     label that decodes, and ipv6.Find finds the first;
//   - as a Destination Options header, an accepted header has only
//     padding and options of action 00 (a kernel without Mobile IPv6
//     knows no other).
func FuzzLinuxWalk6(f *testing.F) {
	f.Fuzz(func(t *testing.T, hdr []byte) {
		if len(hdr) > 2048 {
			return
		}
		snap := string(hdr)
		for _, multicast := range []bool{false, true} {
			p := ipv6.Packet{Multicast: multicast, PayloadLen: len(hdr) + 8, Len: len(hdr) + 8}
			var errs [3]error
			for i := range walks6 {
				errs[i] = walks6[i].CheckHopByHop(hdr, p)
				checkPosition6(t, "hop-by-hop", errs[i], len(hdr))
				if whole := len(hdr) >= 8 && len(hdr) == ipv6.ExtLen(hdr[1]); whole {
					perr := walks6[i].CheckPacket(packet6(hdr, multicast))
					if !sameVerdict(errs[i], perr) {
						t.Fatalf("walk %d: %x: header %v, packet %v", i, hdr, errs[i], perr)
					}
				}
				checkICMP6(t, hdr, errs[i], multicast)
			}
			for i := 1; i < len(errs); i++ {
				if errs[i] == nil && errs[i-1] != nil {
					t.Fatalf("%x: walk %d accepts, walk %d refuses: %v", hdr, i, i-1, errs[i-1])
				}
			}
			if errs[1] == nil {
				checkAcceptedCALIPSO(t, hdr)
			}
			derr := walks6[1].CheckDestOptions(hdr, p)
			checkPosition6(t, "destination options", derr, len(hdr))
			checkICMP6(t, hdr, derr, multicast)
			if derr == nil {
				it := ipv6.NewIter(ipv6.ExtHeader(hdr[:ipv6.ExtLen(hdr[1])]))
				for it.Next() {
					if o := it.Option(); o.Type != ipv6.Pad1 && o.Type != ipv6.PadN && ipv6.ActionOf(o.Type) != ipv6.Skip {
						t.Fatalf("%x: Destination Options accepted with option %#x at %d", hdr, o.Type, o.Offset)
					}
				}
			}
		}
		if string(hdr) != snap {
			t.Fatal("the walk wrote to its input")
		}
	})
}

// checkICMP6 checks the Parameter Problem ipv6.ICMP gives for err against
// the octet it points at.
func checkICMP6(t *testing.T, hdr []byte, err error, multicast bool) {
	t.Helper()
	code, ptr, ok := ipv6.ICMP(err)
	if !ok {
		return
	}
	at := int(ptr) - ipv6.HeaderLen
	if at < 2 || at >= len(hdr) {
		t.Fatalf("%x: %v: pointer %d outside the options", hdr, err, ptr)
	}
	switch code {
	case ipv6.CodeUnknownOption:
		a := ipv6.ActionOf(hdr[at])
		if a != ipv6.DiscardICMP && (a != ipv6.DiscardICMPUni || multicast) {
			t.Fatalf("%x: code 2 at %d, option %#x (action %d), multicast %v", hdr, ptr, hdr[at], a, multicast)
		}
	case ipv6.CodeHeaderField:
		if multicast || (hdr[at] != ipv6.Jumbo && (at < 2+2 || hdr[at-2] != ipv6.Jumbo)) {
			t.Fatalf("%x: code 0 at %d, multicast %v", hdr, ptr, multicast)
		}
	default:
		t.Fatalf("%x: %v: code %d", hdr, err, code)
	}
}

// checkAcceptedCALIPSO checks the CALIPSO options of a header the walk
// with DOIs 16 and 17 accepted.
func checkAcceptedCALIPSO(t *testing.T, hdr []byte) {
	t.Helper()
	h, err := ipv6.ParseExtHeader(hdr)
	if err != nil {
		t.Fatalf("%x: accepted, ParseExtHeader: %v", hdr, err)
	}
	it := ipv6.NewIter(h)
	first := -1
	for it.Next() {
		o := it.Option()
		if o.Type != calipso.Type {
			continue
		}
		if first < 0 {
			first = o.Offset
		}
		opt, err := calipso.ParseOption(o.Bytes)
		if err != nil {
			t.Fatalf("%x: accepted, CALIPSO at %d does not frame: %v", hdr, o.Offset, err)
		}
		if !opt.ChecksumOK() || !doi6Registry.Has(opt.DOI()) {
			t.Fatalf("%x: accepted, CALIPSO at %d: checksum %v, DOI %d", hdr, o.Offset, opt.ChecksumOK(), opt.DOI())
		}
		if _, err := opt.Label(); err != nil && !errors.Is(err, cipso.ErrSetFull) {
			t.Fatalf("%x: accepted, CALIPSO at %d: label %v", hdr, o.Offset, err)
		}
	}
	if err := it.Err(); err != nil {
		t.Fatalf("%x: accepted, the iterator fails: %v", hdr, err)
	}
	if o, ok := ipv6.Find(h, calipso.Type); ok != (first >= 0) || (ok && o.Offset != first) {
		t.Fatalf("%x: Find gives %v %d, the iterator %d", hdr, ok, o.Offset, first)
	}
}

// FuzzCALIPSORoundTrip6 encodes a label (level, categories from the
// input's octet pairs) in a DOI after one of a few leading options,
// finishes the Hop-by-Hop header with padding, and checks that Linux's
// walk accepts it with that DOI configured and refuses it silently
// without, that ipv6.Find and calipso decode the same DOI and label, and
// that flipping any bit of the checksum makes the walk refuse it with
// calipso.ErrChecksum.
func FuzzCALIPSORoundTrip6(f *testing.F) {
	f.Add(uint32(16), uint8(3), []byte{0, 0, 0, 5}, uint8(0))
	f.Add(uint32(17), uint8(255), []byte{0x07, 0x9f}, uint8(1))
	f.Add(uint32(0xffffffff), uint8(0), []byte{}, uint8(2))
	f.Add(uint32(1), uint8(7), []byte{0, 1, 0, 40, 0, 99, 1, 0}, uint8(3))
	f.Fuzz(func(t *testing.T, doi uint32, level uint8, cats []byte, before uint8) {
		var l cipso.Label
		l.Level = uint32(level)
		for i := 0; i+1 < len(cats) && i < 64; i += 2 {
			if err := l.Cats.Add((uint32(cats[i])<<8 | uint32(cats[i+1])) % (calipso.MaxCategory + 1)); err != nil {
				return // more runs than a CatSet holds
			}
		}
		b := []byte{17, 0}
		switch before % 4 {
		case 1:
			b = append(b, ipv6.RouterAlert, 2, 0, 0)
		case 2:
			// PadN of 4: the option lands at 6, aligned, so AppendOption
			// adds no padding of its own (which would make one run over
			// the 7 octets Linux allows).
			b = ipv6.AppendPad(b, 4)
		case 3:
			b = append(b, 0x1e, 1, 0)
		}
		b, err := calipso.AppendOption(b, len(b), doi, &l)
		if doi == 0 {
			if err == nil {
				t.Fatal("DOI 0 encoded")
			}
			return
		}
		if err != nil {
			if n, lerr := calipso.OptionLen(&l); lerr == nil && n <= calipso.MaxLen {
				t.Fatalf("AppendOption: %v for a label of %d octets", err, n)
			}
			return
		}
		for len(b)%8 != 0 {
			b = ipv6.AppendPad(b, 8-len(b)%8)
		}
		if len(b) > 2048 {
			return
		}
		b[1] = byte(len(b)/8 - 1)
		reg, _ := calipso.NewRegistry(doi)
		walk := ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}
		p := ipv6.Packet{PayloadLen: len(b) + 8, Len: len(b) + 8}
		if err := walk.CheckHopByHop(b, p); err != nil {
			t.Fatalf("%x: refused with DOI %d configured: %v", b, doi, err)
		}
		other, _ := calipso.NewRegistry(doi ^ 1)
		if doi^1 == 0 {
			other, _ = calipso.NewRegistry(2)
		}
		err = ipv6.Linux{CALIPSO: calipso.NewLinux(other)}.CheckHopByHop(b, p)
		if _, _, answered := ipv6.ICMP(err); err == nil || answered {
			t.Fatalf("%x: without DOI %d: %v, answered %v", b, doi, err, answered)
		}
		o, ok := ipv6.Find(b, calipso.Type)
		if !ok {
			t.Fatalf("%x: no CALIPSO option found", b)
		}
		opt, err := calipso.ParseOption(o.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		got, err := opt.Label()
		if err != nil || opt.DOI() != doi || !got.Equal(&l) {
			t.Fatalf("%x: DOI %d label %v (%v), want %d %v", b, opt.DOI(), got, err, doi, l)
		}
		for bit := range 16 {
			c := append([]byte(nil), b...)
			c[o.Offset+8+bit/8] ^= 1 << (bit % 8)
			if err := walk.CheckHopByHop(c, p); !errors.Is(err, calipso.ErrChecksum) {
				t.Fatalf("%x: checksum bit %d flipped: %v", c, bit, err)
			}
		}
	})
}
