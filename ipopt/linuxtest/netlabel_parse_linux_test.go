package linuxtest

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso/netlabel"
)

// TestParseMapAdd: the "map add" lines ConfigureNetLabel takes, in
// netlabelctl's syntax (netlabelctl(8)), become the mappings the client
// adds; the default mapping and malformed lines are refused.
func TestParseMapAdd(t *testing.T) {
	for _, c := range []struct {
		args string
		want netlabel.Mapping
	}{
		{"domain:a protocol:cipsov4,16", netlabel.Mapping{Domain: "a", Protocol: netlabel.CIPSOv4, DOI: 16}},
		{"domain:a protocol:cipso,16", netlabel.Mapping{Domain: "a", Protocol: netlabel.CIPSOv4, DOI: 16}},
		{"domain:b protocol:calipso,7", netlabel.Mapping{Domain: "b", Protocol: netlabel.CALIPSO, DOI: 7}},
		{"domain:c protocol:unlbl", netlabel.Mapping{Domain: "c", Protocol: netlabel.Unlabeled}},
		{"domain:d address:192.0.2.0/24 protocol:cipsov4,3", netlabel.Mapping{Domain: "d", Selectors: []netlabel.Selector{
			{Prefix: netip.MustParsePrefix("192.0.2.0/24"), Protocol: netlabel.CIPSOv4, DOI: 3}}}},
		{"domain:e address:2001:db8::1 protocol:calipso,9", netlabel.Mapping{Domain: "e", Selectors: []netlabel.Selector{
			{Prefix: netip.MustParsePrefix("2001:db8::1/128"), Protocol: netlabel.CALIPSO, DOI: 9}}}},
	} {
		got, err := parseMapAdd(strings.Fields(c.args))
		require.NoError(t, err, c.args)
		assert.Equal(t, c.want, got, c.args)
	}
	for _, bad := range []string{
		"default protocol:unlbl", "domain: protocol:unlbl", "domain:a", "domain:a protocol:unlbl,3",
		"domain:a protocol:cipsov4", "domain:a protocol:cipsov4,0", "domain:a protocol:cipsov4,x",
		"domain:a protocol:ripso,1", "domain:a address:300.0.0.0/8 protocol:unlbl", "domain:a family:4 protocol:unlbl",
	} {
		_, err := parseMapAdd(strings.Fields(bad))
		assert.Error(t, err, bad)
	}
}
