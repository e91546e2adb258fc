package main

import (
	"errors"
	"fmt"
	"testing"
	"time"

	nfqueue "github.com/florianl/go-nfqueue/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sentVerdict is one verdict the fake was asked to send.
type sentVerdict struct {
	verdict int
	mod     bool // with a rewritten packet
}

// fakeVerdicts fails the sends that fail says should fail (by call
// number, from 0) and records every call.
type fakeVerdicts struct {
	fail  func(call int, v sentVerdict) bool
	calls []sentVerdict
}

var errSend = errors.New("netlink send: resource temporarily unavailable")

func (f *fakeVerdicts) send(v sentVerdict) error {
	f.calls = append(f.calls, v)
	if f.fail(len(f.calls)-1, v) {
		return errSend
	}
	return nil
}

func (f *fakeVerdicts) SetVerdict(_ uint32, v int) error { return f.send(sentVerdict{v, false}) }

func (f *fakeVerdicts) SetVerdictModPacket(_ uint32, v int, _ []byte) error {
	return f.send(sentVerdict{v, true})
}

// TestVerdictRetry checks that a verdict that cannot be sent is retried,
// then replaced by a drop, and that the daemon stops (which makes the
// kernel drop what is queued) when not even the drop can be sent: no
// packet is left in the kernel's queue.
func TestVerdictRetry(t *testing.T) {
	var (
		acceptMod = sentVerdict{nfqueue.NfAccept, true}
		accept    = sentVerdict{nfqueue.NfAccept, false}
		drop      = sentVerdict{nfqueue.NfDrop, false}
	)
	never := func(int, sentVerdict) bool { return false }
	always := func(int, sentVerdict) bool { return true }
	firstN := func(n int) func(int, sentVerdict) bool {
		return func(call int, _ sentVerdict) bool { return call < n }
	}
	notDrop := func(_ int, v sentVerdict) bool { return v != drop }
	tests := []struct {
		name      string
		want      sentVerdict
		fail      func(int, sentVerdict) bool
		calls     []sentVerdict
		retries   uint64
		drops     uint64 // verdicts replaced by a drop
		errors    uint64
		stopped   bool // the daemon failed
		logSubstr string
	}{
		{name: "sent at once", want: acceptMod, fail: never,
			calls: []sentVerdict{acceptMod}},
		{name: "second try", want: acceptMod, fail: firstN(1),
			calls: []sentVerdict{acceptMod, acceptMod}, retries: 1},
		{name: "third try", want: drop, fail: firstN(2),
			calls: []sentVerdict{drop, drop, drop}, retries: 2},
		{name: "rewritten accept never goes: dropped", want: acceptMod, fail: notDrop,
			calls: []sentVerdict{acceptMod, acceptMod, acceptMod, drop}, retries: 2, drops: 1, errors: 1,
			logSubstr: "verdict for packet 7 failed, dropped it instead"},
		{name: "plain accept never goes: dropped on a retry", want: accept, fail: firstN(4),
			calls: []sentVerdict{accept, accept, accept, drop, drop}, retries: 3, drops: 1, errors: 1},
		{name: "nothing goes: daemon stops", want: acceptMod, fail: always,
			calls:   []sentVerdict{acceptMod, acceptMod, acceptMod, drop, drop, drop},
			retries: 4, errors: 1, stopped: true},
		{name: "drop never goes: daemon stops", want: drop, fail: always,
			calls: []sentVerdict{drop, drop, drop}, retries: 2, errors: 1, stopped: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var logs []string
			cfg := mustConfig(t, "node 1\n")
			d := &Daemon{
				now: time.Now, logLim: newRateLimiter(cfg.LogRate),
				done:   make(chan struct{}),
				cancel: func() {},
				opt:    Options{Logf: func(f string, a ...any) { logs = append(logs, fmt.Sprintf(f, a...)) }},
			}
			d.cfg.Store(cfg)
			f := &fakeVerdicts{fail: tc.fail}
			q := &queue{d: d, nf: f}
			var pkt []byte
			if tc.want.mod {
				pkt = []byte{0x45}
			}
			q.verdict(7, tc.want.verdict, pkt)

			assert.Equal(t, tc.calls, f.calls)
			s := d.Counters().Snapshot()
			assert.Equal(t, tc.retries, s.VerdictRetries, "retries")
			assert.Equal(t, tc.drops, s.VerdictDrops, "replaced by a drop")
			assert.Equal(t, tc.errors, s.Errors, "errors")
			if tc.stopped {
				select {
				case <-d.Done():
				case <-time.After(5 * time.Second):
					t.Fatal("daemon did not stop")
				}
				require.Error(t, d.Err())
				assert.ErrorIs(t, d.Err(), errSend)
				assert.Contains(t, d.Err().Error(), "queue in 2: no verdict could be sent for packet 7")
			} else {
				assert.NoError(t, d.Err())
				select {
				case <-d.Done():
					t.Fatal("daemon stopped")
				default:
				}
			}
			if tc.logSubstr != "" {
				require.Len(t, logs, 1)
				assert.Contains(t, logs[0], tc.logSubstr)
			}
		})
	}
}
