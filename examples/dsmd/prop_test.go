package main

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// TestLabelVerifyRoundTrip: whatever the SID, node, serial, destination
// SID, other options and payload, a packet labeled by one node verifies
// on another as the same label, and neutralising it keeps the length,
// gives a right checksum and leaves every octet outside the label alone.
func TestLabelVerifyRoundTrip(t *testing.T) {
	params := gopter.DefaultTestParameters()
	params.MinSuccessfulTests = 2000
	properties := gopter.NewProperties(params)
	properties.Property("label, verify, neutralise", prop.ForAll(
		func(sid, node, serial uint32, withSerial, withDSID, withRR, translate bool, payload []byte) bool {
			conf := "node " + u32s(node) + "\nlabel default sid " + u32s(sid) + "\n"
			if withSerial {
				conf += "serial " + u32s(serial) + "\n"
			}
			if withDSID {
				conf += "dest-sid 192.0.2.2 0x77\n"
			}
			send := mustConfig(t, conf)
			rconf := "node 99\ndefault allow\n"
			if translate {
				rconf += "neutralise translate doi 16\n"
			}
			if withSerial {
				rconf += "serial " + u32s(serial) + "\n"
			}
			recv := mustConfig(t, rconf)
			var opts []byte
			if withRR {
				opts = []byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0x00}
			}
			p := packetBuf(t, mkIPv4(opts, protoUDP, ipA, ipB, udp(1, 2, string(payload))))
			if o, err := send.Label(&p, SenderInfo{}); o != OutLabeled || err != nil {
				t.Logf("label: %v %v", o, err)
				return false
			}
			pkt := append([]byte(nil), p.Bytes()...)
			var v Verdict
			recv.Verify(pkt, &v)
			want := dsm.New(sid, node)
			if withSerial {
				want = want.With(dsm.ParamPolicySerial, serial)
			}
			if withDSID {
				want = want.With(dsm.ParamDestSID, 0x77)
			}
			if v.Outcome != InAccepted || v.Label != want || v.OptOff != 0 || v.OptLen != want.OptionLen() {
				t.Logf("verify: %+v", v)
				return false
			}
			before := append([]byte(nil), pkt...)
			if err := recv.Neutralise(pkt, &v); err != nil {
				return false
			}
			hl := int(pkt[0]&0xf) * 4
			if len(pkt) != len(before) || rfc1071(pkt[:hl]) != 0 {
				return false
			}
			lo, hi := 20+v.OptOff, 20+v.OptOff+v.OptLen
			if !bytes.Equal(pkt[:10], before[:10]) || !bytes.Equal(pkt[12:lo], before[12:lo]) || !bytes.Equal(pkt[hi:], before[hi:]) {
				return false
			}
			// What is left must pass Linux's option walk framing.
			return ipopt.Check(pkt[20:hl]) == nil
		},
		gen.UInt32(), gen.UInt32(), gen.UInt32(), gen.Bool(), gen.Bool(), gen.Bool(), gen.Bool(),
		gen.SliceOfN(32, gen.UInt8()),
	))
	properties.TestingRun(t)
}

func u32s(v uint32) string {
	const hex = "0123456789abcdef"
	b := []byte("0x00000000")
	for i := 9; i >= 2; i-- {
		b[i] = hex[v&0xf]
		v >>= 4
	}
	return string(b)
}

// FuzzVerify: Verify never panics or writes, and an accepted packet
// neutralises in place to a packet of the same length whose header
// checksum is still right.
func FuzzVerify(f *testing.F) {
	f.Add(udpPacket(label(0x10, 1), ipA, 5000))
	f.Add(udpPacket(pad4(append([]byte{1}, label(0x10, 1)...)), ipA, 5000))
	f.Add(udpPacket(pad4(dsmLabel(dsmDOI, [2]uint32{pSerial, 7}, [2]uint32{pSSID, 0x10}, [2]uint32{pDSID, 5}, [2]uint32{pNode, 1})), ipA, 5000))
	f.Add(udpPacket(nil, ipA, 6000))
	f.Add(udpPacket(specLabel, ipA, 5000))
	f.Add(udpPacket(patch(label(0x10, 1), 7, 0x0d), ipA, 5000))
	confs := []*Config{
		mustConfig(f, receiverConf),
		mustConfig(f, "node 2\nneutralise translate doi 16\nforeign-cipso pass\ndefault allow\n"),
	}
	f.Fuzz(func(t *testing.T, pkt []byte) {
		for _, c := range confs {
			orig := append([]byte(nil), pkt...)
			var v Verdict
			c.Verify(pkt, &v)
			if !bytes.Equal(orig, pkt) {
				t.Fatal("Verify wrote the packet")
			}
			if v.Outcome != InAccepted {
				continue
			}
			work := append([]byte(nil), pkt...)
			if err := c.Neutralise(work, &v); err != nil {
				t.Fatalf("neutralise: %v", err)
			}
			hl := int(work[0]&0xf) * 4
			if len(work) != len(pkt) || rfc1071(work[:hl]) != 0 {
				t.Fatalf("neutralised packet: length %d, checksum %#x", len(work), rfc1071(work[:hl]))
			}
		}
	})
}

// FuzzLabel: Label never panics, leaves the packet alone unless it
// labels it, and what it labels verifies as the label it put there.
func FuzzLabel(f *testing.F) {
	f.Add(udpPacket(nil, ipA, 5000))
	f.Add(udpPacket([]byte{0x07, 0x07, 0x04, 0, 0, 0, 0, 0}, ipA, 5000))
	f.Add(udpPacket(label(0x10, 1), ipA, 5000))
	f.Add(udpPacket(append(make([]byte, 36), 1, 1, 1, 0), ipA, 5000))
	send := mustConfig(f, "node 1\nlabel default sid 0x10\n")
	recv := mustConfig(f, "node 2\ndefault allow\n")
	f.Fuzz(func(t *testing.T, pkt []byte) {
		buf := make([]byte, Headroom+len(pkt)+Headroom)
		copy(buf[Headroom:], pkt)
		p, err := ipopt.FromBytes(buf, Headroom, len(pkt))
		if err != nil {
			t.Fatal(err)
		}
		o, _ := send.Label(&p, SenderInfo{})
		if o != OutLabeled {
			if !bytes.Equal(p.Bytes(), pkt) {
				t.Fatalf("%v changed the packet", o)
			}
			return
		}
		out := p.Bytes()
		h, err := ipopt.ParseHeader(out)
		if err != nil || !h.VerifyChecksum() || len(out) != len(pkt)+len(h)-int(pkt[0]&0xf)*4 {
			t.Fatalf("labeled header: %v", err)
		}
		var n dsm.Label
		if _, err := recv.receiveProfile().DecodeOptions(h.Options(), &n); err != nil || n != dsm.New(0x10, 1) {
			t.Fatalf("label read back: %v %v", n, err)
		}
	})
}
