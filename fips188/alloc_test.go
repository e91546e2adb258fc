package fips188

import (
	"testing"

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
	for name, f := range cases {
		assert.Zero(t, testing.AllocsPerRun(100, f), name)
	}
	_ = sink
}
