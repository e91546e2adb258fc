package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// update regenerates testdata/sample.pcap:
//
//	go test ./examples/iplabel -run TestSampleCapture -update
var update = flag.Bool("update", false, "rewrite testdata/sample.pcap from its generator")

const (
	samplePath   = "testdata/sample.pcap"
	sampleConfig = "testdata/sample.conf"
)

// samplePacket is one packet of the sample capture: what the generator
// puts in it, which is what the tests expect dump to find.
type samplePacket struct {
	what     string
	src, dst netip.Addr
	proto    uint8 // 1 ICMP, 17 UDP; 0: an ARP frame (not IPv4)
	opts     []byte
	// valid is the linux profile's verdict with testdata/sample.conf, and
	// pointer its ICMP pointer when invalid, as cipso_v4_validate and
	// __ip_options_compile give them (cipso/RULES.md, ipopt/RULES.md) for
	// what each packet carries.
	valid   bool
	pointer int
}

var (
	hostA = netip.MustParseAddr("192.0.2.1")
	hostB = netip.MustParseAddr("192.0.2.2")
	lo    = netip.MustParseAddr("127.0.0.1")
)

// sampleDOIs are the DOIs of testdata/sample.conf, built the way the
// config file defines them.
func sampleDOIs(t testing.TB) (pass16, trans3, local5 *cipso.Domain) {
	var err error
	pass16, err = cipso.NewPass(16, cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange)
	require.NoError(t, err)
	trans3, err = cipso.NewTrans(3, []cipso.TagType{cipso.TagRBitmap},
		[]cipso.Pair{{Local: 7, Remote: 2}, {Local: 1, Remote: 1}},
		[]cipso.Pair{{Local: 100, Remote: 0}, {Local: 200, Remote: 9}})
	require.NoError(t, err)
	local5, err = cipso.NewLocal(5)
	require.NoError(t, err)
	return
}

func cats(t testing.TB, ranges ...[2]uint32) cipso.CatSet {
	var s cipso.CatSet
	for _, r := range ranges {
		require.NoError(t, s.AddRange(r[0], r[1]))
	}
	return s
}

// samplePackets builds the sample's packets with the library's encoders:
// every CIPSO tag kind (1, 2, 5, optimized 1, 6, 7 with a network SID,
// 128 on loopback, a translated DOI), a BSO with an ESO, an invalid label,
// a label that is not the first option, an EOL with non-zero padding
// after it, an unlabeled packet and a frame that is not IPv4.
func samplePackets(t testing.TB) []samplePacket {
	pass16, trans3, local5 := sampleDOIs(t)
	enc := func(d *cipso.Domain, tags []cipso.TagType, level uint32, cs cipso.CatSet, f cipso.Format) []byte {
		if tags != nil {
			var err error
			d, err = cipso.NewPass(d.DOI(), tags...)
			require.NoError(t, err)
		}
		l := cipso.Label{Level: level, Cats: cs}
		b, err := d.AppendOption(nil, &l, f)
		require.NoError(t, err)
		return b
	}
	one := []cipso.TagType{cipso.TagRBitmap}

	// Tag 6, FIPS 188's permissive bitmap, in an option of DOI 16.
	var pb cipso.CatSet
	require.NoError(t, pb.AddRange(1, 2))
	tag6, err := fips188.AppendPermissiveBitmap(nil, 4, &pb)
	require.NoError(t, err)
	opt6, err := cipso.AppendOptionHeader(nil, 16, len(tag6))
	require.NoError(t, err)
	opt6 = append(opt6, tag6...)

	nsid, err := dsm.New(dsm.DefaultSID, 1).AppendOption(nil, 0)
	require.NoError(t, err)
	local, err := local5.AppendLocalOption(nil, 42)
	require.NoError(t, err)
	bso, err := rfc1108.AppendBSO(nil, rfc1108.Secret, rfc1108.AuthoritiesOf(rfc1108.GENSER, rfc1108.NSA))
	require.NoError(t, err)
	bso, err = rfc1108.AppendESO(bso, 1, []byte{0xab})
	require.NoError(t, err)

	return []samplePacket{
		{what: "tag 1", src: hostA, dst: hostB, proto: 17, valid: true,
			opts: testutil.PadEOL(enc(pass16, one, 3, cats(t, [2]uint32{0, 0}, [2]uint32{5, 5}), cipso.Format{}))},
		{what: "tag 2", src: hostA, dst: hostB, proto: 17, valid: true,
			opts: testutil.PadEOL(enc(pass16, []cipso.TagType{cipso.TagEnum}, 3, cats(t, [2]uint32{1, 1}, [2]uint32{5, 5}, [2]uint32{300, 300}), cipso.Format{}))},
		{what: "tag 5", src: hostA, dst: hostB, proto: 17, valid: true,
			opts: testutil.PadEOL(enc(pass16, []cipso.TagType{cipso.TagRange}, 5, cats(t, [2]uint32{0, 3}, [2]uint32{10, 20}), cipso.Format{}))},
		{what: "optimized tag 1", src: hostB, dst: hostA, proto: 17, valid: true,
			opts: testutil.PadEOL(enc(pass16, one, 2, cats(t, [2]uint32{7, 7}), cipso.Format{Optimized: true}))},
		// Linux refuses tag 6 at the tag-type octet (checked on Linux 6.18).
		{what: "tag 6", src: hostA, dst: hostB, proto: 17, valid: false, pointer: 26, opts: testutil.PadEOL(opt6)},
		// DSM's DOI is not a cipsov4 DOI of the config (Linux cannot carry
		// tag 7): its label is checked with DSM's receiver rules.
		{what: "tag 7 network SID", src: hostA, dst: hostB, proto: 17, valid: true, opts: testutil.PadEOL(nsid)},
		// Tag 128 passes only on loopback, for a local DOI (checked on
		// Linux 6.18).
		{what: "tag 128 on loopback", src: lo, dst: lo, proto: 17, valid: true, opts: testutil.PadEOL(local)},
		{what: "translated DOI", src: hostB, dst: hostA, proto: 17, valid: true,
			opts: testutil.PadEOL(enc(trans3, nil, 7, cats(t, [2]uint32{100, 100}, [2]uint32{200, 200}), cipso.Format{}))},
		// Linux does not look into options 130 and 133
		// (__ip_options_compile in net/ipv4/ip_options.c).
		{what: "BSO and ESO", src: hostA, dst: hostB, proto: 17, valid: true, opts: testutil.PadEOL(bso)},
		// Enumerated categories descending, pointer 30.
		{what: "invalid: enumerated descending", src: hostA, dst: hostB, proto: 17, valid: false, pointer: 30,
			opts: []byte{0x86, 0x0e, 0, 0, 0, 16, 2, 8, 0, 5, 0, 5, 0, 1, 0, 0}},
		{what: "label after router alert", src: hostB, dst: hostA, proto: 17, valid: true,
			opts: testutil.PadEOL(append([]byte{0x94, 0x04, 0, 0}, enc(pass16, one, 1, cipso.CatSet{}, cipso.Format{})...))},
		// Octets after an EOL are padding (RFC 791 §3.1; Linux zeroes them).
		{what: "EOL with padding after it", src: hostA, dst: hostB, proto: 17, valid: true,
			opts: append(enc(pass16, one, 3, cipso.CatSet{}, cipso.Format{}), 0, 0xab)},
		{what: "no label", src: hostA, dst: hostB, proto: 1, valid: true},
		{what: "not IPv4 (ARP)", proto: 0},
	}
}

// buildIPv4 makes an IPv4 datagram: header with opts, then a UDP header
// and payload or an ICMP echo request, with correct checksums.
func buildIPv4(t testing.TB, src, dst netip.Addr, proto uint8, opts []byte, id uint16, payload []byte) []byte {
	require.Zero(t, len(opts)%4)
	hl := ipopt.BaseHeaderLen + len(opts)
	body := make([]byte, 8+len(payload))
	copy(body[8:], payload)
	switch proto {
	case 17:
		binary.BigEndian.PutUint16(body[0:], 40000+id)
		binary.BigEndian.PutUint16(body[2:], 9)
		binary.BigEndian.PutUint16(body[4:], uint16(len(body)))
		// Pseudo-header checksum (RFC 768).
		ph := make([]byte, 0, 12+len(body))
		ph = append(ph, src.AsSlice()...)
		ph = append(ph, dst.AsSlice()...)
		ph = append(ph, 0, 17, byte(len(body)>>8), byte(len(body)))
		ph = append(ph, body...)
		c := testutil.Checksum(ph)
		if c == 0 {
			c = 0xffff
		}
		binary.BigEndian.PutUint16(body[6:], c)
	case 1:
		body[0] = 8 // echo request
		binary.BigEndian.PutUint16(body[4:], 1)
		binary.BigEndian.PutUint16(body[6:], id)
		binary.BigEndian.PutUint16(body[2:], testutil.Checksum(body))
	}
	p := make([]byte, hl, hl+len(body))
	p[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(p[2:], uint16(hl+len(body)))
	binary.BigEndian.PutUint16(p[4:], id)
	p[8], p[9] = 64, proto
	copy(p[12:], src.AsSlice())
	copy(p[16:], dst.AsSlice())
	copy(p[20:], opts)
	ipopt.Header(p).SetChecksum()
	return append(p, body...)
}

var (
	macA = []byte{0x02, 0, 0, 0, 0, 1}
	macB = []byte{0x02, 0, 0, 0, 0, 2}
)

// ethernet wraps a datagram (or an ARP body) in an Ethernet II frame.
func ethernet(etherType uint16, body []byte) []byte {
	f := append(append(append([]byte{}, macB...), macA...), byte(etherType>>8), byte(etherType))
	return append(f, body...)
}

// sampleCapture is the sample as a pcap file (Ethernet, microsecond
// timestamps starting at 2024-01-01 00:00:00 UTC, one every 10 ms).
func sampleCapture(t testing.TB) []byte {
	var buf bytes.Buffer
	w := pcapgo.NewWriter(&buf)
	require.NoError(t, w.WriteFileHeader(65535, layers.LinkTypeEthernet))
	t0 := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, p := range samplePackets(t) {
		var frame []byte
		if p.proto == 0 {
			arp := []byte{0, 1, 8, 0, 6, 4, 0, 1}
			arp = append(arp, macA...)
			arp = append(arp, hostA.AsSlice()...)
			arp = append(arp, 0, 0, 0, 0, 0, 0)
			arp = append(arp, hostB.AsSlice()...)
			frame = ethernet(0x0806, arp)
		} else {
			frame = ethernet(etherTypeIPv4, buildIPv4(t, p.src, p.dst, p.proto, p.opts, uint16(i+1), []byte("iplabel sample: "+p.what)))
		}
		ci := gopacket.CaptureInfo{Timestamp: t0.Add(time.Duration(i) * 10 * time.Millisecond), CaptureLength: len(frame), Length: len(frame)}
		require.NoError(t, w.WritePacket(ci, frame))
	}
	return buf.Bytes()
}

// TestSampleCaptureUpToDate: the checked-in sample equals what the
// generator makes (run with -update after changing the generator).
func TestSampleCaptureUpToDate(t *testing.T) {
	want := sampleCapture(t)
	if *update {
		require.NoError(t, os.WriteFile(samplePath, want, 0o644))
		t.Logf("wrote %s (%d octets)", samplePath, len(want))
	}
	got, err := os.ReadFile(samplePath)
	require.NoError(t, err, "run: go test ./examples/iplabel -run TestSampleCapture -update")
	require.True(t, bytes.Equal(want, got), "%s is not what the generator makes; run: go test ./examples/iplabel -run TestSampleCapture -update", samplePath)
}

// TestSampleConfigMatchesGenerator: testdata/sample.conf defines the DOIs
// the generator encodes with.
func TestSampleConfigMatchesGenerator(t *testing.T) {
	reg, err := loadConfig(filepath.FromSlash(sampleConfig))
	require.NoError(t, err)
	pass16, trans3, local5 := sampleDOIs(t)
	for _, d := range []*cipso.Domain{pass16, trans3, local5} {
		got := reg.Lookup(d.DOI())
		require.NotNil(t, got, "DOI %d", d.DOI())
		require.True(t, d.Equal(got), "DOI %d: config %s, generator %s", d.DOI(), got, d)
	}
	require.Equal(t, 3, reg.Len())
}
