package ipv6

import (
	"encoding/binary"
	"math"

	"github.com/iplabel/iplabel/ipopt"
)

// OptionChecker checks the body of one option during a [Linux] walk. The
// calipso package supplies one for CALIPSO (calipso.Linux), so that this
// package reproduces the kernel without importing it.
//
// opt is the whole option, opt[0] its type octet. Offsets of the returned
// error count from opt[0]; the walk moves them to the option's place. A
// refusal drops the packet silently, as every failure of
// ipv6_hop_calipso does (RULES.md §5).
type OptionChecker interface {
	CheckOption(opt []byte) error
}

// Sysctls are the network namespace's limits on options headers
// (net.ipv6.*, Documentation/networking/ip-sysctl.rst).
type Sysctls struct {
	// MaxHBHOpts and MaxDstOpts are max_hbh_opts_number and
	// max_dst_opts_number: how many options other than Pad1 and PadN a
	// header may carry. A negative value -n allows n and drops every
	// unrecognised option silently, whatever its action bits.
	MaxHBHOpts, MaxDstOpts int
	// MaxHBHLen and MaxDstLen are max_hbh_length and
	// max_dst_opts_length, in octets of the whole header.
	MaxHBHLen, MaxDstLen int
}

// DefaultSysctls are the values of a new network namespace (checked on
// Linux 6.18): 8 options, no length limit (INT_MAX).
var DefaultSysctls = Sysctls{MaxHBHOpts: 8, MaxDstOpts: 8, MaxHBHLen: math.MaxInt32, MaxDstLen: math.MaxInt32}

// Linux reproduces the checks Linux's receive path makes on Hop-by-Hop
// and Destination Options headers: ip6_parse_tlv with ipv6_hop_ra,
// ipv6_hop_ioam, ipv6_hop_jumbo and ipv6_hop_calipso
// (net/ipv6/exthdrs.c), in the same order, with the same verdict and the
// same ICMPv6 answer ([ICMP]); RULES.md §3.
//
// The zero value is a kernel built with IPv6, without Mobile IPv6, with
// IOAM off on the receiving device, the default sysctls, and CALIPSO
// checked by the stub of a kernel without NetLabel (every option that
// passes the length checks is accepted).
type Linux struct {
	// Sysctls are the limits; nil means [DefaultSysctls].
	Sysctls *Sysctls
	// CALIPSO checks CALIPSO options in Hop-by-Hop headers (the
	// calipso package's Linux). Nil is a kernel without NetLabel, whose
	// calipso_validate accepts everything (include/net/calipso.h).
	CALIPSO OptionChecker
}

// Packet is what the walk needs to know of the packet around one options
// header.
type Packet struct {
	// Offset is where the header starts, in octets after the 40-octet
	// fixed header (0 for a Hop-by-Hop header). Error offsets count from
	// the same place.
	Offset int
	// Multicast is whether the destination address is multicast (ff00::/8).
	Multicast bool
	// PayloadLen is the fixed header's payload length field.
	PayloadLen int
	// Len is how many octets follow the fixed header in the packet as
	// received (the Jumbo Payload check compares with it).
	Len int
}

func (l Linux) sysctls() *Sysctls {
	if l.Sysctls != nil {
		return l.Sysctls
	}
	return &DefaultSysctls
}

// CheckPacket checks an IPv6 packet, from its fixed header on, as far as
// Linux's ip6_rcv_core and ipv6_parse_hopopts do before routing: the
// version, a payload length beyond the octets received, and the
// Hop-by-Hop header if there is one. Octets beyond the payload length
// are ignored, as Linux trims them. Destination Options headers are
// checked by [Linux.CheckDestOptions] (Linux checks them after routing,
// once the packet is for this host).
func (l Linux) CheckPacket(pkt []byte) error {
	h, err := ParseHeader(pkt)
	if err != nil {
		return err
	}
	rest := len(pkt) - HeaderLen
	pl := h.PayloadLen()
	if pl != 0 || h.NextHeader() != HopByHop {
		if pl > rest {
			return kindPayloadLen.HeaderAt(4)
		}
		rest = pl
	}
	if h.NextHeader() != HopByHop {
		return nil
	}
	p := Packet{Multicast: pkt[24] == 0xff, PayloadLen: pl, Len: rest}
	return l.CheckHopByHop(pkt[HeaderLen:HeaderLen+rest], p)
}

// CheckHopByHop checks a Hop-by-Hop header, the octets from its Next
// Header octet to at least its end, as ipv6_parse_hopopts does.
func (l Linux) CheckHopByHop(hdr []byte, p Packet) error {
	return l.check(hdr, true, p)
}

// CheckDestOptions checks a Destination Options header as
// ipv6_destopt_rcv does. With no Mobile IPv6 in the kernel every option
// but Pad1 and PadN is unrecognised.
func (l Linux) CheckDestOptions(hdr []byte, p Packet) error {
	return l.check(hdr, false, p)
}

func (l Linux) check(hdr []byte, hop bool, p Packet) error {
	base := p.Offset
	if len(hdr) < 8 {
		return kindHdrTruncated.At(base + min(len(hdr), 1))
	}
	n := ExtLen(hdr[1])
	if n > len(hdr) {
		return kindHdrTruncated.At(base + 1)
	}
	s := l.sysctls()
	maxOpts, maxLen := s.MaxDstOpts, s.MaxDstLen
	if hop {
		maxOpts, maxLen = s.MaxHBHOpts, s.MaxHBHLen
	}
	if n > maxLen {
		return kindHdrTooLong.At(base + 1)
	}
	disallow := maxOpts < 0
	if disallow {
		maxOpts = -maxOpts
	}
	pad, count := 0, 0
	for off := 2; off < n; {
		t := hdr[off]
		if t == Pad1 {
			if pad++; pad > 7 {
				return kindPadRun.At(base + off)
			}
			off++
			continue
		}
		if off+2 > n {
			return kindOptTruncated.At(base + off)
		}
		olen := int(hdr[off+1]) + 2
		if off+olen > n {
			return kindOptLength.At(base + off)
		}
		if t == PadN {
			if pad += olen; pad > 7 {
				return kindPadRun.At(base + off)
			}
			for i := off + 2; i < off+olen; i++ {
				if hdr[i] != 0 {
					return kindPadValue.At(base + i)
				}
			}
			off += olen
			continue
		}
		if count++; count > maxOpts {
			return kindTooMany.At(base + off)
		}
		opt := hdr[off : off+olen]
		at := base + off // offset after the fixed header
		var err error
		switch {
		case hop && t == RouterAlert:
			if olen != 4 {
				err = kindRALength.At(at + 1)
			}
		case hop && t == IOAM:
			// Misaligned: dropped. Aligned: ignored while IOAM is off on
			// the device (the default; enabled IOAM is not modelled).
			if (HeaderLen+at)&3 != 0 {
				err = kindIOAMAlign.At(at)
			}
		case hop && t == Jumbo:
			err = jumbo(opt, at, p)
		case hop && t == CALIPSO:
			err = l.calipso(opt, at)
		default:
			err = unknown(t, at, disallow, p.Multicast)
		}
		if err != nil {
			return err
		}
		pad = 0
		off += olen
	}
	return nil
}

// unknown is ip6_tlvopt_unknown: the action bits decide.
func unknown(t uint8, at int, disallow, multicast bool) error {
	if disallow {
		return kindDiscard.At(at)
	}
	switch ActionOf(t) {
	case Skip:
		return nil
	case DiscardICMPUni:
		if multicast {
			return kindDiscard.At(at)
		}
		return kindUnknownICMP.At(at)
	case DiscardICMP:
		return kindUnknownICMP.At(at)
	}
	return kindDiscard.At(at)
}

// jumbo is ipv6_hop_jumbo (RFC 2675 §2, §3).
func jumbo(opt []byte, at int, p Packet) error {
	if len(opt) != 6 {
		return kindJumboLength.At(at + 1)
	}
	if (HeaderLen+at)&3 != 2 {
		return kindJumboAlign.At(at)
	}
	v := binary.BigEndian.Uint32(opt[2:])
	switch {
	case v <= math.MaxUint16 && p.Multicast:
		return kindJumboValueMcast.At(at + 2)
	case v <= math.MaxUint16:
		return kindJumboValue.At(at + 2)
	case p.PayloadLen != 0 && p.Multicast:
		return kindJumboPayloadMcast.At(at)
	case p.PayloadLen != 0:
		return kindJumboPayload.At(at)
	case int64(v) > int64(p.Len):
		return kindJumboShort.At(at + 2)
	}
	return nil
}

// calipso is ipv6_hop_calipso: the two length checks, then
// calipso_validate (RULES.md §5).
func (l Linux) calipso(opt []byte, at int) error {
	if opt[1] < 8 || int(opt[6])*4+8 > int(opt[1]) {
		return kindCALIPSOLen.At(at + 1)
	}
	if l.CALIPSO == nil {
		return nil
	}
	return ipopt.Shift(l.CALIPSO.CheckOption(opt), at)
}
