package calipso_test

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// FuzzOption: framing and validation never panic; Strict accepts nothing
// Linux refuses; an option that frames
// decodes, and one whose label decodes re-encodes to a valid option with
// the same label.
func FuzzOption(f *testing.F) {
	for _, s := range []string{"s0", "s3:c0,c9", "s255:c1951"} {
		var l = label(f, s)
		b, _ := calipso.AppendOption(nil, 2, 16, l)
		f.Add(b)
	}
	f.Add([]byte{7, 7, 0, 0, 0, 16, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := calipso.NewRegistry(16)
		err := calipso.NewLinux(r).CheckOption(b)
		if (calipso.Strict{DOIs: r}).CheckOption(b) == nil && err != nil {
			t.Fatalf("strict accepts what Linux refuses: %v", err)
		}
		o, perr := calipso.ParseOption(b)
		if perr != nil {
			if err == nil {
				t.Fatal("valid but does not frame")
			}
			return
		}
		if err == nil && !o.ChecksumOK() {
			t.Fatal("valid with a bad checksum")
		}
		l, lerr := o.Label()
		if lerr != nil || o.DOI() == 0 {
			return
		}
		e, err := calipso.AppendOption(nil, 2, o.DOI(), &l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := calipso.ParseOption(e)
		if err != nil || !back.ChecksumOK() {
			t.Fatalf("re-encoded option %x: %v", e, err)
		}
		l2, err := back.Label()
		if err != nil || !l2.Equal(&l) {
			t.Fatalf("label %v became %v", l, l2)
		}
	})
}

// FuzzPacketRewrite: SetOption and RemoveOption never panic on any packet
// and leave the buffer as it was when they fail. A packet that takes the
// label carries it at 4n+2; removing it and setting it again gives the
// same packet (unless the removal took a header that held only padding
// with it, or the label sat before other options); a packet that had no Hop-by-Hop header comes back byte for
// byte.
func FuzzPacketRewrite(f *testing.F) {
	f.Add(packetWith(nil), uint8(3), uint16(5), uint8(64), uint8(0))
	f.Add(packetWith(hbhOf([]uint8{0, 1, 2})), uint8(0), uint16(1951), uint8(8), uint8(255))
	f.Add(packetWith(hbhOf([]uint8{5})), uint8(255), uint16(300), uint8(0), uint8(64))
	s, _ := calipso.AppendHopByHop(nil, 17, 16, label(f, "s1:c2"))
	f.Add(packet6(0, s, udp8), uint8(1), uint16(0), uint8(32), uint8(0))
	f.Fuzz(func(t *testing.T, pkt []byte, level uint8, cat uint16, head, tail uint8) {
		var l cipso.Label
		l.Level = uint32(level)
		_ = l.Cats.Add(uint32(cat) % (calipso.MaxCategory + 1))
		buf := make([]byte, int(head)+len(pkt)+int(tail))
		copy(buf[head:], pkt)
		p, err := ipopt.FromBytes(buf, int(head), len(pkt))
		if err != nil {
			t.Fatal(err)
		}
		before := bytes.Clone(buf)
		if err := calipso.RemoveOption(&p); err != nil {
			if !bytes.Equal(before, buf) || p.Headroom() != int(head) || p.Len() != len(pkt) {
				t.Fatalf("RemoveOption failed (%v) and changed the packet", err)
			}
		}
		p, _ = ipopt.FromBytes(buf, int(head), len(pkt))
		copy(buf, before)
		_, hadHBH, _ := ipv6.FindHopByHop(pkt)
		if err := calipso.SetLabel(&p, 16, &l); err != nil {
			if !bytes.Equal(before, buf) || p.Headroom() != int(head) || p.Len() != len(pkt) {
				t.Fatalf("SetLabel failed (%v) and changed the packet", err)
			}
			return
		}
		set := bytes.Clone(p.Bytes())
		hdr, found, err := ipv6.FindHopByHop(set)
		if err != nil || !found {
			t.Fatalf("labelled packet %x: %v", set, err)
		}
		o, ok := ipv6.Find(hdr, calipso.Type)
		if !ok {
			t.Fatal("no option")
		}
		opt, err := calipso.ParseOption(o.Bytes)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := opt.Label(); err != nil || !got.Equal(&l) || o.Offset%4 != 2 {
			t.Fatalf("label %v at %d, want %v", got, o.Offset, l)
		}
		if err := calipso.RemoveOption(&p); err != nil {
			t.Fatal(err)
		}
		if !hadHBH && !bytes.Equal(p.Bytes(), pkt) {
			t.Fatalf("insert then remove: %x, want %x", p.Bytes(), pkt)
		}
		if removedAll := len(set)-p.Len() == len(hdr); hadHBH && removedAll || !lastOption(hdr, o.Offset) {
			// A header of padding alone went with the label, or the label
			// sat before other options, where setting it again does not
			// put it (it goes after the last one; RULES.md §7).
			return
		}
		if err := calipso.SetLabel(&p, 16, &l); err != nil || !bytes.Equal(p.Bytes(), set) {
			t.Fatalf("set, remove, set: %x (%v), want %x", p.Bytes(), err, set)
		}
	})
}

// lastOption reports whether only padding follows the option at off.
func lastOption(hdr []byte, off int) bool {
	it := ipv6.NewIter(hdr)
	for it.Next() {
		if o := it.Option(); o.Offset > off && o.Type != ipv6.Pad1 && o.Type != ipv6.PadN {
			return false
		}
	}
	return true
}
