package rfc1108

import "github.com/iplabel/iplabel/ipopt"

// FindPacketLabel decodes the first BSO of an IPv4 packet, given from the
// first octet of its header (the payload may be missing): ipopt.ParseHeader,
// then FindLabel on the header's options field, with its results. err is
// also the header's error from ParseHeader. It does not allocate.
func FindPacketLabel(pkt []byte) (l Label, found bool, err error) {
	h, err := ipopt.ParseHeader(pkt)
	if err != nil {
		return Label{}, false, err
	}
	return FindLabel(h.Options())
}
