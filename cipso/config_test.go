package cipso

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleConfig = `# NetLabel CIPSO configuration
netlabelctl cipsov4 add pass doi:16 tags:1,2,5

cipso add trans doi:3 tags:1 levels:0=0,1=1 categories:0=0,1=5   # translated
cipsov4 add local doi:5
	cipsov4   add   doi:8   trans tags:1 levels:0=0,1=1 categories:0=1,1=0
cipsov4 add pass doi:9 tags:1,0,2
cipsov4 add std doi:10 tags:1,1 levels:0=1,0=2,3=1
`

func TestParseConfig(t *testing.T) {
	r, err := ParseConfig(strings.NewReader(sampleConfig))
	require.NoError(t, err)
	assert.Equal(t, 6, r.Len())

	d := r.Lookup(16)
	require.NotNil(t, d)
	assert.Equal(t, MapPass, d.Type())
	assert.Equal(t, []TagType{1, 2, 5}, d.Tags())

	d = r.Lookup(3)
	require.NotNil(t, d)
	assert.Equal(t, MapTrans, d.Type())
	assert.Equal(t, []Pair{{0, 0}, {1, 1}}, d.Levels())
	assert.Equal(t, []Pair{{0, 0}, {1, 5}}, d.Categories())
	w, ok := d.CatToWire(1)
	assert.True(t, ok)
	assert.Equal(t, uint32(5), w)

	assert.Equal(t, MapLocal, r.Lookup(5).Type())
	assert.Equal(t, []TagType{TagLocal}, r.Lookup(5).Tags())
	assert.Equal(t, [5]TagType{1, 0, 2}, r.Lookup(9).Slots())

	// Written back, one command per line in DOI order, then read again.
	out := string(AppendConfig(nil, r))
	assert.Equal(t, `cipsov4 add trans doi:3 tags:1 levels:0=0,1=1 categories:0=0,1=5
cipsov4 add local doi:5
cipsov4 add trans doi:8 tags:1 levels:0=0,1=1 categories:0=1,1=0
cipsov4 add pass doi:9 tags:1,0,2
cipsov4 add trans doi:10 tags:1,1 levels:0=1,0=2,3=1
cipsov4 add pass doi:16 tags:1,2,5
`, out)
	r2, err := ParseConfig(strings.NewReader(out))
	require.NoError(t, err)
	require.Equal(t, r.Len(), r2.Len())
	for d := range r.All() {
		d2 := r2.Lookup(d.DOI())
		require.NotNil(t, d2)
		assert.True(t, d.Equal(d2), "%v != %v", d, d2)
	}
	assert.Equal(t, out, string(AppendConfig(nil, r2)))
}

func TestParseConfigErrors(t *testing.T) {
	// Each line is refused by netlabelctl 0.30 / Linux 6.18 (checked live;
	// rulebook B.3) unless marked "stricter".
	tests := []struct {
		line  string
		errIs error
		col   int
	}{
		{"cipsov4 add pass doi:0 tags:1", ErrBadDOI, 22},
		{"cipsov4 add pass doi:16", ErrBadConfig, 13},
		{"cipsov4 add pass doi:16 tags:", ErrBadConfig, 30},
		{"cipsov4 add pass doi:16 tags:0", ErrBadConfig, 30},
		{"cipsov4 add pass doi:16 tags:1,2,5,1,2,5", ErrBadConfig, 40},
		{"cipsov4 add pass doi:16 tags:1,6", ErrBadConfig, 32},
		{"cipsov4 add pass doi:16 tags:7", ErrBadConfig, 30},
		{"cipsov4 add pass doi:16 tags:128", ErrBadConfig, 30},
		{"cipsov4 add trans doi:3 tags:1,2 levels:0=0", ErrBadConfig, 32},
		{"cipsov4 add trans doi:3 tags:5 levels:0=0", ErrBadConfig, 30},
		{"cipsov4 add trans doi:3 tags:1", ErrBadConfig, 13},
		{"cipsov4 add trans doi:3 tags:1 levels:0=0,1=256", ErrBadConfig, 45},
		{"cipsov4 add trans doi:3 tags:1 levels:0=0 categories:0=0,4=65535", ErrBadConfig, 60},
		{"cipsov4 add trans doi:3 tags:1 levels:2147483648=1", ErrBadConfig, 39},
		{"cipsov4 add doi:3 tags:1", ErrBadConfig, 9},
		{"cipsov4 add pass tags:1", ErrBadConfig, 13},
		{"cipsov4 add pass doi:3x tags:1", ErrSyntax, 23},
		{"cipsov4 add pass doi:4294967296 tags:1", ErrSyntax, 22},
		{"cipsov4 add pass doi:3 tags:1,,2", ErrSyntax, 31},
		{"cipsov4 add trans doi:3 tags:1 levels:0-0", ErrSyntax, 39},
		{"cipsov4 add pass doi:3 tags:1 fast", ErrSyntax, 31},
		{"cipsov4 add pass pass doi:3 tags:1", ErrSyntax, 18},
		{"cipsov4 del doi:3", ErrSyntax, 9},
		{"map add default protocol:cipso,3", ErrSyntax, 1},
		{"netlabelctl", ErrSyntax, 12},
		// Stricter than netlabelctl.
		{"cipsov4 add pass doi:3 doi:4 tags:1", ErrSyntax, 24},
		{"cipsov4 add local doi:5 tags:1", ErrBadConfig, 30},
		{"cipsov4 add pass doi:5 tags:1 levels:0=0", ErrBadConfig, 38},
	}
	for _, tc := range tests {
		t.Run(tc.line, func(t *testing.T) {
			_, err := ParseCommand(tc.line)
			require.ErrorIs(t, err, tc.errIs)
			var pe *ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, 1, pe.Line)
			assert.Equal(t, tc.col, pe.Column, "%v", err)
		})
	}

	// Line numbers count blank and comment lines; a duplicate DOI points at
	// its doi value.
	_, err := ParseConfig(strings.NewReader("# c\n\ncipso add pass doi:7 tags:1\n  cipso add pass doi:7 tags:2\n"))
	require.ErrorIs(t, err, ErrDuplicateDOI)
	var pe *ParseError
	require.True(t, errors.As(err, &pe))
	assert.Equal(t, 4, pe.Line)
	assert.Equal(t, 22, pe.Column)
	assert.Equal(t, "line 4, column 22: cipso: DOI already configured: DOI 7 is already defined", err.Error())

	// Lines of NetLabel's other modules are skipped by ParseConfig (a
	// netlabelctl script usually maps the DOI too), not by ParseCommand.
	r, err := ParseConfig(strings.NewReader("netlabelctl map del default\n" +
		"cipsov4 add pass doi:16 tags:1\nmap add default address:127.0.0.1/32 protocol:cipsov4,16\n" +
		"netlabelctl unlbl accept on\n"))
	require.NoError(t, err)
	assert.Equal(t, 1, r.Len())
	_, err = ParseConfig(strings.NewReader("cipsov4 add pass doi:16 tags:1\nmapx add default\n"))
	require.ErrorIs(t, err, ErrSyntax)

	d, err := ParseCommand("   # only a comment")
	assert.NoError(t, err)
	assert.Nil(t, d)
}
