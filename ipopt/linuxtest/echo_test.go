package linuxtest

import (
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// The two minimal fields on which Linux 6.18 found the error ipopt.Linux
// reports but sent no ICMP (an RR or TS in front whose advanced pointer
// leaves no room in the echo), and their neighbours that are answered.
func TestEchoSuppressed(t *testing.T) {
	for _, c := range []struct {
		hex  string
		want bool
	}{
		{"070a04000000000000000701", true},         // RR, then a length-1 option
		{"440a05000000000000000701", true},         // TS flag 0, the same
		{"070b040000000000000000" + "8601", false}, // room for the echo's entry
		{"0701", false},                            // the error is the RR itself
		{"86010000", false},                        // no RR or TS
	} {
		opts, err := hex.DecodeString(c.hex)
		require.NoError(t, err)
		comp, verr := (&ipopt.Linux{}).Compile(opts)
		require.Error(t, verr, c.hex)
		assert.Equal(t, c.want, EchoSuppressed(opts, comp), c.hex)
	}
}
