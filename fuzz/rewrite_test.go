package fuzz

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/internal/tsharktest"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// source hands out the fuzz input one octet at a time, then zeros.
type source struct{ b []byte }

func (s *source) next() byte {
	if len(s.b) == 0 {
		return 0
	}
	v := s.b[0]
	s.b = s.b[1:]
	return v
}

func (s *source) u32() uint32 {
	return uint32(s.next())<<24 | uint32(s.next())<<16 | uint32(s.next())<<8 | uint32(s.next())
}

// realOption returns one option a labelling tool puts in a header,
// encoded by the library's own encoders from the input: a CIPSO label
// (tag 1, 2 or 5), a DSM network SID, a FIPS 188 label with tags 6 and 7,
// an RFC 1108 BSO or ESO, a Record Route, or a NOP.
func realOption(s *source) []byte {
	switch s.next() % 8 {
	case 0, 1:
		var l cipso.Label
		l.Level = uint32(s.next())
		tag := [...]cipso.TagType{cipso.TagRBitmap, cipso.TagEnum, cipso.TagRange}[s.next()%3]
		for range s.next() % 5 {
			c := uint32(s.next())
			if tag == cipso.TagRBitmap {
				c %= 240
			} else {
				c = c * 251
			}
			_ = l.Cats.Add(c)
		}
		out, err := cipso.AppendOption(nil, cipso.DOI(1+s.next()%3), tag, &l, cipso.Format{Optimized: s.next()&1 != 0})
		if err != nil {
			panic(fmt.Sprintf("encoding %v with tag %d: %v", l, tag, err))
		}
		return out
	case 2:
		out, err := dsm.New(s.u32(), s.u32()).AppendOption(nil, 0)
		if err != nil {
			panic(err)
		}
		return out
	case 3:
		l := fips188.Label{ID: 3, Level: s.next(), HasPermissive: true, HasFreeForm: true, FreeForm: []byte{s.next(), s.next()}}
		_ = l.Permissive.Add(uint32(s.next() % 24))
		out, err := fips188.Lenient.AppendOption(nil, &l)
		if err != nil {
			panic(err)
		}
		return out
	case 4:
		a := rfc1108.AuthoritiesOf(rfc1108.Authority(s.next() % 16))
		out, err := rfc1108.AppendBSO(nil, [...]rfc1108.Classification{0x3D, 0x5A, 0x96, 0xAB}[s.next()%4], a)
		if err != nil {
			panic(err)
		}
		return out
	case 5:
		out, err := rfc1108.AppendESO(nil, s.next(), []byte{s.next()})
		if err != nil {
			panic(err)
		}
		return out
	case 6:
		rr := []byte{byte(ipopt.RR), 7, 4, 0, 0, 0, 0}
		if s.next()&1 != 0 {
			rr = append(rr, 0, 0, 0, 0)
			rr[1] = 11
		}
		return rr
	}
	return []byte{byte(ipopt.NOP)}
}

// rewriteModel is what the options field should hold: a list of options.
// Before each rewrite the NOPs that only trail the last option are dropped
// (ipopt.Packet: they are padding).
type rewriteModel [][]byte

func (m rewriteModel) content() rewriteModel {
	for len(m) > 0 && len(m[len(m)-1]) == 1 && m[len(m)-1][0] == byte(ipopt.NOP) {
		m = m[:len(m)-1]
	}
	return m
}

func (m rewriteModel) bytes() []byte { return bytes.Join(m, nil) }

// find returns the index of the first option of type t, or -1.
func (m rewriteModel) find(t ipopt.Type) int {
	for i, o := range m {
		if ipopt.Type(o[0]) == t {
			return i
		}
	}
	return -1
}

// offset is where option i starts (len(m): the end of the content).
// twice says whether m holds two options of type t where t is a type a
// datagram carries once (routes, RR, TS, CIPSO, the RFC 1108 BSO): SetOption
// and ReplaceOption refuse such a field with ipopt.ErrDuplicate.
func (m rewriteModel) twice(t ipopt.Type) bool {
	switch t {
	case ipopt.LSRR, ipopt.SSRR, ipopt.RR, ipopt.TS, ipopt.CIPSO, ipopt.SEC:
	default:
		return false
	}
	n := 0
	for _, o := range m {
		if ipopt.Type(o[0]) == t {
			n++
		}
	}
	return n > 1
}

func (m rewriteModel) offset(i int) int {
	n := 0
	for _, o := range m[:i] {
		n += len(o)
	}
	return n
}

func (m rewriteModel) with(i int, repl [][]byte, del int) rewriteModel {
	out := append(rewriteModel(nil), m[:i]...)
	out = append(out, repl...)
	return append(out, m[i+del:]...)
}

func (m rewriteModel) String() string {
	var b strings.Builder
	for _, o := range m {
		fmt.Fprintf(&b, "[% x]", o)
	}
	return b.String()
}

// FuzzRewriteLabels runs sequences of up to 12 rewrites (insert at any
// option boundary or at a bad offset, replace, remove, set) with real
// labels on an ipopt.Packet, against a model of the option list, with the
// headroom and tailroom taken from the input. After every rewrite:
//
//   - on success the options field is exactly the model's options followed
//     by EOL padding to a multiple of 4, IHL and the total length match, and
//     the header checksum is right (checked with an RFC 791 sum computed
//     here);
//   - every other octet of the base header and every payload octet is
//     unchanged;
//   - a rewrite that must fail (option not found, bad insert offset, over
//     40 octets, no room on either side) fails with that error and changes
//     nothing at all, in the buffer or in the Packet.
func FuzzRewriteLabels(f *testing.F) {
	// The input is read by runRewrites: the number of initial options and
	// each option (realOption), maybe an EOL and octets after it, headroom,
	// tailroom and payload length, then one rewrite after another.
	f.Add([]byte{0, 0, 2, 0x40, 0x40, 0, 0, 3, 0x10, 0x20})
	f.Add([]byte{3, 0, 1, 2, 3, 7, 0, 9, 0, 6, 1, 0x30, 0x02, 0x10, 0, 0, 2, 4, 3, 2, 1, 0, 0, 0, 0,
		1, 4, 7, 5, 0x99, 0x20, 2, 1, 3, 3, 0, 5, 2, 1, 10, 20, 30, 0, 1})
	f.Add([]byte{5, 6, 6, 6, 6, 6, 0xFF, 0xAA, 0x01, 0x01, 0x00, 4, 4, 0, 0, 0, 0, 2, 0, 2})
	f.Fuzz(func(t *testing.T, in []byte) { runRewrites(t, in, nil) })
}

// runRewrites is the body of FuzzRewriteLabels; it counts the outcomes
// in stats when stats is not nil.
func runRewrites(t *testing.T, in []byte, stats map[string]int) {
	src := &source{b: in}
	var model rewriteModel
	for range src.next() % 5 {
		o := realOption(src)
		if len(model.bytes())+len(o) > ipopt.MaxOptionsLen {
			break
		}
		model = append(model, o)
	}
	fld := model.bytes()
	if len(fld) < ipopt.MaxOptionsLen && src.next()&1 != 0 {
		// An EOL and octets after it: padding that is dropped.
		fld = append(fld, 0)
		for len(fld)%4 != 0 {
			fld = append(fld, src.next())
		}
	}
	fld = testutil.PadEOL(fld)
	headroom, tailroom := int(src.next()%64), int(src.next()%64)
	payload := bytes.Repeat([]byte{0xA5, 0x5A}, int(src.next()%32))
	pkt := tsharktest.Datagram(t, fld, 0x1234, payload)
	base := append([]byte(nil), pkt[:ipopt.BaseHeaderLen]...)
	buf := bytes.Repeat([]byte{0xEE}, headroom+len(pkt)+tailroom)
	copy(buf[headroom:], pkt)
	p, err := ipopt.FromBytes(buf, headroom, len(pkt))
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	fmt.Fprintf(&log, "start %v (field % x), headroom %d, tailroom %d, payload %d\n", model, fld, headroom, tailroom, len(payload))

	for step := 0; step < 12 && len(src.b) > 0; step++ {
		h, err := p.Header()
		if err != nil {
			t.Fatalf("%sheader: %v", log.String(), err)
		}
		oldLen := len(h.Options())
		content := model.content()
		var (
			next    rewriteModel
			wantErr error
			desc    string
		)
		op := src.next() % 5
		run := func() error { return nil }
		switch op {
		case 0, 4: // insert at a boundary, at the end (-1), or at a bad offset
			opt := realOption(src)
			j := int(src.next()) % (len(content) + 2)
			at := -1
			if j <= len(content) {
				at = content.offset(j)
				next = content.with(j, [][]byte{opt}, 0)
			} else {
				next = content.with(len(content), [][]byte{opt}, 0)
			}
			if op == 4 {
				at = int(src.next()%48) - 2
				j = -1
				for i := 0; i <= len(content); i++ {
					if content.offset(i) == at {
						j = i
					}
				}
				if at == -1 {
					j = len(content)
				}
				if j < 0 {
					wantErr = ipopt.ErrBadValue
				} else {
					next = content.with(j, [][]byte{opt}, 0)
				}
			}
			desc = fmt.Sprintf("insert [% x] at %d", opt, at)
			run = func() error { return p.InsertOption(at, opt) }
		case 1, 2: // replace or remove the first option of a type
			ty := ipopt.Type(realOption(src)[0])
			if len(content) > 0 && src.next()&1 != 0 {
				ty = ipopt.Type(content[int(src.next())%len(content)][0])
			}
			i := content.find(ty)
			if op == 1 {
				opt := realOption(src)
				desc = fmt.Sprintf("replace %v by [% x]", ty, opt)
				run = func() error { return p.ReplaceOption(ty, opt) }
				if i >= 0 {
					next = content.with(i, [][]byte{opt}, 1)
				}
			} else {
				desc = fmt.Sprintf("remove %v", ty)
				run = func() error { return p.RemoveOption(ty) }
				if i >= 0 {
					next = content.with(i, nil, 1)
				}
			}
			switch {
			case i < 0:
				wantErr = ipopt.ErrNotFound
			case op == 1 && content.twice(ty):
				wantErr = ipopt.ErrDuplicate
			}
		case 3: // set: replace the first of its type or insert first
			opt := realOption(src)
			desc = fmt.Sprintf("set [% x]", opt)
			run = func() error { return p.SetOption(opt) }
			if i := content.find(ipopt.Type(opt[0])); content.twice(ipopt.Type(opt[0])) {
				wantErr = ipopt.ErrDuplicate
			} else if i >= 0 {
				next = content.with(i, [][]byte{opt}, 1)
			} else {
				next = content.with(0, [][]byte{opt}, 0)
			}
		}
		newLen := ipopt.PaddedLen(len(next.bytes()))
		delta := newLen - oldLen
		switch {
		case wantErr != nil:
		case newLen > ipopt.MaxOptionsLen:
			wantErr = ipopt.ErrHeaderTooLong
		case delta > p.Headroom() && delta > p.Tailroom():
			wantErr = ipopt.ErrNoRoom
		}
		fmt.Fprintf(&log, "%s: want %v %v\n", desc, wantErr, next)

		snap := append([]byte(nil), buf...)
		before := p
		err = run()
		if stats != nil {
			stats[fmt.Sprint(wantErr)]++
		}
		if wantErr != nil {
			if !errors.Is(err, wantErr) {
				t.Fatalf("%sgot %v", log.String(), err)
			}
			var e ipopt.Error
			if !errors.As(err, &e) {
				t.Fatalf("%s%T is not ipopt.Error", log.String(), err)
			}
			if !bytes.Equal(buf, snap) || p.Headroom() != before.Headroom() || p.Len() != before.Len() || p.NetworkOffset() != before.NetworkOffset() {
				t.Fatalf("%sfailed rewrite changed the packet", log.String())
			}
			continue
		}
		if err != nil {
			t.Fatalf("%sgot %v", log.String(), err)
		}
		model = next
		checkRewritten(t, &p, model, base, payload, log.String())
	}
}

// TestRewriteLabelsOutcomes runs FuzzRewriteLabels' body on 3000
// pseudo-random inputs and checks that they reach every outcome the
// target tells apart: success and each expected failure.
func TestRewriteLabelsOutcomes(t *testing.T) {
	r := rand.New(rand.NewPCG(6, 6))
	stats := map[string]int{}
	for range 3000 {
		in := make([]byte, 20+r.IntN(100))
		for i := range in {
			in[i] = byte(r.Uint32())
		}
		runRewrites(t, in, stats)
	}
	t.Logf("outcomes: %v", stats)
	for _, k := range []error{nil, ipopt.ErrNotFound, ipopt.ErrBadValue, ipopt.ErrHeaderTooLong, ipopt.ErrNoRoom} {
		if stats[fmt.Sprint(k)] < 20 {
			t.Errorf("outcome %v reached %d times", k, stats[fmt.Sprint(k)])
		}
	}
}

// checkRewritten checks a packet after a successful rewrite against the
// model, the original base header and the payload.
func checkRewritten(t *testing.T, p *ipopt.Packet, model rewriteModel, base, payload []byte, log string) {
	t.Helper()
	h, err := p.Header()
	if err != nil {
		t.Fatalf("%sheader after the rewrite: %v", log, err)
	}
	want := model.bytes()
	want = append(want, make([]byte, ipopt.PaddedLen(len(want))-len(want))...)
	if !bytes.Equal(h.Options(), want) {
		t.Fatalf("%soptions % x, want % x", log, h.Options(), want)
	}
	nw := p.Network()
	if h.HeaderLen() != ipopt.BaseHeaderLen+len(want) || int(h.TotalLen()) != len(nw) || len(nw) != len(h)+len(payload) {
		t.Fatalf("%sIHL %d, total length %d, datagram %d octets", log, h.IHL(), h.TotalLen(), len(nw))
	}
	if !h.VerifyChecksum() || h.ChecksumField() != testutil.HeaderChecksum(h) {
		t.Fatalf("%schecksum %#04x, want %#04x", log, h.ChecksumField(), testutil.HeaderChecksum(h))
	}
	for i := range ipopt.BaseHeaderLen {
		switch {
		case i == 0 && h[0]>>4 == base[0]>>4, i == 2, i == 3, i == 10, i == 11:
		case h[i] != base[i]:
			t.Fatalf("%sbase header octet %d changed: % x, was % x", log, i, []byte(h[:ipopt.BaseHeaderLen]), base)
		}
	}
	if !bytes.Equal(nw[len(h):], payload) {
		t.Fatalf("%spayload changed", log)
	}
}
