package cipso

import (
	"encoding"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

var (
	_ encoding.TextAppender    = Label{}
	_ encoding.TextMarshaler   = Label{}
	_ encoding.TextUnmarshaler = (*Label)(nil)
	_ encoding.TextAppender    = CatSet{}
	_ encoding.TextMarshaler   = CatSet{}
)

func TestParseLabel(t *testing.T) {
	// Level strings in SELinux's syntax; the canonical output is what
	// SELinux's mls_sid_to_context writes: pairs as "cA,cB", three or
	// more as "cA.cB".
	tests := []struct {
		in, canon string
		level     uint32
		cats      []uint32
	}{
		{"s0", "s0", 0, nil},
		{"s15", "s15", 15, nil},
		{"s3:c0,c5.c9", "s3:c0,c5.c9", 3, []uint32{0, 5, 6, 7, 8, 9}},
		{"s1:c1,c2", "s1:c1,c2", 1, []uint32{1, 2}},
		{"s1:c1.c2", "s1:c1,c2", 1, []uint32{1, 2}},
		{"s1:c3,c1,c2", "s1:c1.c3", 1, []uint32{1, 2, 3}},
		{"s1:c5,c5", "s1:c5", 1, []uint32{5}},
		{"s0:c250.c260", "s0:c250.c260", 0, nil},
		{"s4294967295:c4294967295", "s4294967295:c4294967295", 4294967295, []uint32{4294967295}},
	}
	for _, tc := range tests {
		l, err := ParseLabel(tc.in)
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.level, l.Level)
		if tc.cats != nil {
			assert.Equal(t, tc.cats, collect(&l.Cats))
		}
		b, err := l.AppendText(nil)
		require.NoError(t, err)
		assert.Equal(t, tc.canon, string(b))
		assert.Equal(t, tc.canon, l.String())
		var u Label
		require.NoError(t, u.UnmarshalText([]byte(tc.canon)))
		assert.True(t, u.Equal(&l))
	}
}

func TestParseLabelErrors(t *testing.T) {
	tests := []struct {
		in    string
		errIs error
		col   int
	}{
		{"", ErrSyntax, 1},
		{"S0", ErrSyntax, 1},
		{"s", ErrSyntax, 2},
		{"s0:", ErrSyntax, 4},
		{"s0:c", ErrSyntax, 5},
		{"s0:c1,", ErrSyntax, 7},
		{"s0:c5.c5", ErrSyntax, 7},
		{"s0:c5.c3", ErrSyntax, 7},
		{"s0:c5.", ErrSyntax, 7},
		{"s0-s1", ErrSyntax, 3},
		{"s0:c1;c2", ErrSyntax, 6},
		{"s4294967296", ErrSyntax, 2},
		{"s0:c300,c302,c304,c306,c308,c310,c312,c314,c316,c318,c320,c322,c324,c326,c328,c330,c332", ErrSetFull, 84},
	}
	for _, tc := range tests {
		_, err := ParseLabel(tc.in)
		require.ErrorIs(t, err, tc.errIs, tc.in)
		var pe *ipopt.ParseError
		require.True(t, errors.As(err, &pe))
		assert.Equal(t, tc.col, pe.Column, "%q: %v", tc.in, err)
	}
	l := Label{Level: 9}
	assert.Error(t, l.UnmarshalText([]byte("x")))
	assert.Equal(t, uint32(9), l.Level, "unchanged on error")
}

// TestLabelTextRuns: the runs SELinux's mls_sid_to_context joins with '.'
// are those of three or more categories; a run of two is two items, in
// the middle of a set as at its end, and runs across 255/256 (the inline
// bitmap and the ranges above it) are one run.
func TestLabelTextRuns(t *testing.T) {
	tests := []struct {
		cats []uint32
		want string
	}{
		{[]uint32{0, 1, 5}, "s2:c0,c1,c5"},
		{[]uint32{0, 1, 2, 5, 6}, "s2:c0.c2,c5,c6"},
		{[]uint32{254, 255, 256}, "s2:c254.c256"},
		{[]uint32{255, 256}, "s2:c255,c256"},
		{[]uint32{239}, "s2:c239"},
	}
	for _, tc := range tests {
		l := Label{Level: 2}
		for _, c := range tc.cats {
			require.NoError(t, l.Cats.Add(c))
		}
		b, err := l.AppendText([]byte("x"))
		require.NoError(t, err)
		assert.Equal(t, "x"+tc.want, string(b))
		cb, err := l.Cats.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tc.want[len("s2:"):], string(cb))
	}
}

// TestLabelMarshalsAsText: value receivers, so a Label or CatSet field of
// a struct (not only a pointer) marshals as its text, and a Label reads
// back.
func TestLabelMarshalsAsText(t *testing.T) {
	l, err := ParseLabel("s255:c0.c231,c239")
	require.NoError(t, err)
	v := struct {
		L    Label
		Cats CatSet
	}{l, l.Cats}
	b, err := json.Marshal(v)
	require.NoError(t, err)
	assert.JSONEq(t, `{"L":"s255:c0.c231,c239","Cats":"c0.c231,c239"}`, string(b))
	var back struct{ L Label }
	require.NoError(t, json.Unmarshal(b, &back))
	assert.True(t, back.L.Equal(&l))
}
