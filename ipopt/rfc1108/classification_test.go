package rfc1108_test

import (
	"math/bits"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt/rfc1108"
)

// table1 is RFC 1108 Table 1 (§2.3), row by row from the top: value and
// name, transcribed independently of the package's constants.
var table1 = []struct {
	v    uint8
	name string
}{
	{0x01, "reserved-4"},
	{0x3D, "top-secret"},
	{0x5A, "secret"},
	{0x96, "confidential"},
	{0x66, "reserved-3"},
	{0xCC, "reserved-2"},
	{0xAB, "unclassified"},
	{0xF1, "reserved-1"},
}

func TestClassificationTable1(t *testing.T) {
	consts := map[uint8]rfc1108.Classification{
		0x01: rfc1108.Reserved4, 0x3D: rfc1108.TopSecret, 0x5A: rfc1108.Secret, 0x96: rfc1108.Confidential,
		0x66: rfc1108.Reserved3, 0xCC: rfc1108.Reserved2, 0xAB: rfc1108.Unclassified, 0xF1: rfc1108.Reserved1,
	}
	for i, row := range table1 {
		c := rfc1108.Classification(row.v)
		assert.Equal(t, consts[row.v], c)
		assert.Equal(t, row.name, c.Name())
		assert.Equal(t, row.name, c.String())
		// Rank counts from the bottom of the table.
		assert.Equal(t, len(table1)-i, c.Rank(), row.name)
		assert.True(t, c.InTable())
		reserved := strings.HasPrefix(row.name, "reserved")
		assert.Equal(t, reserved, c.Reserved(), row.name)
		assert.Equal(t, !reserved, c.Assigned(), row.name)
		p, err := rfc1108.ParseClassification(row.name)
		require.NoError(t, err)
		assert.Equal(t, c, p)
	}
}

// RFC 1108 chose the level codes with a Hamming distance of at least 4
// (§2.3): a check on the transcription of the constants.
func TestClassificationHammingDistance(t *testing.T) {
	for i := range table1 {
		for j := i + 1; j < len(table1); j++ {
			d := bits.OnesCount8(table1[i].v ^ table1[j].v)
			assert.GreaterOrEqual(t, d, 4, "%#x vs %#x", table1[i].v, table1[j].v)
		}
	}
}

// Compare follows the table order, not the numeric one: Unclassified
// (0xAB) is below Confidential (0x96), Reserved 4 (0x01) is the top.
func TestClassificationCompare(t *testing.T) {
	for i, a := range table1 {
		for j, b := range table1 {
			want := 0
			if i < j {
				want = 1 // a is higher in the table
			} else if i > j {
				want = -1
			}
			assert.Equal(t, want, rfc1108.Classification(a.v).Compare(rfc1108.Classification(b.v)), "%s vs %s", a.name, b.name)
		}
	}
	assert.Equal(t, -1, rfc1108.Unclassified.Compare(rfc1108.Confidential))
	assert.Equal(t, 1, rfc1108.Reserved4.Compare(rfc1108.TopSecret))
	// Octets outside the table rank below it and order among themselves
	// numerically, so Compare stays a total order agreeing with ==.
	assert.Equal(t, -1, rfc1108.Classification(0x00).Compare(rfc1108.Reserved1))
	assert.Equal(t, 1, rfc1108.Reserved1.Compare(0x00))
	assert.Equal(t, -1, rfc1108.Classification(0x00).Compare(0x02))
	assert.Equal(t, 1, rfc1108.Classification(0x02).Compare(0x00))
	assert.Equal(t, 0, rfc1108.Classification(0x02).Compare(0x02))
}

func TestClassificationOutsideTable(t *testing.T) {
	n := 0
	for v := range 256 {
		c := rfc1108.Classification(v)
		s := c.String()
		p, err := rfc1108.ParseClassification(s)
		require.NoError(t, err, s)
		assert.Equal(t, c, p, s)
		if !c.InTable() {
			n++
			assert.Zero(t, c.Rank())
			assert.Empty(t, c.Name())
			assert.False(t, c.Assigned())
			assert.False(t, c.Reserved())
		}
	}
	assert.Equal(t, 256-8, n)
	assert.Equal(t, "0x00", rfc1108.Classification(0).String())
	assert.Equal(t, "0xfe", rfc1108.Classification(0xfe).String())
	p, err := rfc1108.ParseClassification("0xAB")
	require.NoError(t, err)
	assert.Equal(t, rfc1108.Unclassified, p)
	for _, bad := range []string{"", "Secret", "top secret", "0x", "0x1", "0x123", "0xzz", "ab", "reserved-5"} {
		_, err := rfc1108.ParseClassification(bad)
		assert.ErrorIs(t, err, rfc1108.ErrBadSpec, bad)
	}
}

func TestClassificationText(t *testing.T) {
	b, err := rfc1108.Secret.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "secret", string(b))
	var c rfc1108.Classification
	require.NoError(t, c.UnmarshalText([]byte("top-secret")))
	assert.Equal(t, rfc1108.TopSecret, c)
	assert.Error(t, c.UnmarshalText([]byte("nope")))
	assert.Equal(t, rfc1108.TopSecret, c, "unchanged on error")
}
