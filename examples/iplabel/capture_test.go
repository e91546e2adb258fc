package main

import (
	"encoding/binary"
	"os"
	"strconv"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordOffsets returns the byte offset of every record of a pcap file.
func recordOffsets(b []byte) []int {
	var offs []int
	for off := 24; off+16 <= len(b); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

// TestDumpBadCaptures: every truncated or corrupt capture and every
// unsupported link type ends dump with exit status 2 and one line naming
// the file and the byte; the packets before the fault have been dumped.
func TestDumpBadCaptures(t *testing.T) {
	sample := sampleCapture(t)
	offs := recordOffsets(sample)
	ng := pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet}, ngPacket{0, sampleFrames(t)[0]}, ngPacket{0, sampleFrames(t)[1]})
	ngFirstEPB := ngBlockOffsets(t, ng)[2] // SHB, IDB, EPB, EPB

	corrupt := func(b []byte, off int, v uint32) []byte {
		c := append([]byte{}, b...)
		binary.LittleEndian.PutUint32(c[off:], v)
		return c
	}
	cases := []struct {
		name    string
		data    []byte
		packets int      // lines dumped before the error
		parts   []string // in the one-line message
	}{
		{"empty file", nil, 0, []string{"byte 0", "empty file"}},
		{"not a capture", []byte("hello, world\n"), 0, []string{"byte 0", "not a pcap or pcapng capture"}},
		{"cut in the file header", sample[:10], 0, []string{"truncated pcap file header"}},
		{"cut in a record header", sample[:offs[3]+7], 3, []string{"byte " + strconv.Itoa(offs[3]), "packet 4: record header truncated", "ends at byte " + strconv.Itoa(offs[3]+7)}},
		{"cut mid-packet", sample[:offs[4]+16+30], 4, []string{"byte " + strconv.Itoa(offs[4]), "packet 5 truncated", "ends at byte " + strconv.Itoa(offs[4]+46)}},
		{"cut after a record header", sample[:offs[2]+16], 2, []string{"packet 3 truncated"}},
		{"captured length over the ceiling", corrupt(sample, offs[1]+8, 262145), 1, []string{"byte " + strconv.Itoa(offs[1]+8), "packet 2", "exceeds the snapshot length 65535 and 262144"}},
		{"captured length over packet length", corrupt(sample, offs[1]+12, 10), 1, []string{"packet 2", "exceeds the packet length"}},
		{"huge captured length", corrupt(corrupt(sample, 16, 0xffffffff), offs[0]+8, 0xfffffff0), 0, []string{"packet 1", "exceeds the snapshot length"}},
		{"unsupported link type", corrupt(sample, 20, 147), 0, []string{"byte 20", "unsupported link type 147"}},
		{"link type above 255", corrupt(sample, 20, 276), 0, []string{"byte 20", "unsupported link type 276"}},
		{"pcapng cut mid-packet", ng[:ngFirstEPB+40], 0, []string{"byte " + strconv.Itoa(ngFirstEPB), "truncated", "ends at byte " + strconv.Itoa(ngFirstEPB+40)}},
		{"pcapng bad block length", corrupt(ng, ngFirstEPB+4, 13), 0, []string{"byte " + strconv.Itoa(ngFirstEPB+4), "corrupt block: length 13"}},
		{"pcapng captured length overruns block", corrupt(ng, ngFirstEPB+20, 5000), 0, []string{"byte " + strconv.Itoa(ngFirstEPB+20), "overruns the block"}},
		{"pcapng captured length over packet length", corrupt(ng, ngFirstEPB+24, 10), 0, []string{"byte " + strconv.Itoa(ngFirstEPB+20), "packet 1: corrupt packet block: captured length 75 exceeds the packet length 10"}},
		{"pcapng unsupported link type", pcapngOf(t, []layers.LinkType{layers.LinkTypeEthernet, 147}, ngPacket{0, sampleFrames(t)[0]}, ngPacket{1, []byte{1, 2, 3}}), 1, []string{"packet 2", "unsupported link type 147"}},
		{"pcapng bad byte-order magic", corrupt(ng, 8, 0x11223344), 0, []string{"byte 8", "byte-order magic"}},
		{"pcapng cut in the section header", ng[:10], 0, []string{"truncated pcapng section header"}},
	}
	for _, c := range cases {
		p := writeFile(t, "bad.cap", string(c.data))
		for _, args := range [][]string{{"dump", p}, {"dump", "--json", p}} {
			r := iplabel(t, "", args...)
			assert.Equal(t, exitError, r.code, "%s: %v", c.name, args)
			assert.Len(t, lines(r.stdout), c.packets, "%s: %v", c.name, args)
			oneLineError(t, r, append([]string{p}, c.parts...)...)
		}
	}
}

// ngBlockOffsets returns the offset of every block of a little-endian
// pcapng file.
func ngBlockOffsets(t testing.TB, b []byte) []int {
	var offs []int
	for off := 0; off+8 <= len(b); {
		offs = append(offs, off)
		n := int(binary.LittleEndian.Uint32(b[off+4:]))
		require.Greater(t, n, 0)
		off += n
	}
	return offs
}

// TestDumpUsageErrors: bad command lines and configurations.
func TestDumpUsageErrors(t *testing.T) {
	badCfg := writeFile(t, "bad.conf", "cipsov4 add pass doi:16 tags:1,2,5\ncipsov4 add pass doi:17 tags:1,9\n")
	cases := []struct {
		args  []string
		parts []string
	}{
		{[]string{"dump"}, []string{"one capture file"}},
		{[]string{"dump", samplePath, samplePath}, []string{"one capture file"}},
		{[]string{"dump", "/nonexistent.pcap"}, []string{"/nonexistent.pcap"}},
		{[]string{"dump", "--doi-config", badCfg, samplePath}, []string{badCfg + ":2:32", "tag 9"}},
		{[]string{"dump", "--xml", samplePath}, []string{"xml"}},
		{[]string{"frobnicate"}, []string{"unknown command"}},
	}
	for _, c := range cases {
		r := iplabel(t, "", c.args...)
		assert.Equal(t, exitError, r.code, c.args)
		assert.Empty(t, r.stdout, c.args)
		if c.args[0] == "frobnicate" {
			assert.Contains(t, r.stderr, "unknown command")
			continue
		}
		oneLineError(t, r, c.parts...)
	}
}

// TestConfigErrors: a bad DOI configuration line is reported with file,
// line and column, for every command that reads one.
func TestConfigErrors(t *testing.T) {
	cases := []struct {
		conf  string
		parts []string
	}{
		{"cipsov4 add pass doi:0 tags:1\n", []string{":1:", "DOI 0"}},
		{"# ok\ncipsov4 add pass doi:16 tags:1\ncipsov4 add pass doi:16 tags:1\n", []string{":3:", "already"}},
		{"cipsov4 add trans doi:3 tags:2 levels:0=0\n", []string{":1:", "tag 2"}},
		{"cipsov4 add pass doi:x tags:1\n", []string{":1:22:", "decimal"}},
		{"map add default protocol:cipso,16\nnetlabelctl frobnicate\n", []string{":2:13:", "not a cipsov4 command"}},
	}
	for _, c := range cases {
		cfg := writeFile(t, "doi.conf", c.conf)
		for _, args := range [][]string{
			{"validate", "--doi-config", cfg, "-"},
			{"decode", "--doi-config", cfg, "-"},
			{"encode", "--doi-config", cfg, "--doi", "16", "--level", "1"},
			{"dump", "--doi-config", cfg, samplePath},
			{"rewrite", "--doi-config", cfg, "--in", samplePath, "--out", cfg + ".out", "--strip"},
		} {
			r := iplabel(t, "", args...)
			assert.Equal(t, exitError, r.code, "%q %v", c.conf, args)
			assert.Empty(t, r.stdout)
			oneLineError(t, r, append([]string{cfg}, c.parts...)...)
		}
		_, err := os.Stat(cfg + ".out")
		assert.True(t, os.IsNotExist(err))
	}
}
