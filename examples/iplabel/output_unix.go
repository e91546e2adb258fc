//go:build unix

package main

import (
	"errors"
	"io/fs"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// fileOwner is the owner and group of an existing output file.
type fileOwner struct {
	uid, gid int
	known    bool
}

func ownerOf(fi fs.FileInfo) fileOwner {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fileOwner{}
	}
	return fileOwner{int(st.Uid), int(st.Gid), true}
}

// restore gives f the owner and group, or at least the group (which an
// unprivileged owner may set to a group of its own, chown(2)). It reports
// whether f now has the group.
func (o fileOwner) restore(f *os.File) bool {
	if !o.known {
		return true
	}
	if fi, err := f.Stat(); err == nil {
		if cur := ownerOf(fi); cur.known && cur.uid == o.uid && cur.gid == o.gid {
			return true
		}
	}
	if f.Chown(o.uid, o.gid) == nil {
		return true
	}
	return f.Chown(-1, o.gid) == nil
}

// descriptorOutput is a duplicate of the process's descriptor fd, to be
// written in place; it must be open for writing.
func descriptorOutput(fd int) (*os.File, error) {
	fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
	if err != nil {
		return nil, err
	}
	if fl&unix.O_ACCMODE == unix.O_RDONLY {
		return nil, errors.New("not open for writing")
	}
	syscall.ForkLock.RLock()
	d, err := syscall.Dup(fd)
	if err == nil {
		syscall.CloseOnExec(d)
	}
	syscall.ForkLock.RUnlock()
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(d), "/proc/self/fd/"+strconv.Itoa(fd)), nil
}
