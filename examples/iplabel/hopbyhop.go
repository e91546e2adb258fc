package main

import (
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// maxHopByHop is the longest Hop-by-Hop header: Hdr Ext Len 255, 2048
// octets (RFC 8200 §4.3).
const maxHopByHop = 256 * 8

// parseHopByHop reads one Hop-by-Hop Options header written as hex (the
// forms of parseHexField) and appends its octets to dst: the Next Header
// octet, Hdr Ext Len and the options, (Hdr Ext Len + 1) * 8 octets in
// all, no more and no less. On error dst is returned unchanged.
func parseHopByHop(dst []byte, s string) ([]byte, error) {
	if s == "-" {
		s = "" // the empty header, refused below
	}
	start := len(dst)
	dst, err := parseHex(dst, s, maxHopByHop, "Hop-by-Hop header over 2048 octets")
	if err != nil {
		return dst, err
	}
	n := len(dst) - start
	switch {
	case n < 8:
		return dst[:start], &hexError{Msg: strconv.Itoa(n) + " octets: a Hop-by-Hop header has at least 8"}
	case n != ipv6.ExtLen(dst[start+1]):
		return dst[:start], &hexError{Msg: strconv.Itoa(n) + " octets, but Hdr Ext Len " + strconv.Itoa(int(dst[start+1])) +
			" makes the header " + strconv.Itoa(ipv6.ExtLen(dst[start+1]))}
	}
	return dst, nil
}

// validator6 checks a Hop-by-Hop header as Linux's receive path does for
// an IPv6/UDP datagram carrying it to a unicast address of the host:
// ipv6.Linux (ip6_parse_tlv, net/ipv6/exthdrs.c) with the default
// sysctls and calipso.Linux (calipso_validate, net/ipv6/calipso.c) over
// the configured CALIPSO DOIs.
type validator6 struct {
	walk    ipv6.Linux
	answers icmp6Answers
	strict  *calipso.Strict // --profile strict: RFC 5570 on top of the walk
}

func newValidator6(reg *calipso.Registry) *validator6 {
	return &validator6{walk: ipv6.Linux{CALIPSO: calipso.NewLinux(reg)}, answers: icmp6Answers{}}
}

// strictValidator6 is validate --ipv6 --profile strict: the same walk
// with calipso.Strict checking each CALIPSO option (DOI 0, octets after
// the bitmap, a last bitmap word of zero, on top of calipso_validate's
// checks), then calipso.Strict.Validate over the header (an option not at
// 4n+2, a second option): what RFC 5570 refuses and Linux delivers
// (calipso RULES.md §8).
func strictValidator6(reg *calipso.Registry) *validator6 {
	s := calipso.Strict{DOIs: reg}
	return &validator6{walk: ipv6.Linux{CALIPSO: s}, answers: icmp6Answers{}, strict: &s}
}

// icmp6Answers gives the ICMPv6 Parameter Problem Linux answers an error
// with (ipv6.ICMP, which allocates nothing).
type icmp6Answers struct{}

// pointer is ipv6.ICMP's code and pointer for err, and false when Linux
// sends no Parameter Problem about it.
func (icmp6Answers) pointer(err error) (code uint8, pointer int, ok bool) {
	code, p, ok := ipv6.ICMP(err)
	return code, int(p), ok
}

// udpHeaderLen is the UDP header the modelled datagram carries after the
// Hop-by-Hop header; only the payload length (not 0) matters to the walk,
// for the Jumbo Payload option.
const udpHeaderLen = 8

// validate returns nil when Linux delivers the datagram, or the error
// the walk stops at.
func (v *validator6) validate(hdr []byte) error {
	n := len(hdr) + udpHeaderLen
	err := v.walk.CheckHopByHop(hdr, ipv6.Packet{PayloadLen: n, Len: n})
	if err != nil || v.strict == nil {
		return err
	}
	return v.strict.Validate(hdr)
}

// appendVerdictJSON appends {"ok":true|false,"pointer":P|null,
// "error":null|"..."}: the pointer of the ICMPv6 Parameter Problem Linux
// sends (ipv6.ICMP), null when it accepts the datagram or drops it
// silently.
func (v *validator6) appendVerdictJSON(dst []byte, err error) []byte {
	if err == nil {
		return append(dst, `{"ok":true,"pointer":null,"error":null}`...)
	}
	dst = append(dst, `{"ok":false,"pointer":`...)
	if _, p, ok := v.answers.pointer(err); ok {
		dst = appendInt(dst, p)
	} else {
		dst = append(dst, "null"...)
	}
	dst = append(dst, `,"error":`...)
	dst = appendErrorJSON(dst, err)
	return append(dst, '}')
}

// optionName6 names a Hop-by-Hop or Destination Options type in decode's
// JSON (IANA "Destination Options and Hop-by-Hop Options").
func optionName6(t uint8) string {
	switch t {
	case ipv6.Pad1:
		return "pad1"
	case ipv6.PadN:
		return "padn"
	case ipv6.RouterAlert:
		return "ra"
	case ipv6.CALIPSO:
		return "calipso"
	case ipv6.IOAM:
		return "ioam"
	case ipv6.Jumbo:
		return "jumbo"
	case ipv6.HomeAddress:
		return "hao"
	}
	return "unknown"
}

// appendHopByHopJSON appends the JSON array of the options of hdr, a
// whole Hop-by-Hop header, as far as they decode, and returns the error
// where decoding stopped (offset from hdr[0]) or nil. Each option is
// {"offset":K,"type":T,"name":"...","length":L} (K from the header's
// first octet, L the whole option, type and length octets included);
// CALIPSO adds "calipso":{"doi":D,"level":S,"label":"s3:c0,c5","categories":[...],
// "checksum":N,"checksum_ok":B} and, when octets follow the bitmap,
// "trailer":"hex". The decode is structural: framing only (ipv6.Iter)
// and calipso.ParseOption for CALIPSO.
func appendHopByHopJSON(dst, hdr []byte) ([]byte, error) {
	dst = append(dst, '[')
	it := ipv6.NewIter(hdr)
	var err error
	for err == nil && it.Next() {
		o := it.Option()
		if dst[len(dst)-1] != '[' {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"offset":`...)
		dst = appendInt(dst, o.Offset)
		dst = append(dst, `,"type":`...)
		dst = appendInt(dst, int(o.Type))
		dst = append(dst, `,"name":"`...)
		dst = append(dst, optionName6(o.Type)...)
		dst = append(dst, `","length":`...)
		dst = appendInt(dst, len(o.Bytes))
		if o.Type == ipv6.CALIPSO {
			dst, err = appendCALIPSOJSON(dst, o)
		}
		dst = append(dst, '}')
	}
	if err == nil {
		err = it.Err()
	}
	return append(dst, ']'), err
}

// appendCALIPSOJSON appends ,"calipso":{...} for option o.
func appendCALIPSOJSON(dst []byte, o ipv6.Option) ([]byte, error) {
	opt, err := calipso.ParseOption(o.Bytes)
	if err != nil {
		return dst, ipopt.Shift(err, o.Offset)
	}
	dst = append(dst, `,"calipso":{"doi":`...)
	dst = appendUint(dst, uint64(opt.DOI()))
	dst = append(dst, `,"level":`...)
	dst = appendUint(dst, uint64(opt.Level()))
	dst = append(dst, `,"label":"`...)
	dst = appendBitmapLevelText(dst, uint32(opt.Level()), opt.Bitmap())
	dst = append(dst, `","categories":[`...)
	dst = appendBitmapCats(dst, opt.Bitmap())
	dst = append(dst, `],"checksum":`...)
	dst = appendUint(dst, uint64(opt.Checksum()))
	if opt.ChecksumOK() {
		dst = append(dst, `,"checksum_ok":true`...)
	} else {
		dst = append(dst, `,"checksum_ok":false`...)
	}
	if tr := opt.Trailer(); len(tr) > 0 {
		dst = append(dst, `,"trailer":`...)
		dst = appendHex(dst, tr)
	}
	return append(dst, '}'), nil
}

// appendDecode6JSON appends decode --ipv6's {"options":[...],"error":...}
// for a whole Hop-by-Hop header.
func appendDecode6JSON(dst, hdr []byte) []byte {
	dst = append(dst, `{"options":`...)
	dst, err := appendHopByHopJSON(dst, hdr)
	dst = append(dst, `,"error":`...)
	dst = appendDecodeError(dst, err)
	return append(dst, '}')
}

// parseCALIPSOSpec reads encode's --calipso "doi=N,level=L[,categories=
// 0,5,10-20]" (keys in any order; the items after "categories=" without
// '=' belong to it): DOI 1 to 4294967295 (decimal or 0x hex), level 0 to
// 255, categories 0 to calipso.MaxCategory (1951, the most the option
// holds). CALIPSO DOIs are pass-through, so these are the wire values.
func parseCALIPSOSpec(arg, spec string) (uint32, cipso.Label, error) {
	var l cipso.Label
	seen := map[string]bool{}
	var doi uint64
	var cats []item
	key := ""
	for _, it := range splitItems(spec, 1) {
		k, v, hasEq := strings.Cut(it.s, "=")
		if !hasEq {
			if key != "categories" {
				return 0, l, specError(arg, spec, it.col, "expected key=value, got "+strconv.Quote(it.s))
			}
			cats = append(cats, it)
			continue
		}
		if seen[k] {
			return 0, l, specError(arg, spec, it.col, k+" given twice")
		}
		seen[k], key = true, k
		vcol := it.col + len(k) + 1
		var msg string
		switch k {
		case "doi":
			if doi, msg = parseUint(v, 1<<32-1, true); msg == "" && doi == 0 {
				msg = "DOI 0 is reserved (RFC 5570 §5)"
			}
			if msg != "" {
				return 0, l, specError(arg, spec, vcol, "doi: "+msg)
			}
		case "level":
			lv, msg := parseUint(v, 255, false)
			if msg != "" {
				return 0, l, specError(arg, spec, vcol, "level: "+msg)
			}
			l.Level = uint32(lv)
		case "categories":
			if v != "" {
				cats = append(cats, item{v, vcol})
			}
		default:
			return 0, l, specError(arg, spec, it.col, "unknown key "+strconv.Quote(k)+" (want doi, level, categories)")
		}
	}
	for _, k := range []string{"doi", "level"} {
		if !seen[k] {
			return 0, l, usagef("%s %q: missing %s=", arg, spec, k)
		}
	}
	if len(cats) > 0 {
		var err error
		if l.Cats, err = parseCategories(arg, spec, cats); err != nil {
			return 0, l, err
		}
		if m, _ := l.Cats.Max(); m > calipso.MaxCategory {
			return 0, l, usagef("%s %q: category %d: CALIPSO carries categories 0 to %d", arg, spec, m, calipso.MaxCategory)
		}
	}
	return uint32(doi), l, nil
}
