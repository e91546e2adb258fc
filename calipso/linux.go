package calipso

import "github.com/iplabel/iplabel/ipopt/ipv6"

// Linux checks a received CALIPSO option as Linux's ipv6_hop_calipso and
// calipso_validate do (RULES.md §2): the framing of [ParseOption], then
// the checksum, then the DOI among the configured ones. It checks nothing
// else: the level and the bitmap are left to the socket layer, and there
// is no alignment or duplicate check. Every refusal drops the packet
// silently. Set it as the CALIPSO checker of an ipv6.Linux walk.
type Linux struct {
	// DOIs are the configured DOIs; nil is a kernel with NetLabel and no
	// CALIPSO DOI, which drops every CALIPSO option.
	DOIs *Registry
}

var _ ipv6.OptionChecker = Linux{}

// NewLinux returns the checker of a kernel with the DOIs of r.
func NewLinux(r *Registry) Linux { return Linux{DOIs: r} }

// CheckOption checks one CALIPSO option, opt[0] its type octet, as
// ipv6_hop_calipso does; it implements ipv6.OptionChecker. Error offsets
// count from opt[0].
func (l Linux) CheckOption(opt []byte) error {
	o, err := ParseOption(opt)
	if err != nil {
		return err
	}
	if !o.ChecksumOK() {
		return kindChecksum.At(8)
	}
	if !l.DOIs.Has(o.DOI()) {
		return kindDOI.At(2)
	}
	return nil
}

// Validate checks a whole Hop-by-Hop header, hdr[0] its Next Header
// octet, as Linux's receive path does (ip6_parse_tlv with l as the CALIPSO
// checker, ipv6.Linux.CheckHopByHop) for a datagram to a unicast address
// whose payload is hdr alone. Error offsets count from hdr[0].
func (l Linux) Validate(hdr []byte) error {
	w := ipv6.Linux{CALIPSO: l}
	return w.CheckHopByHop(hdr, ipv6.Packet{PayloadLen: len(hdr), Len: len(hdr)})
}
