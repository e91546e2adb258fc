package tsharktest_test

import (
	"bytes"
	"fmt"
	"os"
	"runtime"
	"testing"
	"time"

	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/internal/tsharktest"
)

// recorder is a testing.TB that records Fatalf and Skip instead of ending
// the test, so that the failures of this package's helpers can be tested.
// Every other method goes to the real test.
type recorder struct {
	testing.TB
	failed, skipped bool
	msg             string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skip(args ...any) {
	r.skipped, r.msg = true, fmt.Sprint(args...)
	runtime.Goexit()
}

// record runs f with a recorder on a goroutine of its own (Fatalf and Skip
// end it) and returns the recorder.
func record(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

// TestFieldsChecklistVectors has tshark dissect fields of the checklist
// (ipopt/RULES.md §9) and checks what tshark 4.0.17 shows, without and with
// -E quote=d (ipopt/RULES.md §8: an empty value is told apart from an
// absent field only when quoted).
func TestFieldsChecklistVectors(t *testing.T) {
	tsharktest.Require(t)
	fields := []string{"frame.number", "ip.cipso.doi", "ip.cipso.tag_type", "ip.cipso.sensitivity_level",
		"ip.cipso.categories", "ip.opt.sec_cl", "ip.opt.sec_prot_auth_genser", "ip.opt.sec_prot_auth_flags",
		"ip.opt.ext_sec_add_sec_info_format_code"}
	cases := []struct {
		name, hex string
		plain     []string // columns after frame.number, -E quote=n
		quoted    []string // the same, -E quote=d
	}{
		{"1: minimal tag 1, no categories field", "86 0A 00 00 00 01 01 04 00 05 00 00",
			[]string{"1", "1", "5", "", "", "", "", ""},
			[]string{`"1"`, `"1"`, `"5"`, "", "", "", "", ""}},
		{"2: bitmap categories {0,15}", "86 0C 00 00 00 01 01 06 00 05 80 01",
			[]string{"1", "1", "5", "0,15", "", "", "", ""},
			[]string{`"1"`, `"1"`, `"5"`, `"0,15"`, "", "", "", ""}},
		{"4: one zero bitmap octet, empty categories present", "86 0B 00 00 00 01 01 05 00 05 00 00",
			[]string{"1", "1", "5", "", "", "", "", ""},
			[]string{`"1"`, `"1"`, `"5"`, `""`, "", "", "", ""}},
		{"14: zero padding inside the option", "86 0C 00 00 00 01 01 04 00 05 00 00",
			[]string{"1", "1;0;0", "5", "", "", "", "", ""},
			[]string{`"1"`, `"1;0;0"`, `"5"`, "", "", "", "", ""}},
		{"37b: BSO, GENSER", "82 04 3D 80",
			[]string{"", "", "", "", "0x3d", "1", "0x80", ""},
			[]string{"", "", "", "", `"0x3d"`, `"1"`, `"0x80"`, ""}},
		{"37d: BSO, two PAF octets", "82 05 5A 81 02 00 00 00",
			[]string{"", "", "", "", "0x5a", "1", "0x81;0x02", ""},
			[]string{"", "", "", "", `"0x5a"`, `"1"`, `"0x81;0x02"`, ""}},
		{"38: ESO format code", "85 03 01 00",
			[]string{"", "", "", "", "", "", "", "0x01"},
			[]string{"", "", "", "", "", "", "", `"0x01"`}},
	}
	var datagrams [][]byte
	for i, c := range cases {
		datagrams = append(datagrams, tsharktest.Datagram(t, testutil.Unhex(t, c.hex), uint16(i), []byte("test")))
	}
	pcap := tsharktest.WriteIPv4(t, datagrams)
	plain := tsharktest.Fields(t, pcap, fields)
	quoted := tsharktest.Fields(t, pcap, fields, "-E", "quote=d")
	for i, c := range cases {
		assert.Equal(t, fmt.Sprint(i+1), plain[i][0], c.name)
		assert.Equal(t, fmt.Sprintf("%q", fmt.Sprint(i+1)), quoted[i][0], c.name)
		assert.Equal(t, c.plain, plain[i][1:], c.name)
		assert.Equal(t, c.quoted, quoted[i][1:], c.name)
	}
}

// TestFieldsChecksumOffByDefault: tshark does not check the IPv4 header
// checksum unless told to (ipopt/RULES.md §8), and with checking on it finds
// Datagram's checksums good and a corrupted one bad.
func TestFieldsChecksumOffByDefault(t *testing.T) {
	tsharktest.Require(t)
	good := tsharktest.Datagram(t, testutil.Unhex(t, "86 0C 00 00 00 01 01 06 00 05 80 01"), 1, []byte("good"))
	bad := tsharktest.Datagram(t, nil, 2, []byte("bad!"))
	bad[11] ^= 0x01
	pcap := tsharktest.WriteIPv4(t, [][]byte{good, bad})
	fields := []string{"ip.checksum.status"}
	// ip.checksum.status: 0 bad, 1 good, 2 unverified.
	assert.Equal(t, [][]string{{"2"}, {"2"}}, tsharktest.Fields(t, pcap, fields))
	assert.Equal(t, [][]string{{"1"}, {"0"}}, tsharktest.Fields(t, pcap, fields, "-o", "ip.check_checksum:TRUE"))
}

// TestFieldsAbsentEverywhere: a field absent from every packet still gives
// one (empty) row per packet.
func TestFieldsAbsentEverywhere(t *testing.T) {
	tsharktest.Require(t)
	d := tsharktest.Datagram(t, nil, 0, nil)
	pcap := tsharktest.WriteIPv4(t, [][]byte{d, d, d})
	assert.Equal(t, [][]string{{""}, {""}, {""}}, tsharktest.Fields(t, pcap, []string{"ip.cipso.doi"}))
}

// TestFieldsRowCheck: a display filter that drops a packet makes Fields
// fail the test instead of returning rows that no longer line up with
// the packets.
func TestFieldsRowCheck(t *testing.T) {
	tsharktest.Require(t)
	pcap := tsharktest.WriteIPv4(t, [][]byte{
		tsharktest.Datagram(t, testutil.Unhex(t, "86 0C 00 00 00 01 01 06 00 05 80 01"), 0, nil),
		tsharktest.Datagram(t, nil, 1, nil),
	})
	r := record(t, func(tb testing.TB) {
		tsharktest.Fields(tb, pcap, []string{"frame.number"}, "-Y", "ip.cipso.doi == 1")
	})
	assert.True(t, r.failed)
	assert.Contains(t, r.msg, "printed 1 rows for the 2 packets")

	r = record(t, func(tb testing.TB) {
		tsharktest.Fields(tb, pcap, []string{"no.such.field"})
	})
	assert.True(t, r.failed, "tshark refuses an unknown field")
	assert.Contains(t, r.msg, "no.such.field")
}

// TestRequireSkips: without tshark on $PATH, Require and Fields skip the
// test with the documented message.
func TestRequireSkips(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	r := record(t, func(tb testing.TB) { tsharktest.Require(tb) })
	assert.True(t, r.skipped)
	assert.Equal(t, "tshark differential: needs tshark on PATH (Debian package tshark)", r.msg)

	r = record(t, func(tb testing.TB) { tsharktest.Fields(tb, "/nonexistent.pcap", []string{"frame.number"}) })
	assert.True(t, r.skipped)
	assert.Equal(t, tsharktest.SkipMessage, r.msg)
}

// TestDatagram checks the header fields Datagram writes (RFC 791 §3.1).
func TestDatagram(t *testing.T) {
	d := tsharktest.Datagram(t, []byte{0x82, 0x03, 0xAB}, 0x1234, []byte("pay"))
	require.Len(t, d, 24+3)
	assert.Equal(t, []byte{0x46, 0x00, 0x00, 27, 0x12, 0x34, 0x00, 0x00, 64, 253}, d[:10])
	assert.Equal(t, []byte{192, 0, 2, 1, 192, 0, 2, 2}, d[12:20])
	assert.Equal(t, []byte{0x82, 0x03, 0xAB, 0x00}, d[20:24], "options padded with EOL")
	assert.Equal(t, []byte("pay"), d[24:])

	r := record(t, func(tb testing.TB) { tsharktest.Datagram(tb, make([]byte, 41), 0, nil) })
	assert.True(t, r.failed, "41 octets of options")
	r = record(t, func(tb testing.TB) { tsharktest.Datagram(tb, make([]byte, 40), 0, nil) })
	assert.False(t, r.failed, "40 octets of options: %s", r.msg)
}

// TestWriteIPv4 reads the capture back: LINKTYPE_IPV4 (228), the
// datagrams unchanged, timestamps 1 ms apart, and the same file twice.
func TestWriteIPv4(t *testing.T) {
	datagrams := [][]byte{
		tsharktest.Datagram(t, nil, 0, []byte("one")),
		tsharktest.Datagram(t, []byte{0x01, 0x01, 0x01, 0x01}, 1, []byte("two")),
		tsharktest.Datagram(t, nil, 2, nil),
	}
	path := tsharktest.WriteIPv4(t, datagrams)
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	again, err := os.ReadFile(tsharktest.WriteIPv4(t, datagrams))
	require.NoError(t, err)
	assert.Equal(t, raw, again, "deterministic")

	r, err := pcapgo.NewReader(bytes.NewReader(raw))
	require.NoError(t, err)
	assert.Equal(t, layers.LinkType(228), r.LinkType())
	var first time.Time
	for i, d := range datagrams {
		data, ci, err := r.ReadPacketData()
		require.NoError(t, err)
		assert.Equal(t, d, data)
		if i == 0 {
			first = ci.Timestamp
		}
		assert.Equal(t, time.Duration(i)*time.Millisecond, ci.Timestamp.Sub(first))
	}
	_, _, err = r.ReadPacketData()
	assert.Error(t, err, "no more packets")
}

// TestExample runs the package example's differential test.
func TestExample(t *testing.T) { categoriesAgainstTshark(t) }
