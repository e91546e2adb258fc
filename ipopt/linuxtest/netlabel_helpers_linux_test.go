package linuxtest

import (
	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
)

// The lock and journal of netlabeltest, which the tests read.
var (
	lockPath    = netlabeltest.LockPath
	journalPath = netlabeltest.JournalPath
)

// listDOIs gives the kernel's CIPSO DOIs.
func listDOIs() (map[uint32]bool, error) {
	types, err := listDOITypes()
	dois := map[uint32]bool{}
	for d := range types {
		dois[d] = true
	}
	return dois, err
}

// listDOITypes gives the kernel's CIPSO DOIs with their mapping types, as
// netlabelctl names them (PASS_THROUGH, TRANSLATED, LOCAL).
func listDOITypes() (map[uint32]string, error) {
	c, err := netlabel.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	list, err := c.ListDOIs()
	if err != nil {
		return nil, err
	}
	names := map[cipso.MapType]string{cipso.MapPass: "PASS_THROUGH", cipso.MapTrans: "TRANSLATED", cipso.MapLocal: "LOCAL"}
	out := map[uint32]string{}
	for _, d := range list {
		out[uint32(d.Number)] = names[d.Type]
	}
	return out, nil
}

// listDomains gives the mapped domains, "DEFAULT" for the default mapping.
func listDomains() (map[string]bool, error) {
	c, err := netlabel.Dial()
	if err != nil {
		return nil, err
	}
	defer c.Close()
	maps, err := c.ListMappings()
	if err != nil {
		return nil, err
	}
	out := map[string]bool{}
	for _, m := range maps {
		if m.Default {
			out["DEFAULT"] = true
		} else {
			out[m.Domain] = true
		}
	}
	return out, nil
}
