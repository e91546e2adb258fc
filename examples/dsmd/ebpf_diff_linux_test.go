package main

import (
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/fips188/dsm"
)

// TestEBPFDifferential compares BPF_PROG_RUN verdicts with the Go
// validators on thousands of generated fields.
func TestEBPFDifferential(t *testing.T) {
	reg := ebpfTestRegistry(t)
	for name, p := range ebpfTestProfiles {
		for _, rbm := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/rbm=%v", name, rbm), func(t *testing.T) {
				e := loadEBPFForTest(t, EBPFIngressConfig{Registry: reg, RBMStrictValid: rbm, DSM: p})
				r := rand.New(rand.NewPCG(17, uint64(len(name))))
				n, bad := 4000, 0
				if testing.Short() {
					n = 500
				}
				for range n {
					if d := checkEBPFField(e, ebpfField(r), reg, rbm, p); d != "" {
						if bad++; bad <= 10 {
							t.Error(d)
						}
					}
				}
			})
		}
	}
}

// TestEBPFProperty is the same comparison as a gopter property over
// fields made from random seeds.
func TestEBPFProperty(t *testing.T) {
	reg := ebpfTestRegistry(t)
	p := dsm.Receiver
	e := loadEBPFForTest(t, EBPFIngressConfig{Registry: reg, RBMStrictValid: true, DSM: p})
	params := gopter.DefaultTestParametersWithSeed(188)
	params.MinSuccessfulTests = 2000
	props := gopter.NewProperties(params)
	props.Property("BPF_PROG_RUN equals the Go validators", prop.ForAll(
		func(seed uint64) bool {
			d := checkEBPFField(e, ebpfField(rand.New(rand.NewPCG(seed, 1))), reg, true, p)
			if d != "" {
				t.Log(d)
			}
			return d == ""
		},
		gen.UInt64(),
	))
	props.TestingRun(t)
}

// ebpfField builds a random options field from r: options of every kind
// Linux checks, CIPSO options of the test DOIs, DSM labels, then a few
// octets changed at random, padded with EOL to a multiple of 4.
func ebpfField(r *rand.Rand) []byte {
	if r.IntN(8) == 0 { // pure noise, biased to interesting octets
		n := 4 * r.IntN(11)
		b := make([]byte, n)
		for i := range b {
			b[i] = ebpfOctet(r)
		}
		return b
	}
	var b []byte
	for k := r.IntN(4); k >= 0; k-- {
		b = append(b, ebpfOption(r)...)
	}
	for k := r.IntN(3); k > 0 && len(b) > 0; k-- {
		if r.IntN(2) == 0 {
			b[r.IntN(len(b))] = ebpfOctet(r)
		} else {
			b[r.IntN(len(b))] += byte(r.IntN(3)) - 1
		}
	}
	if len(b) > 40 {
		b = b[:40]
	}
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func ebpfOctet(r *rand.Rand) byte {
	interesting := []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 20, 40, 68, 128, 130, 131, 133, 134, 137, 148, 255}
	if r.IntN(3) == 0 {
		return byte(r.Uint32())
	}
	return interesting[r.IntN(len(interesting))]
}

func ebpfOption(r *rand.Rand) []byte {
	switch r.IntN(10) {
	case 0:
		return []byte{1}
	case 1:
		return []byte{0}
	case 2: // RR, source routes
		typ := []byte{7, 131, 137}[r.IntN(3)]
		n := 3 + r.IntN(10)
		b := []byte{typ, byte(n), byte(4 + 4*r.IntN(3) - r.IntN(2))}
		return append(b, make([]byte, n-3)...)
	case 3: // timestamp
		n := 4 + r.IntN(13)
		b := []byte{68, byte(n), byte(5 + 4*r.IntN(4) - r.IntN(2)), byte(r.IntN(2)*0xf0 | r.IntN(5))}
		tail := make([]byte, n-4)
		for i := range tail {
			tail[i] = []byte{0, 127, 224, 255, 10}[r.IntN(5)]
		}
		return append(b, tail...)
	case 4: // router alert, or an unknown option
		if r.IntN(2) == 0 {
			return []byte{148, 4, 0, 0}
		}
		return []byte{byte(r.IntN(256)) | 2, 2}
	case 5, 6: // DSM label
		n := dsm.New(r.Uint32(), r.Uint32N(4))
		if r.IntN(3) == 0 {
			n = n.With(dsm.ParamPolicySerial, r.Uint32())
		}
		if r.IntN(4) == 0 {
			n = n.With(dsm.ParamDestSID, 1)
		}
		b, _ := n.AppendOption(nil, 0)
		if r.IntN(3) == 0 { // shuffle or duplicate a parameter
			if len(b) >= 20 {
				copy(b[8:14], b[14:20])
			}
		}
		return b
	default: // CIPSO of a test DOI
		doi := []uint32{3, 16, 5, 7, 9, uint32(dsm.DefaultDOI)}[r.IntN(6)]
		b := []byte{134, 0, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[2:], doi)
		for k := r.IntN(3); k >= 0; k-- {
			typ := []byte{1, 2, 5, 128, 7, 6}[r.IntN(6)]
			switch typ {
			case 128:
				b = append(b, 128, 6, 0, 0, 0, byte(r.IntN(3)))
			default:
				cl := r.IntN(8)
				if typ != 1 {
					cl &^= 1
				}
				t := []byte{typ, byte(4 + cl), 0, []byte{0, 1, 2, 7, 9}[r.IntN(5)]}
				for i := 0; i < cl; i++ {
					if typ == 1 {
						t = append(t, []byte{0x80, 0x40, 0x10, 0x50, 0xff, 0}[r.IntN(6)])
					} else {
						t = append(t, byte(r.IntN(3)))
					}
				}
				b = append(b, t...)
			}
		}
		b[1] = byte(len(b))
		return b
	}
}

// FuzzEBPF feeds the same field to the program and to the Go validators.
func FuzzEBPF(f *testing.F) {
	for _, h := range ebpfFixed {
		f.Add(mustHex(f, h))
	}
	reg := ebpfTestRegistry(f)
	p := dsm.Receiver
	e := loadEBPFForTest(f, EBPFIngressConfig{Registry: reg, RBMStrictValid: true, DSM: p})
	f.Fuzz(func(t *testing.T, opts []byte) {
		if len(opts) > 40 {
			opts = opts[:40]
		}
		opts = append([]byte(nil), opts...)
		for len(opts)%4 != 0 {
			opts = append(opts, 0)
		}
		if d := checkEBPFField(e, opts, reg, true, p); d != "" {
			t.Error(d)
		}
	})
}
