package netlabel

import (
	"bytes"
	"encoding/binary"
	"net/netip"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The expected bytes are written out with nla, independently of the
// netlink package: a 4-byte header (length, type; host byte order, as
// netlink is), the payload, padding to 4 bytes.

func nla(typ uint16, payload ...[]byte) []byte {
	p := bytes.Join(payload, nil)
	b := binary.NativeEndian.AppendUint16(nil, uint16(4+len(p)))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, p...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

func u32(v uint32) []byte { return binary.NativeEndian.AppendUint32(nil, v) }
func u16(v uint16) []byte { return binary.NativeEndian.AppendUint16(nil, v) }
func u8(v uint8) []byte   { return []byte{v} }

func TestEncodeAddPass(t *testing.T) {
	b, err := encodeAddDOI(DOI{Number: 16, Type: cipso.MapPass, Tags: []cipso.TagType{1, 2, 5}})
	require.NoError(t, err)
	want := bytes.Join([][]byte{
		nla(cipsoAttrDOI, u32(16)),
		nla(cipsoAttrMType, u32(2)),
		nla(cipsoAttrTagList, nla(cipsoAttrTag, u8(1)), nla(cipsoAttrTag, u8(2)), nla(cipsoAttrTag, u8(5))),
	}, nil)
	assert.Equal(t, want, b)
}

func TestEncodeAddLocal(t *testing.T) {
	// As netlabelctl's "cipsov4 add local doi:5": tag 128.
	b, err := encodeAddDOI(DOI{Number: 5, Type: cipso.MapLocal})
	require.NoError(t, err)
	want := bytes.Join([][]byte{
		nla(cipsoAttrDOI, u32(5)),
		nla(cipsoAttrMType, u32(3)),
		nla(cipsoAttrTagList, nla(cipsoAttrTag, u8(128))),
	}, nil)
	assert.Equal(t, want, b)
}

func pair(one, loc, rem uint16, l, r uint32) []byte {
	return nla(one, nla(loc, u32(l)), nla(rem, u32(r)))
}

func transBytes() []byte {
	return bytes.Join([][]byte{
		nla(cipsoAttrMType, u32(1)),
		nla(cipsoAttrTagList, nla(cipsoAttrTag, u8(1))),
		nla(cipsoAttrLvlList,
			pair(cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote, 0, 0),
			pair(cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote, 5, 7)),
		nla(cipsoAttrCatList,
			pair(cipsoAttrCat, cipsoAttrCatLocal, cipsoAttrCatRemote, 1, 5),
			pair(cipsoAttrCat, cipsoAttrCatLocal, cipsoAttrCatRemote, 7, 100)),
	}, nil)
}

func TestEncodeAddTrans(t *testing.T) {
	d := DOI{Number: 18, Type: cipso.MapTrans, Tags: []cipso.TagType{1},
		Levels:     []cipso.Pair{{Local: 0, Remote: 0}, {Local: 5, Remote: 7}},
		Categories: []cipso.Pair{{Local: 1, Remote: 5}, {Local: 7, Remote: 100}}}
	b, err := encodeAddDOI(d)
	require.NoError(t, err)
	want := bytes.Join([][]byte{
		nla(cipsoAttrDOI, u32(18)),
		transBytes(),
	}, nil)
	// The add message has the DOI first, then the reply's layout.
	assert.Equal(t, want, b)

	// No categories: no MLSCATLST (netlbl_cipsov4_add_std takes it as
	// optional).
	d.Categories = nil
	b, err = encodeAddDOI(d)
	require.NoError(t, err)
	assert.Equal(t, bytes.Join([][]byte{
		nla(cipsoAttrDOI, u32(18)),
		nla(cipsoAttrMType, u32(1)),
		nla(cipsoAttrTagList, nla(cipsoAttrTag, u8(1))),
		nla(cipsoAttrLvlList,
			pair(cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote, 0, 0),
			pair(cipsoAttrLvl, cipsoAttrLvlLocal, cipsoAttrLvlRemote, 5, 7)),
	}, nil), b)
}

func TestDecodeDOI(t *testing.T) {
	d, err := decodeDOI(18, transBytes())
	require.NoError(t, err)
	assert.Equal(t, DOI{Number: 18, Type: cipso.MapTrans, Tags: []cipso.TagType{1},
		Levels:     []cipso.Pair{{Local: 0, Remote: 0}, {Local: 5, Remote: 7}},
		Categories: []cipso.Pair{{Local: 1, Remote: 5}, {Local: 7, Remote: 100}}}, d)

	// The NLA_F_NESTED flag (0x8000) and unknown attributes are ignored.
	b := bytes.Join([][]byte{
		nla(cipsoAttrMType, u32(2)),
		nla(0x8000|cipsoAttrTagList, nla(cipsoAttrTag, u8(5)), nla(99, u32(1))),
		nla(99, u32(7)),
	}, nil)
	d, err = decodeDOI(9, b)
	require.NoError(t, err)
	assert.Equal(t, DOI{Number: 9, Type: cipso.MapPass, Tags: []cipso.TagType{5}}, d)
}

func TestDecodeDOIErrors(t *testing.T) {
	for name, b := range map[string][]byte{
		"no type":    nla(cipsoAttrTagList, nla(cipsoAttrTag, u8(1))),
		"short type": nla(cipsoAttrMType, u16(1)),
		"wide tag":   bytes.Join([][]byte{nla(cipsoAttrMType, u32(2)), nla(cipsoAttrTagList, nla(cipsoAttrTag, u32(1)))}, nil),
		"half pair": bytes.Join([][]byte{nla(cipsoAttrMType, u32(1)),
			nla(cipsoAttrLvlList, nla(cipsoAttrLvl, nla(cipsoAttrLvlLocal, u32(1))))}, nil),
		"truncated": nla(cipsoAttrMType, u32(1))[:6],
	} {
		_, err := decodeDOI(1, b)
		assert.Error(t, err, name)
	}
}

func TestDecodeListAll(t *testing.T) {
	n, typ, err := decodeListAll(bytes.Join([][]byte{nla(cipsoAttrDOI, u32(305419896)), nla(cipsoAttrMType, u32(3))}, nil))
	require.NoError(t, err)
	assert.Equal(t, cipso.DOI(305419896), n)
	assert.Equal(t, cipso.MapLocal, typ)
	_, _, err = decodeListAll(nla(cipsoAttrDOI, u32(1)))
	assert.Error(t, err)
	_, typ, err = decodeListAll(bytes.Join([][]byte{nla(cipsoAttrDOI, u32(1)), nla(cipsoAttrMType, u32(1000))}, nil))
	require.NoError(t, err)
	assert.Equal(t, "maptype(255)", typ.String())
}

func TestEncodeDOINumber(t *testing.T) {
	b, err := encodeDOINumber(0xFFFFFFFF)
	require.NoError(t, err)
	assert.Equal(t, nla(cipsoAttrDOI, u32(0xFFFFFFFF)), b)
}

func str(s string) []byte { return append([]byte(s), 0) }

func TestEncodeMapping(t *testing.T) {
	// "map add domain:foo protocol:cipsov4,16"
	b, err := encodeMapping(Mapping{Domain: "foo", Protocol: CIPSOv4, DOI: 16}, nil)
	require.NoError(t, err)
	assert.Equal(t, bytes.Join([][]byte{
		nla(mgmtAttrDomain, str("foo")),
		nla(mgmtAttrProtocol, u32(3)),
		nla(mgmtAttrFamily, u16(2)),
		nla(mgmtAttrCV4DOI, u32(16)),
	}, nil), b)

	// "map add default address:10.1.2.3/8 protocol:unlbl": the address is
	// masked, address and mask in network byte order, the family the
	// address's.
	m := Mapping{Default: true, Selectors: []Selector{{Prefix: netip.MustParsePrefix("10.1.2.3/8"), Protocol: Unlabeled}}}
	b, err = encodeMapping(m, &m.Selectors[0])
	require.NoError(t, err)
	assert.Equal(t, bytes.Join([][]byte{
		nla(mgmtAttrProtocol, u32(5)),
		nla(mgmtAttrFamily, u16(2)),
		nla(mgmtAttrIPv4Addr, []byte{10, 0, 0, 0}),
		nla(mgmtAttrIPv4Mask, []byte{255, 0, 0, 0}),
	}, nil), b)

	// "map add domain:bar address:2001:db8::/33 protocol:calipso,7"
	m = Mapping{Domain: "bar", Selectors: []Selector{{Prefix: netip.MustParsePrefix("2001:db8::/33"), Protocol: CALIPSO, DOI: 7}}}
	b, err = encodeMapping(m, &m.Selectors[0])
	require.NoError(t, err)
	mask := make([]byte, 16)
	mask[0], mask[1], mask[2], mask[3], mask[4] = 255, 255, 255, 255, 0x80
	assert.Equal(t, bytes.Join([][]byte{
		nla(mgmtAttrDomain, str("bar")),
		nla(mgmtAttrProtocol, u32(7)),
		nla(mgmtAttrFamily, u16(10)),
		nla(mgmtAttrCLPDOI, u32(7)),
		nla(mgmtAttrIPv6Addr, netip.MustParseAddr("2001:db8::").AsSlice()),
		nla(mgmtAttrIPv6Mask, mask),
	}, nil), b)

	// "map add domain:baz protocol:unlbl,6"
	b, err = encodeMapping(Mapping{Domain: "baz", Protocol: Unlabeled, Family: FamilyIPv6}, nil)
	require.NoError(t, err)
	assert.Equal(t, bytes.Join([][]byte{
		nla(mgmtAttrDomain, str("baz")),
		nla(mgmtAttrProtocol, u32(5)),
		nla(mgmtAttrFamily, u16(10)),
	}, nil), b)

	_, err = encodeMapping(Mapping{Domain: "x", Protocol: AddrSelect}, nil)
	assert.Error(t, err)
	_, err = encodeMapping(Mapping{Domain: "x"}, &Selector{Protocol: Unlabeled})
	assert.Error(t, err)
}

func TestDecodeMapping(t *testing.T) {
	// What netlbl_mgmt_listentry writes for a domain with IPv4 selectors.
	sel := func(addr, mask []byte, at, mt uint16, proto uint32, doi ...[]byte) []byte {
		parts := [][]byte{nla(at, addr), nla(mt, mask), nla(mgmtAttrProtocol, u32(proto))}
		parts = append(parts, doi...)
		return nla(mgmtAttrSelector, parts...)
	}
	b := bytes.Join([][]byte{
		nla(mgmtAttrDomain, str("web_t")),
		nla(mgmtAttrFamily, u16(2)),
		nla(0x8000|mgmtAttrSelectors,
			sel([]byte{192, 0, 2, 0}, []byte{255, 255, 255, 0}, mgmtAttrIPv4Addr, mgmtAttrIPv4Mask, 3, nla(mgmtAttrCV4DOI, u32(16))),
			sel([]byte{0, 0, 0, 0}, []byte{0, 0, 0, 0}, mgmtAttrIPv4Addr, mgmtAttrIPv4Mask, 5)),
	}, nil)
	m, err := decodeMapping(b, false)
	require.NoError(t, err)
	assert.Equal(t, Mapping{Domain: "web_t", Family: FamilyIPv4, Selectors: []Selector{
		{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Protocol: CIPSOv4, DOI: 16},
		{Prefix: netip.MustParsePrefix("0.0.0.0/0"), Protocol: Unlabeled},
	}}, m)

	// The default: no domain.
	m, err = decodeMapping(bytes.Join([][]byte{nla(mgmtAttrFamily, u16(0)), nla(mgmtAttrProtocol, u32(5))}, nil), true)
	require.NoError(t, err)
	assert.Equal(t, Mapping{Default: true, Protocol: Unlabeled}, m)

	v6 := netip.MustParseAddr("2001:db8::").AsSlice()
	ones := bytes.Repeat([]byte{255}, 16)
	m, err = decodeMapping(bytes.Join([][]byte{nla(mgmtAttrDomain, str("d")), nla(mgmtAttrFamily, u16(10)),
		nla(mgmtAttrSelectors, sel(v6, ones, mgmtAttrIPv6Addr, mgmtAttrIPv6Mask, 7, nla(mgmtAttrCLPDOI, u32(9))))}, nil), false)
	require.NoError(t, err)
	assert.Equal(t, []Selector{{Prefix: netip.MustParsePrefix("2001:db8::/128"), Protocol: CALIPSO, DOI: 9}}, m.Selectors)

	for name, b := range map[string][]byte{
		"no domain": nla(mgmtAttrProtocol, u32(5)),
		"gappy mask": bytes.Join([][]byte{nla(mgmtAttrDomain, str("d")), nla(mgmtAttrSelectors,
			sel([]byte{10, 0, 0, 0}, []byte{255, 0, 255, 0}, mgmtAttrIPv4Addr, mgmtAttrIPv4Mask, 5))}, nil),
		"short address": bytes.Join([][]byte{nla(mgmtAttrDomain, str("d")), nla(mgmtAttrSelectors,
			sel([]byte{10, 0, 0}, []byte{255, 0, 0}, mgmtAttrIPv4Addr, mgmtAttrIPv4Mask, 5))}, nil),
		"mixed lengths": bytes.Join([][]byte{nla(mgmtAttrDomain, str("d")), nla(mgmtAttrSelectors,
			sel([]byte{10, 0, 0, 0}, ones, mgmtAttrIPv4Addr, mgmtAttrIPv6Mask, 5))}, nil),
	} {
		_, err := decodeMapping(b, false)
		assert.Error(t, err, name)
	}
}

func TestMaskBits(t *testing.T) {
	for _, c := range []struct {
		mask []byte
		n    int
		ok   bool
	}{
		{[]byte{0, 0, 0, 0}, 0, true},
		{[]byte{255, 255, 255, 255}, 32, true},
		{[]byte{255, 240, 0, 0}, 12, true},
		{[]byte{255, 241, 0, 0}, 0, false},
		{[]byte{255, 0, 0, 1}, 0, false},
		{[]byte{127, 0, 0, 0}, 0, false},
	} {
		n, ok := maskBits(c.mask)
		assert.Equal(t, c.ok, ok, "%x", c.mask)
		if ok {
			assert.Equal(t, c.n, n, "%x", c.mask)
		}
	}
}

func TestEncodeDomainAndFamily(t *testing.T) {
	b, err := encodeDomain("sshd_t")
	require.NoError(t, err)
	assert.Equal(t, nla(mgmtAttrDomain, str("sshd_t")), b)
	b, err = encodeFamily(FamilyIPv6)
	require.NoError(t, err)
	assert.Equal(t, nla(mgmtAttrFamily, u16(10)), b)
}

func TestNames(t *testing.T) {
	assert.Equal(t, "CIPSOv4 UNLABELED CALIPSO ADDRSELECT UNKNOWN(0)",
		strings.Join([]string{CIPSOv4.String(), Unlabeled.String(), CALIPSO.String(), AddrSelect.String(), Protocol(0).String()}, " "))
	assert.Equal(t, "IPv4/IPv6 IPv4 IPv6 family(1)",
		strings.Join([]string{FamilyAll.String(), FamilyIPv4.String(), FamilyIPv6.String(), Family(1).String()}, " "))
}
