package dsm

import (
	"bytes"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// FuzzDecode feeds arbitrary options to every profile: nothing panics,
// failures are ipopt.Error with in-range offsets and leave the output
// alone, and whatever the strict profile accepts re-encodes byte for byte.
func FuzzDecode(f *testing.F) {
	f.Add(dsmExample)                                                         // RULES.md §4 example
	f.Add(append([]byte{0x01, 0x01}, dsmExample...))                          // not the first option
	f.Add(mut(5, 1))                                                          // unexpected DOI
	f.Add(opt(0x01, 0x02, 0x02, 0x06, 0, 0, 0, 1))                            // bypass + serial
	f.Add(opt(0x03, 0x06, 0, 0, 0, 1, 0x06))                                  // leftover
	f.Add([]byte{0x86, 0x0a, 0x00, 0x00, 0x00, 0x03, 0x07, 0x04, 0xab, 0xcd}) // fips188's RULES.md §8 E
	f.Fuzz(func(t *testing.T, b []byte) {
		// Options and parameter lists are at most 40 octets; long inputs
		// only slow the minimiser down.
		if len(b) > 128 {
			return
		}
		keep := Label{}.With(ParamMessageSID, 0xDEAD)
		for _, p := range []Profile{Receiver, strict, Lenient, {SkipUnknown: true, DOI: 3}} {
			n := keep
			err := p.Decode(b, &n)
			if err != nil {
				checkFuzzErr(t, err, len(b))
				if n != keep {
					t.Fatalf("%+v: output changed on error", p)
				}
			} else if n.Params&^AllParams != 0 {
				t.Fatalf("decoded presence bits %b", n.Params)
			}
			n = keep
			if _, err := p.DecodeOptions(b, &n); err != nil {
				checkFuzzErr(t, err, len(b))
				if n != keep {
					t.Fatalf("%+v: output changed on error", p)
				}
			}
		}
		p := strict
		if len(b) >= 6 {
			p.DOI = cipso.DOI(b[2])<<24 | cipso.DOI(b[3])<<16 | cipso.DOI(b[4])<<8 | cipso.DOI(b[5])
		}
		var n Label
		if p.Decode(b, &n) == nil {
			out, err := n.AppendOption(nil, p.DOI)
			if err != nil || !bytes.Equal(out, b[:b[1]]) {
				t.Fatalf("re-encode % x -> % x (%v)", b[:b[1]], out, err)
			}
		}
		it := NewParamIter(b)
		for it.Next() {
		}
		if err := it.Err(); err != nil {
			checkFuzzErr(t, err, len(b))
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
