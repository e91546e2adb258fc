package main

import (
	"fmt"
	"sync/atomic"
)

// Counters are the daemon's packet counters. They are updated with atomic
// adds from both queues and may be read at any time.
type Counters struct {
	Out [len(outNames)]atomic.Uint64 // by OutOutcome
	In  [len(inNames)]atomic.Uint64  // by InOutcome

	ICMPSent      atomic.Uint64 // Destination Unreachable code 10 sent
	ICMPLimited   atomic.Uint64 // not sent: rate limit
	LogsLimited   atomic.Uint64 // reject logs suppressed by the rate limit
	QueueOverruns atomic.Uint64 // ENOBUFS: the kernel dropped queue messages
	Errors        atomic.Uint64 // verdicts that could not be sent, other errors

	VerdictRetries atomic.Uint64 // verdict sends repeated after a failure
	VerdictDrops   atomic.Uint64 // verdicts that failed and were replaced by a drop
}

// Snapshot is a copy of the counters at one moment.
type Snapshot struct {
	Out                                                  [len(outNames)]uint64
	In                                                   [len(inNames)]uint64
	ICMPSent, ICMPLimited, LogsLimited, Overruns, Errors uint64
	VerdictRetries, VerdictDrops                         uint64
}

// Snapshot reads every counter.
func (c *Counters) Snapshot() Snapshot {
	var s Snapshot
	for i := range c.Out {
		s.Out[i] = c.Out[i].Load()
	}
	for i := range c.In {
		s.In[i] = c.In[i].Load()
	}
	s.ICMPSent, s.ICMPLimited = c.ICMPSent.Load(), c.ICMPLimited.Load()
	s.LogsLimited, s.Overruns, s.Errors = c.LogsLimited.Load(), c.QueueOverruns.Load(), c.Errors.Load()
	s.VerdictRetries, s.VerdictDrops = c.VerdictRetries.Load(), c.VerdictDrops.Load()
	return s
}

// Rejected is every incoming packet refused by policy: rule rejects,
// forged labels and stale serials.
func (s Snapshot) Rejected() uint64 {
	return s.In[InRejected] + s.In[InForged] + s.In[InStale]
}

// Malformed counts malformed packets in both directions.
func (s Snapshot) Malformed() uint64 { return s.In[InMalformed] + s.Out[OutMalformed] }

// String gives the five headline counters of the issue (labeled,
// accepted, rejected, malformed, unfit), then the details.
func (s Snapshot) String() string {
	return fmt.Sprintf("labeled=%d accepted=%d rejected=%d malformed=%d unfit=%d"+
		" | out: unlabeled=%d dropped=%d malformed=%d"+
		" | in: unlabeled=%d rejected-by-rule=%d forged=%d stale=%d malformed=%d"+
		" | icmp=%d icmp-limited=%d logs-limited=%d overruns=%d errors=%d"+
		" verdict-retries=%d verdict-drops=%d",
		s.Out[OutLabeled], s.In[InAccepted], s.Rejected(), s.Malformed(), s.Out[OutUnfit],
		s.Out[OutUnlabeled], s.Out[OutDropped], s.Out[OutMalformed],
		s.In[InUnlabeled], s.In[InRejected], s.In[InForged], s.In[InStale], s.In[InMalformed],
		s.ICMPSent, s.ICMPLimited, s.LogsLimited, s.Overruns, s.Errors,
		s.VerdictRetries, s.VerdictDrops)
}
