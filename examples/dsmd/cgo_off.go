//go:build !cgo

package main

// builtWithCgo: without cgo, syscall.AllThreadsSyscall applies a
// system call to every thread of the process.
const builtWithCgo = false
