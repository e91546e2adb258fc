package main

import (
	"sync"
	"time"
)

// rateLimiter is a token bucket: rate tokens a second, at most burst
// saved. A zero rate allows nothing. It is safe for concurrent use and
// does not allocate.
type rateLimiter struct {
	mu     sync.Mutex
	rate   float64
	burst  float64
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond int) *rateLimiter {
	r := float64(perSecond)
	return &rateLimiter{rate: r, burst: max(r, 1), tokens: max(r, 1)}
}

// allow takes a token if one is there.
func (l *rateLimiter) allow(now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.rate <= 0 {
		return false
	}
	if !l.last.IsZero() {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
	}
	l.last = now
	if l.tokens < 1 {
		return false
	}
	l.tokens--
	return true
}

// setRate changes the rate (and the burst with it), keeping the tokens
// saved up to the new burst.
func (l *rateLimiter) setRate(perSecond int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.rate = float64(perSecond)
	l.burst = max(l.rate, 1)
	l.tokens = min(l.tokens, l.burst)
}
