package dsm

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"strconv"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt/tsharktest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestTsharkDifferential writes raw IPv4 packets carrying network SID
// labels (the example of RULES.md §4 and generated ones, some after NOPs),
// has tshark 4.0.17 dissect them (the ip.cipso.* fields of Wireshark's
// packet-ip.c, dissect_ipopt_cipso), and compares what it shows with this
// package's encoding:
//
//   - ip.cipso.doi is the label's DOI;
//   - ip.cipso.tag_type is 7, the one free-form tag;
//   - ip.cipso.tag_data is the parameter list Label.AppendParams writes,
//     and the strict profile decodes it back to the label;
//   - ip.cipso.malformed never appears.
func TestTsharkDifferential(t *testing.T) {
	tsharktest.Require(t)
	fields := []string{"frame.number", "ip.cipso.doi", "ip.cipso.tag_type", "ip.cipso.tag_data", "ip.cipso.malformed"}
	const (
		fFrame = iota
		fDOI
		fType
		fData
		fMalformed
	)
	type vector struct {
		opts []byte
		doi  cipso.DOI
		n    Label
	}
	vectors := []vector{{testutil.PadEOL(dsmExample), DefaultDOI, New(DefaultSID, 1)}}
	r := rand.New(rand.NewPCG(188, 8))
	for range 60 {
		n := Label{}
		for ty := ParamBypass; ty <= ParamNodeID; ty++ {
			if r.IntN(2) == 0 {
				n = n.With(ty, r.Uint32())
			}
		}
		if n.Params == 0 {
			n = New(r.Uint32(), r.Uint32())
		}
		doi := cipso.DOI(r.Uint32()%0xFFFFFFFE + 1)
		opts := make([]byte, r.IntN(3))
		for i := range opts {
			opts[i] = 0x01 // NOP
		}
		opts, err := n.AppendOption(opts, doi)
		require.NoError(t, err)
		if len(opts) > 40 {
			continue
		}
		vectors = append(vectors, vector{testutil.PadEOL(opts), doi, n})
	}
	datagrams := make([][]byte, len(vectors))
	for i, v := range vectors {
		datagrams[i] = tsharktest.Datagram(t, v.opts, uint16(i), []byte("DSM!"))
	}
	rows := tsharktest.Fields(t, tsharktest.WriteIPv4(t, datagrams), fields)
	require.Len(t, rows, len(vectors), "one line per packet")
	for i, v := range vectors {
		cols := rows[i]
		require.Len(t, cols, len(fields), "line %q", cols)
		require.Equal(t, strconv.Itoa(i+1), cols[fFrame])
		name := fmt.Sprintf("frame %d (%v), options % x", i+1, v.n, v.opts)
		params, err := v.n.AppendParams(nil)
		require.NoError(t, err, name)
		assert.Equal(t, strconv.FormatUint(uint64(v.doi), 10), cols[fDOI], "%s: doi", name)
		assert.Equal(t, "7", cols[fType], "%s: tag type", name)
		assert.Equal(t, hex.EncodeToString(params), cols[fData], "%s: tag data", name)
		assert.Empty(t, cols[fMalformed], "%s: malformed", name)
		raw, err := hex.DecodeString(cols[fData])
		require.NoError(t, err, name)
		var n Label
		require.NoError(t, strict.DecodeParams(raw, &n), name)
		assert.Equal(t, v.n, n, name)
	}
	t.Logf("tshark differential: %d network SID labels", len(vectors))
	assert.Greater(t, len(vectors), 50, "the generated packets must exercise the comparison")
}
