package netlabel_test

import (
	"fmt"
	"log"
	"os"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
)

// The kernel's DOIs as netlabelctl commands, and as a registry to check
// packets with. (Listing needs no privilege, but a kernel with NetLabel.)
func Example() {
	c, err := netlabel.Dial()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	dois, err := c.ListDOIs()
	if err != nil {
		log.Fatal(err)
	}
	os.Stdout.Write(netlabel.AppendConfig(nil, dois))
	reg, err := netlabel.NewRegistry(dois)
	if err != nil {
		log.Fatal(err)
	}
	lx := cipso.NewLinux(reg) // checks options as this kernel does
	_ = lx
}

// Definitions print in netlabelctl's syntax, which cipso.ParseConfig
// reads back.
func ExampleAppendConfig() {
	dois := []netlabel.DOI{
		{Number: 16, Type: cipso.MapPass, Tags: []cipso.TagType{1, 2, 5}},
		{Number: 3, Type: cipso.MapTrans, Tags: []cipso.TagType{1},
			Levels: []cipso.Pair{{Local: 0, Remote: 0}, {Local: 1, Remote: 1}}, Categories: []cipso.Pair{{Local: 0, Remote: 5}}},
		{Number: 5, Type: cipso.MapLocal},
	}
	cfg := netlabel.AppendConfig(nil, dois)
	fmt.Print(string(cfg))
	reg, err := cipso.ParseConfig(strings.NewReader(string(cfg)))
	fmt.Println(reg.Len(), err)
	// Output:
	// cipsov4 add pass doi:16 tags:1,2,5
	// cipsov4 add trans doi:3 tags:1 levels:0=0,1=1 categories:0=5
	// cipsov4 add local doi:5
	// 3 <nil>
}

// Mapping an SELinux domain to a DOI, as "netlabelctl map add
// domain:httpd_t protocol:cipsov4,16" does (needs CAP_NET_ADMIN).
func ExampleClient_AddMapping() {
	c, err := netlabel.Dial()
	if err != nil {
		log.Fatal(err)
	}
	defer c.Close()
	err = c.AddMapping(netlabel.Mapping{Domain: "httpd_t", Protocol: netlabel.CIPSOv4, DOI: 16})
	if err != nil {
		log.Fatal(err) // errors.Is(err, os.ErrNotExist): DOI 16 is not configured
	}
}
