package bench

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// BenchmarkCompare is the side-by-side suite: BenchmarkCompare/<op>/<case>/<impl>
// for every operation of Ops, every case of Cases and every library that
// can do the operation. Every implementation gets the same bytes, built
// once; state is set up outside the timed loop; results stay in memory
// the Bench owns. Run it with bench/report.
func BenchmarkCompare(b *testing.B) {
	for _, op := range Ops {
		b.Run(op.Name, func(b *testing.B) {
			for _, c := range Cases {
				b.Run(c.Name, func(b *testing.B) {
					for _, impl := range op.Impls {
						b.Run(impl.Name, func(b *testing.B) {
							bn := impl.Setup(c)
							b.ReportAllocs()
							for b.Loop() {
								if err := bn.Run(); err != nil {
									b.Fatal(err)
								}
							}
						})
					}
				})
			}
		})
	}
}

// TestFixtures pins the fixtures to independent facts: the checksum
// routine to a header with a 12-octet CIPSO option whose RFC 1071 sum,
// worked out separately, is 0xDCAD; every datagram's header to a correct
// checksum and length; and the labelled and bare datagrams to differ
// exactly by the label option.
func TestFixtures(t *testing.T) {
	f := unhex("48 00 00 28 00 01 00 00 40 11 00 00 0a 00 00 01 0a 00 00 02 86 0a 00 00 00 01 01 04 00 05 00 00")
	require.Equal(t, uint16(0xDCAD), Checksum(f))
	for _, c := range Cases {
		for _, pkt := range [][]byte{c.Labeled, c.Bare} {
			h, err := ipopt.ParseHeader(pkt)
			require.NoError(t, err, c.Name)
			assert.True(t, h.VerifyChecksum(), c.Name)
			assert.Equal(t, len(pkt), int(h.TotalLen()), c.Name)
			assert.Equal(t, udpPayload, pkt[len(h):], c.Name)
		}
		lh, _ := ipopt.ParseHeader(c.Labeled)
		bh, _ := ipopt.ParseHeader(c.Bare)
		assert.Equal(t, append(append([]byte(nil), bh.Options()...), c.Option...), []byte(lh.Options()), c.Name)
		assert.Equal(t, 0, len(c.Option)%4, "%s: the options need no padding, so every library writes the same octets", c.Name)
	}
	assert.Len(t, Cases[0].Option, 40)
	assert.Len(t, Cases[1].Option, 40)
}

// TestCompareImpls runs every implementation of every operation once on
// every case: each must accept the bytes, and its results must match the
// fixture (the decoded label, the option it found, the payload, the
// labelled datagram insert produced). A broken fixture or a peer that
// cannot do what its benchmark claims fails here, not in a benchmark.
func TestCompareImpls(t *testing.T) {
	for _, op := range Ops {
		for _, c := range Cases {
			for _, impl := range op.Impls {
				t.Run(op.Name+"/"+c.Name+"/"+impl.Name, func(t *testing.T) {
					bn := impl.Setup(c)
					for range 2 { // the second run reuses the state of the first
						require.NoError(t, bn.Run())
						require.NoError(t, bn.Check())
					}
				})
			}
		}
	}
}

// TestIplabelZeroAllocs asserts that every iplabel benchmark path
// allocates nothing per operation.
func TestIplabelZeroAllocs(t *testing.T) {
	n := 0
	for _, op := range Ops {
		for _, c := range Cases {
			for _, impl := range op.Impls {
				if impl.Name != "iplabel" {
					continue
				}
				bn := impl.Setup(c)
				var err error
				allocs := testing.AllocsPerRun(100, func() { err = bn.Run() })
				require.NoError(t, err)
				assert.Zero(t, allocs, "%s/%s/iplabel allocates", op.Name, c.Name)
				n++
			}
		}
	}
	assert.Equal(t, len(Ops)*len(Cases), n, "an iplabel implementation for every operation and case")
}
