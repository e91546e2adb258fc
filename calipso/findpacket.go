package calipso

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// PacketLabel is the CALIPSO label of a packet as FindPacketLabel reads
// it: the DOI of its option and its label (CALIPSO DOIs are pass-through,
// so these are the wire values).
type PacketLabel struct {
	DOI   uint32
	Label cipso.Label
}

// FindPacketLabel reads the CALIPSO label of an IPv6 packet, given from
// the first octet of its fixed header: ipv6.FindHopByHop, the first
// CALIPSO option of the Hop-by-Hop header (ipv6.Find with Type),
// ParseOption and Option.Label, as Linux's calipso_opt_getattr reads it.
// With r not nil, a DOI r does not hold is ErrUnknownDOI (calipso_validate);
// with r nil any DOI is read. The checksum is not checked; Linux and
// Strict check the whole header.
//
// found is false, with a nil error, when the packet has no Hop-by-Hop
// header (its fixed header names another header first) or no CALIPSO
// option in it. err is the error of ipv6.FindHopByHop (a bad fixed header,
// a Hop-by-Hop header that does not frame cleanly) or of the option, an
// IPv6 kind with its offset counted after the fixed header; l is then the
// zero PacketLabel. It does not allocate.
func FindPacketLabel(pkt []byte, r *Registry) (l PacketLabel, found bool, err error) {
	hdr, found, err := ipv6.FindHopByHop(pkt)
	if !found {
		return PacketLabel{}, false, err
	}
	o, found := ipv6.Find(hdr, Type)
	if !found {
		return PacketLabel{}, false, nil
	}
	opt, err := ParseOption(o.Bytes)
	if err == nil {
		if r != nil && !r.Has(opt.DOI()) {
			err = kindDOI.At(2)
		} else {
			l.DOI = opt.DOI()
			l.Label, err = opt.Label()
		}
	}
	if err != nil {
		return PacketLabel{}, true, ipopt.Shift(err, o.Offset)
	}
	return l, true, nil
}
