package main

import (
	"bytes"
	"io"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCaptureFramesInPlace: a pcap frame is read in place in the capture's
// buffer, so it must be exactly the record's data and end there: growing
// one (as rewrite may) must not write over the packets after it.
func TestCaptureFramesInPlace(t *testing.T) {
	frames := sampleFrames(t)
	data := pcapOf(t, layers.LinkTypeEthernet, frames...)
	c, err := openCapture("x", bytes.NewReader(data), int64(len(data)))
	require.NoError(t, err)
	for i, want := range frames {
		frame, ci, link, err := c.next()
		require.NoError(t, err, "packet %d", i+1)
		assert.Equal(t, want, frame, "packet %d", i+1)
		assert.Equal(t, len(frame), cap(frame), "packet %d: the frame ends with its record", i+1)
		assert.Equal(t, len(want), ci.CaptureLength)
		assert.Equal(t, len(want), ci.Length)
		assert.Equal(t, layers.LinkTypeEthernet, link)
		assert.Equal(t, int64(1700000000+i), ci.Timestamp.Unix(), "packet %d", i+1)
	}
	_, _, _, err = c.next()
	assert.Equal(t, io.EOF, err)
}
