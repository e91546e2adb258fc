package ipopt_test

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/iplabel/iplabel/ipopt"
)

// Walk an options field: a NOP, a CIPSO option, an EOL and the padding
// after it, which stays reachable so nothing is lost.
func ExampleIter() {
	opts := []byte{0x01, 0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 5, 0x00}
	it := ipopt.NewIter(opts)
	for it.Next() {
		o := it.Option()
		fmt.Println(o.Offset, o.Type, o.Len())
	}
	fmt.Println(it.Err(), len(it.Tail()))
	// Output:
	// 0 nop 1
	// 1 cipso 10
	// 11 eol 1
	// <nil> 0
}

// Validate as Linux does on receive and read the ICMP pointer.
func ExampleLinux_Validate() {
	// A CIPSO option whose length runs past the options field.
	opts := []byte{0x86, 0x10, 0, 0, 0, 1, 1, 4, 0, 5, 0, 0}
	var l ipopt.Linux
	err := l.Validate(opts)
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, ipopt.ErrBadLength), e.Offset(), e.Pointer(), e.Class())
	}
	// Output:
	// true 0 20 malformed
}

// Build an options field: a Router Alert and a CIPSO label, padded with
// EOL to a multiple of 4 as Linux pads the options it sends.
func ExampleBuilder() {
	b := ipopt.NewBuilder(make([]byte, 0, 40))
	_ = b.Option(ipopt.RA, []byte{0, 0})
	_ = b.Raw([]byte{0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 3}) // DOI 1, tag 1, level 3
	opts, err := b.Finish()
	fmt.Printf("% x %v\n", opts, err)

	// An option that would take the field over 40 octets is refused, and
	// the field stays as it was.
	b = ipopt.NewBuilder(nil)
	_ = b.Option(ipopt.RA, []byte{0, 0})
	err = b.Option(ipopt.CIPSO, make([]byte, 36))
	var e ipopt.Error
	if errors.As(err, &e) {
		fmt.Println(errors.Is(err, ipopt.ErrTooLong), e.Class(), e.Offset(), b.Len())
	}
	// Output:
	// 94 04 00 00 86 0a 00 00 00 01 01 04 00 03 00 00 <nil>
	// true limit 4 4
}

// Read an IPv4 header with options and check its checksum (the worked
// example of RULES.md §7).
func ExampleHeader() {
	b := []byte{
		0x48, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xdc, 0xad,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		0x86, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0x05, 0x00, 0x00,
	}
	h, err := ipopt.ParseHeader(b)
	if err != nil {
		panic(err)
	}
	fmt.Println(h.Src(), "->", h.Dst(), h.Protocol(), h.HeaderLen(), h.TotalLen())
	fmt.Printf("% x %v\n", h.Options(), h.VerifyChecksum())

	// Raise the label's level 5 -> 7 in place: Overwrite updates the
	// checksum incrementally (RFC 1624); a full recompute gives the same.
	if err := h.Overwrite(9, []byte{7}); err != nil {
		panic(err)
	}
	fmt.Printf("%#04x %#04x\n", h.ChecksumField(), h.Checksum())
	// Output:
	// 10.0.0.1 -> 10.0.0.2 17 32 40
	// 86 0a 00 00 00 01 01 04 00 05 00 00 true
	// 0xdcab 0xdcab
}

// Write a header with a router alert option: Encode sets the version, the
// IHL and the checksum, and pads the options with EOL.
func ExampleHeader_Encode() {
	var b [60]byte
	h := ipopt.Header(b[:])
	err := h.Encode(ipopt.HeaderFields{
		TotalLen: 28, TTL: 1, Protocol: 2, Flags: 0x2, // IGMP, DF
		Src:     netip.MustParseAddr("10.0.0.1"),
		Dst:     netip.MustParseAddr("224.0.0.22"),
		Options: []byte{0x94, 0x04, 0x00, 0x00}, // RA (RFC 2113)
	})
	if err != nil {
		panic(err)
	}
	h = h[:h.HeaderLen()]
	fmt.Printf("% x\n", []byte(h))
	fmt.Println(h.HeaderLen(), h.DontFragment(), h.VerifyChecksum())
	// Output:
	// 46 00 00 1c 00 00 40 00 01 02 fa c4 0a 00 00 01 e0 00 00 16 94 04 00 00
	// 24 true true
}

// Label a datagram: the option goes first, the header grows into the
// headroom, and IHL, total length and checksum are fixed. The payload
// does not move.
func ExamplePacket_SetOption() {
	datagram := []byte{
		0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x00, 0x00,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		'p', 'a', 'y', 'l', 'o', 'a', 'd', '!',
	}
	ipopt.Header(datagram[:20]).SetChecksum()

	buf := make([]byte, 40+len(datagram)) // 40 octets of headroom
	copy(buf[40:], datagram)
	p, err := ipopt.FromBytes(buf, 40, len(datagram))
	if err != nil {
		panic(err)
	}
	label := []byte{0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 3} // DOI 1, tag 1, level 3
	if err := p.SetOption(label); err != nil {
		panic(err)
	}
	h, _ := p.Header()
	fmt.Println(h.IHL(), h.TotalLen(), h.VerifyChecksum(), p.Headroom())
	fmt.Printf("% x\n", h.Options())
	fmt.Printf("%s\n", p.Bytes()[h.HeaderLen():])

	// Removing it cuts it out: the header shrinks back, leaving no NOPs.
	_ = p.RemoveOption(ipopt.CIPSO)
	h, _ = p.Header()
	fmt.Println(h.IHL(), h.TotalLen(), h.VerifyChecksum(), p.Headroom())
	// Output:
	// 8 40 true 28
	// 86 0a 00 00 00 01 01 04 00 03 00 00
	// payload!
	// 5 28 true 40
}

// The options of later fragments (checklist 39, RULES.md §6): Linux overwrites
// the options that are not copied (RR here) with NOPs; the compact form
// keeps only the copied ones (CIPSO).
func ExampleFragmentOptionsInPlace() {
	opts := []byte{0x86, 0x0a, 0, 0, 0, 1, 1, 4, 0, 5, 0x07, 0x07, 0x04, 0, 0, 0, 0, 0, 0, 0}
	compact, _ := ipopt.AppendFragmentOptions(nil, opts)
	ipopt.FragmentOptionsInPlace(opts)
	fmt.Printf("% x\n% x\n", opts, compact)
	// Output:
	// 86 0a 00 00 00 01 01 04 00 05 01 01 01 01 01 01 01 00 00 00
	// 86 0a 00 00 00 01 01 04 00 05 00 00
}
