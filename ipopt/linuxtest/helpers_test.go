package linuxtest

import (
	"encoding/hex"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// kernelCase is one options field and the verdict a source other than
// this package's code predicts for it (the rulebook section or checklist
// case is in the name).
type kernelCase struct {
	name string
	opts string // hex, spaces allowed
	want string // Verdict.String(): "delivered", "dropped", "parameter problem, pointer N"
}

func unhex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	require.NoError(tb, err, s)
	return b
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
		assert.Equal(t, c.want, got[i].String(), "%s: %s", c.name, c.opts)
	}
	return got
}
