package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHelpAndVersion(t *testing.T) {
	var out, errb bytes.Buffer
	require.Equal(t, 0, run([]string{"--help"}, &out, &errb))
	assert.Empty(t, errb.String())
	for _, f := range []string{"--config file", "--datapath path", "--log-format format", "--metrics address", "--version", "--disarm"} {
		assert.Contains(t, out.String(), "\n  "+f+"\n", "--help lists %s", f)
	}
	assert.NotContains(t, out.String(), "\n  -config", "a flag spelled with one dash")

	out.Reset()
	require.Equal(t, 0, run([]string{"bpf-verdict", "--help"}, &out, &errb))
	assert.Contains(t, out.String(), "\n  --doi-config file\n")
	assert.Empty(t, errb.String())

	out.Reset()
	require.Equal(t, 0, run([]string{"--version"}, &out, &errb))
	assert.True(t, strings.HasPrefix(out.String(), "dsmd "), "%q", out.String())
	assert.Contains(t, out.String(), "go1.", "the Go version of the build")
}

func TestFlagErrors(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--config"}, "dsmd: flag needs an argument: --config (dsmd --help lists the flags)\n"},
		{[]string{"--confi", "x"}, "dsmd: flag provided but not defined: --confi (dsmd --help lists the flags)\n"},
		{[]string{"--setup=maybe"}, `dsmd: invalid boolean value "maybe" for --setup: parse error (dsmd --help lists the flags)` + "\n"},
		{[]string{"--log-format", "xml", "--config", "example.conf"}, "dsmd: --log-format \"xml\": want text or json\n"},
	}
	for _, tc := range tests {
		var out, errb bytes.Buffer
		assert.Equal(t, 2, run(tc.args, &out, &errb), "%q", tc.args)
		assert.Equal(t, tc.want, errb.String(), "%q", tc.args)
	}
}

func TestLogFormats(t *testing.T) {
	var b bytes.Buffer
	l, err := newLogger("json", &b)
	require.NoError(t, err)
	l.Info("counters", logAttrs(Snapshot{}.Counters())...)
	var m map[string]any
	require.NoError(t, json.Unmarshal(b.Bytes(), &m), "%s", b.String())
	ts, ok := m["time"].(string)
	require.True(t, ok, "no time in %s", b.String())
	_, err = time.Parse(time.RFC3339Nano, ts)
	require.NoError(t, err)
	assert.Equal(t, "counters", m["msg"])
	assert.Equal(t, 0.0, m["in.forged"])

	b.Reset()
	l, err = newLogger("text", &b)
	require.NoError(t, err)
	printfTo(l)("dsmd: in: %s", "a refused packet")
	assert.Regexp(t, `^time=\S+ level=WARN msg="in: a refused packet"\n$`, b.String())
}

// TestWriteMetrics: every counter of a snapshot whose counters all differ
// appears once, typed as a counter, with its own value.
func TestWriteMetrics(t *testing.T) {
	var s Snapshot
	v := uint64(100)
	next := func() uint64 { v++; return v }
	for i := range s.Out {
		s.Out[i] = next()
	}
	for i := range s.In {
		s.In[i] = next()
	}
	s.ICMPSent, s.ICMPLimited, s.LogsLimited, s.Overruns, s.Errors = next(), next(), next(), next(), next()
	s.VerdictRetries, s.VerdictDrops = next(), next()
	var b bytes.Buffer
	writeMetrics(&b, s.Counters(), 3, 4)
	got := map[string]uint64{}
	typed := map[string]bool{}
	sc := bufio.NewScanner(&b)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if f[0] == "#" {
			require.Equal(t, []string{"#", "TYPE"}, f[:2])
			require.Equal(t, "counter", f[3])
			typed[f[2]] = true
			continue
		}
		require.Len(t, f, 2, sc.Text())
		require.NotContains(t, got, f[0], "%s twice", f[0])
		n, err := strconv.ParseUint(f[1], 10, 64)
		require.NoError(t, err)
		got[f[0]] = n
		assert.True(t, typed[f[0]], "%s has no TYPE line before it", f[0])
		assert.Regexp(t, `^dsmd_[a-z_]+_total$`, f[0])
	}
	assert.Equal(t, s.Out[OutLabeled], got["dsmd_labeled_total"])
	assert.Equal(t, s.In[InAccepted], got["dsmd_accepted_total"])
	assert.Equal(t, s.In[InRejected]+s.In[InForged]+s.In[InStale], got["dsmd_rejected_total"])
	assert.Equal(t, s.In[InMalformed]+s.Out[OutMalformed], got["dsmd_malformed_total"])
	assert.Equal(t, s.Out[OutUnfit], got["dsmd_unfit_total"])
	assert.Equal(t, s.Out[OutUnlabeled], got["dsmd_out_unlabeled_total"])
	assert.Equal(t, s.In[InRejected], got["dsmd_in_rejected_by_rule_total"])
	assert.Equal(t, s.In[InForged], got["dsmd_in_forged_total"])
	assert.Equal(t, s.ICMPSent, got["dsmd_icmp_total"])
	assert.Equal(t, s.VerdictDrops, got["dsmd_verdict_drops_total"])
	assert.Equal(t, uint64(3), got["dsmd_reloads_total"])
	assert.Equal(t, uint64(4), got["dsmd_reload_failures_total"])
	assert.Len(t, got, 22)
}

func TestRestartOnly(t *testing.T) {
	base := "node 1\nlabel default sid 5\nallow node 2\n"
	tests := []struct {
		name, conf string
		ebpf       bool
		want       string // "" when the reload applies
	}{
		{"rules, labels, node, serial, rates", "node 3\nserial 9\nlabel uid 7 sid 8\nreject node 2\nallow unlabeled\ndefault allow\nicmp-rate 3\nlog-rate 1\nforeign-cipso pass\npeer 2 192.0.2.2\ndest-sid 10.0.0.0/8 4\n", false, ""},
		{"neutralise on NFQUEUE", base + "neutralise translate doi 16\n", false, ""},
		{"neutralise on eBPF", base + "neutralise translate doi 16\n", true, "neutralise changed"},
		{"doi on eBPF", base + "doi 0x10001001\n", true, "doi changed"},
		{"doi on NFQUEUE", base + "doi 0x10001001\n", false, ""},
		{"queue", base + "queue out 9\n", false, "queue changed"},
		{"queue-len", base + "queue-len 10\n", false, "queue-len changed"},
		{"overload", base + "overload fail-open\n", false, "overload changed"},
		{"interface", base + "interface eth0\n", true, "interface changed"},
		{"mtu", base + "mtu 9000\n", false, "mtu changed"},
		{"user", base + "user 65534:65534\n", false, "user changed"},
		{"icmp", base + "icmp off\n", false, "icmp changed"},
		{"several", base + "icmp off\nmtu 9000\n", false, "mtu, icmp changed, which takes a restart"},
	}
	old := mustConfig(t, base)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := restartOnly(old, mustConfig(t, tc.conf), tc.ebpf)
			if tc.want == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tc.want)
			}
		})
	}
}

// TestRangeMessages: a word where a bounded number goes names that bound.
func TestRangeMessages(t *testing.T) {
	tests := []struct{ line, want string }{
		{"queue out x", `bad queue number "x": want a number 0..65535`},
		{"queue out 70000", "queue number 70000 out of range 0..65535"},
		{"allow proto x", `bad protocol "x": want a number 0..255`},
		{"allow proto 256", "protocol 256 out of range 0..255"},
		{"allow port 1-x", `bad port "x": want a number 0..65535`},
		{"allow port 65536", "port 65536 out of range 0..65535"},
		{"neutralise translate doi 16 level x", `bad level "x": want a number 0..255`},
		{"neutralise translate doi 16 level 256", "level 256 out of range 0..255"},
		{"allow sid x", `bad SID "x": want a number 0..4294967295`},
	}
	for _, tc := range tests {
		_, err := ParseConfig("t.conf", strings.NewReader("node 1\n"+tc.line+"\n"))
		assert.ErrorContains(t, err, "t.conf:2: "+tc.want, tc.line)
	}
}

func TestRateLimiterSetRate(t *testing.T) {
	now := time.Unix(1000, 0)
	l := newRateLimiter(5)
	for range 5 {
		require.True(t, l.allow(now))
	}
	require.False(t, l.allow(now))
	l.setRate(0)
	assert.False(t, l.allow(now.Add(time.Hour)), "rate 0 allows nothing")
	l.setRate(2)
	now = now.Add(2 * time.Hour)
	assert.True(t, l.allow(now))
	assert.True(t, l.allow(now))
	assert.False(t, l.allow(now), "the burst follows the new rate")
}

// TestServeMetricsStop: stop waits for a request being answered, so a
// daemon that closes its maps after stop races no handler, and the
// endpoint it closes logs no error.
func TestServeMetricsStop(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var logs bytes.Buffer
	entered, release := make(chan struct{}), make(chan struct{})
	var rs reloadStats
	stop := serveMetrics(ln, func() ([]counter, error) {
		close(entered)
		<-release
		return []counter{{"", "labeled", 1}}, nil
	}, &rs, slog.New(slog.NewTextHandler(&logs, nil)))
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + "/metrics")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		var b bytes.Buffer
		_, _ = b.ReadFrom(resp.Body)
		got <- b.String()
	}()
	<-entered
	stopped := make(chan struct{})
	go func() { stop(); close(stopped) }()
	select {
	case <-stopped:
		t.Fatal("stop returned while a handler was running")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	select {
	case <-stopped:
	case <-time.After(5 * time.Second):
		t.Fatal("stop did not return after the handler finished")
	}
	assert.Contains(t, <-got, "dsmd_labeled_total 1")
	_, err = net.Dial("tcp", ln.Addr().String())
	assert.Error(t, err, "the listener is closed")
	time.Sleep(10 * time.Millisecond)
	assert.NotContains(t, logs.String(), "metrics endpoint stopped")
}
