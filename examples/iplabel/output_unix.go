//go:build unix

package main

import (
	"io/fs"
	"os"
	"syscall"
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
