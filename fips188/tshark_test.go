package fips188

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/internal/tsharktest"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTsharkDifferential writes raw IPv4 packets whose CIPSO options carry
// tags 6 and 7 and mixes with tags 1, 2, 5, has
// tshark 4.0.17 dissect them (the ip.cipso.* fields of Wireshark's
// packet-ip.c, dissect_ipopt_cipso), and compares what it shows with this
// package's lenient reading:
//
//   - ip.cipso.doi is the tag set identifier;
//   - ip.cipso.tag_type lists every tag the walk meets, a 0 for each
//     one-octet pad (PaddedTagIter skips them; they are the gaps between tags);
//   - ip.cipso.tag_data is, for a tag 6, the alignment octet, the level
//     and the bitmap, and for a tag 7 its data;
//   - ip.cipso.sensitivity_level is the level of each tag 1, 2 and 5
//     (dissect_ipopt_cipso gives tags 6 and 7 none);
//   - ip.cipso.malformed never appears.
//
// A tag 7 of length 2 has empty data, which tshark prints as <MISSING>.
func TestTsharkDifferential(t *testing.T) {
	tsharktest.Require(t)
	fields := []string{"frame.number", "ip.cipso.doi", "ip.cipso.tag_type", "ip.cipso.tag_data",
		"ip.cipso.sensitivity_level", "ip.cipso.malformed"}
	const (
		fFrame = iota
		fDOI
		fType
		fData
		fLevel
		fMalformed
	)
	vectors := tsharkVectors(t)
	// One raw-IPv4 packet per options field: protocol 253 (RFC 3692
	// experimental, which tshark leaves undissected), four octets of
	// payload.
	datagrams := make([][]byte, len(vectors))
	for i, v := range vectors {
		datagrams[i] = tsharktest.Datagram(t, v.opts, uint16(i), []byte("F188"))
	}
	rows := tsharktest.Fields(t, tsharktest.WriteIPv4(t, datagrams), fields)
	require.Len(t, rows, len(vectors), "one line per packet")

	var n6, n7, nPads, nMAC, nUnknown int
	for i, v := range vectors {
		cols := rows[i]
		require.Len(t, cols, len(fields), "line %q", cols)
		require.Equal(t, strconv.Itoa(i+1), cols[fFrame])
		name := fmt.Sprintf("frame %d (%s), options % x", i+1, v.what, v.opts)

		o, found, err := FindCIPSO(v.opts)
		require.NoError(t, err, name)
		require.True(t, found, name)
		s, err := Lenient.Parse(o.Bytes)
		require.NoError(t, err, name)
		var types, data, levels []string
		next := cipso.HeaderLen
		for it := s.Tags(); it.Next(); {
			tag := it.Tag()
			for ; next < tag.Offset; next++ { // pads
				types = append(types, "0")
				nPads++
			}
			next = tag.Offset + len(tag.Bytes)
			types = append(types, strconv.Itoa(int(tag.Type)))
			switch {
			case tag.Type == cipso.TagPBitmap:
				pb, err := Lenient.ParsePermissiveBitmap(tag)
				require.NoError(t, err, name)
				d := append([]byte{pb.Alignment(), pb.Level()}, pb.Bitmap()...)
				data = append(data, hex.EncodeToString(d))
				n6++
			case tag.Type == cipso.TagFreeForm:
				ff, err := Lenient.ParseFreeForm(tag)
				require.NoError(t, err, name)
				if len(ff.Data()) > 0 {
					data = append(data, hex.EncodeToString(ff.Data()))
				} else {
					data = append(data, "<MISSING>") // tshark's empty field
				}
				n7++
			case tag.Type.MAC():
				levels = append(levels, strconv.Itoa(int(tag.Level())))
				nMAC++
			default:
				// Quirk of dissect_ipopt_cipso: tshark shows an unknown tag's type
				// and stops; the lenient profile skips the tag and goes
				// on. The generator puts unknown tags last.
				nUnknown++
				next = s.CIPSO().Len()
			}
		}
		for ; next < s.CIPSO().Len(); next++ { // trailing pads
			types = append(types, "0")
			nPads++
		}
		assert.Equal(t, strconv.FormatUint(uint64(s.ID()), 10), cols[fDOI], "%s: doi", name)
		assert.Equal(t, strings.Join(types, ";"), cols[fType], "%s: tag types", name)
		assert.Equal(t, strings.Join(data, ";"), cols[fData], "%s: tag data", name)
		assert.Equal(t, strings.Join(levels, ";"), cols[fLevel], "%s: levels", name)
		assert.Empty(t, cols[fMalformed], "%s: malformed", name)
	}
	t.Logf("tshark differential: %d packets, %d tag 6, %d tag 7, %d MAC tags, %d pads, %d unknown tags",
		len(vectors), n6, n7, nMAC, nPads, nUnknown)
	for _, n := range []int{n6, n7, nMAC, nPads, nUnknown} {
		assert.Greater(t, n, 10, "the generated packets must exercise every comparison")
	}
}

type tsharkVector struct {
	what string
	opts []byte
}

// tsharkVectors returns options fields (padded to whole 32-bit words):
// the spec vectors, then generated labels: tag 6 and tag 7 alone,
// whole Labels, and lenient-only shapes (pads, short tag 7, nonzero
// alignment, trailing zero bitmap octets), some after NOPs.
func tsharkVectors(t *testing.T) []tsharkVector {
	t.Helper()
	var out []tsharkVector
	add := func(what string, opt []byte, r *rand.Rand) {
		var opts []byte
		if r != nil {
			for range r.IntN(3) {
				opts = append(opts, 0x01)
			}
		}
		opts = append(opts, opt...)
		if len(opts) > ipopt.MaxOptionsLen {
			return
		}
		out = append(out, tsharkVector{what, testutil.PadEOL(opts)})
	}
	for name, v := range map[string][]byte{"vector A": vecA, "vector B": vecB, "vector C": vecC, "vector D": vecD, "vector E": vecE,
		"vector G": vecG, "vector H": vecH(), "three tags": three} {
		add(name, v, nil)
	}
	add("dsm example", dsmExample, nil)

	r := rand.New(rand.NewPCG(188, 7))
	doi := func() cipso.DOI { return cipso.DOI(r.Uint32()%0xFFFFFFFE + 1) }
	cats := func(limit int) cipso.CatSet {
		var s cipso.CatSet
		for range r.IntN(6) {
			_ = s.Add(uint32(r.IntN(limit)))
		}
		return s
	}
	for range 60 { // tag 6 and tag 7 on their own, and together
		cs := cats(240)
		t6, err := AppendPermissiveBitmap(nil, uint8(r.Uint32()), &cs)
		require.NoError(t, err)
		data := make([]byte, r.IntN(20))
		for i := range data {
			data[i] = byte(r.Uint32())
		}
		t7, err := Profile{AllowEmptyFreeForm: true}.AppendFreeForm(nil, data)
		require.NoError(t, err)
		var body []byte
		switch r.IntN(3) {
		case 0:
			body = t6
		case 1:
			body = t7
		default:
			body = append(append(body, t7...), t6...)
		}
		b, err := cipso.AppendOptionHeader(nil, doi(), len(body))
		if err != nil {
			continue
		}
		add("tags 6/7", append(b, body...), r)
	}
	for range 80 { // whole labels
		l := Label{ID: doi(), Level: uint8(r.Uint32())}
		switch r.IntN(4) {
		case 1:
			l.RestrictiveTag, l.Restrictive = cipso.TagRBitmap, cats(240)
		case 2:
			l.RestrictiveTag, l.Restrictive = cipso.TagEnum, cats(65535)
		case 3:
			l.RestrictiveTag, l.Restrictive = cipso.TagRange, cats(65535)
		}
		if l.HasPermissive = r.IntN(2) == 0; l.HasPermissive {
			l.Permissive = cats(120)
		}
		if l.HasFreeForm = r.IntN(2) == 0 || !l.HasPermissive && l.RestrictiveTag == 0; l.HasFreeForm {
			l.FreeForm = make([]byte, 1+r.IntN(6))
			for i := range l.FreeForm {
				l.FreeForm[i] = byte(r.Uint32())
			}
		}
		b, err := Lenient.AppendOption(nil, &l)
		if err != nil {
			continue
		}
		add("label", b, r)
	}
	for range 40 { // shapes only the lenient profile accepts
		var body []byte
	shapes:
		for range 1 + r.IntN(3) {
			switch r.IntN(4) {
			case 0: // pads
				body = append(body, make([]byte, 1+r.IntN(2))...)
			case 1: // tag 7 of length 2 or 3
				body = append(body, 0x07, 0x02)
				if r.IntN(2) == 0 {
					body[len(body)-1] = 0x03
					body = append(body, byte(r.Uint32()))
				}
			case 2: // tag 6, nonzero alignment, trailing zero octets
				body = append(body, 0x06, 0x07, byte(1+r.IntN(255)), byte(r.Uint32()), byte(r.Uint32()), 0x00, 0x00)
			case 3: // an unknown tag, last: tshark stops there
				body = append(body, 0x09, 0x04, 0xfe, 0xed)
				break shapes
			}
		}
		b, err := cipso.AppendOptionHeader(nil, doi(), len(body))
		if err != nil {
			continue
		}
		add("lenient shapes", append(b, body...), r)
	}
	return out
}
