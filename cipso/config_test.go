package cipso

import (
	"errors"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
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
	// RULES.md §4) unless marked "stricter".
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
			var pe *ipopt.ParseError
			require.True(t, errors.As(err, &pe))
			assert.Equal(t, 1, pe.Line)
			assert.Equal(t, tc.col, pe.Column, "%v", err)
		})
	}

	// Line numbers count blank and comment lines; a duplicate DOI points at
	// its doi value.
	_, err := ParseConfig(strings.NewReader("# c\n\ncipso add pass doi:7 tags:1\n  cipso add pass doi:7 tags:2\n"))
	require.ErrorIs(t, err, ErrDuplicateDOI)
	var pe *ipopt.ParseError
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

// endless is a reader of an endless line of 'a's that counts what it gave.
type endless struct{ n int }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += len(p)
	return len(p), nil
}

// TestParseConfigLongLine: a line over MaxConfigLine (64 KiB, newline not
// counted) is ErrSyntax at its line, column 65537, whatever follows, and
// the rest of it is not read; a line of exactly 64 KiB is read.
func TestParseConfigLongLine(t *testing.T) {
	cmd := "cipsov4 add pass doi:16 tags:1"
	pad := func(n int) string { return cmd + strings.Repeat(" ", n-len(cmd)) }
	tests := []struct {
		name  string
		in    string
		line  int // 0: no error
		doi16 bool
	}{
		{"64 KiB", "# c\n" + pad(MaxConfigLine) + "\n", 0, true},
		{"64 KiB at EOF", pad(MaxConfigLine), 0, true},
		{"64 KiB and CRLF", "\n" + pad(MaxConfigLine) + "\r\n", 0, true},
		{"64 KiB + CR at EOF", "\n" + pad(MaxConfigLine) + "\r", 0, true},
		{"64 KiB + 2 and CRLF", pad(MaxConfigLine+2) + "\r\n", 1, false},
		{"64 KiB + 1", "# c\n\n" + pad(MaxConfigLine+1) + "\n", 3, false},
		{"64 KiB + 1 at EOF", pad(MaxConfigLine + 1), 1, false},
		{"1 MiB, then a duplicate", cmd + "\n" + pad(1<<20) + "\n" + cmd + "\n", 2, false},
		{"duplicate before it", cmd + "\n" + cmd + "\n" + pad(1<<20) + "\n", 2, false},
		{"a comment over 64 KiB", "#" + strings.Repeat("x", MaxConfigLine) + "\n", 1, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseConfig(strings.NewReader(tc.in))
			if tc.line == 0 {
				require.NoError(t, err)
				assert.Equal(t, tc.doi16, r.Lookup(16) != nil)
				return
			}
			require.Error(t, err)
			assert.Nil(t, r)
			var pe *ipopt.ParseError
			require.ErrorAs(t, err, &pe)
			assert.Equal(t, tc.line, pe.Line, "%v", err)
			if errors.Is(err, ErrSyntax) {
				assert.Equal(t, MaxConfigLine+1, pe.Column)
				assert.Equal(t, "line "+strconv.Itoa(tc.line)+", column 65537: cipso: syntax error: line longer than 65536 bytes", err.Error())
			} else {
				assert.ErrorIs(t, err, ErrDuplicateDOI)
			}
		})
	}

	// An endless line: the parse stops having read about one line's worth.
	var e endless
	_, err := ParseConfig(&e)
	require.ErrorIs(t, err, ErrSyntax)
	assert.LessOrEqual(t, e.n, 2*MaxConfigLine, "read %d bytes of an endless line", e.n)
}

// configOf writes n DOI definitions, in descending DOI order (the worst
// case for a table kept sorted by insertion), alternating pass and trans.
func configOf(n int) string {
	var b strings.Builder
	for i := range n {
		doi := strconv.Itoa(n - i)
		if i%2 == 0 {
			b.WriteString("cipsov4 add pass doi:" + doi + " tags:1,2,5\n")
		} else {
			b.WriteString("cipsov4 add trans doi:" + doi + " tags:1 levels:0=0,1=1 categories:0=0,1=5\n")
		}
	}
	return b.String()
}

// allocatedBy is the number of bytes f allocates (the least of a few runs).
func allocatedBy(f func()) uint64 {
	best := ^uint64(0)
	for range 3 {
		var m0, m1 runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&m0)
		f()
		runtime.ReadMemStats(&m1)
		best = min(best, m1.TotalAlloc-m0.TotalAlloc)
	}
	return best
}

// TestParseConfigLinear: the memory ParseConfig allocates grows linearly
// with the number of DOIs: twice the DOIs, at most 2.5 times the bytes. A
// parser that copies its table at every DOI (n calls of Registry.Add)
// allocates some 4 times the bytes for twice the DOIs; the same
// measurement of that loop is checked to fail the bound, so the bound is
// known to tell the two apart. No timing is involved.
func TestParseConfigLinear(t *testing.T) {
	const n = 2000
	small, large := configOf(n), configOf(2*n)
	parse := func(s string) func() {
		return func() {
			r, err := ParseConfig(strings.NewReader(s))
			if err != nil || r.Len() == 0 {
				panic(err)
			}
		}
	}
	a, b := allocatedBy(parse(small)), allocatedBy(parse(large))
	ratio := float64(b) / float64(a)
	t.Logf("ParseConfig: %d DOIs %d bytes, %d DOIs %d bytes: ratio %.2f", n, a, 2*n, b, ratio)
	assert.Less(t, ratio, 2.5, "ParseConfig allocates more than linearly")
	assert.Greater(t, ratio, 1.5, "the measurement sees the input at all")

	// The quadratic loader this replaced, measured the same way.
	doms := func(s string) []*Domain {
		var out []*Domain
		for l := range strings.Lines(s) {
			d, err := ParseCommand(strings.TrimSuffix(l, "\n"))
			require.NoError(t, err)
			out = append(out, d)
		}
		return out
	}
	addAll := func(ds []*Domain) func() {
		return func() {
			var r Registry
			for _, d := range ds {
				if r.Add(d) != nil {
					panic("dup")
				}
			}
		}
	}
	qa, qb := allocatedBy(addAll(doms(small))), allocatedBy(addAll(doms(large)))
	t.Logf("Registry.Add one by one: ratio %.2f", float64(qb)/float64(qa))
	assert.Greater(t, float64(qb)/float64(qa), 2.5, "the bound would not catch a quadratic loader")

	// The table built in one step is what Add builds.
	r, err := ParseConfig(strings.NewReader(small))
	require.NoError(t, err)
	var want Registry
	for _, d := range doms(small) {
		require.NoError(t, want.Add(d))
	}
	require.Equal(t, want.Len(), r.Len())
	got := slices.Collect(r.All())
	for i, d := range slices.Collect(want.All()) {
		assert.True(t, d.Equal(got[i]), "DOI %d", d.DOI())
	}
	assert.Equal(t, string(AppendConfig(nil, &want)), string(AppendConfig(nil, r)))
}

func BenchmarkParseConfig(b *testing.B) {
	for _, n := range []int{100, 10000, 100000} {
		s := configOf(n)
		b.Run(strconv.Itoa(n)+"-dois", func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(s)))
			for b.Loop() {
				if _, err := ParseConfig(strings.NewReader(s)); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/doi")
		})
	}
}
