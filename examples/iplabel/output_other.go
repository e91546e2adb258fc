//go:build !unix

package main

import (
	"errors"
	"io/fs"
	"os"
)

// fileOwner: files have no Unix owner here.
type fileOwner struct{}

func ownerOf(fs.FileInfo) fileOwner { return fileOwner{} }

func (fileOwner) restore(*os.File) bool { return true }

// descriptorOutput: descriptors are not written in place here.
func descriptorOutput(int) (*os.File, error) {
	return nil, errors.New("writing a descriptor in place is not supported on this system")
}
