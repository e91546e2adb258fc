package main

import (
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func mustConfig(tb testing.TB, text string) *Config {
	tb.Helper()
	c, err := ParseConfig("test.conf", strings.NewReader(text))
	require.NoError(tb, err)
	return c
}

func TestParseConfigDefaults(t *testing.T) {
	c := mustConfig(t, "node 7\n")
	assert.Equal(t, uint32(7), c.Node)
	// DSM's private DOI, dsm-network-sid.md "Wire format".
	assert.EqualValues(t, 0x10001000, c.DOI)
	assert.Equal(t, uint16(1), c.QueueOut)
	assert.Equal(t, uint16(2), c.QueueIn)
	assert.Equal(t, uint32(1024), c.QueueLen)
	assert.False(t, c.FailOpen)
	assert.Equal(t, NeutraliseNOP, c.Mode)
	assert.True(t, c.ICMP)
	assert.Equal(t, 10, c.ICMPRate)
	assert.Equal(t, 5, c.LogRate)
	assert.Equal(t, Reject, c.Default)
	assert.False(t, c.HasSerial)
	assert.Empty(t, c.Labels)
	assert.Empty(t, c.Rules)
}

func TestParseConfigExampleFile(t *testing.T) {
	c, err := LoadConfig("example.conf")
	require.NoError(t, err)
	assert.Equal(t, uint32(1), c.Node)
	assert.NotEmpty(t, c.Labels)
	assert.NotEmpty(t, c.Rules)
}

func TestParseConfigFull(t *testing.T) {
	c := mustConfig(t, `
# a comment line
node 0x2            # trailing comment
doi 0x10001000
serial 42
queue out 10
queue in 11
queue-len 4096
overload fail-open
interface eth0 eth1
neutralize translate doi 16 level 3
foreign-cipso pass
icmp off
icmp-rate 0
log-rate 100

label uid 1000 sid 0x10
label gid 100 sid 0x20
label mark 0x5/0xff sid 0x30
label mark 0x9 unlabeled
label uid 65534 drop
label default sid 0x12341234

dest-sid 192.0.2.0/24 0x77
dest-sid 198.51.100.7 0x78
peer 1 192.0.2.1 192.0.2.11/32
allow node 1 sid 0x10-0x1f proto udp port 5000-5010
reject node 3
allow unlabeled proto tcp port 22 from 192.0.2.0/24
allow dsid 0x77 proto icmp
allow proto 47
default allow
`)
	assert.Equal(t, uint32(2), c.Node)
	assert.True(t, c.HasSerial)
	assert.Equal(t, uint32(42), c.Serial)
	assert.Equal(t, uint16(10), c.QueueOut)
	assert.Equal(t, uint16(11), c.QueueIn)
	assert.Equal(t, uint32(4096), c.QueueLen)
	assert.True(t, c.FailOpen)
	assert.Equal(t, []string{"eth0", "eth1"}, c.Interfaces)
	assert.Equal(t, NeutraliseTranslate, c.Mode)
	assert.EqualValues(t, 16, c.TranslateDOI)
	assert.Equal(t, uint8(3), c.TranslateLevel)
	assert.True(t, c.ForeignPass)
	assert.False(t, c.ICMP)
	assert.Equal(t, 0, c.ICMPRate)
	assert.Equal(t, 100, c.LogRate)
	assert.Equal(t, Allow, c.Default)

	assert.Equal(t, []LabelRule{
		{Line: 17, Kind: SelUID, Value: 1000, Action: SendLabel, SID: 0x10},
		{Line: 18, Kind: SelGID, Value: 100, Action: SendLabel, SID: 0x20},
		{Line: 19, Kind: SelMark, Value: 5, Mask: 0xff, Action: SendLabel, SID: 0x30},
		{Line: 20, Kind: SelMark, Value: 9, Mask: 0xffffffff, Action: SendUnlabeled},
		{Line: 21, Kind: SelUID, Value: 65534, Action: SendDrop},
		{Line: 22, Kind: SelDefault, Action: SendLabel, SID: 0x12341234},
	}, c.Labels)
	assert.Equal(t, []DestSIDRule{
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), SID: 0x77},
		{Prefix: netip.MustParsePrefix("198.51.100.7/32"), SID: 0x78},
	}, c.DestSIDs)
	assert.Equal(t, []Peer{{Node: 1, Prefixes: []netip.Prefix{
		netip.MustParsePrefix("192.0.2.1/32"), netip.MustParsePrefix("192.0.2.11/32")}}}, c.Peers)

	any := Range{Any: true}
	require.Len(t, c.Rules, 5)
	assert.Equal(t, RecvRule{Line: 27, Action: Allow, Node: Range{Lo: 1, Hi: 1}, SID: Range{Lo: 0x10, Hi: 0x1f},
		DSID: any, Labeled: true, Proto: 17, HasProto: true, Port: Range{Lo: 5000, Hi: 5010}, HasPort: true}, c.Rules[0])
	assert.Equal(t, RecvRule{Line: 28, Action: Reject, Node: Range{Lo: 3, Hi: 3}, SID: any, DSID: any, Labeled: true}, c.Rules[1])
	assert.Equal(t, RecvRule{Line: 29, Action: Allow, Node: any, SID: any, DSID: any, Unlabeled: true,
		From: netip.MustParsePrefix("192.0.2.0/24"), HasFrom: true, Proto: 6, HasProto: true,
		Port: Range{Lo: 22, Hi: 22}, HasPort: true}, c.Rules[2])
	assert.Equal(t, RecvRule{Line: 30, Action: Allow, Node: any, SID: any, DSID: Range{Lo: 0x77, Hi: 0x77},
		Labeled: true, Proto: 1, HasProto: true}, c.Rules[3])
	assert.Equal(t, RecvRule{Line: 31, Action: Allow, Node: any, SID: any, DSID: any, Proto: 47, HasProto: true}, c.Rules[4])
}

// TestParseConfigErrors checks that each bad line is reported at its file
// and line with a message naming the problem.
func TestParseConfigErrors(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string // "file:line: substring"
	}{
		{"missing node", "doi 5\n", []string{`test.conf:0: missing "node"`}},
		{"unknown directive", "node 1\nfrobnicate 3\n", []string{`test.conf:2: unknown directive "frobnicate"`}},
		{"bad number", "node one\n", []string{`test.conf:1: bad node ID "one"`}},
		{"number too big", "node 0x100000000\n", []string{`test.conf:1: bad node ID`}},
		{"node twice", "node 1\nnode 2\n", []string{`test.conf:2: "node" given twice (first on line 1)`}},
		{"arg count", "node 1 2\n", []string{`test.conf:1: "node" takes 1 argument(s), got 2`}},
		{"doi zero", "node 1\ndoi 0\n", []string{`test.conf:2: DOI 0 is reserved`}},
		{"queue kind", "node 1\nqueue up 3\n", []string{`test.conf:2: queue: want "out" or "in"`}},
		{"queue range", "node 1\nqueue in 70000\n", []string{`test.conf:2: queue number 70000 out of range`}},
		{"queues equal", "node 1\nqueue out 4\nqueue in 4\n", []string{`test.conf:3: queue in and queue out must differ`}},
		{"overload", "node 1\noverload maybe\n", []string{`test.conf:2: overload: want fail-closed or fail-open`}},
		{"neutralise", "node 1\nneutralise erase\n", []string{`test.conf:2: neutralise: want nop or translate`}},
		{"translate needs doi", "node 1\nneutralise translate level 2\n", []string{`test.conf:2: neutralise translate needs "doi N"`}},
		{"translate level", "node 1\nneutralise translate doi 16 level 256\n", []string{`test.conf:2: level 256 out of range`}},
		{"translate same doi", "node 1\ndoi 16\nneutralise translate doi 16\n", []string{`test.conf:3: translate doi must differ`}},
		{"icmp", "node 1\nicmp maybe\n", []string{`test.conf:2: want on or off`}},
		{"label selector", "node 1\nlabel pid 5 sid 1\n", []string{`test.conf:2: label: unknown selector "pid"`}},
		{"label action", "node 1\nlabel uid 5 sid\n", []string{`test.conf:2: label: want "sid N"`}},
		{"label mark mask", "node 1\nlabel mark 0x10/0x0f sid 1\n", []string{`test.conf:2: mark 0x10/0x0f: value has bits outside the mask`}},
		{"prefix", "node 1\ndest-sid 2001:db8::/32 5\n", []string{`test.conf:2: bad IPv4 address or prefix "2001:db8::/32"`}},
		{"peer", "node 1\npeer 2\n", []string{`test.conf:2: peer: want "peer NODE PREFIX..."`}},
		{"rule match", "node 1\nallow colour red\n", []string{`test.conf:2: allow: unknown match "colour"`}},
		{"rule value", "node 1\nallow node\n", []string{`test.conf:2: allow: "node" needs a value`}},
		{"rule range", "node 1\nreject sid 9-3\n", []string{`test.conf:2: empty SID range 9-3`}},
		{"port without proto", "node 1\nallow port 53\n", []string{`test.conf:2: allow: "port" needs "proto udp" or "proto tcp"`}},
		{"port range", "node 1\nallow proto udp port 70000\n", []string{`test.conf:2: port 70000 out of range`}},
		{"unlabeled and node", "node 1\nallow unlabeled node 3\n", []string{`test.conf:2: allow: "unlabeled" cannot be combined`}},
		{"mtu", "node 1\nmtu 100\n", []string{`test.conf:2: mtu 100 out of range 576..65535`}},
		{"default", "node 1\ndefault maybe\n", []string{`test.conf:2: default: want allow or reject`}},
		{"several errors", "node x\n\n# ok\nbogus\nallow port 1\n", []string{
			`test.conf:1: bad node ID "x"`, `test.conf:4: unknown directive "bogus"`, `test.conf:5: allow: "port" needs`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := ParseConfig("test.conf", strings.NewReader(tc.text))
			require.Error(t, err)
			assert.Nil(t, c)
			lines := strings.Split(err.Error(), "\n")
			require.Len(t, lines, len(tc.want), "errors: %v", err)
			for i, w := range tc.want {
				assert.Contains(t, lines[i], w)
			}
			var ce *ConfigError
			require.True(t, errors.As(err, &ce))
			assert.Equal(t, "test.conf", ce.File)
		})
	}
}

func TestParseConfigErrorCap(t *testing.T) {
	text := "node 1\n" + strings.Repeat("bogus\n", 50)
	_, err := ParseConfig("test.conf", strings.NewReader(text))
	require.Error(t, err)
	assert.Len(t, strings.Split(err.Error(), "\n"), maxConfigErrors)
}

func TestLoadConfigFileName(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dsmd.conf")
	require.NoError(t, os.WriteFile(p, []byte("node 1\n\nlabel uid x sid 1\n"), 0o600))
	_, err := LoadConfig(p)
	require.Error(t, err)
	assert.Contains(t, err.Error(), p+":3: bad uid \"x\"")

	_, err = LoadConfig(filepath.Join(t.TempDir(), "missing.conf"))
	assert.ErrorIs(t, err, os.ErrNotExist)
}

func TestMaxLabelLen(t *testing.T) {
	// dsm-network-sid.md "What DSM sent": 20 octets for SSID and node,
	// 26 (28 aligned) with a serial and a destination SID too.
	assert.Equal(t, 20, mustConfig(t, "node 1\n").MaxLabelLen())
	assert.Equal(t, 28, mustConfig(t, "node 1\nserial 3\n").MaxLabelLen())
	assert.Equal(t, 32, mustConfig(t, "node 1\nserial 3\ndest-sid 0.0.0.0/0 5\n").MaxLabelLen())
}

func TestSetupScript(t *testing.T) {
	c := mustConfig(t, "node 1\nqueue out 3\nqueue in 4\n")
	s := SetupScript(c, false)
	assert.Contains(t, s, "iptables -t mangle -A OUTPUT ! -o lo -j NFQUEUE --queue-num 3\n")
	assert.Contains(t, s, "iptables -t mangle -A PREROUTING ! -i lo -j NFQUEUE --queue-num 4\n")
	assert.Contains(t, s, "iptables -t mangle -A POSTROUTING ! -o lo -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440\n")
	assert.NotContains(t, s, "netlabelctl")
	assert.NotContains(t, s, "--queue-bypass")

	c = mustConfig(t, "node 1\nmtu 9000\nserial 1\n")
	assert.Contains(t, SetupScript(c, false), "-j TCPMSS --set-mss 8932\n") // 9000 - 40 - 28

	c = mustConfig(t, "node 1\noverload fail-open\ninterface eth0 eth1\nneutralise translate doi 16\n")
	s = SetupScript(c, false)
	assert.Contains(t, s, "iptables -t mangle -A OUTPUT -o eth0 -j NFQUEUE --queue-num 1 --queue-bypass\n")
	assert.Contains(t, s, "iptables -t mangle -A PREROUTING -i eth1 -j NFQUEUE --queue-num 2 --queue-bypass\n")
	assert.Contains(t, s, "netlabelctl cipsov4 add pass doi:16 tags:1\n")
	d := SetupScript(c, true)
	assert.Contains(t, d, "iptables -t mangle -D OUTPUT -o eth0 -j NFQUEUE --queue-num 1 --queue-bypass\n")
	assert.Contains(t, d, "netlabelctl cipsov4 del doi:16\n")
	assert.NotContains(t, d, " -A ")
}

func TestRunFlags(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dsmd.conf")
	require.NoError(t, os.WriteFile(p, []byte("node 1\n"), 0o600))
	var out, errb strings.Builder
	assert.Equal(t, 0, run([]string{"--config", p, "--setup"}, &out, &errb))
	assert.Contains(t, out.String(), "-j NFQUEUE --queue-num 1")

	out.Reset()
	assert.Equal(t, 0, run([]string{"--config", p, "--check"}, &out, &errb))
	assert.Equal(t, p+": ok\n", out.String())

	require.NoError(t, os.WriteFile(p, []byte("node 1\nnode 2\n"), 0o600))
	errb.Reset()
	assert.Equal(t, 1, run([]string{"--config", p, "--check"}, &out, &errb))
	assert.Contains(t, errb.String(), p+":2:")

	assert.Equal(t, 2, run([]string{"--config", p, "extra"}, &out, &errb))
	assert.Equal(t, 2, run([]string{"--bogus"}, &out, &errb))
}
