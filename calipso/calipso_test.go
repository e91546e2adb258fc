package calipso_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

func TestAppendOptionLayout(t *testing.T) {
	tests := []struct {
		label string
		start int
		want  []byte // without the checksum octets, which are checked apart
	}{
		{"s0", 2, []byte{7, 8, 0, 0, 0, 16, 0, 0}},
		{"s5", 0, []byte{1, 0, 7, 8, 0, 0, 0, 16, 0, 5}},
		{"s5", 1, []byte{0, 7, 8, 0, 0, 0, 16, 0, 5}},
		{"s5", 3, []byte{1, 1, 0, 7, 8, 0, 0, 0, 16, 0, 5}},
		{"s1:c0", 2, []byte{7, 12, 0, 0, 0, 16, 1, 1}},
		{"s1:c31", 2, []byte{7, 12, 0, 0, 0, 16, 1, 1}},
		{"s1:c0,c32", 2, []byte{7, 16, 0, 0, 0, 16, 2, 1}},
	}
	for _, tt := range tests {
		b, err := calipso.AppendOption(nil, tt.start, 16, label(t, tt.label))
		require.NoError(t, err, tt.label)
		pad := len(tt.want) - 8
		require.Equal(t, tt.want, b[:len(tt.want)], "%s at %d", tt.label, tt.start)
		assert.Equal(t, 2, (tt.start+pad)%4, "4n+2")
		o, err := calipso.ParseOption(b[pad:])
		require.NoError(t, err)
		assert.True(t, o.ChecksumOK())
		l, err := o.Label()
		require.NoError(t, err)
		assert.Equal(t, tt.label, l.String())
	}
	b, err := calipso.AppendOption(nil, 2, 16, label(t, "s1:c0,c32"))
	require.NoError(t, err)
	assert.Equal(t, []byte{0x80, 0, 0, 0, 0x80, 0, 0, 0}, b[10:])
}

func TestAppendOptionLimits(t *testing.T) {
	_, err := calipso.AppendOption(nil, 2, 0, label(t, "s0"))
	require.ErrorIs(t, err, calipso.ErrBadDOI)
	_, err = calipso.AppendOption(nil, 2, 1, label(t, "s256"))
	require.ErrorIs(t, err, calipso.ErrBadLevel)
	b, err := calipso.AppendOption([]byte{9}, 2, 1, label(t, "s0:c1952"))
	require.ErrorIs(t, err, calipso.ErrNoSpace)
	assert.Equal(t, []byte{9}, b, "nothing appended")
	off, _ := testutil.Position(t, err)
	assert.Equal(t, -1, off)
	b, err = calipso.AppendOption(nil, 2, 1, label(t, "s255:c1951"))
	require.NoError(t, err)
	assert.Len(t, b, 10+4*calipso.MaxCmptLen)
	assert.EqualValues(t, 252, b[1])
}

func TestAppendHopByHop(t *testing.T) {
	for _, s := range []string{"s0", "s3:c0", "s3:c0,c40", "s3:c100"} {
		h, err := calipso.AppendHopByHop(nil, ipv6.UDP, 7, label(t, s))
		require.NoError(t, err)
		require.Zero(t, len(h)%8, s)
		require.Equal(t, len(h), ipv6.ExtLen(h[1]))
		o, ok := ipv6.Find(h, calipso.Type)
		require.True(t, ok)
		assert.Equal(t, 2, o.Offset)
		r, _ := calipso.NewRegistry(7)
		l := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
		require.NoError(t, l.CheckHopByHop(h, ipv6.Packet{}), s)
	}
}

func TestCheckOption(t *testing.T) {
	r, err := calipso.NewRegistry(16, 5)
	require.NoError(t, err)
	lx := calipso.NewLinux(r)
	good, err := calipso.AppendOption(nil, 2, 16, label(t, "s3:c1,c9"))
	require.NoError(t, err)
	require.NoError(t, lx.CheckOption(good))

	mod := func(f func(b []byte)) []byte {
		b := append([]byte{}, good...)
		f(b)
		return b
	}
	resum := func(b []byte) { calipso.PutChecksum(b, calipso.Checksum(b)) }
	tests := []struct {
		name string
		opt  []byte
		err  error
		off  int
	}{
		{"bad checksum low", mod(func(b []byte) { b[8] ^= 1 }), calipso.ErrChecksum, 8},
		{"bad checksum high", mod(func(b []byte) { b[9] ^= 0x80 }), calipso.ErrChecksum, 8},
		{"bitmap changed", mod(func(b []byte) { b[10] ^= 1 }), calipso.ErrChecksum, 8},
		{"unknown DOI", mod(func(b []byte) { b[5] = 17; resum(b) }), calipso.ErrUnknownDOI, 2},
		{"level is not checked", mod(func(b []byte) { b[7] = 255; resum(b) }), nil, 0},
		{"compartment length 2 in a 12-octet option", mod(func(b []byte) { b[6] = 2; resum(b) }), ipopt.ErrBadLength, 6},
		{"compartment length 0 with trailing octets", mod(func(b []byte) { b[6] = 0; resum(b) }), nil, 0},
		{"not CALIPSO", mod(func(b []byte) { b[0] = 8 }), calipso.ErrNotCALIPSO, 0},
		{"length 7", []byte{7, 7, 0, 0, 0, 16, 0, 0, 0}, ipopt.ErrBadLength, 1},
		{"past the end", good[:11], ipopt.ErrBadLength, 1},
		{"type only", good[:1], ipopt.ErrTruncated, 0},
	}
	for _, tt := range tests {
		err := lx.CheckOption(tt.opt)
		if tt.err == nil {
			assert.NoError(t, err, tt.name)
			continue
		}
		require.ErrorIs(t, err, tt.err, tt.name)
		off, ptr := testutil.Position(t, err)
		assert.Equal(t, tt.off, off, tt.name)
		assert.Equal(t, tt.off+40, ptr, tt.name)
	}
	// No DOI configured: dropped.
	require.ErrorIs(t, calipso.Linux{}.CheckOption(good), calipso.ErrUnknownDOI)
}

// In a Hop-by-Hop walk, the option's errors move to its place and Linux
// answers none of them.
func TestInWalk(t *testing.T) {
	r, _ := calipso.NewRegistry(16)
	w := ipv6.Linux{CALIPSO: calipso.NewLinux(r)}
	h, err := calipso.AppendHopByHop(nil, ipv6.UDP, 16, label(t, "s1"))
	require.NoError(t, err)
	h[10] ^= 0xff // checksum octet: the option is at 2
	err = w.CheckHopByHop(h, ipv6.Packet{})
	require.ErrorIs(t, err, calipso.ErrChecksum)
	off, ptr := testutil.Position(t, err)
	assert.Equal(t, 10, off)
	assert.Equal(t, 50, ptr)
	_, _, answered := ipv6.ICMP(err)
	assert.False(t, answered)
	// Two valid options are delivered.
	o, _ := calipso.AppendOption(nil, 2, 16, label(t, "s1"))
	two := append([]byte{17, 2}, o...)
	two = append(two, o...)
	two = append(two, 1, 0)
	require.Len(t, two, 24)
	require.NoError(t, w.CheckHopByHop(two, ipv6.Packet{}))
}

func TestChecksumByteOrder(t *testing.T) {
	o, err := calipso.AppendOption(nil, 2, 1, label(t, "s0"))
	require.NoError(t, err)
	sum := calipso.Checksum(o)
	assert.Equal(t, byte(sum), o[8])
	assert.Equal(t, byte(sum>>8), o[9])
	opt, _ := calipso.ParseOption(o)
	assert.Equal(t, sum, opt.Checksum())
	// The stored checksum does not enter the computation.
	o[8], o[9] = 0x12, 0x34
	assert.Equal(t, sum, calipso.Checksum(o))
}

func TestLabelSetFull(t *testing.T) {
	// Every other category from 256: more runs than a CatSet holds.
	var l cipso.Label
	b := make([]byte, 10+64)
	b[0], b[1], b[6] = 7, 8+64, 16
	for i := 32; i < 64; i++ {
		b[10+i] = 0xaa
	}
	o, err := calipso.ParseOption(b)
	require.NoError(t, err)
	l, err = o.Label()
	require.ErrorIs(t, err, cipso.ErrSetFull)
	assert.True(t, l.Cats.IsEmpty())
}

func TestParseConfig(t *testing.T) {
	r, err := calipso.ParseConfig(strings.NewReader(`# NetLabel
netlabelctl cipsov4 add pass doi:3 tags:1
netlabelctl calipso add pass doi:16
calipso add doi:7 pass   # comment
map add default address:::1/128 protocol:calipso,16

`))
	require.NoError(t, err)
	assert.Equal(t, []uint32{7, 16}, r.DOIs())
	assert.True(t, r.Has(7))
	assert.False(t, r.Has(3))
	assert.Equal(t, "calipso add pass doi:7\ncalipso add pass doi:16\n", string(calipso.AppendConfig(nil, r)))
	back, err := calipso.ParseConfig(strings.NewReader(string(calipso.AppendConfig(nil, r))))
	require.NoError(t, err)
	assert.Equal(t, r.DOIs(), back.DOIs())

	bad := []struct {
		in       string
		err      error
		line, co int
	}{
		{"calipso add pass doi:0", calipso.ErrBadConfig, 1, 22},
		{"calipso add pass", calipso.ErrSyntax, 1, 17},
		{"calipso add doi:4", calipso.ErrSyntax, 1, 18},
		{"calipso add trans doi:4", calipso.ErrBadConfig, 1, 13},
		{"calipso add pass doi:x", calipso.ErrSyntax, 1, 22},
		{"calipso add pass doi:4294967296", calipso.ErrSyntax, 1, 22},
		{"calipso del doi:4", calipso.ErrSyntax, 1, 9},
		{"calipso add pass doi:4 tags:1", calipso.ErrSyntax, 1, 24},
		{"calipso add pass doi:4\n\ncalipso add pass doi:4", calipso.ErrDuplicateDOI, 3, 18},
	}
	for _, tt := range bad {
		_, err := calipso.ParseConfig(strings.NewReader(tt.in))
		require.ErrorIs(t, err, tt.err, tt.in)
		var pe *ipopt.ParseError
		require.ErrorAs(t, err, &pe)
		assert.Equal(t, tt.line, pe.Line, tt.in)
		assert.Equal(t, tt.co, pe.Column, tt.in)
	}
	d, err := calipso.ParseCommand("netlabelctl calipso add pass doi:9")
	require.NoError(t, err)
	assert.EqualValues(t, 9, d)
	_, err = calipso.ParseCommand("cipsov4 add pass doi:9 tags:1")
	require.ErrorIs(t, err, calipso.ErrSyntax)
}

func TestRegistry(t *testing.T) {
	r, err := calipso.NewRegistry(3, 1)
	require.NoError(t, err)
	require.ErrorIs(t, r.Add(3), calipso.ErrDuplicateDOI)
	require.ErrorIs(t, r.Add(0), calipso.ErrBadConfig)
	assert.True(t, r.Remove(3))
	assert.False(t, r.Remove(3))
	assert.Equal(t, []uint32{1}, r.DOIs())
	var nilReg *calipso.Registry
	assert.False(t, nilReg.Has(1))
}

func TestAllocs(t *testing.T) {
	r, _ := calipso.NewRegistry(16)
	lx := calipso.NewLinux(r)
	l := label(t, "s3:c0,c9,c200")
	buf := make([]byte, 0, 64)
	w := ipv6.Linux{CALIPSO: lx}
	n := testing.AllocsPerRun(100, func() {
		h, _ := calipso.AppendHopByHop(buf[:0], ipv6.UDP, 16, l)
		o, _ := calipso.ParseOption(h[2:])
		_, _ = o.Label()
		_ = lx.CheckOption(o)
		_ = w.CheckHopByHop(h, ipv6.Packet{})
		h[9] ^= 1
		_ = lx.CheckOption(h[2:])
	})
	assert.Zero(t, n)
}

// Linux.Validate judges a whole Hop-by-Hop header: the CALIPSO option
// by CheckOption and the rest by the ip6_parse_tlv walk.
func TestLinuxValidateHeader(t *testing.T) {
	r, err := calipso.NewRegistry(16)
	require.NoError(t, err)
	lx := calipso.NewLinux(r)
	h, err := calipso.AppendHopByHop(nil, ipv6.UDP, 16, label(t, "s3:c0,c9"))
	require.NoError(t, err)
	require.NoError(t, lx.Validate(h))
	other, err := calipso.AppendHopByHop(nil, ipv6.UDP, 5, label(t, "s3:c0,c9"))
	require.NoError(t, err)
	assert.ErrorIs(t, lx.Validate(other), calipso.ErrUnknownDOI)
	var e ipopt.Error
	require.ErrorAs(t, lx.Validate(other), &e)
	// The DOI field is option octet 2; the option sits at its 4n+2 place.
	o := 2
	for h[o] != byte(calipso.Type) {
		o++
	}
	assert.Equal(t, o+2, e.Offset(), "DOI of the option, counted from the header")
	// The same header grown by one 8-octet unit, a PadN of 6 and an unknown
	// option to skip (type 0x1E, action 00): valid, and with a nonzero PadN
	// octet the walk's refusal, not CALIPSO's.
	long := append(append([]byte(nil), h...), 1, 4, 0, 0, 0, 0, 0x1E, 0)
	long[1]++
	require.Len(t, long, 8*(int(long[1])+1))
	require.NoError(t, lx.Validate(long))
	long[len(long)-3] = 0xFF
	err = lx.Validate(long)
	require.Error(t, err)
	assert.NotErrorIs(t, err, calipso.ErrUnknownDOI)
	assert.Error(t, lx.Validate(h[:3]), "a cut header")
}
