package netlabel

import (
	"errors"
	"strings"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sampleDOIs = []DOI{
	{Number: 16, Type: cipso.MapPass, Tags: []cipso.TagType{1, 2, 5}},
	{Number: 17, Type: cipso.MapLocal, Tags: []cipso.TagType{128}},
	{Number: 18, Type: cipso.MapTrans, Tags: []cipso.TagType{1},
		Levels:     []cipso.Pair{{Local: 0, Remote: 0}, {Local: 1, Remote: 3}, {Local: 5, Remote: 7}},
		Categories: []cipso.Pair{{Local: 0, Remote: 0}, {Local: 1, Remote: 5}, {Local: 7, Remote: 100}}},
	{Number: 19, Type: cipso.MapTrans, Tags: []cipso.TagType{1}, Levels: []cipso.Pair{{Local: 2, Remote: 2}}},
	{Number: 305419896, Type: cipso.MapPass, Tags: []cipso.TagType{5, 1, 2, 5, 1}},
}

const sampleConfig = `cipsov4 add pass doi:16 tags:1,2,5
cipsov4 add local doi:17
cipsov4 add trans doi:18 tags:1 levels:0=0,1=3,5=7 categories:0=0,1=5,7=100
cipsov4 add trans doi:19 tags:1 levels:2=2
cipsov4 add pass doi:305419896 tags:5,1,2,5,1
`

func TestAppendConfig(t *testing.T) {
	assert.Equal(t, sampleConfig, string(AppendConfig(nil, sampleDOIs)))
	assert.Equal(t, "cipsov4 add local doi:17", sampleDOIs[1].String())
}

// registriesEqual compares two registries DOI by DOI.
func registriesEqual(t *testing.T, want, got *cipso.Registry) {
	t.Helper()
	require.Equal(t, want.Len(), got.Len())
	for d := range want.All() {
		g := got.Lookup(d.DOI())
		if assert.NotNil(t, g, "DOI %v", d.DOI()) {
			assert.True(t, d.Equal(g), "DOI %v: want %v, got %v", d.DOI(), d, g)
		}
	}
}

func TestNewRegistryMatchesParseConfig(t *testing.T) {
	got, err := NewRegistry(sampleDOIs)
	require.NoError(t, err)
	want, err := cipso.ParseConfig(strings.NewReader(sampleConfig))
	require.NoError(t, err)
	registriesEqual(t, want, got)
}

func TestDOIOfRoundTrip(t *testing.T) {
	reg, err := cipso.ParseConfig(strings.NewReader(sampleConfig))
	require.NoError(t, err)
	var i int
	for d := range reg.All() {
		assert.Equal(t, sampleDOIs[i], DOIOf(d))
		assert.Equal(t, d.String(), DOIOf(d).String())
		i++
	}
}

func TestNewRegistryErrors(t *testing.T) {
	_, err := NewRegistry([]DOI{sampleDOIs[0], sampleDOIs[0]})
	assert.ErrorIs(t, err, cipso.ErrDuplicateDOI)
	assert.ErrorContains(t, err, "DOI 16 listed twice")

	_, err = NewRegistry([]DOI{{Number: 0, Type: cipso.MapPass, Tags: []cipso.TagType{1}}})
	assert.ErrorIs(t, err, cipso.ErrBadDOI)

	_, err = NewRegistry([]DOI{{Number: 3, Type: cipso.MapTrans, Tags: []cipso.TagType{2}, Levels: []cipso.Pair{{Local: 0, Remote: 0}}}})
	assert.ErrorIs(t, err, cipso.ErrBadConfig)
	assert.ErrorContains(t, err, "netlabel: DOI 3: ")

	_, err = NewRegistry([]DOI{{Number: 4, Type: 9}})
	assert.ErrorContains(t, err, "unknown mapping type 9")
	assert.False(t, errors.Is(err, cipso.ErrBadDOI))
}

// A local DOI's domain keeps the kernel's tags: tag 128 is what
// ParseCommand makes of "cipsov4 add local doi:N"; tags 1 and 128, which
// only a netlink client can set, permit tag 1 too, and its netlabelctl
// line is the one netlabelctl could write (tag 128 only).
func TestLocalDomain(t *testing.T) {
	p, err := cipso.ParseCommand("cipsov4 add local doi:5")
	require.NoError(t, err)
	d, err := DOI{Number: 5, Type: cipso.MapLocal, Tags: []cipso.TagType{128}}.Domain()
	require.NoError(t, err)
	assert.True(t, p.Equal(d))

	both := DOI{Number: 5, Type: cipso.MapLocal, Tags: []cipso.TagType{1, 128}}
	d, err = both.Domain()
	require.NoError(t, err)
	assert.False(t, p.Equal(d))
	assert.True(t, d.Permits(cipso.TagRBitmap))
	assert.True(t, d.Permits(cipso.TagLocal))
	assert.Equal(t, "cipsov4 add local doi:5", both.String())
}
