package main

import (
	"bufio"
	"flag"
	"strconv"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// runDecode is "iplabel decode [--ipv6] [--doi-config FILE] [HEX...]": one
// JSON object per options field (with --ipv6, per Hop-by-Hop header:
// parseHopByHop, appendDecode6JSON), {"options":[...],"error":null} or with
// "error":{"offset":K,"message":"..."} where decoding stopped. The decode
// is structural (no DOI policy); --doi-config is accepted for symmetry
// with the other commands and checked, but does not change the output.
//
// Exit status: 0; 2 if some field could not be read (bad hex, over 40
// octets: that field's line is {"ok":false,"pointer":null,"error":"input:
// ..."} and a message goes to stderr) or on an I/O error.
func runDecode(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("decode", flag.ContinueOnError)
	cfg := fs.String("doi-config", "", "DOI definitions in netlabelctl syntax, or kernel for the running kernel's")
	v6 := fs.Bool("ipv6", false, "each input is an IPv6 Hop-by-Hop Options header")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if _, err := loadConfig(*cfg); err != nil {
		return 0, err
	}
	parse, buf, appendJSON := parseHexField, make([]byte, 0, ipopt.MaxOptionsLen), appendDecodeJSON
	if *v6 {
		parse, buf, appendJSON = parseHopByHop, make([]byte, 0, maxHopByHop), appendDecode6JSON
	}
	return writeLines(e, "decode", pos, buf, parse, exitError, func(line, opts []byte) ([]byte, bool) {
		return appendJSON(line, opts), false
	})
}

// writeLines writes the line of every input of command cmd (read by
// forEachInput with buf and parse): appendLine's for one that reads,
// which also says whether it is invalid, or appendInputError's for one
// that does not, with reportInputError's message. The status is exitOK,
// unreadable once an input could not be read, exitInvalid once one was
// invalid (the later of the two).
func writeLines(e *env, cmd string, pos []string, buf []byte, parse func(dst []byte, s string) ([]byte, error), unreadable int, appendLine func(line, opts []byte) ([]byte, bool)) (int, error) {
	w := bufio.NewWriterSize(e.stdout, 64<<10)
	status := exitOK
	var line []byte
	err := forEachInput(pos, e.stdin, buf, parse, func(fl *field) error {
		line = line[:0]
		if fl.err != nil {
			line = appendInputError(line, fl)
			reportInputError(e, cmd, fl)
			status = unreadable
		} else {
			var invalid bool
			if line, invalid = appendLine(line, fl.opts); invalid {
				status = exitInvalid
			}
		}
		line = append(line, '\n')
		_, err := w.Write(line)
		return err
	})
	if ferr := w.Flush(); err == nil {
		err = ferr
	}
	return status, err
}

// appendInputError appends the contract's object for a field that cannot
// be read: {"ok":false,"pointer":null,"error":"input: <where>: ..."}.
func appendInputError(dst []byte, fl *field) []byte {
	dst = append(dst, `{"ok":false,"pointer":null,"error":`...)
	dst = appendString(dst, "input: "+fl.where+": "+fl.err.Error())
	return append(dst, '}')
}

// reportInputError writes the one-line message for an unreadable field.
func reportInputError(e *env, cmd string, fl *field) {
	src := "stdin"
	if fl.where[0] == 'a' {
		src = "command line"
	}
	e.stderr.Write([]byte("iplabel: " + cmd + ": " + src + ": " + fl.where + ": " + fl.err.Error() + "\n"))
}

// appendDecodeJSON appends {"options":[...],"error":...} for opts.
func appendDecodeJSON(dst, opts []byte) []byte {
	dst = append(dst, `{"options":`...)
	dst, err := appendOptionsJSON(dst, opts)
	dst = append(dst, `,"error":`...)
	dst = appendDecodeError(dst, err)
	return append(dst, '}')
}

// appendDecodeError appends null or {"offset":K,"message":"..."}.
func appendDecodeError(dst []byte, err error) []byte {
	if err == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, `{"offset":`...)
	dst = appendInt(dst, offsetOf(err))
	dst = append(dst, `,"message":`...)
	dst = appendErrorJSON(dst, err)
	return append(dst, '}')
}

// appendOptionsJSON appends the JSON array of the options of opts, as far
// as they decode, and returns the error where decoding stopped (an
// ipopt.Error, offset in the options field) or nil. The walk is
// ipopt.Iter's: it ends after an EOL (the octets after it are padding).
// The decode is structural: wire values only.
func appendOptionsJSON(dst, opts []byte) ([]byte, error) { return appendOptionsJSONIn(dst, opts, nil) }

// appendOptionsJSONIn is appendOptionsJSON with the DOIs of reg: a tag
// of one of its translated DOIs also has "host_label" (dump --json).
func appendOptionsJSONIn(dst, opts []byte, reg *cipso.Registry) ([]byte, error) {
	dst = append(dst, '[')
	it := ipopt.NewIter(opts)
	first := true
	var err error
	for err == nil && it.Next() {
		o := it.Option()
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = append(dst, `{"offset":`...)
		dst = appendInt(dst, o.Offset)
		dst = append(dst, optionJSONHead[o.Type]...)
		dst = appendInt(dst, o.Len())
		switch o.Type {
		case ipopt.CIPSO:
			dst, err = appendCIPSOJSON(dst, o, reg)
		case ipopt.SEC:
			var v bsoView
			if v, err = viewBSO(o); err == nil && !v.legacy {
				dst = appendBSOJSON(dst, &v)
			}
		case ipopt.ESEC:
			if e, e2 := viewESO(o); e2 != nil {
				err = e2
			} else {
				dst = append(dst, `,"eso":{"format":`...)
				dst = appendUint(dst, uint64(e.FormatCode()))
				dst = append(dst, `,"data":`...)
				dst = appendHex(dst, e.Info())
				dst = append(dst, '}')
			}
		}
		dst = append(dst, '}')
	}
	if err == nil {
		err = it.Err()
	}
	return append(dst, ']'), err
}

// optionJSONHead[t] is `,"type":T,"name":"NAME","length":` for option
// type t (ipopt.Type.Name), the members between an option's offset and its
// length, written once.
var optionJSONHead = func() (h [256]string) {
	for t := range h {
		h[t] = `,"type":` + strconv.Itoa(t) + `,"name":"` + ipopt.Type(t).Name() + `","length":`
	}
	return h
}()

// appendCIPSOJSON appends ,"cipso":{"doi":D,"tags":[...]} for option o,
// in a translated DOI of reg with the host labels.
func appendCIPSOJSON(dst []byte, o ipopt.Option, reg *cipso.Registry) ([]byte, error) {
	opt, err := cipso.ParseOption(o.Bytes)
	if err != nil {
		return dst, ipopt.Shift(err, o.Offset)
	}
	trans := transDomain(reg, opt.DOI())
	dst = append(dst, `,"cipso":{"doi":`...)
	dst = appendUint(dst, uint64(opt.DOI()))
	dst = append(dst, `,"tags":[`...)
	it := opt.Tags()
	var v tagView
	first := true
	for it.Next() {
		terr := viewTag(it.Tag(), o.Offset, &v)
		if terr != nil {
			err = terr
			break
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendTagJSON(dst, &v, trans)
	}
	if err == nil && it.Err() != nil {
		err = ipopt.Shift(it.Err(), o.Offset)
	}
	return append(dst, "]}"...), err
}

// appendTagJSON appends one tag object: "offset", "type", then by type
// "level", "label" and "categories" (1, 6: ascending; 2: wire order),
// "level", "label" and "ranges" ([[high,low],...] wire order, an omitted
// low as 0), "secid" (128), "data" and maybe "nsid" (7), "data" (others).
// "label" is the label as an SELinux level string, wire values
// ("s3:c0,c5"); in a translated DOI trans (not nil) "host_label" follows
// with host values, or null when trans does not map them.
func appendTagJSON(dst []byte, v *tagView, trans *cipso.Domain) []byte {
	dst = append(dst, `{"offset":`...)
	dst = appendInt(dst, v.off)
	dst = append(dst, `,"type":`...)
	dst = appendInt(dst, int(v.typ))
	if isMAC(v.kind) {
		dst = append(dst, `,"level":`...)
		dst = appendUint(dst, uint64(v.level))
		dst = append(dst, `,"label":"`...)
		dst = appendTagLevelText(dst, v)
		dst = append(dst, '"')
		if trans != nil {
			dst = append(dst, `,"host_label":`...)
			var h cipso.Label
			if hostLabel(trans, v, &h) {
				dst = append(dst, '"')
				dst = appendLevelText(dst, &h)
				dst = append(dst, '"')
			} else {
				dst = append(dst, "null"...)
			}
		}
	}
	switch v.kind {
	case tagBitmap:
		dst = append(dst, `,"categories":[`...)
		dst = appendBitmapCats(dst, v.cats)
		dst = append(dst, ']')
	case tagEnum:
		dst = append(dst, `,"categories":[`...)
		for i := range len(v.cats) / 2 {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendCat(dst, uint32(u16At(v.cats, i)))
		}
		dst = append(dst, ']')
	case tagRange:
		dst = append(dst, `,"ranges":[`...)
		for i := range numRanges(v.cats) {
			if i > 0 {
				dst = append(dst, ',')
			}
			hi, lo := rangeAt(v.cats, i)
			dst = append(dst, '[')
			dst = appendCat(dst, uint32(hi))
			dst = append(dst, ',')
			dst = appendCat(dst, uint32(lo))
			dst = append(dst, ']')
		}
		dst = append(dst, ']')
	case tagSecID:
		dst = append(dst, `,"secid":`...)
		dst = appendUint(dst, uint64(v.secid))
	case tagFreeForm, tagData:
		dst = append(dst, `,"data":`...)
		dst = appendHex(dst, v.data)
		if v.hasNS {
			dst = appendNSIDJSON(dst, &v.nsid)
		}
	}
	return append(dst, '}')
}

// appendNSIDJSON appends ,"nsid":{...} with the parameters present, in
// the order ssid, node, serial, msid, dsid, bypass.
func appendNSIDJSON(dst []byte, n *dsm.Label) []byte {
	dst = append(dst, `,"nsid":{`...)
	first := true
	for _, p := range nsidJSONOrder {
		v, ok := n.Get(p.t)
		if !ok {
			continue
		}
		dst = appendKey(dst, p.key, first)
		first = false
		if p.t == dsm.ParamBypass {
			dst = append(dst, "true"...)
		} else {
			dst = appendUint(dst, uint64(v))
		}
	}
	return append(dst, '}')
}

// appendBSOJSON appends ,"bso":{"classification":N,"level":"...",
// "authorities":[...]}.
func appendBSOJSON(dst []byte, v *bsoView) []byte {
	dst = append(dst, bsoJSONHead[v.label.Level]...)
	first := true
	for a := range v.label.Authorities.All() {
		if !first {
			dst = append(dst, ',')
		}
		first = false
		if int(a) < len(authorityJSON) {
			dst = append(dst, authorityJSON[a]...)
		} else {
			dst = appendString(dst, a.String())
		}
	}
	return append(dst, "]}"...)
}

// bsoJSONHead[c] is `,"bso":{"classification":C,"level":"NAME","authorities":[`
// for classification c, and authorityJSON[a] the JSON string of
// authority a's name: the constant parts of a BSO, escaped once.
var (
	bsoJSONHead = func() (h [256]string) {
		for c := range h {
			b := append([]byte(`,"bso":{"classification":`), strconv.Itoa(c)...)
			b = appendString(append(b, `,"level":`...), rfc1108.Classification(c).String())
			h[c] = string(append(b, `,"authorities":[`...))
		}
		return h
	}()
	authorityJSON = func() (t [rfc1108.NumAuthorities]string) {
		for a := range t {
			t[a] = string(appendString(nil, rfc1108.Authority(a).String()))
		}
		return t
	}()
)
