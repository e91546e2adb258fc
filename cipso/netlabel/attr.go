package netlabel

import (
	"errors"
	"fmt"
	"math/bits"
	"net/netip"

	"github.com/iplabel/iplabel/cipso"
	"github.com/mdlayher/netlink"
)

// The attributes of NetLabel's messages, as the kernel defines them
// (net/netlabel/netlabel_cipso_v4.h, net/netlabel/netlabel_mgmt.h,
// net/netlabel/netlabel_calipso.h). The
// messages carry no family header; the attribute layout is in the
// comments of the encoders and decoders below.
const (
	cipsoAttrDOI       = 1  // NLBL_CIPSOV4_A_DOI, u32
	cipsoAttrMType     = 2  // NLBL_CIPSOV4_A_MTYPE, u32 (CIPSO_V4_MAP_*)
	cipsoAttrTag       = 3  // NLBL_CIPSOV4_A_TAG, u8
	cipsoAttrTagList   = 4  // NLBL_CIPSOV4_A_TAGLST, nested TAGs
	cipsoAttrLvlLocal  = 5  // NLBL_CIPSOV4_A_MLSLVLLOC, u32
	cipsoAttrLvlRemote = 6  // NLBL_CIPSOV4_A_MLSLVLREM, u32
	cipsoAttrLvl       = 7  // NLBL_CIPSOV4_A_MLSLVL, nested LOC and REM
	cipsoAttrLvlList   = 8  // NLBL_CIPSOV4_A_MLSLVLLST, nested MLSLVLs
	cipsoAttrCatLocal  = 9  // NLBL_CIPSOV4_A_MLSCATLOC, u32
	cipsoAttrCatRemote = 10 // NLBL_CIPSOV4_A_MLSCATREM, u32
	cipsoAttrCat       = 11 // NLBL_CIPSOV4_A_MLSCAT, nested LOC and REM
	cipsoAttrCatList   = 12 // NLBL_CIPSOV4_A_MLSCATLST, nested MLSCATs

	mgmtAttrDomain    = 1  // NLBL_MGMT_A_DOMAIN, NUL-terminated string
	mgmtAttrProtocol  = 2  // NLBL_MGMT_A_PROTOCOL, u32 (NETLBL_NLTYPE_*)
	mgmtAttrCV4DOI    = 4  // NLBL_MGMT_A_CV4DOI, u32
	mgmtAttrIPv6Addr  = 5  // NLBL_MGMT_A_IPV6ADDR, struct in6_addr
	mgmtAttrIPv6Mask  = 6  // NLBL_MGMT_A_IPV6MASK, struct in6_addr
	mgmtAttrIPv4Addr  = 7  // NLBL_MGMT_A_IPV4ADDR, struct in_addr
	mgmtAttrIPv4Mask  = 8  // NLBL_MGMT_A_IPV4MASK, struct in_addr
	mgmtAttrSelector  = 9  // NLBL_MGMT_A_ADDRSELECTOR, nested
	mgmtAttrSelectors = 10 // NLBL_MGMT_A_SELECTORLIST, nested ADDRSELECTORs
	mgmtAttrFamily    = 11 // NLBL_MGMT_A_FAMILY, u16
	mgmtAttrCLPDOI    = 12 // NLBL_MGMT_A_CLPDOI, u32

	calipsoAttrDOI   = 1 // NLBL_CALIPSO_A_DOI, u32
	calipsoAttrMType = 2 // NLBL_CALIPSO_A_MTYPE, u32 (CALIPSO_MAP_*)

	calipsoMapPass = 2 // CALIPSO_MAP_PASS (include/net/calipso.h)
)

// nest adds a nested attribute without the NLA_F_NESTED flag, as the
// kernel's netlbl_cipsov4_list (nla_nest_start_noflag) and netlabelctl
// write them.
func nest(ae *netlink.AttributeEncoder, typ uint16, fn func(*netlink.AttributeEncoder)) {
	ae.Do(typ, func() ([]byte, error) {
		n := netlink.NewAttributeEncoder()
		n.ByteOrder = ae.ByteOrder
		fn(n)
		return n.Encode()
	})
}

// encodeDOINumber gives the attributes of NLBL_CIPSOV4_C_LIST and _REMOVE:
// the DOI.
func encodeDOINumber(n cipso.DOI) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(cipsoAttrDOI, uint32(n))
	return ae.Encode()
}

// encodeAddDOI gives the attributes of NLBL_CIPSOV4_C_ADD, which
// netlbl_cipsov4_add reads: DOI, MTYPE and TAGLST, and for a translated
// DOI MLSLVLLST and (if there are categories) MLSCATLST, each pair a
// nested MLSLVL or MLSCAT holding its LOC and REM. The kernel checks the
// values (netlbl_cipsov4_add_std, cipso_v4_doi_add); this only encodes.
func encodeAddDOI(d DOI) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(cipsoAttrDOI, uint32(d.Number))
	ae.Uint32(cipsoAttrMType, uint32(d.Type))
	tags := d.Tags
	if d.Type == cipso.MapLocal && len(tags) == 0 {
		tags = []cipso.TagType{cipso.TagLocal} // what netlabelctl sends
	}
	nest(ae, cipsoAttrTagList, func(n *netlink.AttributeEncoder) {
		for _, t := range tags {
			n.Uint8(cipsoAttrTag, uint8(t))
		}
	})
	if d.Type == cipso.MapTrans {
		encodePairs(ae, cipsoAttrLvlList, cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote, d.Levels)
		if len(d.Categories) > 0 {
			encodePairs(ae, cipsoAttrCatList, cipsoAttrCat, cipsoAttrCatLocal, cipsoAttrCatRemote, d.Categories)
		}
	}
	return ae.Encode()
}

func encodePairs(ae *netlink.AttributeEncoder, list, one, loc, rem uint16, ps []cipso.Pair) {
	nest(ae, list, func(n *netlink.AttributeEncoder) {
		for _, p := range ps {
			nest(n, one, func(m *netlink.AttributeEncoder) {
				m.Uint32(loc, p.Local)
				m.Uint32(rem, p.Remote)
			})
		}
	})
}

// decodeListAll reads one message of the NLBL_CIPSOV4_C_LISTALL dump
// (netlbl_cipsov4_listall_cb): DOI and MTYPE.
func decodeListAll(b []byte) (cipso.DOI, cipso.MapType, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return 0, 0, err
	}
	var (
		n          cipso.DOI
		t          cipso.MapType
		seen, seeT bool
	)
	for ad.Next() {
		switch ad.Type() {
		case cipsoAttrDOI:
			n, seen = cipso.DOI(ad.Uint32()), true
		case cipsoAttrMType:
			t, seeT = mapType(ad.Uint32()), true
		}
	}
	if err := ad.Err(); err != nil {
		return 0, 0, err
	}
	if !seen || !seeT {
		return 0, 0, errors.New("DOI list entry without DOI or mapping type")
	}
	return n, t, nil
}

// mapType converts a kernel mapping type, keeping unknown values visible
// (and distinct from 0) in the uint8 of cipso.MapType.
func mapType(v uint32) cipso.MapType {
	if v > 255 {
		return 255
	}
	return cipso.MapType(v)
}

// decodeDOI reads the reply to NLBL_CIPSOV4_C_LIST for DOI n
// (netlbl_cipsov4_list): MTYPE, TAGLST and, for a translated DOI,
// MLSLVLLST and MLSCATLST.
func decodeDOI(n cipso.DOI, b []byte) (DOI, error) {
	d := DOI{Number: n}
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return DOI{}, err
	}
	seenType := false
	for ad.Next() {
		switch ad.Type() {
		case cipsoAttrMType:
			d.Type, seenType = mapType(ad.Uint32()), true
		case cipsoAttrTagList:
			ad.Nested(func(n *netlink.AttributeDecoder) error {
				for n.Next() {
					if n.Type() == cipsoAttrTag {
						d.Tags = append(d.Tags, cipso.TagType(n.Uint8()))
					}
				}
				return n.Err()
			})
		case cipsoAttrLvlList:
			ad.Nested(func(n *netlink.AttributeDecoder) error {
				d.Levels, err = decodePairs(n, cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote)
				return err
			})
		case cipsoAttrCatList:
			ad.Nested(func(n *netlink.AttributeDecoder) error {
				d.Categories, err = decodePairs(n, cipsoAttrCat, cipsoAttrCatLocal, cipsoAttrCatRemote)
				return err
			})
		}
	}
	if err := ad.Err(); err != nil {
		return DOI{}, err
	}
	if !seenType {
		return DOI{}, errors.New("DOI without mapping type")
	}
	return d, nil
}

func decodePairs(ad *netlink.AttributeDecoder, one, loc, rem uint16) ([]cipso.Pair, error) {
	var out []cipso.Pair
	for ad.Next() {
		if ad.Type() != one {
			continue
		}
		var (
			p            cipso.Pair
			seenL, seenR bool
		)
		ad.Nested(func(n *netlink.AttributeDecoder) error {
			for n.Next() {
				switch n.Type() {
				case loc:
					p.Local, seenL = n.Uint32(), true
				case rem:
					p.Remote, seenR = n.Uint32(), true
				}
			}
			if err := n.Err(); err != nil {
				return err
			}
			if !seenL || !seenR {
				return errors.New("translation pair without local or remote value")
			}
			return nil
		})
		out = append(out, p)
	}
	return out, ad.Err()
}

// encodeMapping gives the attributes of NLBL_MGMT_C_ADD (or _ADDDEF,
// without the domain) for m with at most one selector sel, as
// netlbl_mgmt_add_common reads them and netlabelctl's "map add" sends
// them: DOMAIN, PROTOCOL, FAMILY, CV4DOI or CLPDOI, and the address and
// mask of the selector.
func encodeMapping(m Mapping, sel *Selector) ([]byte, error) {
	proto, doi := m.Protocol, m.DOI
	if sel != nil {
		proto, doi = sel.Protocol, sel.DOI
	}
	family := m.Family
	switch proto {
	case CIPSOv4:
		family = FamilyIPv4
	case CALIPSO:
		family = FamilyIPv6
	case Unlabeled:
		if family == FamilyAll && sel != nil {
			family = prefixFamily(sel.Prefix)
		}
	default:
		return nil, fmt.Errorf("protocol %v cannot be mapped", proto)
	}
	ae := netlink.NewAttributeEncoder()
	if !m.Default {
		ae.String(mgmtAttrDomain, m.Domain)
	}
	ae.Uint32(mgmtAttrProtocol, uint32(proto))
	ae.Uint16(mgmtAttrFamily, uint16(family))
	switch proto {
	case CIPSOv4:
		ae.Uint32(mgmtAttrCV4DOI, doi)
	case CALIPSO:
		ae.Uint32(mgmtAttrCLPDOI, doi)
	}
	if sel != nil {
		p := sel.Prefix.Masked()
		if !p.IsValid() {
			return nil, errors.New("invalid address selector")
		}
		a := p.Addr()
		mask := prefixMask(p)
		if a.Is4() {
			b := a.As4()
			ae.Bytes(mgmtAttrIPv4Addr, b[:])
			ae.Bytes(mgmtAttrIPv4Mask, mask[:4])
		} else {
			b := a.As16()
			ae.Bytes(mgmtAttrIPv6Addr, b[:])
			ae.Bytes(mgmtAttrIPv6Mask, mask[:])
		}
	}
	return ae.Encode()
}

func prefixFamily(p netip.Prefix) Family {
	if p.Addr().Is4() {
		return FamilyIPv4
	}
	return FamilyIPv6
}

// prefixMask gives p's mask in network byte order (the first 4 bytes for
// IPv4).
func prefixMask(p netip.Prefix) [16]byte {
	var m [16]byte
	for i := 0; i < p.Bits(); i++ {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// encodeDomain gives the attributes of NLBL_MGMT_C_REMOVE: the domain.
func encodeDomain(domain string) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.String(mgmtAttrDomain, domain)
	return ae.Encode()
}

// encodeFamily gives the attributes of NLBL_MGMT_C_LISTDEF: the family
// whose default mapping netlbl_mgmt_listdef lists.
func encodeFamily(f Family) ([]byte, error) {
	ae := netlink.NewAttributeEncoder()
	ae.Uint16(mgmtAttrFamily, uint16(f))
	return ae.Encode()
}

// decodeMapping reads one mapping as netlbl_mgmt_listentry writes it (for
// NLBL_MGMT_C_LISTALL and _LISTDEF): DOMAIN (absent for the default),
// FAMILY, and PROTOCOL with CV4DOI or CLPDOI, or a SELECTORLIST of
// ADDRSELECTORs each holding an address, a mask, PROTOCOL and CV4DOI or
// CLPDOI.
func decodeMapping(b []byte, def bool) (Mapping, error) {
	m := Mapping{Default: def}
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return Mapping{}, err
	}
	seenDomain := false
	for ad.Next() {
		switch ad.Type() {
		case mgmtAttrDomain:
			m.Domain, seenDomain = ad.String(), true
		case mgmtAttrFamily:
			m.Family = Family(ad.Uint16())
		case mgmtAttrProtocol:
			m.Protocol = Protocol(ad.Uint32())
		case mgmtAttrCV4DOI, mgmtAttrCLPDOI:
			m.DOI = ad.Uint32()
		case mgmtAttrSelectors:
			m.Protocol = AddrSelect
			ad.Nested(func(n *netlink.AttributeDecoder) error {
				for n.Next() {
					if n.Type() != mgmtAttrSelector {
						continue
					}
					var (
						s   Selector
						err error
					)
					n.Nested(func(a *netlink.AttributeDecoder) error {
						s, err = decodeSelector(a)
						return err
					})
					m.Selectors = append(m.Selectors, s)
				}
				return n.Err()
			})
		}
	}
	if err := ad.Err(); err != nil {
		return Mapping{}, err
	}
	if !def && !seenDomain {
		return Mapping{}, errors.New("domain mapping without domain")
	}
	if m.Selectors != nil {
		m.Protocol, m.DOI = 0, 0
	}
	return m, nil
}

func decodeSelector(ad *netlink.AttributeDecoder) (Selector, error) {
	var (
		s          Selector
		addr, mask []byte
	)
	for ad.Next() {
		switch ad.Type() {
		case mgmtAttrIPv4Addr, mgmtAttrIPv6Addr:
			addr = ad.Bytes()
		case mgmtAttrIPv4Mask, mgmtAttrIPv6Mask:
			mask = ad.Bytes()
		case mgmtAttrProtocol:
			s.Protocol = Protocol(ad.Uint32())
		case mgmtAttrCV4DOI, mgmtAttrCLPDOI:
			s.DOI = ad.Uint32()
		}
	}
	if err := ad.Err(); err != nil {
		return Selector{}, err
	}
	a, ok := netip.AddrFromSlice(addr)
	if !ok || len(mask) != len(addr) {
		return Selector{}, errors.New("address selector without a valid address and mask")
	}
	ones, ok := maskBits(mask)
	if !ok {
		return Selector{}, fmt.Errorf("address selector %v has a non-contiguous mask %x", a, mask)
	}
	s.Prefix = netip.PrefixFrom(a, ones)
	return s, nil
}

// maskBits counts the leading ones of a mask and reports whether the rest
// is zeros.
func maskBits(mask []byte) (int, bool) {
	n, done := 0, false
	for _, b := range mask {
		if done {
			if b != 0 {
				return 0, false
			}
			continue
		}
		ones := bits.LeadingZeros8(^b)
		n += ones
		if ones < 8 {
			if b<<ones != 0 {
				return 0, false
			}
			done = true
		}
	}
	return n, true
}

// encodeCALIPSODOI gives the attributes of NLBL_CALIPSO_C_LIST and _REMOVE
// (the DOI) or, with add, of _ADD (the DOI and MTYPE pass), as
// netlbl_calipso_add reads them.
func encodeCALIPSODOI(n uint32, add bool) []byte {
	ae := netlink.NewAttributeEncoder()
	ae.Uint32(calipsoAttrDOI, n)
	if add {
		ae.Uint32(calipsoAttrMType, calipsoMapPass)
	}
	b, _ := ae.Encode() // two fixed-size attributes cannot fail
	return b
}

// decodeCALIPSOListAll reads one message of the NLBL_CALIPSO_C_LISTALL
// dump (netlbl_calipso_listall_cb): DOI and MTYPE, which must be pass.
func decodeCALIPSOListAll(b []byte) (uint32, error) {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return 0, err
	}
	var (
		n, t         uint32
		seenN, seenT bool
	)
	for ad.Next() {
		switch ad.Type() {
		case calipsoAttrDOI:
			n, seenN = ad.Uint32(), true
		case calipsoAttrMType:
			t, seenT = ad.Uint32(), true
		}
	}
	if err := ad.Err(); err != nil {
		return 0, err
	}
	if !seenN || !seenT {
		return 0, errors.New("CALIPSO DOI list entry without DOI or mapping type")
	}
	if t != calipsoMapPass {
		return 0, fmt.Errorf("CALIPSO DOI %d has mapping type %d, not pass (%d)", n, t, calipsoMapPass)
	}
	return n, nil
}

// checkCALIPSOType reads the reply to NLBL_CALIPSO_C_LIST
// (netlbl_calipso_list): MTYPE, which must be pass.
func checkCALIPSOType(b []byte) error {
	ad, err := netlink.NewAttributeDecoder(b)
	if err != nil {
		return err
	}
	var t uint32
	seen := false
	for ad.Next() {
		if ad.Type() == calipsoAttrMType {
			t, seen = ad.Uint32(), true
		}
	}
	if err := ad.Err(); err != nil {
		return err
	}
	if !seen {
		return errors.New("CALIPSO DOI without mapping type")
	}
	if t != calipsoMapPass {
		return fmt.Errorf("mapping type %d, not pass (%d)", t, calipsoMapPass)
	}
	return nil
}
