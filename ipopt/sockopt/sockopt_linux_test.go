//go:build linux

package sockopt_test

import (
	"errors"
	"net"
	"os"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/linuxtest"
	"github.com/iplabel/iplabel/ipopt/sockopt"
)

// cmsg appends one control message as the kernel's put_cmsg writes it: a
// header of CmsgLen(len(data)) and data, padded to CmsgSpace.
func cmsg(b []byte, level, typ int32, data []byte) []byte {
	start := len(b)
	b = append(b, make([]byte, unix.CmsgSpace(len(data)))...)
	h := (*unix.Cmsghdr)(unsafe.Pointer(&b[start]))
	h.Level, h.Type = level, typ
	h.SetLen(unix.CmsgLen(len(data)))
	copy(b[start+unix.CmsgLen(0):], data)
	return b
}

func TestParseControl(t *testing.T) {
	opts := []byte{0x86, 0x0b, 0, 0, 0, 16, 0x01, 0x05, 0, 3, 0x84, 0}
	ret := []byte{0x07, 0x07, 0x08, 127, 0, 0, 1, 0}
	ctx := []byte("system_u:object_r:unlabeled_t:s0\x00")
	ttl := []byte{64, 0, 0, 0}
	cases := []struct {
		name string
		oob  []byte
		want sockopt.Control
		err  bool
	}{
		{name: "none", oob: nil},
		{name: "options", oob: cmsg(nil, unix.IPPROTO_IP, unix.IP_RECVOPTS, opts), want: sockopt.Control{Options: opts}},
		{name: "all three and a TTL", oob: cmsg(cmsg(cmsg(cmsg(nil, unix.IPPROTO_IP, unix.IP_TTL, ttl), unix.IPPROTO_IP, unix.IP_RETOPTS, ret), unix.IPPROTO_IP, unix.SCM_SECURITY, ctx), unix.IPPROTO_IP, unix.IP_RECVOPTS, opts),
			want: sockopt.Control{Options: opts, RetOptions: ret, SecurityContext: ctx}},
		{name: "another level", oob: cmsg(nil, unix.SOL_SOCKET, unix.IP_RECVOPTS, opts)},
		{name: "cut short", oob: cmsg(nil, unix.IPPROTO_IP, unix.IP_RECVOPTS, opts)[:unix.CmsgLen(0)-1], err: true},
		{name: "length past the buffer", oob: cmsg(nil, unix.IPPROTO_IP, unix.IP_RECVOPTS, opts)[:unix.CmsgLen(4)], err: true},
	}
	for _, c := range cases {
		m, err := sockopt.ParseControl(c.oob)
		if c.err {
			assert.ErrorIs(t, err, unix.EINVAL, c.name)
			assert.Equal(t, sockopt.Control{}, m, c.name)
			continue
		}
		require.NoError(t, err, c.name)
		assert.Equal(t, c.want, m, c.name)
	}
}

func TestParseControlAllocs(t *testing.T) {
	var buf [256]byte
	oob := cmsg(cmsg(buf[:0], unix.IPPROTO_IP, unix.IP_RETOPTS, []byte{1, 1, 1, 1}), unix.IPPROTO_IP, unix.IP_RECVOPTS, []byte{1, 1, 1, 0})
	n := testing.AllocsPerRun(100, func() {
		if m, err := sockopt.ParseControl(oob); err != nil || len(m.Options) != 4 {
			t.Fatal(m, err)
		}
	})
	assert.Zero(t, n)
}

// pair is a receiver and a sender UDP socket on 127.0.0.1.
func pair(t *testing.T) (rc, sc *net.UDPConn) {
	rc, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	sc, err = net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	return rc, sc
}

// exchange sends one datagram from sc to rc and reads it with ReadMsgUDP.
func exchange(t *testing.T, rc, sc *net.UDPConn) sockopt.Control {
	_, err := sc.WriteToUDPAddrPort([]byte("hello"), rc.LocalAddr().(*net.UDPAddr).AddrPort())
	require.NoError(t, err)
	require.NoError(t, rc.SetReadDeadline(time.Now().Add(5*time.Second)))
	buf := make([]byte, 64)
	oob := make([]byte, sockopt.ControlLen)
	n, from, m, err := sockopt.ReadMsgUDP(rc, buf, oob)
	require.NoError(t, err)
	assert.Equal(t, "hello", string(buf[:n]))
	assert.Equal(t, sc.LocalAddr().(*net.UDPAddr).AddrPort(), from)
	return m
}

// securityModule reports whether the kernel has a security module that
// labels sockets (the LSM list names SELinux or Smack).
func securityModule() bool {
	b, err := os.ReadFile("/sys/kernel/security/lsm")
	return err == nil && (strings.Contains(string(b), "selinux") || strings.Contains(string(b), "smack"))
}

// TestRecordRouteOnLoopback needs no privilege: Record Route (RFC 791
// §3.1, type 7) is an option any socket may set. The sender's kernel
// records its address in the first slot and advances the pointer by 4
// (ip_options_build in net/ipv4/ip_options.c); the receiver gets the
// option so with IP_RECVOPTS, and the same with IP_RETOPTS, which echoes
// a record route as it is (__ip_options_echo).
func TestRecordRouteOnLoopback(t *testing.T) {
	rc, sc := pair(t)
	defer rc.Close()
	defer sc.Close()
	rr := []byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00}
	require.NoError(t, sockopt.SetOptions(sc, rr))
	got, err := sockopt.Options(sc, nil)
	require.NoError(t, err)
	assert.Equal(t, rr, got)
	require.NoError(t, sockopt.SetRecvOptions(rc, true))
	require.NoError(t, sockopt.SetRetOptions(rc, true))
	require.NoError(t, sockopt.SetPassSec(rc, true))

	m := exchange(t, rc, sc)
	want := []byte{0x07, 0x07, 0x08, 127, 0, 0, 1, 0x00}
	assert.Equal(t, want, m.Options)
	assert.Equal(t, want, m.RetOptions)
	if securityModule() {
		assert.NotEmpty(t, m.SecurityContext)
	} else {
		assert.Nil(t, m.SecurityContext, "no security module, no SCM_SECURITY")
	}

	require.NoError(t, sockopt.SetOptions(sc, nil))
	require.NoError(t, sockopt.SetRetOptions(rc, false))
	got, err = sockopt.Options(sc, got[:0])
	require.NoError(t, err)
	assert.Empty(t, got)
	m = exchange(t, rc, sc)
	assert.Equal(t, sockopt.Control{}, m, "IP_RECVOPTS gives nothing for a datagram without options")

	// A malformed field is EINVAL (ip_options_get).
	err = sockopt.SetOptions(sc, []byte{0x07, 0x09, 0x04, 0})
	assert.ErrorIs(t, err, unix.EINVAL)
}

// TestPeerSecurityContext: SO_PEERSEC on a loopback TCP connection gives
// a context only where a security module labels sockets.
func TestPeerSecurityContext(t *testing.T) {
	l, err := net.ListenTCP("tcp4", &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1)})
	require.NoError(t, err)
	defer l.Close()
	c, err := net.DialTCP("tcp4", nil, l.Addr().(*net.TCPAddr))
	require.NoError(t, err)
	defer c.Close()
	s, err := l.AcceptTCP()
	require.NoError(t, err)
	defer s.Close()
	ctx, err := sockopt.PeerSecurityContext(s)
	if !securityModule() {
		assert.ErrorIs(t, err, sockopt.ErrNoSecurityContext)
		assert.ErrorIs(t, err, unix.ENOPROTOOPT)
		assert.Empty(t, ctx)
		return
	}
	if errors.Is(err, sockopt.ErrNoSecurityContext) {
		t.Skip("SO_PEERSEC: the security module here gives no peer context")
	}
	require.NoError(t, err)
	assert.NotEmpty(t, ctx)
}

// TestCIPSOOnLoopback labels a socket with CIPSO in a private network
// namespace with a free DOI configured for the test (the kernel checks the
// option at setsockopt with cipso_v4_validate, so the DOI must exist): the
// receiver gets the option as set through IP_RECVOPTS and IP_RETOPTS, and
// cipso.FindLabel reads it; a DOI not configured is EINVAL.
func TestCIPSOOnLoopback(t *testing.T) {
	ns := linuxtest.ForTest(t)
	dois, err := ns.ConfigureDOIs("cipsov4 add pass doi:3301 tags:1,2,5")
	require.NoError(t, err)
	doi := cipso.DOI(dois.Of(3301))
	unconfigured, err := ns.FreeDOI(3399)
	require.NoError(t, err)
	d, err := cipso.NewPass(doi, cipso.TagRBitmap)
	require.NoError(t, err)
	l, err := cipso.ParseLabel("s3:c0,c5")
	require.NoError(t, err)
	opt, err := d.AppendOption(nil, &l, cipso.Format{})
	require.NoError(t, err)
	field := append(opt, make([]byte, ipopt.PaddedLen(len(opt))-len(opt))...)

	require.NoError(t, ns.Do(func() error {
		rc, sc := pair(t)
		defer rc.Close()
		defer sc.Close()
		require.NoError(t, sockopt.SetOptions(sc, opt))
		got, err := sockopt.Options(sc, nil)
		require.NoError(t, err)
		assert.Equal(t, field, got, "the kernel pads with EOL")
		require.NoError(t, sockopt.SetRecvOptions(rc, true))
		require.NoError(t, sockopt.SetRetOptions(rc, true))
		m := exchange(t, rc, sc)
		assert.Equal(t, field, m.Options)
		assert.Equal(t, field, m.RetOptions, "__ip_options_echo copies a CIPSO option")
		pl, found, err := cipso.FindLabel(m.Options, nil)
		require.NoError(t, err)
		require.True(t, found)
		assert.Equal(t, cipso.PacketLabel{DOI: doi, Label: l}, pl)

		bad := append([]byte(nil), field...)
		bad[2], bad[3], bad[4], bad[5] = byte(unconfigured>>24), byte(unconfigured>>16), byte(unconfigured>>8), byte(unconfigured)
		assert.ErrorIs(t, sockopt.SetOptions(sc, bad), unix.EINVAL, "DOI %d is not configured", unconfigured)
		return nil
	}))
}
