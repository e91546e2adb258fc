package cipso

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/ipv4"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

func mustLabel(t testing.TB, s string) Label {
	t.Helper()
	l, err := ParseLabel(s)
	require.NoError(t, err)
	return l
}

func TestLabelOrder(t *testing.T) {
	low, mid, high := mustLabel(t, "s1:c1"), mustLabel(t, "s2:c1,c2"), mustLabel(t, "s3:c0.c300")
	other := mustLabel(t, "s2:c3")
	assert.True(t, high.Dominates(&mid) && mid.Dominates(&low) && high.Dominates(&low))
	assert.True(t, mid.Dominates(&low) && !mid.Equal(&low), "strictly")
	assert.True(t, mid.Dominates(&mid), "dominance is reflexive")
	assert.True(t, mid.Dominates(&mid))
	assert.False(t, low.Dominates(&mid))
	assert.True(t, !mid.Dominates(&other) && !other.Dominates(&mid), "incomparable")
	assert.True(t, mid.Dominates(&low) || low.Dominates(&mid), "comparable")
	// Same categories, lower level: not dominating.
	x, y := mustLabel(t, "s1:c1,c2"), mustLabel(t, "s2:c1,c2")
	assert.False(t, x.Dominates(&y))

	j := mid
	require.NoError(t, j.Join(&other))
	assert.Equal(t, "s2:c1.c3", j.String())
	m := mid
	require.NoError(t, m.Meet(&high))
	assert.Equal(t, "s2:c1,c2", m.String())
	m = mid
	require.NoError(t, m.Meet(&other))
	assert.Equal(t, "s2", m.String())
}

func TestLabelRange(t *testing.T) {
	r := LabelRange{Low: mustLabel(t, "s1"), High: mustLabel(t, "s5:c0.c9")}
	in := mustLabel(t, "s3:c2,c4")
	require.NoError(t, r.Check(&in))
	for _, s := range []string{"s0", "s6", "s3:c10", "s5:c0.c10"} {
		l := mustLabel(t, s)
		err := r.Check(&l)
		require.ErrorIs(t, err, ErrOutOfRange, s)
		var e ipopt.Error
		require.True(t, errors.As(err, &e))
		assert.Equal(t, ipopt.Policy, e.Class())
	}
	ok, short := mustLabel(t, "s4:c2,c4"), mustLabel(t, "s4:c1,c2")
	// A clearance is the range from the zero label up to it.
	assert.NoError(t, (&LabelRange{High: ok}).Check(&in))
	assert.ErrorIs(t, (&LabelRange{High: short}).Check(&in), ErrOutOfRange)
}

func TestICMP(t *testing.T) {
	lx := NewLinux(nil)
	err := lx.Validate(testutil.Unhex(t, "01 01 86 0A 00 00 00 09 01 04 00 05"))
	typ, code, ptr, ok := ipopt.ICMP(err, false)
	assert.Equal(t, []any{ipv4.ICMPTypeParameterProblem, uint8(0), uint8(24), true}, []any{typ, code, ptr, ok}, "checklist 32: Parameter Problem, pointer 24")

	r := LabelRange{High: mustLabel(t, "s1")}
	l := mustLabel(t, "s2")
	typ, code, _, ok = ipopt.ICMP(r.Check(&l), false)
	assert.Equal(t, []any{ipv4.ICMPTypeDestinationUnreachable, uint8(10), true}, []any{typ, code, ok}, "host: code 10")
	typ, code, _, ok = ipopt.ICMP(r.Check(&l), true)
	assert.Equal(t, []any{ipv4.ICMPTypeDestinationUnreachable, uint8(9), true}, []any{typ, code, ok}, "gateway: code 9")

	hi := mustLabel(t, "s256")
	_, err = AppendOption(nil, 1, TagRBitmap, &hi, Format{})
	_, _, _, ok = ipopt.ICMP(err, false)
	assert.False(t, ok, "a Limit error gets no ICMP")
	_, _, _, ok = ipopt.ICMP(errors.New("x"), false)
	assert.False(t, ok)
}
