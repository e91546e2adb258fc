package cipso

import "github.com/iplabel/iplabel/ipopt"

// PacketLabel is the CIPSO label of a packet as FindPacketLabel reads it:
// the DOI of its option and the label of its first tag, in host values
// when a Registry translated it, else as on the wire. It is a plain value.
type PacketLabel struct {
	DOI   DOI
	Label Label
}

// FindPacketLabel reads the CIPSO label of an IPv4 packet, given from the
// first octet of its header (the payload may be missing): ipopt.ParseHeader,
// then the first CIPSO option of the options field as Linux's
// cipso_v4_optptr finds it (ipopt.Find), ParseOption and the label of its
// first tag. With r nil the label is read as on the wire (Option.Label);
// otherwise r decodes it through its DOI as Linux's cipso_v4_getattr does
// (Registry.Decode: a DOI r does not hold is ErrUnknownDOI, a translated
// value it cannot map ErrUnmapped).
//
// found is false, with a nil error, when the header has no CIPSO option
// before an EOL. err is the header's error from ParseHeader, the framing
// error that stopped the walk before a CIPSO option, or the option's error,
// with offsets in the options field (Error.HeaderOffset counts from the
// header); l is then the zero PacketLabel. It checks neither the rest of
// the field nor the checksum; see Linux and Strict for that. It does not
// allocate.
func FindPacketLabel(pkt []byte, r *Registry) (l PacketLabel, found bool, err error) {
	h, err := ipopt.ParseHeader(pkt)
	if err != nil {
		return PacketLabel{}, false, err
	}
	return FindLabel(h.Options(), r)
}

// FindLabel is FindPacketLabel on an options field (the octets after the
// 20-octet base header), as rfc1108.FindLabel is for the BSO: the first
// CIPSO option before an EOL (ipopt.Find), its label read through r when r
// is not nil, with the same results and options-field offsets in errors. It
// does not allocate.
func FindLabel(opts []byte, r *Registry) (l PacketLabel, found bool, err error) {
	o, found, err := ipopt.Find(opts, ipopt.CIPSO)
	if !found {
		return PacketLabel{}, false, err
	}
	opt, err := ParseOption(o.Bytes)
	if err == nil {
		l.DOI = opt.DOI()
		if r != nil {
			_, err = r.Decode(opt, &l.Label)
		} else {
			err = opt.Label(&l.Label)
		}
	}
	if err != nil {
		return PacketLabel{}, true, ipopt.Shift(err, o.Offset)
	}
	return l, true, nil
}
