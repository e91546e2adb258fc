package main

import (
	"encoding/binary"
	"strconv"

	"github.com/google/gopacket/layers"
)

// Link types whose frames carry IP that dump and rewrite read, and how
// each frame's fixed link header says where the IP header starts
// (tcpdump's link-layer header types registry):
//
//   - Ethernet (1): 14 octets, EtherType at 12, any number of 802.1Q /
//     802.1ad tags (4 octets each) before the EtherType 0x0800 (IPv4) or
//     0x86DD (IPv6);
//   - raw IP (101, and the DLT_RAW values 12 and 14 some systems write):
//     the IP header at 0, its version saying 4 or 6; IPv4 (228) and IPv6
//     (229): the same, for that version only;
//   - Linux cooked SLL (113): 16 octets, ARPHRD type at 2 (772 is the
//     loopback device), protocol at 14;
//   - BSD loopback NULL (0) and LOOP (108): a 4-octet address family, 2
//     (AF_INET) or 24, 28, 30 (AF_INET6 of NetBSD and OpenBSD, FreeBSD,
//     macOS), in the capturing host's order for NULL (either order is
//     read) and big-endian for LOOP.
//
// gopacket v1.1.19's layers.LinkType is a uint8, so link types above 255
// (SLL2 is 276) cannot be told apart by pcapgo: openCapture reads the
// 32-bit (pcap) or 16-bit (pcapng) value itself and refuses them.
const (
	linkRawAlt1 layers.LinkType = 12
	linkRawAlt2 layers.LinkType = 14
	linkIPv4    layers.LinkType = 228
	linkIPv6    layers.LinkType = 229
	linkLoop    layers.LinkType = 108
)

const (
	etherTypeIPv4 = 0x0800
	etherTypeIPv6 = 0x86dd
	arphrdLoop    = 772
)

// supportedLink reports whether dump and rewrite read frames of type l.
func supportedLink(l layers.LinkType) bool {
	switch l {
	case layers.LinkTypeEthernet, layers.LinkTypeRaw, linkRawAlt1, linkRawAlt2, linkIPv4, linkIPv6,
		layers.LinkTypeLinuxSLL, layers.LinkTypeNull, linkLoop:
		return true
	}
	return false
}

// supportedLinks lists them for messages.
const supportedLinks = "want Ethernet (1), raw IP (101, 228, 229), Linux cooked (113) or BSD loopback (0, 108)"

// linkName names a link type for messages: "Ethernet (1)", "link type 147".
func linkName(l layers.LinkType) string { return linkNumberName(int(l)) }

func linkNumberName(v int) string {
	n := strconv.Itoa(v)
	l := layers.LinkType(v)
	if v > 255 {
		return "link type " + n
	}
	switch l {
	case layers.LinkTypeEthernet:
		return "Ethernet (" + n + ")"
	case layers.LinkTypeRaw, linkRawAlt1, linkRawAlt2:
		return "raw IP (" + n + ")"
	case linkIPv4:
		return "raw IPv4 (" + n + ")"
	case linkIPv6:
		return "raw IPv6 (" + n + ")"
	case layers.LinkTypeLinuxSLL:
		return "Linux cooked (" + n + ")"
	case layers.LinkTypeNull, linkLoop:
		return "BSD loopback (" + n + ")"
	}
	return "link type " + n
}

// frameInfo is where a frame's IP header is.
type frameInfo struct {
	off      int  // offset of the IP header in the frame
	ipv4     bool // the frame carries IPv4
	ipv6     bool // the frame carries IPv6 (dump reads it; rewrite copies it)
	loopback bool // the link header says it was captured on a loopback device
	// notHost: the link header says the frame was not sent to this host
	// alone (an Ethernet group address, or a Linux cooked capture's
	// broadcast, multicast or other-host packet type): Linux's receiver
	// sends no ICMP error about it (__icmp_send: pkt_type != PACKET_HOST;
	// for IPv6, icmp6_send answers such a frame only about an option
	// whose action bits are 10).
	notHost bool
	// proto is what the frame carries when it is not IP, for dump's
	// text: the EtherType, or the IP version for raw frames.
	proto uint16
}

// locateIPv4 finds the IPv4 or IPv6 header in a frame of link type l.
func locateIPv4(l layers.LinkType, f []byte) frameInfo {
	switch l {
	case layers.LinkTypeEthernet:
		off := 12
		for {
			if len(f) < off+2 {
				return frameInfo{}
			}
			et := binary.BigEndian.Uint16(f[off:])
			switch et {
			case 0x8100, 0x88a8, 0x9100:
				off += 4
				continue
			}
			return frameInfo{off: off + 2, ipv4: et == etherTypeIPv4, ipv6: et == etherTypeIPv6, proto: et, notHost: f[0]&1 != 0}
		}
	case layers.LinkTypeRaw, linkRawAlt1, linkRawAlt2, linkIPv4, linkIPv6:
		if len(f) == 0 {
			return frameInfo{}
		}
		v := uint16(f[0] >> 4)
		return frameInfo{ipv4: v == 4 && l != linkIPv6, ipv6: v == 6 && l != linkIPv4, proto: v}
	case layers.LinkTypeLinuxSLL:
		if len(f) < 16 {
			return frameInfo{}
		}
		et := binary.BigEndian.Uint16(f[14:])
		pt := binary.BigEndian.Uint16(f[0:]) // 0 host, 1 broadcast, 2 multicast, 3 other host, 4 outgoing
		return frameInfo{off: 16, ipv4: et == etherTypeIPv4, ipv6: et == etherTypeIPv6, proto: et, loopback: binary.BigEndian.Uint16(f[2:]) == arphrdLoop,
			notHost: pt >= 1 && pt <= 3}
	case layers.LinkTypeNull, linkLoop:
		if len(f) < 4 {
			return frameInfo{}
		}
		fam := binary.BigEndian.Uint32(f)
		if l == layers.LinkTypeNull && fam&0x00ffffff == 0 {
			fam >>= 24 // written little-endian by the capturing host
		}
		return frameInfo{off: 4, ipv4: fam == 2, ipv6: fam == 24 || fam == 28 || fam == 30, proto: uint16(fam), loopback: true}
	}
	return frameInfo{}
}
