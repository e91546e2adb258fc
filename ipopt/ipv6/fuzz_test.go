package ipv6_test

import (
	"testing"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// FuzzLinux: the walk never panics, its errors have positions inside the
// header, and only ICMP-answered errors have an answer with pointer =
// offset + 40.
func FuzzLinux(f *testing.F) {
	f.Add(hbh(1, 4, 0, 0, 0, 0), false)
	f.Add(hbh(0xde, 4, 0, 0, 0, 0), true)
	f.Add(hbh(7, 8, 0, 0, 0, 1, 0, 0, 0, 0, 1, 2, 0, 0), false)
	f.Add(hbh(0xc2, 4, 0, 1, 0, 0), false)
	f.Fuzz(func(t *testing.T, hdr []byte, multicast bool) {
		var l ipv6.Linux
		err := l.CheckHopByHop(hdr, ipv6.Packet{Multicast: multicast, PayloadLen: len(hdr), Len: len(hdr)})
		if err == nil {
			return
		}
		off, ptr := testutil.Position(t, err)
		if off < 0 || off >= max(len(hdr), 2) || ptr != off+40 {
			t.Fatalf("%v: offset %d pointer %d for %d octets", err, off, ptr, len(hdr))
		}
		if _, p, ok := ipv6.ICMP(err); ok && int(p) != ptr {
			t.Fatalf("ICMP pointer %d, error pointer %d", p, ptr)
		}
		it := ipv6.NewIter(hdr)
		for it.Next() {
		}
	})
}
