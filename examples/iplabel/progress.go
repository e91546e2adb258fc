package main

import (
	"io"
	"strconv"
	"time"
)

// progress shows how far a long run has got, on stderr, only when stderr
// is a terminal: a line rewritten in place ("\r"), first after a second,
// then at most four times a second, and erased at the end. It checks the
// clock once every 4096 packets, so it costs nothing per packet.
type progress struct {
	w           io.Writer // nil: off
	what        string    // "dump", "rewrite"
	size        int64     // file size, or -1
	start, last time.Time
	shown       bool
	buf         []byte
}

func newProgress(stderr io.Writer, what string, size int64) *progress {
	p := &progress{what: what, size: size}
	if isTerminal(stderr) {
		p.w = stderr
		p.start = time.Now()
	}
	return p
}

// tick is called after each packet with the octets read so far and the
// packet count.
func (p *progress) tick(read int64, packets int) {
	if p.w == nil || packets&4095 != 0 {
		return
	}
	now := time.Now()
	if now.Sub(p.start) < time.Second || now.Sub(p.last) < 250*time.Millisecond {
		return
	}
	p.last = now
	b := append(p.buf[:0], "\riplabel: "...)
	b = append(b, p.what...)
	b = append(b, ": "...)
	if p.size > 0 {
		b = strconv.AppendInt(b, read*100/p.size, 10)
		b = append(b, "%, "...)
	}
	b = strconv.AppendInt(b, int64(packets), 10)
	b = append(b, " packets\x1b[K"...)
	p.buf = b
	p.w.Write(b)
	p.shown = true
}

// done erases the progress line.
func (p *progress) done() {
	if p.shown {
		p.w.Write([]byte("\r\x1b[K"))
		p.shown = false
	}
}
