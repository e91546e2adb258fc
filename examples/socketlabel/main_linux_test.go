package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt/linuxtest"
	"github.com/iplabel/iplabel/ipopt/sockopt"
)

// testDOIs are configured with netlabelctl for these tests (NetLabel is
// global to the kernel; linuxtest never touches DOIs that exist, so where
// the host uses one of these numbers a free one is configured instead, and
// removes them at the end). The tests write labels for the numbers used.
var testDOIs = []string{
	"cipsov4 add pass doi:3201 tags:1,2,5",
	"cipsov4 add trans doi:3202 tags:1 levels:7=2 categories:100=0,200=9",
}

// netlabel makes a private network namespace with lo up (the tests run
// their sockets in it with ns.Do, so nothing leaves it), configures the
// test DOIs and writes them to a -doi-config file; it skips without root
// and netlabelctl.
func netlabel(t *testing.T) (ns *linuxtest.Namespace, cfg string, dois linuxtest.DOIs) {
	ns = linuxtest.ForTest(t)
	dois, err := ns.ConfigureDOIs(testDOIs...)
	require.NoError(t, err)
	var conf strings.Builder
	for _, l := range testDOIs {
		conf.WriteString(dois.Rewrite(l) + "\n")
	}
	cfg = filepath.Join(t.TempDir(), "doi.conf")
	require.NoError(t, os.WriteFile(cfg, []byte(conf.String()), 0o644))
	return ns, cfg, dois
}

// withDOI returns opt, a CIPSO option, with its DOI octets set to doi.
func withDOI(opt []byte, doi uint32) []byte {
	binary.BigEndian.PutUint32(opt[2:], doi)
	return opt
}

// TestLabeledExchange labels a UDP socket with IP_OPTIONS and reads the
// peer's options with IP_RECVOPTS, in a private network namespace on lo
// with netlabelctl-configured DOIs: the receiver gets the label exactly
// as set (padded with EOL to a multiple of 4), and decodes it.
func TestLabeledExchange(t *testing.T) {
	ns, cfg, dois := netlabel(t)
	pass, trans := dois.Of(3201), dois.Of(3202)
	f, err := os.Open(cfg)
	require.NoError(t, err)
	reg, err := cipso.ParseConfig(f)
	f.Close()
	require.NoError(t, err)

	cases := []struct {
		name   string
		doi    cipso.DOI
		level  uint32
		cats   string
		want   []byte // the options field the receiver gets
		labels string // Describe's words for it
	}{
		// Linux's generator for a pass DOI (cipso_v4_genopt in
		// net/ipv4/cipso_ipv4.c): the first tag the DOI lists, tag 1,
		// with the minimal bitmap.
		{"tag 1", cipso.DOI(pass), 3, "0,5", withDOI([]byte{0x86, 0x0b, 0, 0, 0x0c, 0x81, 1, 5, 0, 3, 0x84, 0}, pass), fmt.Sprintf("CIPSO DOI %d, label s3:c0,c5 (host values)", pass)},
		// Category 300 does not fit a bitmap: tag 2.
		{"tag 2 fallback", cipso.DOI(pass), 1, "300", withDOI([]byte{0x86, 0x0c, 0, 0, 0x0c, 0x81, 2, 6, 0, 1, 0x01, 0x2c}, pass), fmt.Sprintf("CIPSO DOI %d, label s1:c300 (host values)", pass)},
		// Trans DOI: host level 7, categories 100 and 200 go as 2, {0, 9}.
		{"trans", cipso.DOI(trans), 7, "100,200", withDOI([]byte{0x86, 0x0c, 0, 0, 0x0c, 0x82, 1, 6, 0, 2, 0x80, 0x40}, trans), fmt.Sprintf("CIPSO DOI %d, label s7:c100,c200 (host values)", trans)},
	}
	require.NoError(t, ns.Do(func() error {
		for _, c := range cases {
			label, err := encodeLabel(reg, true, c.doi, c.level, c.cats)
			if !assert.NoError(t, err, c.name) {
				continue
			}
			rc, err := receiver("127.0.0.1:0")
			require.NoError(t, err)
			sc, err := labeledSender(label)
			if !assert.NoError(t, err, c.name) {
				rc.Close()
				continue
			}
			_, err = sc.WriteToUDP([]byte("hello"), rc.LocalAddr().(*net.UDPAddr))
			require.NoError(t, err)
			require.NoError(t, rc.SetReadDeadline(time.Now().Add(5*time.Second)))
			buf := make([]byte, 100)
			oob := make([]byte, sockopt.ControlLen)
			n, from, m, err := sockopt.ReadMsgUDP(rc, buf, oob)
			require.NoError(t, err, c.name)
			assert.Equal(t, "hello", string(buf[:n]), c.name)
			assert.Equal(t, sc.LocalAddr().(*net.UDPAddr).Port, int(from.Port()), c.name)
			assert.Equal(t, c.want, m.Options, c.name)
			assert.Equal(t, c.labels, Describe(m.Options, reg), c.name)
			sc.Close()
			rc.Close()
		}
		return nil
	}))
}

// TestKernelRefusesLabels: setsockopt(IP_OPTIONS) refuses what the
// kernel's option check (cipso_v4_validate in net/ipv4/cipso_ipv4.c, with
// no packet) refuses: a DOI that is not configured, a tag the DOI does
// not permit (a trans DOI permits only tag 1), the local tag 128.
func TestKernelRefusesLabels(t *testing.T) {
	ns, _, dois := netlabel(t)
	pass, trans := dois.Of(3201), dois.Of(3202)
	unconfigured, err := ns.FreeDOI(3327)
	require.NoError(t, err)
	require.NoError(t, ns.Do(func() error {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		require.NoError(t, err)
		defer c.Close()
		for _, opts := range [][]byte{
			withDOI([]byte{0x86, 0x0a, 0, 0, 0x0c, 0xff, 1, 4, 0, 3, 0, 0}, unconfigured), // a DOI not configured
			withDOI([]byte{0x86, 0x0a, 0, 0, 0x0c, 0x82, 2, 4, 0, 3, 0, 0}, trans),        // tag 2 in the trans DOI
			withDOI([]byte{0x86, 0x0c, 0, 0, 0x0c, 0x81, 0x80, 6, 1, 0, 0, 0}, pass),      // tag 128
		} {
			err := sockopt.SetOptions(c, opts)
			assert.True(t, errors.Is(err, unix.EINVAL), "% x: %v", opts, err)
		}
		assert.NoError(t, sockopt.SetOptions(c, withDOI([]byte{0x86, 0x0a, 0, 0, 0x0c, 0x81, 1, 4, 0, 3, 0, 0}, pass)))
		assert.NoError(t, sockopt.SetOptions(c, nil), "clearing the options")
		return nil
	}))
}

// TestRunDemo runs the program's default mode (both ends on loopback).
func TestRunDemo(t *testing.T) {
	ns, cfg, dois := netlabel(t)
	pass := dois.Of(3201)
	require.NoError(t, ns.Do(func() error {
		var out, errb bytes.Buffer
		code := run([]string{"-doi-config", cfg, "-doi", strconv.Itoa(int(pass)), "-level", "3", "-categories", "0,5", "-count", "2"}, &out, &errb)
		assert.Equal(t, 0, code, errb.String())
		ls := strings.Split(strings.TrimSpace(out.String()), "\n")
		require.Len(t, ls, 2)
		for _, l := range ls {
			assert.Contains(t, l, fmt.Sprintf("options [86 0b %02x %02x %02x %02x 01 05 00 03 84 00]", byte(pass>>24), byte(pass>>16), byte(pass>>8), byte(pass)))
			assert.Contains(t, l, fmt.Sprintf("CIPSO DOI %d, label s3:c0,c5", pass))
		}
		out.Reset()
		errb.Reset()
		code = run([]string{"-doi-config", cfg, "-doi", "3299", "-level", "3"}, &out, &errb)
		assert.Equal(t, 2, code)
		assert.Contains(t, errb.String(), "DOI 3299 is not in -doi-config")
		return nil
	}))
}
