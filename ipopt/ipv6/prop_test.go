package ipv6_test

import (
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// Property: options laid out with AppendPad (each at a chosen alignment,
// the header padded to a multiple of 8) come back from the walk option for
// option, and Linux accepts the header when every option is an unknown
// one with action 00 and there are at most 8.
func TestPropLayoutWalk(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(5)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)
	opt := gopter.CombineGens(gen.UInt8Range(0x02, 0x3f), gen.SliceOfN(12, gen.UInt8()), gen.IntRange(0, 12), gen.IntRange(0, 7))
	props.Property("layout -> walk", prop.ForAll(func(raw []interface{}) bool {
		h := []byte{17, 0}
		var want [][]byte
		for _, r := range raw {
			v := r.([]interface{})
			t, body, n, align := v[0].(uint8), v[1].([]byte), v[2].(int), v[3].(int)
			if t == ipv6.RouterAlert || t == ipv6.CALIPSO || t == ipv6.IOAM {
				t = 0x1e
			}
			h = ipv6.AppendPad(h, (align-len(h)%8+8)%8)
			o := append([]byte{t, byte(n)}, body[:n]...)
			h = append(h, o...)
			want = append(want, o)
		}
		h = ipv6.AppendPad(h, (8-len(h)%8)%8)
		h[1] = byte(len(h)/8 - 1)
		it := ipv6.NewIter(h)
		var got [][]byte
		for it.Next() {
			if o := it.Option(); o.Type != ipv6.Pad1 && o.Type != ipv6.PadN {
				got = append(got, o.Bytes)
			}
		}
		if it.Err() != nil || len(got) != len(want) {
			return false
		}
		for i := range got {
			if string(got[i]) != string(want[i]) {
				return false
			}
		}
		var l ipv6.Linux
		return l.CheckHopByHop(h, ipv6.Packet{}) == nil
	}, gen.SliceOfN(8, opt).Map(func(v [][]interface{}) []interface{} {
		out := make([]interface{}, len(v))
		for i := range v {
			out[i] = v[i]
		}
		return out
	})))
	props.TestingRun(t)
}
