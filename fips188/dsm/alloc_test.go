package dsm

import (
	"testing"

	"github.com/iplabel/iplabel/fips188"
	"github.com/stretchr/testify/assert"
)

// TestNoAllocs asserts that decode, validate, encode and their error paths
// allocate nothing.
func TestNoAllocs(t *testing.T) {
	opts := append(append([]byte{0x01, 0x01}, dsmExample...), 0x00, 0x00)
	bad := mut(5, 1)
	full := Label{}.With(ParamBypass, 0).With(ParamPolicySerial, 1).With(ParamSourceSID, 2).With(ParamMessageSID, 3).With(ParamDestSID, 4).With(ParamNodeID, 5)
	buf := make([]byte, 0, 64)
	tbl := TableMapper{{1, 2}: 3}
	var n Label
	var sink int
	cases := map[string]func(){
		"decode":         func() { _ = Receiver.Decode(dsmExample, &n) },
		"decode error":   func() { _ = Receiver.Decode(bad, &n) },
		"strict error":   func() { _ = strict.Decode(bad, &n) },
		"decode options": func() { _, _ = strict.DecodeOptions(opts, &n) },
		"options error":  func() { _, _ = Receiver.DecodeOptions(bad, &n) },
		"missing":        func() { _ = strict.Validate(opts[:2]) },
		"strict type":    func() { _ = Strict{}.Validate(opts) },
		"append option":  func() { buf, _ = full.AppendOption(buf[:0], 0) },
		"append tag":     func() { buf, _ = full.appendTag(buf[:0]) },
		"append empty":   func() { buf, _ = Label{}.AppendOption(buf[:0], 0) },
		"append text":    func() { buf, _ = full.AppendText(buf[:0]) },
		"param iter": func() {
			it := NewParamIter(dsmExample[8:])
			for it.Next() {
				sink += len(it.Param().Bytes)
			}
		},
		"map default":   func() { s, _ := n.NetworkSID(nil); sink += int(s) },
		"map table":     func() { s, _ := New(1, 2).NetworkSID(tbl); sink += int(s) },
		"effective mss": func() { sink += EffectiveMSS(1460, full.OptionLen()) },
		"nsid in tag 7": func() {
			s, _ := fips188.Lenient.Parse(dsmExample)
			ff, _ := s.FreeForm()
			_ = Receiver.DecodeFreeForm(ff, &n)
		},
	}
	for name, f := range cases {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	_ = sink
}
