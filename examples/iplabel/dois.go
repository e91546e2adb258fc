package main

import (
	"flag"

	"github.com/iplabel/iplabel/cipso"
)

// runDOIs is "iplabel dois": the running kernel's CIPSO DOIs, read
// through NetLabel's generic netlink interface (readKernelDOIs; Linux only,
// no privilege needed), one netlabelctl command a line in ascending DOI
// order ("cipsov4 add pass doi:16 tags:1,2,5", cipso.AppendConfig): a
// file that --doi-config reads back, and what --doi-config kernel uses.
// A kernel without DOIs prints nothing.
//
// Exit status: 0; 2 when the kernel's DOIs cannot be read (one line on
// stderr saying why).
func runDOIs(e *env, args []string) (int, error) {
	fs := flag.NewFlagSet("dois", flag.ContinueOnError)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return 0, err
	}
	if len(pos) != 0 {
		return 0, usagef("dois takes no arguments")
	}
	reg, err := readKernelDOIs("the kernel's DOIs")
	if err != nil {
		return 0, err
	}
	if _, err := e.stdout.Write(cipso.AppendConfig(nil, reg)); err != nil {
		return 0, err
	}
	return exitOK, nil
}
