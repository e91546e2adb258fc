package cipso

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// seedOptions adds the checklist vectors (ipopt/RULES.md §9; options fields) and
// the options they start with.
func seedOptions(f *testing.F) {
	for _, tc := range checklist {
		f.Add(testutil.Unhex(f, tc.opts))
	}
	f.Add(case28(f))
	f.Add(testutil.Unhex(f, "86 0C 00 00 00 01 80 06 00 00 00 2A"))
	f.Add(testutil.Unhex(f, "86 0B 00 00 00 02 01 05 00 00 40 00"))
	f.Add(testutil.Unhex(f, "86 10 00 00 00 01 05 0A 00 03 00 14 00 0A 00 03"))
}

// checkErr fails unless err is nil or an ipopt.Error whose offset lies
// in [0, n].
func checkErr(t *testing.T, err error, n int) {
	t.Helper()
	if err == nil {
		return
	}
	var e ipopt.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %T %v is not an ipopt.Error", err, err)
	}
	if e.Offset() < 0 || e.Offset() > n {
		t.Fatalf("offset %d outside [0,%d]: %v", e.Offset(), n, err)
	}
}

// FuzzDecode: the option view, the tag walk and every tag decoder never
// panic, report offsets inside the input, and leave the label alone on
// error.
func FuzzDecode(f *testing.F) {
	seedOptions(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := ParseOption(b)
		checkErr(t, err, len(b))
		if err != nil {
			return
		}
		it := o.Tags()
		for it.Next() {
			tg := it.Tag()
			if tg.Offset+len(tg.Bytes) > o.Len() || !bytes.Equal(tg.Bytes, o[tg.Offset:tg.Offset+len(tg.Bytes)]) {
				t.Fatalf("tag %+v outside the option", tg)
			}
			l := Label{Level: 1 << 20}
			err := tg.Label(&l)
			checkErr(t, err, o.Len())
			if err != nil && l.Level != 1<<20 {
				t.Fatal("label changed on error")
			}
			_, err = tg.SecID()
			checkErr(t, err, o.Len())
			_ = tg.Body()
			_ = FormatOf(tg)
		}
		checkErr(t, it.Err(), o.Len())
		var l Label
		checkErr(t, o.Label(&l), o.Len())
		_ = l.String()
	})
}

var (
	fuzzLp, fuzzTrans, fuzzLocal Linux
	fuzzStrict                   = Strict{}
)

func init() {
	var rp, rt, rl Registry
	d, _ := NewPass(1, TagRBitmap, TagEnum, TagRange)
	_ = rp.Add(d)
	d, _ = NewTrans(2, []TagType{TagRBitmap}, []Pair{{0, 0}, {5, 1}}, []Pair{{0, 0}, {9, 3}, {300, 17}})
	_ = rt.Add(d)
	_ = rp.Add(d)
	d, _ = NewLocal(1)
	_ = rl.Add(d)
	fuzzLp, fuzzTrans, fuzzLocal = NewLinux(&rp), NewLinux(&rt), Linux{Registry: &rl, Loopback: true}
}

// FuzzValidate: the Linux and strict profiles never panic and report
// offsets inside the field; an option the strict profile accepts decodes
// and re-encodes to the same octets, and Linux with a pass DOI for tags
// 1, 2, 5 accepts it too.
func FuzzValidate(f *testing.F) {
	seedOptions(f)
	f.Fuzz(func(t *testing.T, opts []byte) {
		if len(opts) > ipopt.MaxOptionsLen {
			opts = opts[:ipopt.MaxOptionsLen]
		}
		for _, lx := range []Linux{fuzzLp, fuzzTrans, fuzzLocal, NewLinux(nil)} {
			checkErr(t, lx.Validate(opts), len(opts))
			lax := lx
			lax.RBMStrictValid = !lax.RBMStrictValid
			checkErr(t, lax.Validate(opts), len(opts))
			sock := ipopt.Linux{CIPSO: lx, Socket: true, CapNetRaw: true}
			checkErr(t, sock.Validate(opts), len(opts))
		}
		checkErr(t, fuzzStrict.Validate(opts), len(opts))

		checkErr(t, checkOne(fuzzLp, opts), len(opts))
		if checkOne(fuzzStrict, opts) != nil {
			return
		}
		o, _ := ParseOption(opts)
		tg, err := o.FirstTag()
		if err != nil {
			t.Fatalf("strict accepted %x without a tag: %v", opts, err)
		}
		var l Label
		if err := tg.Label(&l); err != nil {
			t.Fatalf("strict accepted %x, decode failed: %v", opts, err)
		}
		out, err := AppendOption(nil, o.DOI(), tg.Type, &l, FormatOf(tg))
		if err != nil || !bytes.Equal(out, o) {
			t.Fatalf("strict accepted %x, re-encoded %x (%v)", []byte(o), out, err)
		}
		if o.DOI() == 1 {
			if err := checkOne(fuzzLp, o); err != nil {
				t.Fatalf("strict accepted %x, Linux refused: %v", []byte(o), err)
			}
		}
	})
}

// FuzzEncode: a label built from the input encodes, when it fits, into an
// option that decodes back to it and that the strict profile accepts;
// when it does not fit, nothing is appended.
func FuzzEncode(f *testing.F) {
	f.Add(uint8(5), uint8(0), []byte{0, 0, 0, 15})
	f.Add(uint8(3), uint8(1), []byte{0, 1, 0, 5})
	f.Add(uint8(3), uint8(2), []byte{0, 0, 0, 3, 0, 10, 0, 20})
	f.Add(uint8(255), uint8(4), []byte{0, 239, 1, 0})
	f.Add(uint8(0), uint8(6), []byte{})
	f.Fuzz(func(t *testing.T, level, mode uint8, raw []byte) {
		// raw: u16 pairs lo, span (span's low 6 bits) add a range each.
		var l Label
		l.Level = uint32(level)
		for i := 0; i+3 < len(raw) && i < 64; i += 4 {
			lo := uint32(binary.BigEndian.Uint16(raw[i:]))
			hi := min(lo+uint32(raw[i+3]&63), MaxWireCategory)
			if lo > hi {
				lo = hi
			}
			if l.Cats.AddRange(lo, hi) != nil {
				return
			}
		}
		tag := [...]TagType{TagRBitmap, TagEnum, TagRange}[mode%3]
		fm := Format{Optimized: mode&4 != 0, CatFlag: mode&8 != 0}
		dst := []byte{0xEE}
		out, err := AppendOption(dst, 7, tag, &l, fm)
		checkErr(t, err, MaxOptionLen)
		if err != nil {
			if len(out) != 1 || out[0] != 0xEE {
				t.Fatal("appended on error")
			}
			return
		}
		n, err := OptionLen(tag, &l, fm)
		if err != nil || n != len(out)-1 {
			t.Fatalf("OptionLen %d, %v; wrote %d", n, err, len(out)-1)
		}
		o, err := ParseOption(out[1:])
		if err != nil {
			t.Fatal(err)
		}
		var back Label
		if err := o.Label(&back); err != nil || !back.Equal(&l) {
			t.Fatalf("%x decodes to %v (%v), want %v", out[1:], back, err, l)
		}
		if err := checkOne(fuzzStrict, o); err != nil && !(fm.CatFlag && !fm.Optimized && l.Cats.IsEmpty() && tag == TagRBitmap) {
			t.Fatalf("strict refuses %x: %v", []byte(o), err)
		}
	})
}
