package ipopt_test

import (
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// Options used across the packet tests, from the checklist (RULES.md §9).
var (
	label10 = []byte{0x86, 0x0A, 0, 0, 0, 1, 1, 4, 0, 5}             // case 1, level 5
	label12 = []byte{0x86, 0x0C, 0, 0, 0, 1, 1, 6, 0, 3, 0x80, 0x01} // case 40, c0 and c15
	label14 = []byte{0x86, 0x0E, 0, 0, 0, 1, 2, 8, 0, 3, 0, 1, 0, 5} // case 40, tag 2
	rr7     = []byte{0x07, 0x07, 0x04, 0, 0, 0, 0}                   // case 39's RR
	ra4     = []byte{0x94, 0x04, 0, 0}                               // RFC 2113
)

// datagram is an IPv4 datagram with the given options field (already
// padded by the caller, or not) and payload, checksum set.
func datagram(opts, payload []byte) []byte {
	hl := 20 + len(opts)
	b := make([]byte, hl+len(payload))
	b[0] = 0x40 | byte(hl/4)
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)))
	binary.BigEndian.PutUint16(b[4:], 0x1c46)
	b[6] = 0x40 // DF
	b[8], b[9] = 64, 17
	copy(b[12:], []byte{192, 0, 2, 1, 198, 51, 100, 2})
	copy(b[20:], opts)
	copy(b[hl:], payload)
	ipopt.Header(b[:hl]).SetChecksum()
	return b
}

// inBuffer places d in a 0xFF-filled buffer with the given head and
// tailroom and returns the Packet over it.
func inBuffer(t *testing.T, d []byte, headroom, tailroom int) (ipopt.Packet, []byte) {
	t.Helper()
	buf := make([]byte, headroom+len(d)+tailroom)
	for i := range buf {
		buf[i] = 0xFF
	}
	copy(buf[headroom:], d)
	p, err := ipopt.FromBytes(buf, headroom, len(d))
	require.NoError(t, err)
	return p, buf
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

var payload = []byte("payload: never moves when there is headroom")

// checkHeader asserts the invariants every successful rewrite keeps.
func checkHeader(t *testing.T, p *ipopt.Packet, wantOpts []byte) ipopt.Header {
	t.Helper()
	h, err := p.Header()
	require.NoError(t, err)
	assert.Equal(t, wantOpts, h.Options(), "options field")
	assert.Equal(t, 20+len(wantOpts), h.HeaderLen(), "IHL*4")
	assert.Equal(t, int(h.TotalLen()), len(p.Network()), "total length")
	assert.True(t, h.VerifyChecksum(), "checksum")
	assert.Equal(t, payload, p.Network()[h.HeaderLen():], "payload")
	assert.Equal(t, uint16(0x1c46), h.ID(), "other fields kept")
	return h
}

func TestSetOptionInsertsFirst(t *testing.T) {
	p, buf := inBuffer(t, datagram(nil, payload), 40, 0)
	payloadAt := &buf[60]
	require.NoError(t, p.SetOption(label10))
	checkHeader(t, &p, cat(label10, []byte{0, 0}))
	assert.Equal(t, 28, p.Headroom(), "header grew 12 octets into the headroom")
	assert.Equal(t, payloadAt, &p.Network()[32], "payload did not move")
	assert.Equal(t, 0, p.NetworkOffset())
	assert.Equal(t, 52+len(payload)-20, p.Len())
}

func TestSetOptionKeepsOthers(t *testing.T) {
	// The label goes first; RR and RA keep their octets and order; the
	// EOL and the garbage after it (checklist 35) become fresh padding.
	opts := cat(rr7, ra4, []byte{0x00, 0xAB, 0xCD, 0xEF, 0x01})
	p, _ := inBuffer(t, datagram(opts, payload), 40, 0)
	require.NoError(t, p.SetOption(label10))
	checkHeader(t, &p, cat(label10, rr7, ra4, []byte{0, 0, 0}))

	// Replacing it with a longer label grows the header again (21 -> 25
	// octets, padded 24 -> 28)...
	require.NoError(t, p.SetOption(label14))
	checkHeader(t, &p, cat(label14, rr7, ra4, []byte{0, 0, 0}))
	// ...a shorter one shrinks it, toward the payload (23, padded 24).
	room := p.Headroom()
	require.NoError(t, p.SetOption(label12))
	checkHeader(t, &p, cat(label12, rr7, ra4, []byte{0}))
	assert.Equal(t, room+4, p.Headroom())
	require.NoError(t, p.RemoveOption(ipopt.RR))
	checkHeader(t, &p, cat(label12, ra4))
	assert.Equal(t, room+12, p.Headroom())
	assert.Equal(t, 40, p.Headroom(), "back to the 16-octet field it started with")
}

func TestSetOptionReplacesLabelNotFirst(t *testing.T) {
	// A label that is not the first option (nothing requires it to be) is replaced in
	// place; the NOPs before it stay.
	opts := cat([]byte{0x01, 0x01}, label10)
	p, _ := inBuffer(t, datagram(opts, payload), 0, 0)
	require.NoError(t, p.SetOption(cat(label10[:9], []byte{7})))
	checkHeader(t, &p, cat([]byte{0x01, 0x01}, label10[:9], []byte{7}))
}

func TestRemoveOnlyLabel(t *testing.T) {
	// Linux since 2024 cuts the option out and shrinks the header
	// (cipso_v4_skbuff_delattr; RULES.md §5): no NOPs are left behind,
	// whether the label was padded with EOL or with trailing NOPs.
	for name, opts := range map[string][]byte{
		"eol padded": cat(label10, []byte{0, 0}),
		"nop padded": cat(label10, []byte{1, 1}),
		"unpadded":   cat(label12),
	} {
		p, buf := inBuffer(t, datagram(opts, payload), 8, 0)
		payloadAt := &buf[8+20+len(opts)]
		require.NoError(t, p.RemoveOption(ipopt.CIPSO), name)
		h := checkHeader(t, &p, nil)
		assert.Equal(t, uint8(5), h.IHL(), name)
		assert.Equal(t, payloadAt, &p.Network()[20], name)
		assert.Equal(t, 8+len(opts), p.Headroom(), name)
	}
}

func TestRemoveKeepsNOPsBefore(t *testing.T) {
	// Linux measures the options before cutting (actual length to the end
	// of the last non-NOP option), so NOPs in front of the label stay:
	// 01 01 | 86 0A ... -> 01 01 00 00.
	p, _ := inBuffer(t, datagram(cat([]byte{1, 1}, label10), payload), 0, 0)
	require.NoError(t, p.RemoveOption(ipopt.CIPSO))
	checkHeader(t, &p, []byte{1, 1, 0, 0})

	// A label in the middle: the option after it moves up.
	p, _ = inBuffer(t, datagram(cat(rr7, label10, ra4, []byte{0, 0, 0}), payload), 0, 0)
	require.NoError(t, p.RemoveOption(ipopt.CIPSO))
	checkHeader(t, &p, cat(rr7, ra4, []byte{0}))
}

func TestInsertOption(t *testing.T) {
	opts := cat(rr7, []byte{0x01}, ra4) // RR at 0, NOP at 7, RA at 8; 12 octets
	tests := []struct {
		at   int
		want []byte
	}{
		{0, cat(label10, rr7, []byte{0x01}, ra4, []byte{0, 0})},
		{7, cat(rr7, label10, []byte{0x01}, ra4, []byte{0, 0})},
		{8, cat(rr7, []byte{0x01}, label10, ra4, []byte{0, 0})},
		{12, cat(rr7, []byte{0x01}, ra4, label10, []byte{0, 0})},
		{-1, cat(rr7, []byte{0x01}, ra4, label10, []byte{0, 0})},
	}
	for _, tc := range tests {
		p, _ := inBuffer(t, datagram(opts, payload), 12, 0)
		require.NoError(t, p.InsertOption(tc.at, label10), "at %d", tc.at)
		checkHeader(t, &p, tc.want)
	}
	// At the end means before the padding, EOL or trailing NOPs.
	p, _ := inBuffer(t, datagram(cat(ra4, []byte{1, 0, 0xAA, 0xBB}), payload), 4, 0)
	require.NoError(t, p.InsertOption(-1, []byte{0x01}))
	checkHeader(t, &p, cat(ra4, []byte{1, 0, 0, 0}))
	p, _ = inBuffer(t, datagram(nil, payload), 4, 0)
	require.NoError(t, p.InsertOption(-1, ra4))
	checkHeader(t, &p, ra4)
	p, _ = inBuffer(t, datagram(nil, payload), 4, 0)
	require.NoError(t, p.InsertOption(0, []byte{0x82, 0x02}), "length-2 option")
	checkHeader(t, &p, []byte{0x82, 0x02, 0, 0})
}

func TestReplaceOption(t *testing.T) {
	// A BSO replaced by a CIPSO label (the translation xt_TRIPSO makes).
	bso := []byte{0x82, 0x04, 0x3D, 0x80} // checklist 37b
	p, _ := inBuffer(t, datagram(cat(ra4, bso), payload), 8, 0)
	require.NoError(t, p.ReplaceOption(ipopt.SEC, label10))
	checkHeader(t, &p, cat(ra4, label10, []byte{0, 0}))

	// Two BSOs (RFC 1108 allows one; Linux takes both): replacing one
	// would leave the other, so Replace and Set refuse at the second and
	// change nothing.
	two := []byte{0x82, 0x03, 0xAB, 0x82, 0x03, 0x3D, 0x00, 0x00}
	p, _ = inBuffer(t, datagram(two, payload), 8, 0)
	for _, op := range []func() error{
		func() error { return p.ReplaceOption(ipopt.SEC, bso) },
		func() error { return p.SetOption(bso) },
	} {
		var e ipopt.Error
		err := op()
		require.ErrorIs(t, err, ipopt.ErrDuplicate)
		require.ErrorAs(t, err, &e)
		assert.Equal(t, 3, e.Offset())
		assert.Equal(t, ipopt.Malformed, e.Class())
		checkHeader(t, &p, two)
	}

	// Of a type that may appear more than once (the ESO, RFC 1108 §3),
	// the first is replaced and the second kept.
	esos := []byte{0x85, 0x03, 0x01, 0x85, 0x03, 0x02, 0x00, 0x00}
	eso := []byte{0x85, 0x03, 0x07}
	p, _ = inBuffer(t, datagram(esos, payload), 8, 0)
	require.NoError(t, p.ReplaceOption(ipopt.ESEC, eso))
	checkHeader(t, &p, cat(eso, esos[3:6], []byte{0, 0}))
	require.NoError(t, p.SetOption([]byte{0x85, 0x03, 0x09}))
	checkHeader(t, &p, cat([]byte{0x85, 0x03, 0x09}, esos[3:6], []byte{0, 0}))
}

func TestRewriteAliasedOption(t *testing.T) {
	// The option may be read from the packet itself.
	p, _ := inBuffer(t, datagram(cat(ra4, label10, []byte{0, 0}), payload), 8, 0)
	h, err := p.Header()
	require.NoError(t, err)
	o, ok, _ := ipopt.Find(h.Options(), ipopt.CIPSO)
	require.True(t, ok)
	require.NoError(t, p.ReplaceOption(ipopt.RA, o.Bytes))
	checkHeader(t, &p, cat(label10, label10))

	// Setting the label to itself (a slice of the packet) changes nothing.
	p, _ = inBuffer(t, datagram(cat(label10, ra4, []byte{0, 0}), payload), 8, 0)
	h, err = p.Header()
	require.NoError(t, err)
	o, _, _ = ipopt.Find(h.Options(), ipopt.CIPSO)
	require.NoError(t, p.SetOption(o.Bytes))
	checkHeader(t, &p, cat(label10, ra4, []byte{0, 0}))
}

func TestRewriteZeroHeadroom(t *testing.T) {
	// With no headroom the header stays and the payload moves right into
	// the tailroom.
	p, buf := inBuffer(t, datagram(nil, payload), 0, 16)
	require.NoError(t, p.SetOption(label10))
	checkHeader(t, &p, cat(label10, []byte{0, 0}))
	assert.Equal(t, 0, p.Headroom())
	assert.Equal(t, 4, p.Tailroom())
	assert.Equal(t, &buf[0], &p.Bytes()[0])

	// No room at all: ErrNoRoom, nothing changed.
	p, buf = inBuffer(t, datagram(nil, payload), 2, 3)
	snap, state := append([]byte(nil), buf...), p
	requireErr(t, p.SetOption(label10), ipopt.ErrNoRoom, ipopt.Limit, noOffset)
	assert.Equal(t, snap, buf)
	assert.Equal(t, state, p)

	// Shrinking never needs room.
	p, _ = inBuffer(t, datagram(cat(label10, []byte{0, 0}), payload), 0, 0)
	require.NoError(t, p.RemoveOption(ipopt.CIPSO))
	checkHeader(t, &p, nil)
	assert.Equal(t, 12, p.Headroom())
}

func TestRewriteMovesLinkHeader(t *testing.T) {
	// A link-layer header pushed in front of the IP header moves with it.
	p, _ := inBuffer(t, datagram(nil, payload), 40, 0)
	eth, err := p.Push(14)
	require.NoError(t, err)
	for i := range eth {
		eth[i] = byte(i)
	}
	require.NoError(t, p.SetNetworkOffset(14))
	require.NoError(t, p.SetOption(label10))
	assert.Equal(t, 14, p.NetworkOffset())
	assert.Equal(t, []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13}, p.Bytes()[:14])
	checkHeader(t, &p, cat(label10, []byte{0, 0}))
	assert.Equal(t, 40-14-12, p.Headroom())
}

func TestRewriteErrorsAreAtomic(t *testing.T) {
	// 36 octets, 34 of content: the trailing NOPs are padding.
	full36 := cat(label10, label10, label14, []byte{0x01, 0x01})
	tests := []struct {
		name     string
		opts     []byte
		headroom int
		op       func(p *ipopt.Packet) error
		sentinel error
		class    ipopt.Class
		off      int
	}{
		{"header over 60", full36, 40, func(p *ipopt.Packet) error { return p.InsertOption(-1, label10) },
			ipopt.ErrHeaderTooLong, ipopt.Limit, noOffset},
		{"set over 60", full36, 40, func(p *ipopt.Packet) error { return p.SetOption([]byte{0x82, 8, 0, 0, 0, 0, 0, 0}) },
			ipopt.ErrHeaderTooLong, ipopt.Limit, noOffset},
		{"replace over 60", cat(label10, ra4, ra4, ra4, ra4, ra4, ra4, []byte{0x01, 0x01}), 40, func(p *ipopt.Packet) error {
			return p.ReplaceOption(ipopt.CIPSO, append([]byte{0x86, 17}, make([]byte, 15)...))
		},
			ipopt.ErrHeaderTooLong, ipopt.Limit, noOffset},
		{"replace one of two labels", full36, 40, func(p *ipopt.Packet) error { return p.ReplaceOption(ipopt.CIPSO, label10) },
			ipopt.ErrDuplicate, ipopt.Malformed, 10},
		{"set one of two labels", full36, 40, func(p *ipopt.Packet) error { return p.SetOption(label14) },
			ipopt.ErrDuplicate, ipopt.Malformed, 10},
		{"not found", cat(ra4), 40, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.CIPSO) },
			ipopt.ErrNotFound, ipopt.Missing, noOffset},
		{"not found replace", cat(ra4), 40, func(p *ipopt.Packet) error { return p.ReplaceOption(ipopt.SEC, ra4) },
			ipopt.ErrNotFound, ipopt.Missing, noOffset},
		{"only after EOL", cat([]byte{0, 0}, []byte{0x94, 0x02}), 40, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.RA) },
			ipopt.ErrNotFound, ipopt.Missing, noOffset},
		{"trailing NOP is padding", cat(ra4, []byte{1, 1, 1, 1}), 40, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.NOP) },
			ipopt.ErrNotFound, ipopt.Missing, noOffset},
		{"EOL is never content", cat(ra4), 40, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.EOL) },
			ipopt.ErrNotFound, ipopt.Missing, noOffset},
		{"malformed options", []byte{0x01, 0x86, 0x10, 0}, 40, func(p *ipopt.Packet) error { return p.SetOption(label10) },
			ipopt.ErrBadLength, ipopt.Malformed, 1},
		{"lone type octet", []byte{0x01, 0x01, 0x01, 0x86}, 40, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.RA) },
			ipopt.ErrTruncated, ipopt.Malformed, 3},
		{"insert inside an option", cat(rr7, []byte{0}), 40, func(p *ipopt.Packet) error { return p.InsertOption(3, ra4) },
			ipopt.ErrBadValue, ipopt.Malformed, 3},
		{"insert in the padding", cat(ra4, []byte{1, 1, 1, 1}), 40, func(p *ipopt.Packet) error { return p.InsertOption(5, ra4) },
			ipopt.ErrBadValue, ipopt.Malformed, 5},
		{"insert at -2", cat(ra4), 40, func(p *ipopt.Packet) error { return p.InsertOption(-2, ra4) },
			ipopt.ErrBadValue, ipopt.Malformed, 0},
		{"insert at 99", cat(ra4), 40, func(p *ipopt.Packet) error { return p.InsertOption(99, ra4) },
			ipopt.ErrBadValue, ipopt.Malformed, 40},
		{"insert EOL", cat(ra4), 40, func(p *ipopt.Packet) error { return p.InsertOption(0, []byte{0}) },
			ipopt.ErrBadValue, ipopt.Malformed, 0},
		{"insert nothing", cat(ra4), 40, func(p *ipopt.Packet) error { return p.InsertOption(4, nil) },
			ipopt.ErrTruncated, ipopt.Malformed, 4},
		{"set nothing", cat(ra4), 40, func(p *ipopt.Packet) error { return p.SetOption(nil) },
			ipopt.ErrTruncated, ipopt.Malformed, 0},
		{"set EOL", cat(ra4), 40, func(p *ipopt.Packet) error { return p.SetOption([]byte{0, 0}) },
			ipopt.ErrBadValue, ipopt.Malformed, 0},
		{"length disagrees", nil, 40, func(p *ipopt.Packet) error { return p.SetOption([]byte{0x86, 0x0A, 0, 0}) },
			ipopt.ErrBadLength, ipopt.Malformed, 1},
		{"NOP with a body", nil, 40, func(p *ipopt.Packet) error { return p.InsertOption(0, []byte{1, 1}) },
			ipopt.ErrBadLength, ipopt.Malformed, 1},
		{"type octet only", ra4, 40, func(p *ipopt.Packet) error { return p.ReplaceOption(ipopt.RA, []byte{0x94}) },
			ipopt.ErrTruncated, ipopt.Malformed, 0},
		{"option over 40", nil, 40, func(p *ipopt.Packet) error { return p.SetOption(append([]byte{0x86, 44}, make([]byte, 42)...)) },
			ipopt.ErrHeaderTooLong, ipopt.Limit, noOffset},
		{"no headroom", nil, 0, func(p *ipopt.Packet) error { return p.SetOption(label10) },
			ipopt.ErrNoRoom, ipopt.Limit, noOffset},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, buf := inBuffer(t, datagram(tc.opts, payload), tc.headroom, 0)
			snap, state := append([]byte(nil), buf...), p
			var err error
			assert.NotPanics(t, func() { err = tc.op(&p) })
			requireErr(t, err, tc.sentinel, tc.class, tc.off)
			requirePosition(t, err, tc.off != noOffset)
			assert.Equal(t, snap, buf, "buffer unchanged")
			assert.Equal(t, state, p, "packet unchanged")
		})
	}
}

// noOffset is the Offset of an error that is at no octet of the input.
const noOffset = -1

// requirePosition checks that err (an ipopt.Error) has an offset when has
// is true, and otherwise has none: no pointer, and a text naming neither
// an offset nor a pointer. No text ever shows a negative offset.
func requirePosition(t *testing.T, err error, has bool) {
	t.Helper()
	var e ipopt.Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, has, e.HeaderOffset() >= 0, "position of %q", err)
	assert.NotContains(t, err.Error(), "offset -")
	if !has {
		assert.Equal(t, -1, e.Pointer())
		assert.NotContains(t, err.Error(), "offset")
		assert.NotContains(t, err.Error(), "pointer")
	}
}

// TestRewriteErrorText: a failing rewrite says what does not fit, in terms
// of the datagram, and never the library's internal frame (an offset of
// -20, pointer 0).
func TestRewriteErrorText(t *testing.T) {
	full36 := cat(label10, label10, label14, []byte{0x01, 0x01})
	tests := []struct {
		name     string
		opts     []byte
		headroom int
		big      int
		op       func(p *ipopt.Packet) error
		want     string
	}{
		{"header over 60", full36, 40, 0, func(p *ipopt.Packet) error { return p.InsertOption(-1, label10) },
			"ipopt: header over 60 octets: the options would exceed 40 octets (IHL 15)"},
		{"no room", nil, 0, 0, func(p *ipopt.Packet) error { return p.SetOption(label10) },
			"ipopt: no room in buffer: neither headroom nor tailroom takes the longer header"},
		{"not found", cat(ra4), 40, 0, func(p *ipopt.Packet) error { return p.RemoveOption(ipopt.CIPSO) },
			"ipopt: option not found: no option of that type"},
		{"total length", nil, 40, 0xffff - 20, func(p *ipopt.Packet) error { return p.SetOption(label10) },
			"ipopt: bad total length: the datagram would exceed 65,535 octets"},
		{"bad version", nil, 40, 0, func(p *ipopt.Packet) error {
			p.Bytes()[0] = 0x65
			return p.SetOption(label10)
		},
			"ipopt: bad IPv4 header: version at header octet 0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, _ := inBuffer(t, datagram(tc.opts, make([]byte, max(tc.big, 4))), tc.headroom, 0)
			err := tc.op(&p)
			require.Error(t, err)
			assert.Equal(t, tc.want, err.Error())
			assert.NotContains(t, err.Error(), "offset -")
		})
	}
}

func TestRewriteTotalLengthLimit(t *testing.T) {
	// Growing a 65,535-octet datagram overflows the total length
	// (the GSO tot_len overflow Linux fixed with iph_set_totlen).
	big := make([]byte, 0xffff-20)
	d := datagram(nil, big)
	p, buf := inBuffer(t, d, 40, 0)
	snap := append([]byte(nil), buf...)
	requireErr(t, p.SetOption(label10), ipopt.ErrTotalLength, ipopt.Limit, noOffset)
	assert.Equal(t, snap, buf)
	// 65,535 exactly is fine.
	d = datagram(nil, big[:len(big)-12])
	p, _ = inBuffer(t, d, 40, 0)
	require.NoError(t, p.SetOption(label10))
	h, _ := p.Header()
	assert.Equal(t, uint16(0xffff), h.TotalLen())
}

func TestRewriteBadHeader(t *testing.T) {
	d := datagram(nil, payload)
	d[0] = 0x65
	p, buf := inBuffer(t, d, 40, 0)
	snap := append([]byte(nil), buf...)
	requireErr(t, p.SetOption(label10), ipopt.ErrBadHeader, ipopt.Malformed, atHeader(0))
	assert.Equal(t, snap, buf)

	// Network header pulled out of the window.
	p, _ = inBuffer(t, datagram(nil, payload), 40, 0)
	_, err := p.Pull(1)
	require.NoError(t, err)
	requireErr(t, p.SetOption(label10), ipopt.ErrBadHeader, ipopt.Malformed, noOffset)

	var zero ipopt.Packet
	requireErr(t, zero.SetOption(label10), ipopt.ErrTruncated, ipopt.Malformed, noOffset)
	requireErr(t, zero.RemoveOption(ipopt.CIPSO), ipopt.ErrTruncated, ipopt.Malformed, noOffset)
	_, err = zero.Header()
	require.Error(t, err)
	assert.Nil(t, zero.Bytes())
}

func TestPacketWindow(t *testing.T) {
	buf := make([]byte, 64)
	_, err := ipopt.FromBytes(buf, 65, 0)
	requireErr(t, err, ipopt.ErrNoRoom, ipopt.Limit, noOffset)
	_, err = ipopt.FromBytes(buf, -1, 0)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)
	_, err = ipopt.FromBytes(buf, 10, 55)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)

	p, err := ipopt.FromBytes(buf, 16, 0)
	require.NoError(t, err)
	assert.Equal(t, 16, p.Headroom())
	assert.Equal(t, 48, p.Tailroom())
	assert.Equal(t, 0, p.Len())

	d := datagram(nil, []byte{1, 2, 3, 4})
	put, err := p.Put(len(d))
	require.NoError(t, err)
	copy(put, d)
	assert.Equal(t, d, p.Bytes())
	assert.Equal(t, len(p.Bytes()), cap(p.Bytes()), "no append into the tailroom")
	_, err = p.Put(25)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)
	h, err := p.Header()
	require.NoError(t, err)
	assert.Equal(t, uint8(5), h.IHL())

	front, err := p.Push(16)
	require.NoError(t, err)
	assert.Len(t, front, 16)
	assert.Equal(t, -16+16, p.Headroom())
	assert.Equal(t, 16, p.NetworkOffset())
	_, err = p.Push(1)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)
	_, err = p.Push(-1)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)

	pulled, err := p.Pull(16)
	require.NoError(t, err)
	assert.Equal(t, &buf[0], &pulled[0])
	assert.Equal(t, 0, p.NetworkOffset())
	_, err = p.Pull(p.Len() + 1)
	require.ErrorIs(t, err, ipopt.ErrNoRoom)

	require.NoError(t, p.Trim(22))
	assert.Equal(t, d[:22], p.Bytes())
	require.ErrorIs(t, p.Trim(23), ipopt.ErrNoRoom)
	require.ErrorIs(t, p.SetNetworkOffset(23), ipopt.ErrNoRoom)
	assert.Equal(t, 64, len(p.Buffer()))
}

func TestRewriteNoAllocs(t *testing.T) {
	d := datagram(cat(rr7, ra4, []byte{0}), payload)
	buf := make([]byte, 40+len(d)+40)
	var p ipopt.Packet
	reset := func() {
		copy(buf[40:], d)
		var err error
		p, err = ipopt.FromBytes(buf, 40, len(d))
		if err != nil {
			panic(err)
		}
	}
	n := testing.AllocsPerRun(500, func() {
		reset()
		must(p.SetOption(label10)) // insert, grow
		must(p.SetOption(label14)) // replace, grow
		must(p.ReplaceOption(ipopt.CIPSO, label12))
		must(p.InsertOption(-1, []byte{1}))
		must(p.RemoveOption(ipopt.RR)) // shrink
		must(p.RemoveOption(ipopt.CIPSO))
		if p.RemoveOption(ipopt.CIPSO) == nil || p.InsertOption(3, ra4) == nil || p.SetOption(nil) == nil {
			panic("want errors")
		}
	})
	assert.Zero(t, n)
	h, err := p.Header()
	require.NoError(t, err)
	// The NOP appended after RA trailed the content, so it was padding
	// for the rewrites after it.
	assert.Equal(t, ra4, []byte(h.Options()))

	// Zero headroom: the payload-moving path.
	n = testing.AllocsPerRun(500, func() {
		copy(buf, d)
		p, _ = ipopt.FromBytes(buf, 0, len(d))
		must(p.SetOption(label14))
	})
	assert.Zero(t, n)
}

func must(err error) {
	if err != nil {
		panic(err)
	}
}

func TestRewriteFillsForty(t *testing.T) {
	// 34 octets of content (the two NOPs trail it) plus RA make 38,
	// padded to the 40-octet maximum (IHL 15).
	opts := cat(label10, label10, label14, []byte{0x01, 0x01})
	p, _ := inBuffer(t, datagram(opts, payload), 40, 0)
	require.NoError(t, p.SetOption(ra4))
	h := checkHeader(t, &p, cat(ra4, label10, label10, label14, []byte{0, 0}))
	assert.Equal(t, uint8(15), h.IHL())
	require.NoError(t, p.ReplaceOption(ipopt.RA, []byte{0x94, 0x06, 0, 0, 0, 0}))
	checkHeader(t, &p, cat([]byte{0x94, 0x06, 0, 0, 0, 0}, label10, label10, label14))
}
