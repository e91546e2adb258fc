package main

import (
	"errors"
	"fmt"
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
	// DSM's private DOI (fips188/dsm/RULES.md).
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

// TestParseConfigLongLine: a line over 64 KiB is an error at its own line
// (not the previous one, not "token too long"); one of exactly 64 KiB is
// read.
func TestParseConfigLongLine(t *testing.T) {
	comment := func(n int) string { return "#" + strings.Repeat("x", n-1) + "\n" }
	_, err := ParseConfig("long.conf", strings.NewReader("node 1\n"+comment(maxConfigLine)+"serial 1\n"))
	require.NoError(t, err, "a line of exactly maxConfigLine octets")

	_, err = ParseConfig("long.conf", strings.NewReader("node 1\n\n"+comment(maxConfigLine+1)+"serial 1\n"))
	require.Error(t, err)
	var ce *ConfigError
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, 3, ce.Line)
	assert.Equal(t, "long.conf:3: line longer than 65536 octets", err.Error())
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
	// What DSM sent (fips188/dsm/RULES.md): 20 octets for SSID and node, 26
	// (28 aligned) with a serial and a destination SID too.
	assert.Equal(t, 20, mustConfig(t, "node 1\n").MaxLabelLen())
	assert.Equal(t, 28, mustConfig(t, "node 1\nserial 3\n").MaxLabelLen())
	assert.Equal(t, 32, mustConfig(t, "node 1\nserial 3\ndest-sid 0.0.0.0/0 5\n").MaxLabelLen())
}

func TestSetupScript(t *testing.T) {
	jump := func(ipt, from, to string) string {
		return fmt.Sprintf("%[1]s -w -t mangle -C %[2]s -j %[3]s 2>/dev/null || %[1]s -w -t mangle -A %[2]s -j %[3]s\n", ipt, from, to)
	}
	tests := []struct {
		name, conf, ipt string
		setup           []string // lines the setup script has
		armed           []string // lines ArmInput has (none: fail-open)
		teardown        []string
	}{{
		name: "fail-closed, all devices",
		conf: "node 1\nqueue out 3\nqueue in 4\n",
		setup: []string{
			"iptables-restore -w --noflush <<'EOF'\n*mangle\n:DSMD-OUT - [0:0]\n",
			"-A DSMD-OUT ! -o lo -j NFQUEUE --queue-num 3 --queue-bypass\n",
			":DSMD-IN - [0:0]\n-A DSMD-IN ! -i lo -j NFQUEUE --queue-num 4 --queue-bypass\n",
			":DSMD-MSS - [0:0]\n-A DSMD-MSS ! -o lo -p tcp --tcp-flags SYN,RST SYN -j TCPMSS --set-mss 1440\nCOMMIT\nEOF\n",
			jump("iptables", "OUTPUT", "DSMD-OUT"),
			jump("iptables", "PREROUTING", "DSMD-IN"),
			jump("iptables", "POSTROUTING", "DSMD-MSS"),
		},
		armed: []string{
			"*mangle\n-F DSMD-OUT\n-A DSMD-OUT ! -o lo -j NFQUEUE --queue-num 3\n-F DSMD-IN\n-A DSMD-IN ! -i lo -j NFQUEUE --queue-num 4\nCOMMIT\n",
		},
		teardown: []string{
			"while iptables -w -t mangle -D OUTPUT -j DSMD-OUT 2>/dev/null; do :; done\n",
			"while iptables -w -t mangle -D PREROUTING -j DSMD-IN 2>/dev/null; do :; done\n",
			"while iptables -w -t mangle -D POSTROUTING -j DSMD-MSS 2>/dev/null; do :; done\n",
			"iptables -w -t mangle -F DSMD-MSS 2>/dev/null || true\niptables -w -t mangle -X DSMD-MSS 2>/dev/null || true\n",
		},
	}, {
		name:  "jumbo MTU and serial",
		conf:  "node 1\nmtu 9000\nserial 1\n",
		setup: []string{"-j TCPMSS --set-mss 8932\n"}, // 9000 - 40 - 28
		armed: []string{"-A DSMD-OUT ! -o lo -j NFQUEUE --queue-num 1\n"},
	}, {
		name: "fail-open, two devices, translate, iptables-legacy",
		conf: "node 1\noverload fail-open\ninterface eth0 eth1\nneutralise translate doi 16\n",
		ipt:  "iptables-legacy",
		setup: []string{
			"iptables-legacy-restore -w --noflush <<'EOF'\n",
			"-A DSMD-OUT -o eth0 -j NFQUEUE --queue-num 1 --queue-bypass\n-A DSMD-OUT -o eth1 -j NFQUEUE --queue-num 1 --queue-bypass\n",
			"-A DSMD-IN -i eth1 -j NFQUEUE --queue-num 2 --queue-bypass\n",
			jump("iptables-legacy", "OUTPUT", "DSMD-OUT"),
			"if ! netlabelctl cipsov4 list doi:16 >/dev/null 2>&1; then\n\tmkdir -p -m 0755 '/run/dsmd'\n",
			"\tnetlabelctl cipsov4 add pass doi:16 tags:1\n\trm -f '/run/dsmd/netlabel-doi-16'; (set -C; : >'/run/dsmd/netlabel-doi-16')\nfi\n",
		},
		teardown: []string{
			"while iptables-legacy -w -t mangle -D OUTPUT -j DSMD-OUT 2>/dev/null; do :; done\n",
			"iptables-legacy -w -t mangle -X DSMD-OUT 2>/dev/null || true\n",
			"if [ -e '/run/dsmd/netlabel-doi-16' ]; then netlabelctl cipsov4 del doi:16 || true; rm -f '/run/dsmd/netlabel-doi-16'; fi\n",
		},
	}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := mustConfig(t, tc.conf)
			s := SetupScript(c, false, ScriptOptions{IPTables: tc.ipt})
			for _, l := range tc.setup {
				assert.Contains(t, s, l)
			}
			// Until the daemon is bound nothing may drop: every queue rule
			// of the setup script has --queue-bypass.
			queueLines := 0
			for l := range strings.Lines(s) {
				if strings.Contains(l, "-j NFQUEUE") {
					queueLines++
					assert.Contains(t, l, "--queue-bypass", "setup queue rule without bypass: %q", l)
				}
				assert.NotContains(t, l, "-j DROP")
			}
			assert.Equal(t, 2*max(len(c.Interfaces), 1), queueLines)
			if strings.Contains(tc.conf, "translate") {
				assert.Contains(t, s, "netlabelctl")
			} else {
				assert.NotContains(t, s, "netlabelctl")
			}

			a := ArmInput(c)
			if tc.armed == nil {
				assert.Empty(t, a, "fail-open rules are never armed")
			} else {
				for _, l := range tc.armed {
					assert.Contains(t, a, l)
				}
				assert.NotContains(t, a, "--queue-bypass")
				assert.NotContains(t, a, "DSMD-MSS", "arming leaves the MSS chain alone")
			}

			d := SetupScript(c, true, ScriptOptions{IPTables: tc.ipt})
			for _, l := range tc.teardown {
				assert.Contains(t, d, l)
			}
			assert.NotContains(t, d, " -A ")
			assert.NotContains(t, d, "restore")
		})
	}
}

func TestRunFlags(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dsmd.conf")
	require.NoError(t, os.WriteFile(p, []byte("node 1\n"), 0o600))
	var out, errb strings.Builder
	assert.Equal(t, 0, run([]string{"--config", p, "--setup"}, &out, &errb))
	assert.Contains(t, out.String(), "-j NFQUEUE --queue-num 1 --queue-bypass\n")

	out.Reset()
	assert.Equal(t, 0, run([]string{"--config", p, "--teardown", "--iptables", "iptables-nft"}, &out, &errb))
	assert.Contains(t, out.String(), "while iptables-nft -w -t mangle -D OUTPUT -j DSMD-OUT")

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

func TestUserDirective(t *testing.T) {
	tests := []struct {
		line string
		want *User
		err  string // substring of the error, after "u.conf:2: "
	}{
		{"", nil, ""},
		{"user 65534:65534", &User{Name: "65534:65534", UID: 65534, GID: 65534}, ""},
		{"user 0x3e8:100", &User{Name: "0x3e8:100", UID: 1000, GID: 100}, ""},
		{"user root", &User{Name: "root", UID: 0, GID: 0}, ""},
		{"user no-such-user-dsmd", nil, `user "no-such-user-dsmd": `},
		{"user 1:x", nil, `bad gid "x"`},
		{"user 3000000000:1", nil, `user "3000000000:1": uid and gid must be below 2^31`},
		{"user a b", nil, `"user" takes 1 argument(s), got 2`},
		{"user 1:1\nuser 2:2", nil, `"user" given twice (first on line 2)`},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			c, err := ParseConfig("u.conf", strings.NewReader("node 1\n"+tc.line+"\n"))
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), "u.conf:")
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, c.User)
		})
	}
}
