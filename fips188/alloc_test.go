package fips188

import (
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/stretchr/testify/assert"
)

// TestNoAllocs asserts that decode, validate, encode and their error paths
// allocate nothing.
func TestNoAllocs(t *testing.T) {
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	buf := make([]byte, 0, 64)
	var sink int
	three := []byte{0x86, 0x12, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}
	cats := catsOf(t, 0, 1, 200)
	var cs cipso.CatSet
	cases := map[string]func(){
		"parse strict":   func() { _, _ = strict.Parse(three) },
		"parse error":    func() { _ = check(strict, vecA[:11]) },
		"parse options":  func() { _, _, _ = Lenient.ParseOptions(opts) },
		"validate":       func() { _ = Lenient.Validate(opts) },
		"strict type":    func() { _ = Strict{}.Validate(opts[:2]) },
		"find":           func() { _, _, _ = FindCIPSO(opts) },
		"permissive":     func() { s, _ := Lenient.Parse(vecD); pb, _ := s.Permissive(); _ = pb.Categories(&cs) },
		"free form":      func() { s, _ := Lenient.Parse(vecE); ff, _ := s.FreeForm(); sink += len(ff.Data()) },
		"append tag 6":   func() { buf, _ = AppendPermissiveBitmap(buf[:0], 1, &cats) },
		"append tag 7":   func() { buf, _ = strict.AppendFreeForm(buf[:0], vecE[8:]) },
		"append empty 7": func() { buf, _ = strict.AppendFreeForm(buf[:0], nil) },
	}
	var lab Label
	full3 := Label{ID: 3, Level: 5, RestrictiveTag: cipso.TagRange, Restrictive: cats, HasPermissive: true, Permissive: catsOf(t, 0, 1), HasFreeForm: true, FreeForm: []byte{1, 2}}
	if _, err := strict.AppendOption(nil, &full3); err != nil {
		t.Fatal(err)
	}
	cases["decode label"] = func() { _ = strict.Decode(three, &lab) }
	cases["decode strict enum"] = func() { _ = strict.Decode(vecB, &lab) }
	cases["decode label options"] = func() { _, _ = Lenient.DecodeOptions(opts, &lab) }
	cases["append label"] = func() { buf, _ = strict.AppendOption(buf[:0], &full3) }
	cases["append label error"] = func() { buf, _ = strict.AppendOption(buf[:0], &Label{}) }
	cases["label to cipso"] = func() { var c cipso.Label; _ = lab.CIPSO(&c); _ = lab.SetCIPSO(3, &c, cipso.TagEnum) }
	for name, f := range cases {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	_ = sink
}
