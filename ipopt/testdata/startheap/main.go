// Command startheap prints the heap in use after start-up (HeapAlloc after
// a GC), for TestStartupHeap. Built with -tags libs it imports the library
// packages of the module, so the difference between the two builds is
// what importing them costs.
package main

import (
	"fmt"
	"runtime"
)

func main() {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	fmt.Println(m.HeapAlloc)
}
