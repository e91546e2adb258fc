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
	bad := mut(5, 1)
	full := NSID{}.WithBypass().WithPolicySerial(1).WithSourceSID(2).WithMessageSID(3).WithDestSID(4).WithNodeID(5)
	buf := make([]byte, 0, 64)
	tbl := TableMapper{{1, 2}: 3}
	var n NSID
	var sink int
	cases := map[string]func(){
		"decode":         func() { _ = DSMReceiver.Decode(dsmExample, &n) },
		"decode error":   func() { _ = DSMReceiver.Decode(bad, &n) },
		"strict error":   func() { _ = NSIDStrict.Decode(bad, &n) },
		"decode options": func() { _, _ = NSIDStrict.DecodeOptions(opts, &n) },
		"options error":  func() { _, _ = DSMReceiver.DecodeOptions(bad, &n) },
		"missing":        func() { _ = NSIDStrict.ValidateOptions(opts[:2]) },
		"append option":  func() { buf, _ = full.AppendOption(buf[:0], 0) },
		"append tag":     func() { buf, _ = full.AppendTag(buf[:0]) },
		"append empty":   func() { buf, _ = NSID{}.AppendOption(buf[:0], 0) },
		"param iter": func() {
			it := NewParamIter(dsmExample[8:])
			for it.Next() {
				sink += it.Param().Len()
			}
		},
		"map default":   func() { s, _ := n.NetworkSID(nil); sink += int(s) },
		"map table":     func() { s, _ := NewNSID(1, 2).NetworkSID(tbl); sink += int(s) },
		"effective mss": func() { sink += EffectiveMSS(1460, full.OptionLen()) },
	}
	three := []byte{0x86, 0x12, 0, 0, 0, 3, 0x01, 0x04, 0x00, 0x05, 0x06, 0x04, 0x00, 0x05, 0x07, 0x04, 0xab, 0xcd}
	cats := catsOf(t, 0, 1, 200)
	var cs cipso.CatSet
	tagCases := map[string]func(){
		"parse strict":   func() { _, _ = Strict.Parse(three) },
		"parse error":    func() { _ = Strict.Validate(vecA[:11]) },
		"parse options":  func() { _, _, _ = Lenient.ParseOptions(opts) },
		"permissive":     func() { s, _ := Lenient.Parse(vecD); pb, _ := s.Permissive(); _ = pb.Categories(&cs) },
		"free form":      func() { s, _ := Lenient.Parse(vecE); ff, _ := s.FreeForm(); sink += len(ff.Data()) },
		"append tag 6":   func() { buf, _ = AppendPermissiveBitmap(buf[:0], 1, &cats) },
		"append tag 7":   func() { buf, _ = Strict.AppendFreeForm(buf[:0], vecE[8:]) },
		"append empty 7": func() { buf, _ = Strict.AppendFreeForm(buf[:0], nil) },
		"nsid in tag 7": func() {
			s, _ := Lenient.Parse(dsmExample)
			ff, _ := s.FreeForm()
			_ = DSMReceiver.DecodeFreeForm(ff, &n)
		},
	}
	var lab Label
	full3 := Label{ID: 3, Level: 5, RestrictiveTag: cipso.TagRange, Restrictive: cats, HasPermissive: true, Permissive: catsOf(t, 0, 1), HasFreeForm: true, FreeForm: []byte{1, 2}}
	if _, err := Strict.AppendOption(nil, &full3); err != nil {
		t.Fatal(err)
	}
	tagCases["decode label"] = func() { _ = Strict.Decode(three, &lab) }
	tagCases["decode strict enum"] = func() { _ = Strict.Decode(vecB, &lab) }
	tagCases["decode label options"] = func() { _, _ = Lenient.DecodeOptions(opts, &lab) }
	tagCases["append label"] = func() { buf, _ = Strict.AppendOption(buf[:0], &full3) }
	tagCases["append label error"] = func() { buf, _ = Strict.AppendOption(buf[:0], &Label{}) }
	tagCases["label to cipso"] = func() { var c cipso.Label; _ = lab.CIPSO(&c); _ = lab.SetCIPSO(3, &c, cipso.TagEnum) }
	for name, f := range tagCases {
		cases[name] = f
	}
	for name, f := range cases {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	_ = sink
}
