package main

import (
	"fmt"
	"os"
	"runtime"

	"golang.org/x/sys/unix"
)

// inNetNS runs f on an OS thread that has joined the network namespace
// open as nsFD, so that sockets f creates belong to that namespace (a
// socket keeps its namespace for life, whichever thread uses it later).
// nsFD <= 0 runs f in the caller's namespace. The thread goes back to its
// own namespace afterwards; if that fails it is not returned to the Go
// scheduler (the goroutine exits still locked, which ends the thread).
func inNetNS(nsFD int, f func() error) error {
	if nsFD <= 0 {
		return f()
	}
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open(fmt.Sprintf("/proc/%d/task/%d/ns/net", os.Getpid(), unix.Gettid()))
		if err != nil {
			runtime.UnlockOSThread()
			errc <- err
			return
		}
		defer orig.Close()
		if err := unix.Setns(nsFD, unix.CLONE_NEWNET); err != nil {
			runtime.UnlockOSThread()
			errc <- fmt.Errorf("setns: %w", err)
			return
		}
		err = f()
		if unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET) == nil {
			runtime.UnlockOSThread()
		}
		errc <- err
	}()
	return <-errc
}
