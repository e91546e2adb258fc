// Package gopacketlabel reads the security labels of IPv4 packets decoded
// with github.com/google/gopacket: the CIPSO label (package cipso) and the
// RFC 1108 Basic Security Option (package ipopt/rfc1108).
//
// To read the labels while decoding, put an IPv4 in a
// gopacket.DecodingLayerParser in place of a layers.IPv4: it decodes the
// header as layers.IPv4 does and then reads its labels into IPv4.Labels,
// through IPv4.Registry when one is set. A label that does not decode does
// not stop the parser: IPv4.LabelErr says what was wrong.
//
// To read the labels of a layers.IPv4 you already have, from gopacket.Packet
// or built by hand, call FromIPv4. It reads the header octets the layer was
// decoded from (layers.IPv4's Contents) when it has them, and otherwise the
// options field SerializeTo would write from its Options.
//
// The network SID label of DSM (package fips188/dsm) rides in a CIPSO
// option too; this package does not import fips188/dsm, which sits above
// cipso. Read it from the header of a decoded layer with
// dsm.FindPacketLabel(ip.Contents, dsm.Receiver) or another dsm.Profile.
//
// Nothing here allocates once gopacket's own layer has its Options slice;
// the errors are the module's ipopt.Error values.
package gopacketlabel

import (
	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// Labels are the security labels of one IPv4 header.
type Labels struct {
	// CIPSO is the label of the first CIPSO option, as cipso.FindLabel
	// reads it, when HasCIPSO.
	CIPSO    cipso.PacketLabel
	HasCIPSO bool
	// BSO is the label of the first Basic Security Option, as
	// rfc1108.FindLabel reads it, when HasBSO.
	BSO    rfc1108.Label
	HasBSO bool
}

// IPv4 is a gopacket.DecodingLayer for IPv4 that reads the labels of every
// header it decodes. Its embedded layers.IPv4 is the decoded header, and
// gives CanDecode (layers.LayerTypeIPv4), NextLayerType and LayerPayload.
type IPv4 struct {
	layers.IPv4
	// Registry, when not nil, decodes CIPSO labels through the host's DOIs
	// (cipso.Registry.Decode); nil reads them as on the wire.
	Registry *cipso.Registry
	// Labels are the labels of the last header decoded.
	Labels Labels
	// LabelErr is the error of a label of the last header that did not
	// decode (see FromIPv4), or nil.
	LabelErr error
}

var _ gopacket.DecodingLayer = (*IPv4)(nil)

// DecodeFromBytes decodes data as layers.IPv4 does, and fails as it does;
// then it reads the labels of the header into ip.Labels and ip.LabelErr.
func (ip *IPv4) DecodeFromBytes(data []byte, df gopacket.DecodeFeedback) error {
	if err := ip.IPv4.DecodeFromBytes(data, df); err != nil {
		ip.Labels, ip.LabelErr = Labels{}, nil
		return err
	}
	ip.Labels, ip.LabelErr = FromIPv4(&ip.IPv4, ip.Registry)
	return nil
}

// FromIPv4 reads the labels of ip, its CIPSO label through r when r is not
// nil (cipso.FindLabel) and its BSO (rfc1108.FindLabel). The options
// field is that of ip.Contents, the header octets a decoded layer was
// decoded from, when there are any: they must pass ipopt.ParseHeader, which
// unlike layers.IPv4 also checks the version, and its error is returned.
// A layer made by hand, without Contents, has its field built from
// ip.Options as layers.IPv4.SerializeTo writes them (EOL and NOP as one
// octet, every other option as its type, its OptionLength and its
// OptionData), which fails with ipopt.ErrBadLength at an option whose
// OptionLength is below 2 or cannot hold its data, and ipopt.ErrTooLong
// past 40 octets.
//
// The two labels are read independently: the error of one leaves it out
// (Has false) and is returned, the CIPSO label's first, while the other is
// still read. Error offsets are in the options field.
func FromIPv4(ip *layers.IPv4, r *cipso.Registry) (Labels, error) {
	var buf [ipopt.MaxOptionsLen]byte
	var opts []byte
	if len(ip.Contents) > 0 {
		h, err := ipopt.ParseHeader(ip.Contents)
		if err != nil {
			return Labels{}, err
		}
		opts = h.Options()
	} else {
		n, err := serializeOptions(&buf, ip.Options)
		if err != nil {
			return Labels{}, err
		}
		opts = buf[:n]
	}
	return decode(opts, r)
}

// decode reads both labels of an options field.
func decode(opts []byte, r *cipso.Registry) (l Labels, err error) {
	l.CIPSO, l.HasCIPSO, err = cipso.FindLabel(opts, r)
	if err != nil {
		l.HasCIPSO = false
	}
	var berr error
	l.BSO, l.HasBSO, berr = rfc1108.FindLabel(opts)
	if berr != nil {
		l.HasBSO = false
		if err == nil {
			err = berr
		}
	}
	return l, err
}

// serializeOptions writes opts into buf as layers.IPv4.SerializeTo does
// and returns the length, not padded.
func serializeOptions(buf *[ipopt.MaxOptionsLen]byte, opts []layers.IPv4Option) (int, error) {
	n := 0
	for _, o := range opts {
		size := int(o.OptionLength)
		if o.OptionType <= 1 {
			size = 1
		} else if size < 2 || len(o.OptionData) > size-2 {
			return 0, ipopt.KindBadLength.At(n)
		}
		if n+size > len(buf) {
			return 0, ipopt.KindTooLong.At(len(buf))
		}
		buf[n] = o.OptionType
		if size > 1 {
			buf[n+1] = o.OptionLength
			clear(buf[n+2 : n+size])
			copy(buf[n+2:], o.OptionData)
		}
		n += size
	}
	return n, nil
}
