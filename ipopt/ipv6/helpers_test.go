package ipv6_test

// hbh builds a Hop-by-Hop header: next header 17, Hdr Ext Len from the
// length, then opts, which must make the whole a multiple of 8.
func hbh(opts ...byte) []byte {
	n := 2 + len(opts)
	if n%8 != 0 {
		panic("hbh: not a multiple of 8")
	}
	return append([]byte{17, byte(n/8 - 1)}, opts...)
}
