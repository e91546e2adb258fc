package fips188_test

import (
	"errors"
	"fmt"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
)

// Read a FIPS 188 tag set carrying a restrictive bitmap (tag 1), a
// permissive bitmap (tag 6) and free-form data (tag 7).
func ExampleProfile_Decode() {
	opt := []byte{0x86, 0x14, 0x00, 0x00, 0x00, 0x03,
		0x01, 0x05, 0x00, 0x05, 0x90, // tag 1: level 5, categories 0 and 3
		0x06, 0x05, 0x00, 0x05, 0xc0, // tag 6: level 5, categories 0 and 1
		0x07, 0x04, 0xab, 0xcd} // tag 7: AB CD
	strict := fips188.Strict{}.Profile()
	var l fips188.Label
	if err := strict.Decode(opt, &l); err != nil {
		panic(err)
	}
	fmt.Println(l.ID, l.Level, l.RestrictiveTag, l.Restrictive.String(), l.Permissive.String())
	fmt.Printf("% x\n", l.FreeForm)

	// The permissive part has no CIPSO equivalent.
	var c cipso.Label
	fmt.Println(errors.Is(l.CIPSO(&c), fips188.ErrNoEquivalent))
	// Output:
	// 3 5 rbitmap {c0,c3} {c0,c1}
	// ab cd
	// true
}

// Build a label: a CIPSO label plus a permissive set.
func ExampleProfile_AppendOption() {
	var cats cipso.CatSet
	_ = cats.Add(9)
	var l fips188.Label
	if err := l.SetCIPSO(3, &cipso.Label{Level: 2, Cats: cats}, cipso.TagEnum); err != nil {
		panic(err)
	}
	l.HasPermissive = true
	_ = l.Permissive.AddRange(0, 1)
	out, err := fips188.Strict{}.Profile().AppendOption(nil, &l)
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", out)
	// Output:
	// 86 11 00 00 00 03 02 06 00 02 00 09 06 05 00 02 c0
}

// The same options field under the two readings: a zero octet between
// tags is padding to the lenient reader (as to Wireshark) and a reserved
// tag type to the strict one (as to Linux).
func ExampleProfile_Validate() {
	opts := []byte{0x86, 0x0c, 0x00, 0x00, 0x00, 0x01, 0x07, 0x04, 0xab, 0xcd, 0x00, 0x00}
	fmt.Println(fips188.Lenient.Validate(opts))
	fmt.Println(fips188.Strict{}.Validate(opts))
	// Output:
	// <nil>
	// cipso: bad tag length: tag length at offset 11 (pointer 31)
}

// Walk a tag set's tags and view its tag 6.
func ExampleOption() {
	opt := []byte{0x86, 0x0b, 0x00, 0x00, 0x00, 0x03, 0x06, 0x05, 0x00, 0x07, 0xc0}
	s, err := fips188.Lenient.Parse(opt)
	if err != nil {
		panic(err)
	}
	for it := s.Tags(); it.Next(); {
		fmt.Println(it.Tag().Offset, it.Tag().Type)
	}
	pb, _ := s.Permissive()
	fmt.Println(s.ID(), pb.Level(), pb.Has(0), pb.Has(2))
	// Output:
	// 6 pbitmap
	// 3 7 true false
}

// Append tags 6 and 7 on their own, say after an option header from
// cipso.AppendOptionHeader.
func ExampleAppendPermissiveBitmap() {
	var cats cipso.CatSet
	_ = cats.AddRange(0, 1)
	b, _ := cipso.AppendOptionHeader(nil, 3, 5+4)
	b, _ = fips188.AppendPermissiveBitmap(b, 7, &cats)
	b, _ = fips188.Lenient.AppendFreeForm(b, []byte{0xab, 0xcd})
	fmt.Printf("% x\n", b)
	// Output:
	// 86 0f 00 00 00 03 06 05 00 07 c0 07 04 ab cd
}
