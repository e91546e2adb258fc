package calipso_test

import (
	"testing"

	"github.com/iplabel/iplabel/calipso"
)

// FuzzOption: framing and validation never panic; an option that frames
// decodes, and one whose label decodes re-encodes to a valid option with
// the same label.
func FuzzOption(f *testing.F) {
	for _, s := range []string{"s0", "s3:c0,c9", "s255:c1951"} {
		var l = label(f, s)
		b, _ := calipso.AppendOption(nil, 2, 16, l)
		f.Add(b)
	}
	f.Add([]byte{7, 7, 0, 0, 0, 16, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, _ := calipso.NewRegistry(16)
		err := calipso.NewLinux(r).Validate(b)
		o, perr := calipso.ParseOption(b)
		if perr != nil {
			if err == nil {
				t.Fatal("valid but does not frame")
			}
			return
		}
		if err == nil && !o.ChecksumOK() {
			t.Fatal("valid with a bad checksum")
		}
		l, lerr := o.Label()
		if lerr != nil || o.DOI() == 0 {
			return
		}
		e, err := calipso.AppendOption(nil, 2, o.DOI(), &l)
		if err != nil {
			t.Fatal(err)
		}
		back, err := calipso.ParseOption(e)
		if err != nil || !back.ChecksumOK() {
			t.Fatalf("re-encoded option %x: %v", e, err)
		}
		l2, err := back.Label()
		if err != nil || !l2.Equal(&l) {
			t.Fatalf("label %v became %v", l, l2)
		}
	})
}
