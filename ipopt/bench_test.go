package ipopt_test

import (
	"testing"

	"github.com/iplabel/iplabel/ipopt"
)

// fullField is a 40-octet options field with one option of each kind
// Linux tracks: RA, RR, TS, and a tag-1 CIPSO label (IHL 15).
var fullField = []byte{
	0x94, 0x04, 0x00, 0x00, // RA
	0x07, 0x07, 0x04, 0, 0, 0, 0, // RR, room for one address
	0x44, 0x08, 0x05, 0x00, 0, 0, 0, 0, // TS, room for one stamp
	0x01,                                                                                  // NOP
	0x86, 0x12, 0, 0, 0, 1, 0x01, 0x0C, 0x00, 0x05, 0xFF, 0x00, 0x80, 0x01, 0, 0, 0, 0x10, // CIPSO
	0x00, 0x00, // EOL padding
}

// case28 is checklist 28 (RULES.md §9): the largest tag-1 option, 40 octets.
var case28 = func() []byte {
	b := []byte{0x86, 0x28, 0, 0, 0, 1, 1, 0x22, 0, 0xFF}
	for range 29 {
		b = append(b, 0xFF)
	}
	return append(b, 0x01)
}()

func BenchmarkWalkLinux40(b *testing.B) {
	for name, field := range map[string][]byte{"mixed": fullField, "case28": case28} {
		b.Run(name, func(b *testing.B) {
			if len(field) != 40 {
				b.Fatal(len(field))
			}
			var l ipopt.Linux
			b.ReportAllocs()
			b.SetBytes(int64(len(field)))
			for b.Loop() {
				it := ipopt.NewIter(field)
				for it.Next() {
				}
				if it.Err() != nil {
					b.Fatal(it.Err())
				}
				if err := l.Validate(field); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSetOption(b *testing.B) {
	d := datagram(cat(rr7, ra4, []byte{0}), make([]byte, 1400))
	buf := make([]byte, 64+len(d)+64)
	b.Run("insert", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			copy(buf[64:], d[:32]) // the header only: the payload never moves
			p, _ := ipopt.FromBytes(buf, 64, len(d))
			if err := p.SetOption(label10); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("replace", func(b *testing.B) {
		copy(buf[64:], d)
		p, _ := ipopt.FromBytes(buf, 64, len(d))
		labels := [2][]byte{label10, label14}
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			if err := p.SetOption(labels[i&1]); err != nil {
				b.Fatal(err)
			}
			i++
		}
	})
}

func BenchmarkChecksum(b *testing.B) {
	h := ipopt.Header(datagram(fullField, nil))
	b.Run("compute60", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(60)
		var s uint16
		for b.Loop() {
			s += h.Checksum()
		}
		_ = s
	})
	b.Run("verify60", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(60)
		for b.Loop() {
			if !h.VerifyChecksum() {
				b.Fatal("checksum")
			}
		}
	})
	b.Run("rfc1624", func(b *testing.B) {
		b.ReportAllocs()
		c := uint16(0xdcad)
		for b.Loop() {
			c = ipopt.UpdateChecksum(c, 0x0005, 0x0007)
			c = ipopt.UpdateChecksum(c, 0x0007, 0x0005)
		}
		if c != 0xdcad {
			b.Fatal(c)
		}
	})
}
