package main

import (
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDumpDOIsNoAllocs: formatting the sample's packets allocates nothing
// without a configuration either (labels checked structurally, "DOI N
// not configured") nor with one, the network SID checked with DSM's
// rules included; neither does validate with the network-SID DOI.
func TestDumpDOIsNoAllocs(t *testing.T) {
	frames, pkts := sampleFrames(t), samplePackets(t)
	for _, conf := range []string{"", sampleConfig} {
		cfg, err := loadDOIConfig(conf)
		require.NoError(t, err)
		for _, json := range []bool{true, false} {
			d := newDumper(cfg.cipso, json).withCALIPSO(cfg.calipso).withDOIs(cfg)
			buf := make([]byte, 0, 4096)
			for _, f := range frames {
				buf = d.appendPacket(buf[:0], 1, layers.LinkTypeEthernet, f)
			}
			allocs := testing.AllocsPerRun(100, func() {
				for i, f := range frames {
					buf = d.appendPacket(buf[:0], i+1, layers.LinkTypeEthernet, f)
				}
			})
			assert.Zero(t, allocs, "config %q, json=%v", conf, json)
		}
		for _, strict := range []bool{false, true} {
			v := newConfiguredValidator(cfg, strict, false, true)
			buf := make([]byte, 0, 4096)
			allocs := testing.AllocsPerRun(100, func() {
				for _, p := range pkts {
					buf = appendVerdictJSON(buf[:0], v.validate(p.opts))
				}
			})
			assert.Zero(t, allocs, "config %q, strict=%v", conf, strict)
		}
	}
}
