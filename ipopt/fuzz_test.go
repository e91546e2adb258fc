package ipopt_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// Seed options fields: the checklist of RULES.md §9 (case numbers in the
// comments) and framing corner cases other Go packet libraries got wrong
// (a length-2 option, octets after an EOL).
var fuzzSeedFields = []string{
	"",
	"86 0A 00 00 00 01 01 04 00 05 00 00", // 1
	"86 14 00 00 00 01 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", // 3
	"86 08 00 00 00 01 01 04",                                     // 8
	"86 0A 00 00 00 01 01 03 00 05 00 00",                         // 11
	"86 0C 00 00 00 01 01 04 00 05 00 00",                         // 14
	"86 0A 00 00 00 01 86 0A 00 00 00 01 01 04 00 05 01 04 00 06", // 29 (variant)
	"86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06", // 29
	"86 10 00 00 00 01 01 04 00 05 00 00",                         // 31
	"01 01 86 0A 00 00 00 09 01 04 00 05",                         // 32
	"86 0A 00 00 00 01 01 04 00 05 01 86",                         // 33
	"86 01 00 00",                                                 // 34
	"86 0A 00 00 00 01 01 04 00 05 00 AB",                         // 35
	"82 03 AB 82 03 3D 00 00",                                     // 37i
	"86 0A 00 00 00 01 01 04 00 05 07 07 04 00 00 00 00 00 00 00", // 39
	"86 02 00 00", // length 2
	"44 04 05 F0 07 07 08 00 00 00 00 00 83 07 04 00 00 00 00 00 94 04", // TS, RR, LSRR, RA
}

func FuzzIter(f *testing.F) {
	for _, s := range fuzzSeedFields {
		f.Add(testutil.Unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		snap := string(in)
		it := ipopt.NewIter(in)
		var out []byte
		for it.Next() {
			o := it.Option()
			if o.Offset != len(out) || len(o.Bytes) < 1 || o.Type != ipopt.Type(o.Bytes[0]) {
				t.Fatalf("option %+v after %d octets", o, len(out))
			}
			if !o.Type.SingleOctet() && int(o.Bytes[1]) != len(o.Bytes) {
				t.Fatalf("length octet %d, option %d", o.Bytes[1], len(o.Bytes))
			}
			out = append(out, o.Bytes...)
		}
		// Coverage: the options, then the tail after an EOL, are the input;
		// on a framing error the error sits where the walk stopped.
		if err := it.Err(); err != nil {
			var e ipopt.Error
			if !errors.As(err, &e) || e.Offset() != len(out) || e.Pointer() != len(out)+20 || e.Class() != ipopt.Malformed {
				t.Fatalf("error %v after %d octets", err, len(out))
			}
			var c ipopt.Error
			if !errors.As(ipopt.Check(in), &c) || c.Offset() != e.Offset() || c.Unwrap() != e.Unwrap() {
				t.Fatal("Check disagrees with the walk")
			}
		} else {
			out = append(out, it.Tail()...)
			if !bytes.Equal(out, in) {
				t.Fatalf("walk covers % x of % x", out, in)
			}
			if it.EOL() && in[len(in)-len(it.Tail())-1] != 0 || !it.EOL() && len(it.Tail()) != 0 {
				t.Fatal("EOL flag and tail")
			}
		}
		if string(in) != snap {
			t.Fatal("the walk wrote to its input")
		}
		// ZeroTail changes the tail only.
		z := []byte(snap)
		ipopt.ZeroTail(z)
		if it.Err() == nil {
			n := len(in) - len(it.Tail())
			if !bytes.Equal(z[:n], in[:n]) || bytes.Count(z[n:], []byte{0}) != len(z)-n {
				t.Fatal("ZeroTail")
			}
		}
	})
}

func FuzzLinux(f *testing.F) {
	for _, s := range fuzzSeedFields {
		f.Add(testutil.Unhex(f, s), false, false)
		f.Add(testutil.Unhex(f, s), true, false)
	}
	f.Add(testutil.Unhex(f, "44 08 05 02 00 00 00 00"), true, true)
	f.Fuzz(func(t *testing.T, in []byte, socket, capNetRaw bool) {
		l := ipopt.Linux{Socket: socket, CapNetRaw: capNetRaw}
		snap := string(in)
		c, err := l.Compile(in)
		if string(in) != snap {
			t.Fatal("Compile wrote to its input")
		}
		if err == nil {
			for _, off := range []int{c.RR, c.TS, c.SRR, c.CIPSO, c.RouterAlert, c.EOL} {
				if off < -1 || off >= len(in) {
					t.Fatalf("recorded offset %d of %d", off, len(in))
				}
			}
			return
		}
		var e ipopt.Error
		if !errors.As(err, &e) {
			t.Fatalf("%T is not ipopt.Error", err)
		}
		if len(in) > ipopt.MaxOptionsLen {
			if !errors.Is(err, ipopt.ErrTooLong) || e.Offset() != ipopt.MaxOptionsLen {
				t.Fatalf("over 40 octets: %v", err)
			}
			return
		}
		if e.Offset() < 0 || e.Offset() >= len(in) || e.Pointer() != e.Offset()+20 || e.Class() != ipopt.Malformed {
			t.Fatalf("error %v outside the %d-octet field", err, len(in))
		}
		if (errors.Is(err, ipopt.ErrNotPermitted) || errors.Is(err, ipopt.ErrBadValue) && e.Field() == "flags") && (!socket || capNetRaw) {
			t.Fatalf("permission error %v on a privileged path", err)
		}
	})
}

// decodeOps turns fuzz bytes into up to 16 rewrite operations, 4 octets
// each plus the body of the option they carry.
func decodeOps(b []byte) []rewriteOp {
	var ops []rewriteOp
	for len(b) >= 4 && len(ops) < 16 {
		k, tb, lb, ab := b[0], b[1], b[2], b[3]
		b = b[4:]
		op := rewriteOp{kind: opKind(k % byte(numOps)), typ: modelTypes[int(tb&0x0f)%len(modelTypes)]}
		if t := modelTypes[int(tb>>4)%len(modelTypes)]; t == ipopt.NOP {
			op.opt = []byte{1}
		} else {
			n := min(int(lb%12), len(b))
			op.opt = append([]byte{byte(t), byte(2 + n)}, b[:n]...)
			b = b[n:]
		}
		if lb&0x80 != 0 {
			op.opt = op.opt[:len(op.opt)-1] // ill-formed
		}
		if ab < 0x80 {
			op.at = int(ab%44) - 1
		} else {
			op.at = int(ab) - 0x82
		}
		ops = append(ops, op)
	}
	return ops
}

func FuzzPacketRewrite(f *testing.F) {
	for i, s := range fuzzSeedFields {
		ops := []byte{byte(i), 0x55, 0x08, 0x00, 1, 2, 3, 4, 5, 6, 7, 8, 2, 0x05, 0, 0, 3, 0x50, 0x0a, 0x7f, 0, 0, 0, 1, 1, 4, 0, 7}
		f.Add(testutil.Unhex(f, s), uint8(i*3), uint8(i), uint8(40-i), ops)
	}
	f.Fuzz(func(t *testing.T, field []byte, payloadLen, headroom, tailroom uint8, ops []byte) {
		field = field[:min(len(field), 40)&^3]
		s := rewriteScenario{
			field:    field,
			payload:  bytes.Repeat([]byte{0xA5}, int(payloadLen)),
			headroom: int(headroom % 64),
			tailroom: int(tailroom % 64),
			ops:      decodeOps(ops),
		}
		if msg := s.run(); msg != "" {
			t.Fatal(msg + "\n" + s.String())
		}
	})
}

func FuzzParseHeader(f *testing.F) {
	f.Add(workedExample())
	f.Add(wikiHeader())
	f.Add(workedExample()[:25])
	f.Fuzz(func(t *testing.T, in []byte) {
		h, err := ipopt.ParseHeader(in)
		if err != nil {
			var e ipopt.Error
			if h != nil || !errors.As(err, &e) || e.Offset() >= 0 {
				t.Fatalf("error %v for a base-header field", err)
			}
			return
		}
		if len(h) != h.HeaderLen() || cap(h) != len(h) || h.Version() != 4 || int(h.TotalLen()) < len(h) {
			t.Fatal("parsed header out of its bounds")
		}
		b := append([]byte(nil), h...)
		hh := ipopt.Header(b)
		hh.SetChecksum()
		if !hh.VerifyChecksum() || h.VerifyChecksum() != (h.ChecksumField() == hh.ChecksumField()) {
			t.Fatal("checksum")
		}
	})
}
