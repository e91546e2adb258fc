package dsm

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
)

// FindPacketLabel reads the network SID label of an IPv4 packet, given
// from the first octet of its header (the payload may be missing), with the
// rules of profile p: ipopt.ParseHeader, then the packet's only CIPSO
// option (fips188.FindCIPSO) and Profile.Decode.
//
// found is false, with a nil error, when the packet has no CIPSO option or
// its CIPSO option is of a DOI other than the profile's (a label that is not
// a network SID). err is the header's error from ParseHeader, the framing
// error of the walk (a second CIPSO option is ipopt.ErrDuplicate), or the
// profile's refusal, with offsets in the options field; l is then the zero
// Label. It does not allocate.
func FindPacketLabel(pkt []byte, p Profile) (l Label, found bool, err error) {
	h, err := ipopt.ParseHeader(pkt)
	if err != nil {
		return Label{}, false, err
	}
	o, found, err := fips188.FindCIPSO(h.Options())
	if !found {
		return Label{}, false, err
	}
	if len(o.Bytes) >= 6 && binary.BigEndian.Uint32(o.Bytes[2:6]) != uint32(p.doi()) {
		return Label{}, false, nil
	}
	if err := p.Decode(o.Bytes, &l); err != nil {
		return Label{}, true, ipopt.Shift(err, o.Offset)
	}
	return l, true, nil
}
