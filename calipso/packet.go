package calipso

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

var (
	kindNotFound = ipopt.NewErrorKind(ipopt.ErrNotFound, "no CALIPSO option", ipopt.Missing, ipopt.KindOptions{IPv6: true, NoOffset: true})
	kindOptArg   = ipopt.NewErrorKind(ipopt.ErrBadLength, "the option to set is not one whole CALIPSO option", ipopt.Malformed, ipopt.KindOptions{IPv6: true, NoOffset: true})
)

// span is where calipso_opt_find (net/ipv6/calipso.c) puts the CALIPSO
// option of a Hop-by-Hop header, padding around it included (RULES.md
// §7): start is the end of the last option other than padding before it
// (2 when there is none), end the start of the first such option after it
// (the header's end when there is none). Options of type 7 separated only
// by padding make one span. Without a CALIPSO option, found is false,
// start is the end of the last option other than padding and end the
// header's end: the trailing padding.
func span(hdr ipv6.ExtHeader) (start, end int, found bool) {
	start, end = 2, len(hdr)
	inside := false
	it := ipv6.NewIter(hdr)
	for it.Next() {
		o := it.Option()
		stop := o.Offset + len(o.Bytes)
		switch o.Type {
		case ipv6.Pad1, ipv6.PadN:
			if inside {
				end = stop
			}
		case Type:
			found, inside, end = true, true, stop
		default:
			if inside {
				return start, o.Offset, found
			}
			start = stop
		}
	}
	return start, end, found
}

// SetOption sets the CALIPSO option of the IPv6 packet at p's network
// header to opt, as Linux's calipso_skbuff_setattr labels a packet it
// sends (RULES.md §7): the span of the first CALIPSO option (or, when
// there is none, the trailing padding after the last option) is replaced
// by Pad1/PadN bringing the option to 4n+2, the option, and the padding
// that keeps the options after it where they were modulo 8; every other
// option is kept byte for byte. A packet without a Hop-by-Hop header gets
// one holding only the option, as [AppendHopByHop] writes it. The
// header's length, the Next Header chain and the payload length are set
// and the packet moves as ipv6.SetHopByHop says.
//
// opt is one whole CALIPSO option from its type octet ([ParseOption]
// frames it and its length octet covers all of it), such as
// AppendOption(nil, 2, doi, &l) writes; its checksum is not checked. It
// is copied before the packet is touched, so it may alias the packet. The
// rewrite is atomic: on error nothing changed. It does not allocate.
func SetOption(p *ipopt.Packet, opt []byte) error {
	if o, err := ParseOption(opt); err != nil || len(o) != len(opt) {
		return kindOptArg.At(0)
	}
	hdr, found, err := ipv6.FindHopByHop(p.Network())
	if err != nil {
		return err
	}
	var nb [ipv6.MaxExtLen]byte
	var n, end int
	if found {
		var start int
		start, end, _ = span(hdr)
		n = copy(nb[:], hdr[:start])
	} else {
		n = 2 // Next Header and Hdr Ext Len: set below and by SetHopByHop
	}
	// The option with its lead padding, then the padding that brings the
	// rest of the old header back to its place modulo 8.
	lead := leadPad[n&3]
	optEnd := n + lead + len(opt)
	pad := (end - optEnd) & 7
	rest := hdr[min(end, len(hdr)):]
	if optEnd+pad+len(rest) > len(nb) {
		return kindHBHTooLong.At(0)
	}
	n = len(ipv6.AppendPad(nb[:n], lead))
	n += copy(nb[n:], opt)
	n = len(ipv6.AppendPad(nb[:n], pad))
	n += copy(nb[n:], rest)
	nb[1] = byte(n/8 - 1)
	return ipv6.SetHopByHop(p, nb[:n])
}

// kindHBHTooLong: the header SetOption would build is over 2048 octets.
var kindHBHTooLong = ipopt.NewErrorKind(ipv6.ErrHeaderTooLong, "the Hop-by-Hop header would exceed 2048 octets (Hdr Ext Len 255)", ipopt.Limit, ipopt.KindOptions{IPv6: true, NoOffset: true})

// SetLabel sets the CALIPSO option for label l in DOI doi, the option
// [AppendOption] writes, with [SetOption]. It fails as AppendOption does
// for a label the option cannot carry, changing nothing. It does not
// allocate.
func SetLabel(p *ipopt.Packet, doi uint32, l *cipso.Label) error {
	var b [MaxLen]byte
	opt, err := AppendOption(b[:0], 2, doi, l)
	if err != nil {
		return err
	}
	return SetOption(p, opt)
}

// RemoveOption removes the first CALIPSO option of the IPv6 packet at
// p's network header, as Linux's calipso_skbuff_delattr does (RULES.md
// §7): when the header holds nothing but the option's span, the whole
// Hop-by-Hop header goes and the Next Header chain closes over it;
// otherwise the span gives back its whole multiples of 8 octets and the
// rest (under 8) becomes one Pad1 or PadN, so the options after it keep
// their place modulo 8. Unlike Linux, which leaves it, the payload length
// is set. It fails with ipopt.ErrNotFound (class Missing) when there is no
// CALIPSO option in the Hop-by-Hop header (none in another header is
// looked at). Call it until ErrNotFound to remove every CALIPSO option.
// The rewrite is atomic: on error nothing changed. It does not allocate.
func RemoveOption(p *ipopt.Packet) error {
	hdr, found, err := ipv6.FindHopByHop(p.Network())
	if err != nil {
		return err
	}
	if !found {
		return kindNotFound.At(0)
	}
	start, end, found := span(hdr)
	if !found {
		return kindNotFound.At(0)
	}
	if start == 2 && end == len(hdr) {
		return ipv6.SetHopByHop(p, nil)
	}
	var nb [ipv6.MaxExtLen]byte
	n := copy(nb[:], hdr[:start])
	n = len(ipv6.AppendPad(nb[:n], (end-start)&7))
	n += copy(nb[n:], hdr[end:])
	nb[1] = byte(n/8 - 1)
	return ipv6.SetHopByHop(p, nb[:n])
}
