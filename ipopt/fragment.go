package ipopt

// FragmentOptionsInPlace turns opts, the options of a datagram being
// fragmented, into the options of its second and later fragments the way
// Linux does (ip_options_fragment, net/ipv4/ip_options.c; RULES.md §6):
// every option whose copied flag (0x80) is clear, NOP included, is
// overwritten with NOP octets (0x01) of the same total length, and every
// copied option (CIPSO, SEC, ESEC, LSRR, SSRR, RA, ...) keeps its octets.
// The length of the field, and so the header length, does not change.
//
// Like Linux it stops, leaving the rest as it is, at an EOL (the padding
// after it is untouched) and at a framing error (a type octet with no
// length, a length below 2 or past the end). The checksum must be
// recomputed afterwards ([Header.SetChecksum]).
func FragmentOptionsInPlace(opts []byte) {
	it := NewIter(opts)
	for it.Next() {
		o := it.Option()
		if o.Type == EOL {
			return
		}
		if !o.Type.Copied() {
			for i := range o.Bytes {
				opts[o.Offset+i] = byte(NOP)
			}
		}
	}
}

// AppendFragmentOptions appends to dst the options field of a later
// fragment in its compact form (RFC 791: the copied flag, and the
// fragmentation procedure of §3.2, which copies into later fragments only
// the options that have it): only the options whose
// copied flag is set, in their order and byte for byte, then EOL padding
// to a multiple of 4. Non-copied options, NOPs, the EOL and the octets
// after it are left out. The result can be as short as nothing (no copied
// option): a later fragment then has a 20-octet header.
//
// A framing error in opts is returned (offsets in opts) with dst
// unchanged, as is a result over 40 octets (ErrTooLong, class Limit),
// which only an opts longer than 40 octets can give.
func AppendFragmentOptions(dst, opts []byte) ([]byte, error) {
	it := NewIter(opts)
	n := 0
	for it.Next() {
		if o := it.Option(); o.Type.Copied() {
			n += len(o.Bytes)
		}
	}
	if err := it.Err(); err != nil {
		return dst, err
	}
	if n > MaxOptionsLen {
		return dst, KindTooLong.At(MaxOptionsLen)
	}
	it = NewIter(opts)
	for it.Next() {
		if o := it.Option(); o.Type.Copied() {
			dst = append(dst, o.Bytes...)
		}
	}
	return appendPadding(dst, n), nil
}
