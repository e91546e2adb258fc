package dsm_test

import (
	"errors"
	"fmt"

	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// Build DSM's usual label, the source SID of the sending process and the
// node ID of the host, and see how much room it takes.
func ExampleLabel_AppendOption() {
	n := dsm.New(dsm.DefaultSID, 1)
	buf := make([]byte, 0, 40)
	buf, err := n.AppendOption(buf, 0) // 0: DefaultDOI 0x10001000
	if err != nil {
		panic(err)
	}
	fmt.Printf("% x\n", buf)
	fmt.Println(n.OptionLen(), ipopt.PaddedLen(n.OptionLen()), dsm.EffectiveMSS(1460, n.OptionLen()))
	// Output:
	// 86 14 10 00 10 00 07 0e 03 06 12 34 12 34 06 06 00 00 00 01
	// 20 20 1440
}

// Receive a label as DSM did and read the pointer it would report.
func ExampleProfile_Decode() {
	opt := []byte{0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
		0x03, 0x06, 0x12, 0x34, 0x12, 0x34, 0x06, 0x06, 0x00, 0x00, 0x00, 0x01}
	var n dsm.Label
	if err := dsm.Receiver.Decode(opt, &n); err != nil {
		panic(err)
	}
	fmt.Println(n)

	opt[14] = 0x02 // the node ID becomes a policy serial, which DSM refused
	err := dsm.Receiver.Decode(opt, &n)
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, dsm.ErrUnknownParam), e.Offset(), e.Pointer())
	}
	// Output:
	// ssid=0x12341234 node=0x1
	// true 14 15
}

// Validate the label of a whole options field and map it to a network SID.
func ExampleProfile_DecodeOptions() {
	opts := []byte{0x01, // NOP
		0x86, 0x14, 0x10, 0x00, 0x10, 0x00, 0x07, 0x0E,
		0x03, 0x06, 0x00, 0x00, 0x00, 0x2A, 0x06, 0x06, 0x00, 0x00, 0x00, 0x03,
		0x00, 0x00, 0x00} // EOL and padding
	var n dsm.Label
	o, err := dsm.Strict{}.Profile().DecodeOptions(opts, &n)
	if err != nil {
		panic(err)
	}
	def, _ := n.NetworkSID(nil)
	seed, _ := n.NetworkSID(dsm.SeedMapper{})
	fmt.Println(o.Offset, n.SourceSID, n.NodeID)
	fmt.Printf("%#x %d\n", def, seed)
	// Output:
	// 1 42 3
	// 0x30000002a 90
}

// Walk a parameter list, unknown types included.
func ExampleParamIter() {
	data := []byte{0x03, 0x06, 0x12, 0x34, 0x12, 0x34, 0x09, 0x03, 0xAA, 0x06, 0x06, 0, 0, 0, 1}
	it := dsm.NewParamIter(data)
	for it.Next() {
		p := it.Param()
		v, ok := p.Uint32()
		fmt.Println(p.Offset, p.Type, p.Type.Known(), v, ok)
	}
	fmt.Println(it.Err())
	// Output:
	// 0 ssid true 305402420 true
	// 6 param(9) false 0 false
	// 9 node true 1 true
	// <nil>
}
