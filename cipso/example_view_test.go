package cipso_test

import (
	"fmt"

	"github.com/iplabel/iplabel/cipso"
)

// Read the label of a received datagram where it lies: find the CIPSO
// option in the options field and view its first tag (here a tag 5 with
// two ranges, after a NOP), then test and walk the categories without
// decoding them into a CatSet; Label materialises them when a Label is
// wanted.
func ExampleFindLabelView() {
	opts := []byte{0x01, 0x86, 0x12, 0, 0, 0, 1, 0x05, 0x0C, 0, 5, 0, 20, 0, 10, 0, 5, 0, 1, 0x00}
	v, found, err := cipso.FindLabelView(opts)
	if err != nil || !found {
		panic(fmt.Sprint("no label: ", err))
	}
	fmt.Println("doi", v.DOI(), "tag", v.TagType(), "level", v.Level())
	fmt.Println("has c3:", v.Has(3), "has c7:", v.Has(7))
	var cats []uint32
	for c := range v.All() {
		cats = append(cats, c)
	}
	fmt.Println(cats)
	next, _ := v.Next(6)
	l := v.Label()
	fmt.Println("next from 6:", next, "materialised:", l.Cats.Len(), "categories")
	// Output:
	// doi 1 tag range level 5
	// has c3: true has c7: false
	// [1 2 3 4 5 10 11 12 13 14 15 16 17 18 19 20]
	// next from 6: 10 materialised: 16 categories
}

// View the label of an option already framed with ParseOption.
func ExampleOption_LabelView() {
	o, err := cipso.ParseOption([]byte{0x86, 0x0C, 0, 0, 0, 1, 0x01, 0x06, 0, 2, 0x40, 0x01})
	if err != nil {
		panic(err)
	}
	v, err := o.LabelView()
	if err != nil {
		panic(err)
	}
	c, _ := v.Next(0)
	fmt.Println("level", v.Level(), "first category", c, "has c15:", v.Has(15))
	// Output:
	// level 2 first category 1 has c15: true
}
