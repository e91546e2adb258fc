package calipso_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// packet6 is an IPv6 packet from 2001:db8::1 to 2001:db8::2: the fixed
// header with its payload length, then the extension headers and the
// upper-layer octets. next is the fixed header's Next Header.
func packet6(next uint8, rest ...[]byte) []byte {
	b := make([]byte, 40)
	b[0], b[6], b[7] = 0x60, next, 64
	b[8], b[9], b[23] = 0x20, 0x01, 1
	b[24], b[25], b[39] = 0x20, 0x01, 2
	for _, r := range rest {
		b = append(b, r...)
	}
	binary.BigEndian.PutUint16(b[4:], uint16(len(b)-40))
	return b
}

// udp8 is an 8-octet upper-layer header the rewrites must keep.
var udp8 = []byte{0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0xab, 0xcd}

// inBuffer puts pkt in a buffer with head octets of headroom and tail of
// tailroom, each filled with 0xee so a stray write shows.
func inBuffer(t testing.TB, pkt []byte, head, tail int) ipopt.Packet {
	t.Helper()
	buf := bytes.Repeat([]byte{0xee}, head+len(pkt)+tail)
	copy(buf[head:], pkt)
	p, err := ipopt.FromBytes(buf, head, len(pkt))
	require.NoError(t, err)
	return p
}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(t, err)
	return b
}

func option(t testing.TB, doi uint32, l string) []byte {
	t.Helper()
	b, err := calipso.AppendOption(nil, 2, doi, label(t, l))
	require.NoError(t, err)
	return b
}

func TestSetOptionLayouts(t *testing.T) {
	s3 := option(t, 16, "s3")       // 10 octets, no bitmap
	c5 := option(t, 16, "s3:c0,c5") // 14 octets, one word
	ra := []byte{ipv6.RouterAlert, 2, 0, 0}
	for _, tc := range []struct {
		name string
		in   []byte
		opt  []byte
		want []byte // the Hop-by-Hop header after the rewrite
	}{
		{"no header: created, the option at 2, PadN 4 to 16", packet6(ipv6.UDP, udp8), s3,
			append(append([]byte{ipv6.UDP, 1}, s3...), ipv6.PadN, 2, 0, 0)},
		{"no header, one word: 2+14 is 16", packet6(ipv6.UDP, udp8), c5,
			append([]byte{ipv6.UDP, 1}, c5...)},
		{"after a router alert: at 6 already 4n+2, the trailing PadN overwritten", packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, ipv6.RouterAlert, 2, 0, 0, ipv6.PadN, 0}, udp8), s3,
			unhex(t, "1101 05020000"+hex.EncodeToString(s3))},
		{"after an option ending at 7: PadN 1 to 4n+2, PadN 2 to 24", packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, 0x1e, 3, 1, 2, 3, ipv6.Pad1}, udp8), s3,
			unhex(t, "1102 1e03010203 010100"+hex.EncodeToString(s3)+"01020000")},
		{"replaced in place: options after it keep their place mod 8",
			packet6(ipv6.HopByHop, append(append(append([]byte{ipv6.UDP, 2}, c5...), ra...), ipv6.PadN, 2, 0, 0), udp8), s3,
			append(append(append([]byte{ipv6.UDP, 2}, s3...), ipv6.PadN, 2, 0, 0), append(ra, ipv6.PadN, 2, 0, 0)...)},
		{"replaced by a longer one", packet6(ipv6.HopByHop, append(append([]byte{ipv6.UDP, 1}, s3...), ipv6.PadN, 2, 0, 0), udp8), c5,
			append([]byte{ipv6.UDP, 1}, c5...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := inBuffer(t, tc.in, 64, 0)
			require.NoError(t, calipso.SetOption(&p, tc.opt))
			got := p.Bytes()
			assert.Equal(t, byte(ipv6.HopByHop), got[6], "Next Header of the fixed header")
			assert.Equal(t, tc.in[:4], got[:4])
			assert.Equal(t, tc.in[7:40], got[7:40], "hop limit and addresses")
			assert.Equal(t, tc.want, got[40:40+len(tc.want)])
			assert.Equal(t, udp8, got[40+len(tc.want):])
			assert.Equal(t, len(got)-40, int(binary.BigEndian.Uint16(got[4:])), "payload length")
			h, err := ipv6.ParseExtHeader(got[40:])
			require.NoError(t, err)
			r, _ := calipso.NewRegistry(16)
			w := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
			require.NoError(t, w.CheckPacket(got), "Linux delivers it")
			assert.NoError(t, calipso.Strict{DOIs: r}.Validate(h), "and RFC 5570 is content")
		})
	}
}

func TestRemoveOptionLayouts(t *testing.T) {
	s3 := option(t, 16, "s3")
	ra := []byte{ipv6.RouterAlert, 2, 0, 0}
	for _, tc := range []struct {
		name     string
		hbh      []byte
		wantNext uint8
		want     []byte // the Hop-by-Hop header after, nil for none
	}{
		{"the only option: the header goes", append(append([]byte{ipv6.UDP, 1}, s3...), ipv6.PadN, 2, 0, 0), ipv6.UDP, nil},
		{"after a router alert: 8 of the 10 octets go, PadN 2 for the rest",
			unhex(t, "1101 05020000"+hex.EncodeToString(s3)), ipv6.HopByHop,
			unhex(t, "1100 05020000 0100")},
		{"before a router alert: it keeps its place mod 8",
			append(append(append([]byte{ipv6.UDP, 2}, s3...), ipv6.PadN, 2, 0, 0), append(ra, ipv6.PadN, 2, 0, 0)...), ipv6.HopByHop,
			append([]byte{ipv6.UDP, 1, ipv6.PadN, 4, 0, 0, 0, 0}, append(ra, ipv6.PadN, 2, 0, 0)...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := packet6(ipv6.HopByHop, tc.hbh, udp8)
			p := inBuffer(t, in, 0, 0)
			require.NoError(t, calipso.RemoveOption(&p))
			got := p.Bytes()
			assert.Equal(t, tc.wantNext, got[6])
			if tc.want != nil {
				assert.Equal(t, tc.want, got[40:40+len(tc.want)])
			}
			assert.Equal(t, udp8, got[40+len(tc.want):])
			assert.Equal(t, len(got)-40, int(binary.BigEndian.Uint16(got[4:])), "payload length")
			err := calipso.RemoveOption(&p)
			assert.ErrorIs(t, err, ipopt.ErrNotFound)
			assert.Equal(t, got, p.Bytes(), "nothing left to remove: unchanged")
		})
	}
}

// TestRewriteRoom: a header that grows uses the headroom, else the
// tailroom, else fails with nothing changed.
func TestRewriteRoom(t *testing.T) {
	in := packet6(ipv6.UDP, udp8)
	opt := option(t, 16, "s1:c1")
	p := inBuffer(t, in, 0, 16)
	require.NoError(t, calipso.SetOption(&p, opt))
	assert.Equal(t, 0, p.Headroom())
	assert.Equal(t, 0, p.Tailroom(), "the payload moved into the tailroom")
	assert.Equal(t, udp8, p.Bytes()[56:])

	p = inBuffer(t, in, 8, 8)
	before := bytes.Clone(p.Buffer())
	err := calipso.SetOption(&p, opt)
	assert.ErrorIs(t, err, ipopt.ErrNoRoom)
	assert.Equal(t, before, p.Buffer())
	assert.Equal(t, 8, p.Headroom())
	assert.Equal(t, len(in), p.Len())

	// A link header before the network header moves with the front.
	eth := append(bytes.Repeat([]byte{0xaa}, 12), 0x86, 0xdd)
	p = inBuffer(t, append(eth, in...), 16, 0)
	require.NoError(t, p.SetNetworkOffset(14))
	require.NoError(t, calipso.SetOption(&p, opt))
	assert.Equal(t, eth, p.Bytes()[:14])
	assert.Equal(t, 14, p.NetworkOffset())
	assert.Equal(t, 0, p.Headroom())
}

// TestSetOptionCapturedShort: a packet captured short of its payload
// length is relabelled in its captured part; its payload length grows
// by as much as the header.
func TestSetOptionCapturedShort(t *testing.T) {
	in := packet6(ipv6.UDP, udp8)
	binary.BigEndian.PutUint16(in[4:], 1000)
	p := inBuffer(t, in, 64, 0)
	require.NoError(t, calipso.SetOption(&p, option(t, 16, "s2")))
	got := p.Bytes()
	assert.Equal(t, 1016, int(binary.BigEndian.Uint16(got[4:])))
	assert.Equal(t, udp8, got[56:])
	require.NoError(t, calipso.RemoveOption(&p))
	assert.Equal(t, in, p.Bytes())
}

// TestRewriteErrors: every refusal changes nothing and is an ipopt.Error.
func TestRewriteErrors(t *testing.T) {
	opt := option(t, 16, "s1")
	jumbo := packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, ipv6.Jumbo, 4, 0, 1, 0, 0}, udp8)
	jumbo[4], jumbo[5] = 0, 0
	badOpts := packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, 0x1e, 9, 0, 0, 0, 0}, udp8)
	cut := packet6(ipv6.HopByHop, append(append([]byte{ipv6.UDP, 1}, opt...), ipv6.PadN, 2, 0, 0), udp8)[:50]
	v4 := packet6(ipv6.UDP, udp8)
	v4[0] = 0x45
	big := []byte{ipv6.UDP, 255}
	for range 8 {
		big = append(append(big, 0x1e, 253), make([]byte, 253)...) // skippable options
	}
	full := packet6(ipv6.HopByHop, append(big, ipv6.PadN, 4, 0, 0, 0, 0), udp8)
	for _, tc := range []struct {
		name string
		pkt  []byte
		set  []byte // nil: RemoveOption
		want error
	}{
		{"not version 6", v4, opt, ipv6.ErrBadHeader},
		{"a Hop-by-Hop header cut by the capture", cut, opt, ipopt.ErrTruncated},
		{"remove: a Hop-by-Hop header cut by the capture", cut, nil, ipopt.ErrTruncated},
		{"a jumbogram", jumbo, opt, ipv6.ErrBadHeader},
		{"options that do not frame", badOpts, opt, ipopt.ErrBadLength},
		{"not an option", packet6(ipv6.UDP, udp8), opt[:9], ipopt.ErrBadLength},
		{"not CALIPSO", packet6(ipv6.UDP, udp8), []byte{ipv6.RouterAlert, 2, 0, 0}, ipopt.ErrBadLength},
		{"the header would pass 2048 octets", full, opt, ipv6.ErrHeaderTooLong},
		{"nothing to remove", packet6(ipv6.UDP, udp8), nil, ipopt.ErrNotFound},
		{"nothing to remove in the header", packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, 5, 2, 0, 0, 1, 0}, udp8), nil, ipopt.ErrNotFound},
		{"remove: options that do not frame", badOpts, nil, ipopt.ErrBadLength},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := inBuffer(t, tc.pkt, 64, 64)
			before := bytes.Clone(p.Buffer())
			var err error
			if tc.set != nil {
				err = calipso.SetOption(&p, tc.set)
			} else {
				err = calipso.RemoveOption(&p)
			}
			require.ErrorIs(t, err, tc.want)
			_, ok := ipopt.AsError(err)
			assert.True(t, ok, "an ipopt.Error: %v", err)
			assert.Equal(t, before, p.Buffer())
			assert.Equal(t, 64, p.Headroom())
			assert.Equal(t, len(tc.pkt), p.Len())
		})
	}
	var zero ipopt.Packet
	assert.Error(t, calipso.SetOption(&zero, opt), "the zero Packet")
	assert.Error(t, calipso.RemoveOption(&zero))
	_, err := calipso.AppendOption(nil, 2, 0, label(t, "s1"))
	require.Error(t, err)
	p := inBuffer(t, packet6(ipv6.UDP, udp8), 64, 0)
	assert.ErrorIs(t, calipso.SetLabel(&p, 0, label(t, "s1")), calipso.ErrBadDOI)
	assert.ErrorIs(t, calipso.SetLabel(&p, 16, &cipso.Label{Level: 256}), calipso.ErrBadLevel)
}

// TestSetHopByHopAliased: the new header may be read from the packet
// itself.
func TestSetHopByHopAliased(t *testing.T) {
	in := packet6(ipv6.HopByHop, []byte{ipv6.UDP, 0, 5, 2, 0, 0, 1, 0}, udp8)
	p := inBuffer(t, in, 8, 0)
	hdr := p.Bytes()[40:48]
	require.NoError(t, ipv6.SetHopByHop(&p, hdr))
	assert.Equal(t, in, p.Bytes())
	assert.ErrorIs(t, ipv6.SetHopByHop(&p, []byte{17, 1, 1, 0, 0, 0, 0, 0}), ipopt.ErrBadLength, "Hdr Ext Len says 16")
	assert.Equal(t, in, p.Bytes())
}

// hbhGen makes a Hop-by-Hop header Linux keeps: options other than
// CALIPSO (router alert, skippable unknown ones) each followed by the
// padding Linux writes, a multiple of 8 octets. Nil when n is 0.
func hbhOf(kinds []uint8) []byte {
	if len(kinds) == 0 {
		return nil
	}
	b := []byte{ipv6.UDP, 0}
	for i, k := range kinds {
		if i >= 6 {
			break
		}
		switch k % 3 {
		case 0:
			b = append(b, ipv6.RouterAlert, 2, 0, byte(k))
		case 1:
			b = append(b, 0x1e, k%7, 1, 2, 3, 4, 5, 6, 7)[:len(b)+2+int(k%7)]
		default:
			b = append(b, 0x3e, 1, k)
		}
	}
	b = ipv6.AppendPad(b, (8-len(b)%8)%8)
	b[1] = byte(len(b)/8 - 1)
	return b
}

func packetWith(hbh []byte) []byte {
	if hbh == nil {
		return packet6(ipv6.UDP, udp8)
	}
	return packet6(ipv6.HopByHop, hbh, udp8)
}

func catsLabel(level uint8, cats []uint16) (cipso.Label, bool) {
	l := cipso.Label{Level: uint32(level)}
	for _, c := range cats {
		if l.Cats.Add(uint32(c)%(calipso.MaxCategory+1)) != nil {
			return l, false
		}
	}
	return l, true
}

// Properties of the packet rewrites.
func TestPropPacketRewrite(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(15)
	params.MinSuccessfulTests = 1500
	props := gopter.NewProperties(params)
	kinds := gen.SliceOfN(4, gen.UInt8())
	props.Property("insert then decode gives the label; Linux delivers the packet", prop.ForAll(func(ks []uint8, n int, level uint8, cats []uint16) bool {
		l, ok := catsLabel(level, cats)
		if !ok {
			return true
		}
		p := inBuffer(t, packetWith(hbhOf(ks[:n])), 300, 0)
		if calipso.SetLabel(&p, 16, &l) != nil {
			return false
		}
		hdr, found, err := ipv6.FindHopByHop(p.Bytes())
		if err != nil || !found {
			return false
		}
		o, ok := ipv6.Find(hdr, calipso.Type)
		if !ok || o.Offset%4 != 2 {
			return false
		}
		opt, err := calipso.ParseOption(o.Bytes)
		if err != nil {
			return false
		}
		got, err := opt.Label()
		r, _ := calipso.NewRegistry(16)
		w := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
		return err == nil && got.Equal(&l) && opt.DOI() == 16 && w.CheckPacket(p.Bytes()) == nil &&
			bytes.Equal(p.Bytes()[len(p.Bytes())-8:], udp8)
	}, kinds, gen.IntRange(0, 4), gen.UInt8(), gen.SliceOfN(5, gen.UInt16())))

	props.Property("insert then remove gives back the packet byte for byte", prop.ForAll(func(ks []uint8, n int, level uint8, cats []uint16) bool {
		l, ok := catsLabel(level, cats)
		if !ok {
			return true
		}
		in := packetWith(hbhOf(ks[:n]))
		p := inBuffer(t, in, 300, 0)
		if calipso.SetLabel(&p, 7, &l) != nil || calipso.RemoveOption(&p) != nil {
			return false
		}
		return bytes.Equal(p.Bytes(), in) && p.Headroom() == 300
	}, kinds, gen.IntRange(0, 4), gen.UInt8(), gen.SliceOfN(5, gen.UInt16())))

	props.Property("replace is idempotent, and replacing another label is setting this one", prop.ForAll(func(ks []uint8, n int, l1, l2 uint8, cats []uint16) bool {
		a, ok1 := catsLabel(l1, cats[:2])
		b, ok2 := catsLabel(l2, cats[2:])
		if !ok1 || !ok2 {
			return true
		}
		in := packetWith(hbhOf(ks[:n]))
		p := inBuffer(t, in, 600, 0)
		if calipso.SetLabel(&p, 9, &b) != nil {
			return false
		}
		once := bytes.Clone(p.Bytes())
		if calipso.SetLabel(&p, 9, &b) != nil || !bytes.Equal(once, p.Bytes()) {
			return false
		}
		q := inBuffer(t, in, 600, 0)
		if calipso.SetLabel(&q, 3, &a) != nil || calipso.SetLabel(&q, 9, &b) != nil {
			return false
		}
		return bytes.Equal(once, q.Bytes())
	}, kinds, gen.IntRange(0, 4), gen.UInt8(), gen.UInt8(), gen.SliceOfN(5, gen.UInt16())))
	props.TestingRun(t)
}

// TestPacketRewriteAllocs: insert, replace and remove on stack buffers
// allocate nothing.
func TestPacketRewriteAllocs(t *testing.T) {
	l := label(t, "s3:c0,c5,c100")
	opt := option(t, 16, "s2:c1")
	in := packetWith(hbhOf([]uint8{0, 1}))
	a := testing.AllocsPerRun(100, func() {
		var buf [512]byte
		copy(buf[256:], in)
		p, _ := ipopt.FromBytes(buf[:], 256, len(in))
		if calipso.SetLabel(&p, 16, l) != nil || calipso.SetOption(&p, opt) != nil || calipso.RemoveOption(&p) != nil {
			panic("rewrite failed")
		}
		if !errors.Is(calipso.RemoveOption(&p), ipopt.ErrNotFound) {
			panic("removed twice")
		}
	})
	assert.Zero(t, a)
}

// TestSetOptionLongest: a label that makes the header exactly 2048 octets
// fits (so does one of 14: 2034 + 14 is 2048); two words more do not,
// and change nothing.
func TestSetOptionLongest(t *testing.T) {
	b := []byte{ipv6.UDP, 254}
	for range 8 {
		b = append(append(b, 0x1e, 252), make([]byte, 252)...) // ends at 2034, 4n+2
	}
	b = append(b, ipv6.PadN, 4, 0, 0, 0, 0) // 2040 octets
	in := packet6(ipv6.HopByHop, b, udp8)
	p := inBuffer(t, in, 64, 0)
	require.NoError(t, calipso.SetOption(&p, option(t, 16, "s1")))
	hdr, _, err := ipv6.FindHopByHop(p.Bytes())
	require.NoError(t, err)
	assert.Len(t, hdr, ipv6.MaxExtLen)
	assert.True(t, bytes.Equal(in[42:40+2034], p.Bytes()[42:40+2034]), "the options before it")

	p = inBuffer(t, in, 64, 0)
	err = calipso.SetOption(&p, option(t, 16, "s1:c40"))
	assert.ErrorIs(t, err, ipv6.ErrHeaderTooLong)
	assert.Equal(t, in, p.Bytes())
}
