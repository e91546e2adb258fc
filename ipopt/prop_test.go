package ipopt_test

import (
	"bytes"
	"math/rand"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// genOptionList generates 0..10 options (NOPs and TLVs of the model's
// types with bodies of 0..10 octets) of at most 40 octets in all.
func genOptionList() gopter.Gen {
	opt := gopter.CombineGens(gen.IntRange(0, len(modelTypes)-1), gen.SliceOf(gen.UInt8())).
		Map(func(v []interface{}) []byte {
			t := modelTypes[v[0].(int)]
			if t == ipopt.NOP {
				return []byte{1}
			}
			body := v[1].([]byte)
			if len(body) > 10 {
				body = body[:10]
			}
			return append([]byte{byte(t), byte(2 + len(body))}, body...)
		})
	return gen.SliceOf(opt).Map(func(opts [][]byte) [][]byte {
		n := 0
		for i, o := range opts {
			if n+len(o) > ipopt.MaxOptionsLen || i == 10 {
				return opts[:i]
			}
			n += len(o)
		}
		return opts
	})
}

// Property: what the Builder builds, the walk gives back, option for
// option; the padding is EOL to a multiple of 4 (RULES.md §5).
func TestPropBuildWalkRoundTrip(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(3)
	params.MinSuccessfulTests = 2000
	params.MaxSize = 12 // list and body lengths
	props := gopter.NewProperties(params)
	props.Property("build -> walk", prop.ForAll(func(opts [][]byte, viaOption bool) bool {
		b := ipopt.NewBuilder(testutil.Poisoned(64))
		n := 0
		for _, o := range opts {
			var err error
			switch {
			case len(o) == 1:
				err = b.Option(ipopt.NOP, nil)
			case viaOption:
				err = b.Option(ipopt.Type(o[0]), o[2:])
			default:
				err = b.Raw(o)
			}
			if err != nil {
				return false
			}
			n += len(o)
		}
		field, err := b.Finish()
		if err != nil || len(field) != ipopt.PaddedLen(n) || len(field)%4 != 0 {
			return false
		}
		it := ipopt.NewIter(field)
		i := 0
		for it.Next() {
			o := it.Option()
			if i < len(opts) {
				if !bytes.Equal(o.Bytes, opts[i]) {
					return false
				}
				i++
				continue
			}
			if o.Type != ipopt.EOL { // padding: EOL, and zeros after it
				return false
			}
		}
		for _, c := range it.Tail() {
			if c != 0 {
				return false
			}
		}
		return it.Err() == nil && i == len(opts) && it.EOL() == (n%4 != 0)
	}, genOptionList(), gen.Bool()))
	props.TestingRun(t)
}

// Property: a sequence of random inserts, replaces, removes and sets on a
// packet agrees with the list model (model_test.go) after every step: the
// other options and the payload are byte-exact, IHL*4 is the header
// length, the total length and checksum are right, and a refused rewrite
// changes nothing.
func TestPropRewriteSequence(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(4)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)
	props.Property("rewrites agree with the model", prop.ForAll(func(seed int64) string {
		s := randScenario(rand.New(rand.NewSource(seed)))
		if msg := s.run(); msg != "" {
			return msg + "\n" + s.String()
		}
		return ""
	}, gen.Int64()))
	props.TestingRun(t)
}
