//go:build !linux

// Command socketlabel labels a UDP socket with a CIPSO option through
// IP_OPTIONS and reads peers' options through IP_RECVOPTS. It needs Linux.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "socketlabel: needs Linux (IP_OPTIONS, IP_RECVOPTS, NetLabel)")
	os.Exit(2)
}
