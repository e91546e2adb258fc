package fips188

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// tagsInEncoderOrder reports whether the tags of s come in the order the
// encoder writes them: MAC tag, tag 6, tag 7.
func tagsInEncoderOrder(s Option) bool {
	rank := 0
	for it := s.Tags(); it.Next(); {
		r := 3
		switch t := it.Tag().Type; {
		case t.MAC():
			r = 0
		case t == cipso.TagPBitmap:
			r = 1
		case t == cipso.TagFreeForm:
			r = 2
		}
		if r < rank {
			return false
		}
		rank = r
	}
	return true
}

// FuzzParse feeds arbitrary options to the tag set parser under every
// profile: nothing panics, failures are ipopt.Error with in-range
// offsets and leave the output alone, a decoded label re-encodes to one
// with the same meaning, and a strict-valid option in encoder tag order
// re-encodes byte for byte.
func FuzzParse(f *testing.F) {
	for _, v := range [][]byte{vecA, vecB, vecC, vecD, vecE, vecF, vecG, vecH(), three, dsmExample,
		{0x86, 0x0c, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x05, 0x00, 0x00},             // checklist 14: tag 0 padding
		{0x86, 0x0a, 0, 0, 0, 1, 0x03, 0x04, 0x00, 0x05},                         // checklist 13: unknown tag
		{0x86, 0x0e, 0, 0, 0, 1, 0x01, 0x04, 0x00, 0x05, 0x02, 0x04, 0x00, 0x06}, // checklist 30
		{0x86, 0x08, 0, 0, 0, 3, 0x07, 0x02},                                     // tag 7 of length 2
	} {
		f.Add(v)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		keep := Label{ID: 99, FreeForm: []byte{1}}
		for _, p := range []Profile{Lenient, strict, {SingleTag: true, FreeFormMin4: true}, {RejectTagZero: true}} {
			l := keep
			if err := p.Decode(b, &l); err != nil {
				checkFuzzErr(t, err, len(b))
				if !l.Equal(&keep) {
					t.Fatalf("output changed on error")
				}
				continue
			}
			enc := p
			enc.AllowEmptyFreeForm = !p.FreeFormMin4
			out, err := enc.AppendOption(nil, &l)
			if err != nil {
				// A lenient label may not fit once the tags are
				// re-encoded (a trailing-zero bitmap padded what
				// precedes, an unknown tag was dropped): only refusals
				// for space or for a level with no carrier are expected.
				checkFuzzErr(t, err, 40)
				continue
			}
			var back Label
			if err := p.Decode(out, &back); err != nil || !back.Equal(&l) {
				t.Fatalf("%+v: % x -> %+v -> % x -> %+v (%v)", p, b, l, out, back, err)
			}
		}
		s, err := strict.Parse(b)
		if err != nil || !tagsInEncoderOrder(s) {
			return
		}
		var l Label
		if err := s.Label(&l); err != nil {
			t.Fatal(err)
		}
		out, err := strict.AppendOption(nil, &l)
		if err != nil || !bytes.Equal(out, s.CIPSO()) {
			t.Fatalf("strict re-encode % x -> % x (%v)", []byte(s.CIPSO()), out, err)
		}
	})
}

func checkFuzzErr(t *testing.T, err error, n int) {
	t.Helper()
	e, ok := err.(ipopt.Error)
	if !ok {
		t.Fatalf("error %T %v is not ipopt.Error", err, err)
	}
	if e.Offset() < 0 || e.Offset() > max(n, ipopt.MaxOptionsLen) {
		t.Fatalf("offset %d out of range for %d octets: %v", e.Offset(), n, err)
	}
}
