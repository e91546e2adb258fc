package linuxtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
)

// kernelCase is one options field and the verdict a source other than
// this package's code predicts for it (the ipopt/RULES.md rule or checklist
// case is in the name).
type kernelCase struct {
	name string
	opts string // hex, spaces allowed
	want string // Verdict.String(): "delivered", "dropped", "parameter problem, pointer N"
}

// doiOctets replaces DOI placeholders ("<P>") in the hex of test vectors
// with the four octets of the DOI a test configured; see setDOIOctets.
var doiOctets = strings.NewReplacer()

// setDOIOctets makes unhex expand each placeholder to its DOI, until the
// test ends.
func setDOIOctets(t *testing.T, dois map[string]uint32) {
	var pairs []string
	for k, d := range dois {
		pairs = append(pairs, k, fmt.Sprintf("%02X %02X %02X %02X", byte(d>>24), byte(d>>16), byte(d>>8), byte(d)))
	}
	doiOctets = strings.NewReplacer(pairs...)
	t.Cleanup(func() { doiOctets = strings.NewReplacer() })
}

// needKernel skips the test, in one line, unless this package can work
// here (Available).
func needKernel(tb testing.TB) {
	tb.Helper()
	if err := Available(); err != nil {
		tb.Skip(err)
	}
}

// unhex is testutil.Unhex once the DOI placeholders of setDOIOctets are
// expanded.
func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	return testutil.Unhex(tb, doiOctets.Replace(s))
}

// checkKernel asks the kernel about every case in one batch and compares.
func checkKernel(t *testing.T, ns *Namespace, cases []kernelCase) []Verdict {
	t.Helper()
	list := make([][]byte, len(cases))
	for i, c := range cases {
		list[i] = unhex(t, c.opts)
	}
	got, err := ns.VerdictMany(list)
	require.NoError(t, err)
	for i, c := range cases {
		assert.Equal(t, c.want, got[i].String(), "%s: %s", c.name, doiOctets.Replace(c.opts))
	}
	return got
}
