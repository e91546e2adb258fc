package main

import (
	"encoding/binary"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// receiver is node 2's configuration in these tests (and in the
// end-to-end test): node 1 sends from 192.0.2.1 only.
const receiverConf = `node 2
peer 1 192.0.2.1
allow node 1 sid 0x10 proto udp port 5000
allow node 1 sid 0x20-0x2f proto udp port 5001-5002
reject node 1 sid 0x11
allow node 4 sid 0x10 proto udp port 5000
allow unlabeled proto udp port 6000
default reject
`

func label(sid, node uint32) []byte {
	return dsmLabel(dsmDOI, [2]uint32{pSSID, sid}, [2]uint32{pNode, node})
}

func TestVerify(t *testing.T) {
	c := mustConfig(t, receiverConf)
	tagRB := []byte{0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x04, 0x00, 0x03, 0x00, 0x00}
	cases := []struct {
		name    string
		pkt     []byte
		want    InOutcome
		rule    int
		sid     uint32 // of a decoded label
		errIs   error  // for malformed and rejected-with-error
		errOff  int
		labelAt int
	}{
		{name: "allowed", pkt: udpPacket(label(0x10, 1), ipA, 5000), want: InAccepted, rule: 3, sid: 0x10},
		{name: "allowed range", pkt: udpPacket(label(0x21, 1), ipA, 5002), want: InAccepted, rule: 4, sid: 0x21},
		{name: "wrong port", pkt: udpPacket(label(0x10, 1), ipA, 5001), want: InRejected, rule: 0, sid: 0x10},
		{name: "rejected sid", pkt: udpPacket(label(0x11, 1), ipA, 5000), want: InRejected, rule: 5, sid: 0x11},
		{name: "unknown sid", pkt: udpPacket(label(0x99, 1), ipA, 5000), want: InRejected, sid: 0x99},
		{name: "unbound node", pkt: udpPacket(label(0x10, 4), ipC, 5000), want: InAccepted, rule: 6, sid: 0x10},
		{name: "disallowed node", pkt: udpPacket(label(0x10, 3), ipC, 5000), want: InRejected, sid: 0x10},
		{name: "forged: node 1 from elsewhere", pkt: udpPacket(label(0x10, 1), ipC, 5000), want: InForged, sid: 0x10},
		{name: "forged: node 4 from node 1's address", pkt: udpPacket(label(0x10, 4), ipA, 5000), want: InForged, sid: 0x10},
		{name: "unlabeled allowed", pkt: udpPacket(nil, ipA, 6000), want: InUnlabeled, rule: 7},
		{name: "unlabeled other port", pkt: udpPacket(nil, ipA, 5000), want: InRejected},
		{name: "labeled to the unlabeled port", pkt: udpPacket(label(0x10, 1), ipA, 6000), want: InRejected, sid: 0x10},
		{name: "label after a NOP", pkt: udpPacket(pad4(append([]byte{1}, label(0x10, 1)...)), ipA, 5000),
			want: InAccepted, rule: 3, sid: 0x10, labelAt: 1},
		// Malformed labels: DSM's receiver checks (fips188/dsm/RULES.md) and
		// the dsm strict profile; offsets are in the options field.
		{name: "foreign DOI", pkt: udpPacket(dsmLabel(0x10001001, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1}), ipA, 5000),
			want: InMalformed, errIs: cipso.ErrUnknownDOI, errOff: 2},
		{name: "tag 1 of another DOI", pkt: udpPacket(tagRB, ipA, 5000), want: InMalformed, errIs: cipso.ErrUnknownDOI, errOff: 2},
		{name: "tag type 6", pkt: udpPacket(patch(label(0x10, 1), 6, 6), ipA, 5000), want: InMalformed, errIs: cipso.ErrTagNotAllowed, errOff: 6},
		{name: "tag length", pkt: udpPacket(patch(label(0x10, 1), 7, 0x0d), ipA, 5000), want: InMalformed, errIs: cipso.ErrBadTagLength, errOff: 7},
		{name: "parameter length", pkt: udpPacket(patch(label(0x10, 1), 9, 5), ipA, 5000), want: InMalformed, errIs: ipopt.ErrBadLength, errOff: 9},
		{name: "unknown parameter", pkt: udpPacket(patch(label(0x10, 1), 8, 9), ipA, 5000), want: InMalformed, errIs: dsm.ErrUnknownParam, errOff: 8},
		{name: "parameters out of order", pkt: udpPacket(dsmLabel(dsmDOI, [2]uint32{pNode, 1}, [2]uint32{pSSID, 0x10}), ipA, 5000),
			want: InMalformed, errIs: dsm.ErrParamOrder, errOff: 14},
		{name: "duplicate parameter", pkt: udpPacket(pad4(dsmLabel(dsmDOI, [2]uint32{pSSID, 0x10}, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1})), ipA, 5000),
			want: InMalformed, errIs: ipopt.ErrDuplicate, errOff: 14},
		{name: "two CIPSO options", pkt: udpPacket(append(label(0x10, 1), 0x86, 0x02, 0x00, 0x00), ipA, 5000), want: InMalformed, errIs: ipopt.ErrDuplicate, errOff: 20},
		{name: "option framing", pkt: udpPacket([]byte{0x07, 0x09, 4, 0}, ipA, 5000), want: InMalformed, errIs: ipopt.ErrBadLength, errOff: 0},
		{name: "no node ID", pkt: udpPacket(pad4(dsmLabel(dsmDOI, [2]uint32{pSSID, 0x10})), ipA, 5000), want: InRejected, errIs: dsm.ErrMissingParam, errOff: 8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var v Verdict
			c.Verify(tc.pkt, &v)
			assert.Equal(t, tc.want, v.Outcome, "outcome (err %v)", v.Err)
			assert.Equal(t, tc.rule, v.Rule, "deciding rule")
			if tc.errIs != nil {
				require.ErrorIs(t, v.Err, tc.errIs)
				var e ipopt.Error
				require.ErrorAs(t, v.Err, &e)
				assert.Equal(t, tc.errOff, e.Offset())
				return
			}
			require.NoError(t, v.Err)
			if tc.sid != 0 {
				require.True(t, v.Labeled)
				assert.Equal(t, tc.sid, v.Label.SourceSID)
				assert.Equal(t, tc.labelAt, v.OptOff)
				assert.Equal(t, 20, v.OptLen)
			} else {
				assert.False(t, v.Labeled)
			}
		})
	}
}

// patch returns b with b[i] = v.
func patch(b []byte, i int, v byte) []byte {
	b = append([]byte(nil), b...)
	b[i] = v
	return b
}

func TestVerifyHeaderChecks(t *testing.T) {
	c := mustConfig(t, receiverConf)
	good := udpPacket(label(0x10, 1), ipA, 5000)

	bad := append([]byte(nil), good...)
	bad[8]-- // TTL changed, checksum not
	var v Verdict
	c.Verify(bad, &v)
	assert.Equal(t, InMalformed, v.Outcome)
	assert.ErrorIs(t, v.Err, ipopt.ErrBadHeader)

	c.Verify(good[:len(good)-1], &v) // total length beyond the packet
	assert.Equal(t, InMalformed, v.Outcome)
	assert.ErrorIs(t, v.Err, ipopt.ErrTotalLength)

	c.Verify(good[:30], &v) // header cut short
	assert.Equal(t, InMalformed, v.Outcome)

	c.Verify(nil, &v)
	assert.Equal(t, InMalformed, v.Outcome)
}

func TestVerifySerial(t *testing.T) {
	c := mustConfig(t, "node 2\nserial 7\nallow node 1\n")
	with := func(s uint32) []byte {
		return udpPacket(pad4(dsmLabel(dsmDOI, [2]uint32{pSerial, s}, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1})), ipA, 5000)
	}
	var v Verdict
	c.Verify(with(7), &v)
	assert.Equal(t, InAccepted, v.Outcome)
	c.Verify(with(8), &v)
	assert.Equal(t, InStale, v.Outcome)
	c.Verify(udpPacket(label(0x10, 1), ipA, 5000), &v) // no serial: not stale
	assert.Equal(t, InAccepted, v.Outcome)
}

func TestVerifyForeignPass(t *testing.T) {
	c := mustConfig(t, "node 2\nforeign-cipso pass\nallow unlabeled proto udp port 6000\nallow node 1\n")
	tagRB := []byte{0x86, 0x0a, 0, 0, 0, 16, 0x01, 0x04, 0x00, 0x03, 0x00, 0x00}
	var v Verdict
	c.Verify(udpPacket(tagRB, ipA, 6000), &v)
	assert.Equal(t, InUnlabeled, v.Outcome, "foreign CIPSO follows the unlabeled rules")
	assert.False(t, v.Labeled)
	c.Verify(udpPacket(tagRB, ipA, 6001), &v)
	assert.Equal(t, InRejected, v.Outcome)
	// Our DOI with a broken label stays malformed.
	c.Verify(udpPacket(patch(label(0x10, 1), 7, 0x0d), ipA, 6000), &v)
	assert.Equal(t, InMalformed, v.Outcome)
	// Two foreign options are not passed: the kernel refuses them anyway.
	c.Verify(udpPacket(append(tagRB[:10:10], 0x86, 0x02), ipA, 6000), &v)
	assert.Equal(t, InMalformed, v.Outcome)
}

// TestVerifyFragments: a fragment other than the first has no ports; the
// label rules apply and port matches count as met (policy.go).
func TestVerifyFragments(t *testing.T) {
	c := mustConfig(t, receiverConf)
	frag := func(lbl []byte) []byte {
		p := udpPacket(lbl, ipA, 9999) // the "port" octets are payload here
		hl := int(p[0]&0xf) * 4
		binary.BigEndian.PutUint16(p[6:], 185) // offset 1480
		p[10], p[11] = 0, 0
		binary.BigEndian.PutUint16(p[10:], rfc1071(p[:hl]))
		return p
	}
	var v Verdict
	c.Verify(frag(label(0x10, 1)), &v)
	assert.Equal(t, InAccepted, v.Outcome)
	assert.True(t, v.Flow.Fragment)
	assert.False(t, v.Flow.PortKnown)
	c.Verify(frag(label(0x11, 1)), &v)
	assert.Equal(t, InRejected, v.Outcome)
	c.Verify(frag(nil), &v) // unlabeled fragment: rule 7 (port 6000) counts as met
	assert.Equal(t, InUnlabeled, v.Outcome)
}

func TestNeutraliseNOP(t *testing.T) {
	c := mustConfig(t, receiverConf)
	for _, lead := range [][]byte{nil, {1}, {1, 1, 1}} { // label at offsets 0, 1, 3
		pkt := udpPacket(pad4(append(append([]byte(nil), lead...), label(0x10, 1)...)), ipA, 5000)
		orig := append([]byte(nil), pkt...)
		var v Verdict
		c.Verify(pkt, &v)
		require.Equal(t, InAccepted, v.Outcome)
		require.NoError(t, c.Neutralise(pkt, &v))
		require.Len(t, pkt, len(orig), "length unchanged")
		headerOK(t, pkt)
		hl := int(pkt[0]&0xf) * 4
		for i := range pkt {
			switch {
			case i >= 20+len(lead) && i < 20+len(lead)+20:
				assert.Equal(t, byte(1), pkt[i], "NOP at %d", i)
			case i == 10 || i == 11:
			default:
				assert.Equal(t, orig[i], pkt[i], "octet %d (header length %d)", i, hl)
			}
		}
	}
}

// TestNeutraliseKeepsBadChecksum: the checksum is updated incrementally
// (RFC 1624), so a wrong one stays wrong by the same amount and the kernel
// still drops the packet.
func TestNeutraliseKeepsBadChecksum(t *testing.T) {
	c := mustConfig(t, receiverConf)
	pkt := udpPacket(label(0x10, 1), ipA, 5000)
	var v Verdict
	c.Verify(pkt, &v)
	require.Equal(t, InAccepted, v.Outcome)
	good := binary.BigEndian.Uint16(pkt[10:])
	pkt[10] ^= 0x40 // corrupt after verification
	delta := onesSub(binary.BigEndian.Uint16(pkt[10:]), good)
	require.NoError(t, c.Neutralise(pkt, &v))
	hl := int(pkt[0]&0xf) * 4
	stored := binary.BigEndian.Uint16(pkt[10:])
	pkt[10], pkt[11] = 0, 0
	right := rfc1071(pkt[:hl])
	assert.NotEqual(t, right, stored)
	assert.Equal(t, delta, onesSub(stored, right), "same error as before")
}

// onesSub is a - b in one's-complement arithmetic, with -0 taken as +0.
func onesSub(a, b uint16) uint16 {
	s := uint32(a) + uint32(^b)
	s = s&0xffff + s>>16
	if s == 0xffff {
		return 0
	}
	return uint16(s)
}

// TestNeutraliseTranslate: the translated label is a CIPSO option of the
// translate DOI with one tag 1 in the optimized form (draft §3.4.2.6):
// 86 14 DOI 01 0E 00 level, then a 10-octet bitmap whose first 8 octets
// are the source SID and node ID, big-endian (neutralise.go).
func TestNeutraliseTranslate(t *testing.T) {
	c := mustConfig(t, "node 2\nneutralise translate doi 16 level 5\nallow node 0xa1b2c3d4\n")
	pkt := udpPacket(label(0x12345678, 0xa1b2c3d4), ipA, 5000)
	var v Verdict
	c.Verify(pkt, &v)
	require.Equal(t, InAccepted, v.Outcome)
	require.NoError(t, c.Neutralise(pkt, &v))
	want := []byte{0x86, 0x14, 0, 0, 0, 16, 0x01, 0x0e, 0x00, 0x05,
		0x12, 0x34, 0x56, 0x78, 0xa1, 0xb2, 0xc3, 0xd4, 0x00, 0x00}
	assert.Equal(t, want, pkt[20:40])
	headerOK(t, pkt)
	// The library reads it back as that label.
	o, err := cipso.ParseOption(pkt[20:40])
	require.NoError(t, err)
	var l cipso.Label
	require.NoError(t, o.Label(&l))
	assert.Equal(t, uint32(5), l.Level)
	assert.True(t, l.Cats.Has(3))        // 0x12: bits 3 and 6
	assert.True(t, l.Cats.Has(32))       // 0xa1: bit 0 of the node
	assert.False(t, l.Cats.Has(33))      //
	assert.Equal(t, 13+15, l.Cats.Len()) // popcounts of the SID and the node

	// A 26-octet label (with a serial): tag 1, then 6 NOPs.
	c = mustConfig(t, "node 2\nneutralise translate doi 16\nallow node 1\n")
	long := pad4(dsmLabel(dsmDOI, [2]uint32{pSerial, 9}, [2]uint32{pSSID, 0x10}, [2]uint32{pNode, 1}))
	pkt = udpPacket(long, ipA, 5000)
	c.Verify(pkt, &v)
	require.Equal(t, InAccepted, v.Outcome)
	require.NoError(t, c.Neutralise(pkt, &v))
	want = []byte{0x86, 0x14, 0, 0, 0, 16, 0x01, 0x0e, 0x00, 0x00,
		0, 0, 0, 0x10, 0, 0, 0, 0x01, 0x00, 0x00, 1, 1, 1, 1, 1, 1, 0, 0}
	assert.Equal(t, want, pkt[20:48])
	headerOK(t, pkt)
}

func TestNeutraliseRefusesBadVerdict(t *testing.T) {
	c := mustConfig(t, receiverConf)
	pkt := udpPacket(label(0x10, 1), ipA, 5000)
	orig := append([]byte(nil), pkt...)
	for _, v := range []Verdict{
		{},                                     // not labeled
		{Labeled: true, OptOff: 4, OptLen: 20}, // runs past the header
		{Labeled: true, OptOff: -1, OptLen: 20},
		{Labeled: true, OptOff: 0, OptLen: 1},
	} {
		assert.Error(t, c.Neutralise(pkt, &v))
		assert.Equal(t, orig, pkt)
	}
	assert.Error(t, c.Neutralise(pkt[:10], &Verdict{Labeled: true, OptLen: 20}))
}
