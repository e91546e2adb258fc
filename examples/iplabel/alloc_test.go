package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDumpPacketNoAllocs: formatting a packet, JSON or text, validation
// included, allocates nothing once the output buffer has grown: the
// sample's IPv4 packets and IPv6 packets with CALIPSO labels and other
// Hop-by-Hop options, valid or not, answered or not.
func TestDumpPacketNoAllocs(t *testing.T) {
	reg, err := loadConfig(sampleConfig)
	require.NoError(t, err)
	_, creg, err := loadConfigs(writeFile(t, "doi.conf", conf6))
	require.NoError(t, err)
	frames := sampleFrames(t)
	for _, c := range dump6Cases(t) {
		frames = append(frames, ethernet(etherTypeIPv6, c.pkt))
	}
	for _, json := range []bool{true, false} {
		d := newDumper(reg, json).withCALIPSO(creg)
		buf := make([]byte, 0, 4096)
		for _, f := range frames {
			buf = d.appendPacket(buf[:0], 1, layers.LinkTypeEthernet, f)
		}
		allocs := testing.AllocsPerRun(100, func() {
			for i, f := range frames {
				buf = d.appendPacket(buf[:0], i+1, layers.LinkTypeEthernet, f)
			}
		})
		assert.Zero(t, allocs, "json=%v", json)
	}
}

// TestValidateDecodeNoAllocs: the per-field work of validate and decode.
func TestValidateDecodeNoAllocs(t *testing.T) {
	reg, err := loadConfig(sampleConfig)
	require.NoError(t, err)
	v := newValidator(reg, false, false, true)
	vs := newValidator(reg, true, false, true)
	var fields [][]byte
	for _, p := range samplePackets(t) {
		fields = append(fields, p.opts)
	}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		for _, f := range fields {
			buf = appendVerdictJSON(buf[:0], v.validate(f))
			buf = appendVerdictJSON(buf[:0], vs.validate(f))
			buf = appendDecodeJSON(buf[:0], f)
		}
	})
	assert.Zero(t, allocs)
}

// TestDumpReadNoAllocs: reading a pcap or pcapng file packet by packet
// allocates nothing per packet (the whole file is read in one measured
// run, as AllocsPerRun rounds down).
func TestDumpReadNoAllocs(t *testing.T) {
	var frames [][]byte
	var ng []ngPacket
	for range 200 {
		for _, f := range sampleFrames(t) {
			frames = append(frames, f)
			ng = append(ng, ngPacket{0, f})
		}
	}
	for _, data := range [][]byte{
		pcapOf(t, layers.LinkTypeEthernet, frames...),
		pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet}, ng...),
	} {
		var c *capture
		allocs := testing.AllocsPerRun(3, func() {
			var err error
			c, err = openCapture("x", bytes.NewReader(data), int64(len(data)))
			require.NoError(t, err)
			_, _, _, err = c.next() // the first packet sizes the buffer
			require.NoError(t, err)
		})
		require.Less(t, allocs, float64(30))
		setup := allocs
		allocs = testing.AllocsPerRun(3, func() {
			c, _ = openCapture("x", bytes.NewReader(data), int64(len(data)))
			for {
				if _, _, _, err := c.next(); err == io.EOF {
					break
				} else if err != nil {
					t.Fatal(err)
				}
			}
		})
		assert.Equal(t, len(frames), c.packets)
		assert.Less(t, allocs, setup+10, "%d packets read with no allocation per packet", len(frames))
	}
}

func BenchmarkDumpJSON(b *testing.B) { benchmarkDump(b, "--json") }

func BenchmarkDumpText(b *testing.B) { benchmarkDump(b) }

// benchmarkDump runs the whole dump command over 10,000 packets.
func benchmarkDump(b *testing.B, flags ...string) {
	var frames [][]byte
	for range 10000 / len(sampleFrames(b)) {
		frames = append(frames, sampleFrames(b)...)
	}
	p := writeFile(b, "bench.pcap", string(pcapOf(b, layers.LinkTypeEthernet, frames...)))
	args := append(append([]string{"dump"}, flags...), "--doi-config", sampleConfig, p)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if run(args, nil, io.Discard, io.Discard) != 0 {
			b.Fatal("dump failed")
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(frames)), "ns/packet")
}

// TestErrorTextMatchesLibrary: the allocation-free message is the one
// (ipopt.Error).Error gives, for every error the checklist
// (validate_test.go) and the sample produce in both profiles and in decode.
func TestErrorTextMatchesLibrary(t *testing.T) {
	reg, err := loadConfig(sampleConfig)
	require.NoError(t, err)
	validators := []*validator{newValidator(reg, false, false, true), newValidator(reg, true, false, true)}
	var fields [][]byte
	for _, c := range checklist {
		f, err := parseHexField(nil, c.hex)
		require.NoError(t, err)
		fields = append(fields, f)
	}
	for _, p := range samplePackets(t) {
		fields = append(fields, p.opts)
	}
	n := 0
	for _, f := range fields {
		errs := []error{validators[0].validate(f).err, validators[1].validate(f).err}
		_, derr := appendOptionsJSON(nil, f)
		errs = append(errs, derr)
		for _, e := range errs {
			if e == nil {
				continue
			}
			n++
			assert.Equal(t, e.Error(), string(appendErrorText(nil, e)))
		}
	}
	assert.Greater(t, n, 40)
}

// TestValidateDecodeIPv6NoAllocs: the per-header work of validate --ipv6
// and decode --ipv6 (errors within the first 64 octets are static).
func TestValidateDecodeIPv6NoAllocs(t *testing.T) {
	_, creg, err := loadConfigs(writeFile(t, "doi.conf", conf6))
	require.NoError(t, err)
	v := newValidator6(creg)
	var hdrs [][]byte
	for _, h := range []string{hbh16, hbh(t, 17, "s1:c1.c300"), "1101070c0000001001 03f76b84000000", "11009e0200000100", "110001040000ff00", "1100c2040000ffff"} {
		b, err := parseHopByHop(nil, h)
		require.NoError(t, err, h)
		hdrs = append(hdrs, b)
	}
	buf := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		for _, h := range hdrs {
			buf = v.appendVerdictJSON(buf[:0], v.validate(h))
			buf = appendDecode6JSON(buf[:0], h)
		}
	})
	assert.Zero(t, allocs)
}
