package cipso_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// Decode a received option: the DOI, the tags, and the label of the first
// tag (here a tag 5 with two ranges).
func ExampleParseOption() {
	b := []byte{0x86, 0x12, 0, 0, 0, 1, 0x05, 0x0C, 0, 5, 0, 20, 0, 10, 0, 5, 0, 1}
	o, err := cipso.ParseOption(b)
	if err != nil {
		panic(err)
	}
	it := o.Tags()
	for it.Next() {
		t := it.Tag()
		fmt.Println("doi", o.DOI(), "tag", t.Type, "at", t.Offset, "length", len(t.Bytes))
	}
	var l cipso.Label
	if err := o.Label(&l); err != nil {
		panic(err)
	}
	fmt.Println(l)
	// Output:
	// doi 1 tag range at 6 length 12
	// s5:c1.c5,c10.c20
}

// Validate an options field exactly as a Linux host configured with
// "netlabelctl cipsov4 add pass doi:16 tags:1,2,5" does, and read the ICMP
// answer it would send.
func ExampleLinux() {
	reg, err := cipso.ParseConfig(strings.NewReader("netlabelctl cipsov4 add pass doi:16 tags:1,2,5\n"))
	if err != nil {
		panic(err)
	}
	lx := cipso.NewLinux(reg)

	good := []byte{0x86, 0x0C, 0, 0, 0, 16, 0x01, 0x06, 0, 3, 0x80, 0x01}
	fmt.Println(lx.Validate(good))

	// Enumerated categories out of order, behind two NOPs.
	bad := []byte{0x01, 0x01, 0x86, 0x0E, 0, 0, 0, 16, 0x02, 0x08, 0, 3, 0, 5, 0, 1}
	err = lx.Validate(bad)
	var e ipopt.Error
	errors.As(err, &e)
	fmt.Println(errors.Is(err, cipso.ErrCategoryOrder), e.Offset(), e.Pointer())
	typ, code, ptr, _ := ipopt.ICMP(err, false)
	fmt.Println("icmp", typ, code, ptr)
	// Output:
	// <nil>
	// true 12 32
	// icmp parameter problem 0 32
}

// Generate the option Linux would send for a label: the DOI's tags are
// tried in order and the first that fits wins.
func ExampleDomain_AppendOption() {
	d, err := cipso.NewPass(1, cipso.TagRBitmap, cipso.TagEnum)
	if err != nil {
		panic(err)
	}
	for _, s := range []string{"s3:c0,c15", "s3:c240"} {
		l, _ := cipso.ParseLabel(s)
		out, err := d.AppendOption(nil, &l, cipso.Format{})
		fmt.Printf("%-10s % x %v\n", s, out, err)
	}
	// Output:
	// s3:c0,c15  86 0c 00 00 00 01 01 06 00 03 80 01 <nil>
	// s3:c240    86 0c 00 00 00 01 02 06 00 03 00 f0 <nil>
}

// The strict profile refuses what the draft forbids even where Linux lets
// it through: here a range whose bottom is above its top.
func ExampleStrict() {
	opt := []byte{0x86, 0x0E, 0, 0, 0, 1, 0x05, 0x08, 0, 5, 0, 5, 0, 10}
	var st cipso.Strict
	fmt.Println(st.Validate(opt)) // a field of one option
	lx := cipso.NewLinux(nil)
	fmt.Println(lx.Validate(opt))
	// Output:
	// cipso: categories out of order: categories at offset 10 (pointer 30)
	// cipso: unknown DOI: doi at offset 2 (pointer 22)
}

// Labels compare in the MAC lattice.
func ExampleLabel_Dominates() {
	secret, _ := cipso.ParseLabel("s3:c0.c9")
	conf, _ := cipso.ParseLabel("s2:c1,c5")
	other, _ := cipso.ParseLabel("s2:c12")
	fmt.Println(secret.Dominates(&conf), conf.Dominates(&secret), !secret.Dominates(&other) && !other.Dominates(&secret))
	j := conf
	_ = j.Join(&other)
	fmt.Println(j)
	// Output:
	// true false true
	// s2:c1,c5,c12
}

// A category set holds small and large categories without allocating.
func ExampleCatSet() {
	var s cipso.CatSet
	_ = s.AddRange(3, 6)
	_ = s.Add(1000)
	_ = s.Add(0)
	for lo, hi := range s.Ranges() {
		fmt.Println(lo, hi)
	}
	fmt.Println(s.Len(), s)
	// Output:
	// 0 0
	// 3 6
	// 1000 1000
	// 6 {c0,c3.c6,c1000}
}

// Configuration errors carry the line and column of the problem.
func ExampleParseConfig() {
	_, err := cipso.ParseConfig(strings.NewReader("cipso add pass doi:16 tags:1\ncipso add trans doi:3 tags:1,2 levels:0=0\n"))
	fmt.Println(err)
	// Output:
	// line 2, column 30: cipso: invalid DOI definition: tag 2 not allowed in a trans DOI
}
