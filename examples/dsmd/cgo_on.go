//go:build cgo

package main

// builtWithCgo: with cgo, syscall.AllThreadsSyscall is unavailable
// (ENOTSUP), so capabilities cannot be changed on every thread.
const builtWithCgo = true
