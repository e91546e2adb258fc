package main

import (
	"encoding/binary"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/iplabel/iplabel/ipopt/linuxtest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// translateDOI is the DOI the translate test would like to register with
// NetLabel (a global, kernel-wide change that linuxtest journals and
// undoes). linuxtest never touches a DOI that exists, so where the host
// uses this number the test takes a free one (linuxtest FreeDOI).
const translateDOI = 7351

// TestEndToEndTranslate: in translate mode dsmd B rewrites an accepted
// DSM label into a same-length tag-1 CIPSO label. The kernel drops that
// label while its DOI is unknown, and delivers it, options and all, once
// the DOI is configured (netlabelctl cipsov4 add pass doi:N tags:1): the
// receiving application then sees the sender's SID and node in the
// category bitmap.
func TestEndToEndTranslate(t *testing.T) {
	nl := linuxtest.ForTest(t) // skips without root and NetLabel
	doi, err := nl.FreeDOI(translateDOI)
	require.NoError(t, err)
	n := newTestNet(t)
	ca := mustConfig(t, confA)
	cb := mustConfig(t, confB+fmt.Sprintf("neutralise translate doi %d level 2\n", doi))
	n.installRules(0, ca)
	n.installRules(1, cb)
	n.startDaemon(0, ca, &logBuf{tb: t, name: "dsmd A"})
	db := n.startDaemon(1, cb, &logBuf{tb: t, name: "dsmd B"})
	rx := n.udpConn(1, &net.UDPAddr{IP: addrB, Port: 5000})
	recvOpts(t, rx)
	dial := func() *net.UDPConn {
		var c *net.UDPConn
		n.do(0, func() (err error) {
			c, err = net.DialUDP("udp4", &net.UDPAddr{IP: addrA}, &net.UDPAddr{IP: addrB, Port: 5000})
			return err
		})
		t.Cleanup(func() { c.Close() })
		setsockopt(t, c, unix.IPPROTO_IP, unix.IP_RECVERR, 1)
		return c
	}
	c := dial()

	accepted := func() uint64 { return db.Counters().Snapshot().In[InAccepted] }
	before := accepted()
	_, err = c.Write([]byte("translated-unknown-doi"))
	require.NoError(t, err)
	require.NoError(t, waitFor(3*time.Second, func() bool { return accepted() > before }))
	_, _, ok := readWithOpts(rx, 300*time.Millisecond)
	assert.False(t, ok, "a tag-1 label of an unknown DOI was delivered")
	// B's kernel answered Parameter Problem; the echo of the bad option in
	// its header was replaced by dsmd B's label on the way out, so A
	// accepted it and the socket reports it.
	e, ok := readICMPErr(c, 2*time.Second)
	require.True(t, ok, "no Parameter Problem reported to the sender")
	assert.Equal(t, uint8(12), e.typ)
	assert.Equal(t, uint32(22), e.info, "pointer at the DOI of the translated label")
	assert.Equal(t, unix.EPROTO, e.errno)

	c = dial()

	require.NoError(t, nl.ConfigureNetLabel(fmt.Sprintf("cipsov4 add pass doi:%d tags:1", doi)))
	_, err = c.Write([]byte("translated"))
	require.NoError(t, err)
	got, opts, ok := readWithOpts(rx, 3*time.Second)
	require.True(t, ok, "translated label not delivered with its DOI configured")
	assert.Equal(t, "translated", string(got))
	// 86 14, the DOI (7351 = 0x1CB7 where free), tag 1 length 14,
	// alignment 0, level 2, bitmap = SID 0x12341234, node 1, two zero
	// octets (neutralise.go).
	want := []byte{0x86, 0x14, 0x00, 0x00, 0x1c, 0xb7, 0x01, 0x0e, 0x00, 0x02,
		0x12, 0x34, 0x12, 0x34, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00}
	binary.BigEndian.PutUint32(want[2:], doi)
	assert.Equal(t, want, opts)
}
