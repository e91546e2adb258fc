package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync/atomic"
	"time"
)

// newLogger is the daemon's log: log/slog lines with a timestamp, in
// slog's text form ("text") or one JSON object a line ("json").
func newLogger(format string, w io.Writer) (*slog.Logger, error) {
	switch format {
	case "text":
		return slog.New(slog.NewTextHandler(w, nil)), nil
	case "json":
		return slog.New(slog.NewJSONHandler(w, nil)), nil
	}
	return nil, fmt.Errorf("--log-format %q: want text or json", format)
}

// printfTo turns the daemon's printf-style log lines (Options.Logf) into
// warnings of l, without the "dsmd: " prefix the lines carry.
func printfTo(l *slog.Logger) func(format string, args ...any) {
	return func(format string, args ...any) {
		l.Warn(strings.TrimPrefix(fmt.Sprintf(format, args...), "dsmd: "))
	}
}

// versionLine is what --version prints: the module's version and VCS
// revision as the Go toolchain recorded them (debug.ReadBuildInfo).
func versionLine() string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "dsmd (no build information)"
	}
	s := "dsmd " + bi.Main.Version
	var rev, modified string
	for _, kv := range bi.Settings {
		switch kv.Key {
		case "vcs.revision":
			rev = kv.Value
		case "vcs.modified":
			if kv.Value == "true" {
				modified = "+modified"
			}
		}
	}
	if rev != "" {
		s += " " + rev + modified
	}
	return s + " " + bi.GoVersion
}

// counter is one counter as the logs and the metrics show it: Group is
// "" for the headline counters and the daemon's own, else "out" or "in".
type counter struct {
	Group, Name string
	Value       uint64
}

// logKey is the counter's key in a log line: "labeled", "out.unlabeled".
func (c counter) logKey() string {
	if c.Group == "" {
		return c.Name
	}
	return c.Group + "." + c.Name
}

// metricName is the counter's Prometheus name: dsmd_labeled_total,
// dsmd_out_unlabeled_total.
func (c counter) metricName() string {
	n := c.Name
	if c.Group != "" {
		n = c.Group + "_" + n
	}
	return "dsmd_" + strings.ReplaceAll(n, "-", "_") + "_total"
}

// logAttrs are the counters as slog attributes, in order.
func logAttrs(cs []counter) []any {
	a := make([]any, 0, len(cs))
	for _, c := range cs {
		a = append(a, slog.Uint64(c.logKey(), c.Value))
	}
	return a
}

// writeMetrics writes the counters in the Prometheus text exposition
// format (version 0.0.4), one counter each, and dsmd_reloads_total and
// dsmd_reload_failures_total.
func writeMetrics(w io.Writer, cs []counter, reloads, failures uint64) {
	cs = append(cs, counter{Name: "reloads", Value: reloads}, counter{Name: "reload-failures", Value: failures})
	for _, c := range cs {
		n := c.metricName()
		fmt.Fprintf(w, "# TYPE %s counter\n%s %d\n", n, n, c.Value)
	}
}

// reloadStats counts the SIGHUP reloads that took effect and those that
// failed (the old configuration kept).
type reloadStats struct{ ok, failed atomic.Uint64 }

// serveMetrics serves GET /metrics on ln (the Prometheus text format of
// what counters returns) until ln is closed or stop is called. stop
// closes ln and waits for the requests being answered (up to 5 s), so
// that after it no handler calls counters.
func serveMetrics(ln net.Listener, counters func() ([]counter, error), rs *reloadStats, log *slog.Logger) (stop func()) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		cs, err := counters()
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		writeMetrics(w, cs, rs.ok.Load(), rs.failed.Load())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, net.ErrClosed) && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics endpoint stopped", "err", err)
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
}

// Counters lists the snapshot's counters: the five headline counters
// (labeled, accepted, rejected, malformed, unfit), then the details.
func (s Snapshot) Counters() []counter {
	return []counter{
		{"", "labeled", s.Out[OutLabeled]},
		{"", "accepted", s.In[InAccepted]},
		{"", "rejected", s.Rejected()},
		{"", "malformed", s.Malformed()},
		{"", "unfit", s.Out[OutUnfit]},
		{"out", "unlabeled", s.Out[OutUnlabeled]},
		{"out", "dropped", s.Out[OutDropped]},
		{"out", "malformed", s.Out[OutMalformed]},
		{"in", "unlabeled", s.In[InUnlabeled]},
		{"in", "rejected-by-rule", s.In[InRejected]},
		{"in", "forged", s.In[InForged]},
		{"in", "stale", s.In[InStale]},
		{"in", "malformed", s.In[InMalformed]},
		{"", "icmp", s.ICMPSent},
		{"", "icmp-limited", s.ICMPLimited},
		{"", "logs-limited", s.LogsLimited},
		{"", "overruns", s.Overruns},
		{"", "errors", s.Errors},
		{"", "verdict-retries", s.VerdictRetries},
		{"", "verdict-drops", s.VerdictDrops},
	}
}
