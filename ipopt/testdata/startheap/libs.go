//go:build libs

package main

import (
	_ "github.com/iplabel/iplabel/calipso"
	_ "github.com/iplabel/iplabel/cipso"
	_ "github.com/iplabel/iplabel/fips188"
	_ "github.com/iplabel/iplabel/fips188/dsm"
	_ "github.com/iplabel/iplabel/ipopt"
	_ "github.com/iplabel/iplabel/ipopt/ipv6"
	_ "github.com/iplabel/iplabel/ipopt/rfc1108"
)
