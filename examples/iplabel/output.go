package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The output of rewrite, written so that it never harms what it writes
// to:
//
//   - "-" is standard output (refused when it is a terminal);
//   - a symbolic link is followed (through any number of links, 40 at
//     most, as the kernel allows) and its target written, atomically
//     beside the target; the link stays a link; a relative link and ".."
//     are resolved in the real directory, as the kernel resolves them;
//   - a character or block device, a FIFO or a pipe, as the kernel finds
//     it through any links (/dev/stdout on a pipe: /proc/self/fd/1), is
//     opened and written in place, never replaced, never truncated; a
//     socket or a directory is refused;
//   - one of the process's descriptors that is a regular file
//     (/dev/stdout, /dev/fd/N or /proc/self/fd/N after > or >>) is
//     written in place through the descriptor, never renamed over;
//   - a regular file, or a name that does not exist, is written to a
//     temporary file in the same directory that is renamed over it only
//     once complete and synced: a failed run, or one ended by SIGINT,
//     SIGTERM or SIGHUP, removes the temporary file and leaves the previous file
//     byte for byte (a signal ignored at start, as under nohup, stays
//     ignored). An existing file keeps its permission bits and, when
//     the process may set them, its owner and group (a group that cannot
//     be kept loses its permission bits, which would otherwise apply to
//     another group); a new file gets 0666 less the umask, as the
//     kernel's open(2) applies it (and a default ACL).

// output is an open output.
type output struct {
	name   string   // as given, for messages
	target string   // the file written (symbolic links followed)
	f      *os.File // the temporary file or the file written in place; nil for stdout
	tmp    string   // the temporary file's path; "" when writing in place
	bw     *bufio.Writer

	// An existing regular target: what it keeps.
	keep  bool
	mode  fs.FileMode
	owner fileOwner

	mu   sync.Mutex // orders commit and abort with the signal handler
	done bool
	quit chan struct{}
}

// maxSymlinks is how many symbolic links are followed (Linux's limit for
// a path, MAXSYMLINKS in include/linux/namei.h).
const maxSymlinks = 40

// resolveOutput follows symbolic links from path to the file they name,
// which need not exist. As the kernel does, a relative link is taken in
// its link's directory as resolved through the links before it, and ".."
// is never cleaned lexically (s/a/../x, with s/a a link to real/sub, is
// s/real/x): the target returned is its real directory and its name, so
// the temporary file goes beside it. A link that is one of the process's
// own descriptors (/proc/self/fd/N, which /dev/stdout and /dev/fd/N lead
// to) is not followed to the file it names: fd is N (else -1).
func resolveOutput(path string) (target string, fi fs.FileInfo, fd int, err error) {
	p := path
	for range maxSymlinks {
		fi, err = os.Lstat(p)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", nil, -1, err
		}
		if err == nil && fi.Mode()&fs.ModeSymlink != 0 {
			if n, ok := ownDescriptor(p); ok {
				return p, nil, n, nil
			}
			l, err := os.Readlink(p)
			if err != nil {
				return "", nil, -1, err
			}
			if !filepath.IsAbs(l) {
				// Not filepath.Join, which would clean l's ".." lexically;
				// the next round resolves the directory.
				dir, _ := splitPath(p)
				l = dir + l
			}
			p = l
			continue
		}
		if err != nil {
			fi = nil
		}
		dir, base := splitPath(p)
		if base == "" || base == "." || base == ".." {
			return p, fi, -1, nil // a directory: refused by the caller
		}
		if dir == "" {
			dir = "."
		}
		real, err := filepath.EvalSymlinks(dir)
		if err != nil {
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return "", nil, -1, fmt.Errorf("--out %s: cannot create its temporary file in %s: %w", path, dir, err)
		}
		return filepath.Join(real, base), fi, -1, nil
	}
	return "", nil, -1, fmt.Errorf("%s: more than %d levels of symbolic links", path, maxSymlinks)
}

// ownDescriptor reports whether the link p is one of the process's own
// descriptors, N in /proc/PID/fd/N or /proc/PID/task/TID/fd/N (Linux's
// proc_fd_link in fs/proc/fd.c, the directory as the kernel resolves it),
// and which.
func ownDescriptor(p string) (int, bool) {
	dir, base := splitPath(p)
	n, err := strconv.Atoi(base)
	if err != nil || n < 0 || base != strconv.Itoa(n) {
		return 0, false
	}
	if dir == "" {
		dir = "."
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return 0, false
	}
	if real, err = filepath.Abs(real); err != nil {
		return 0, false
	}
	own := "/proc/" + strconv.Itoa(os.Getpid()) + "/"
	rest, ok := strings.CutPrefix(real, own)
	if !ok {
		return 0, false
	}
	if rest == "fd" {
		return n, true
	}
	if tid, ok := strings.CutPrefix(rest, "task/"); ok {
		if tid, ok = strings.CutSuffix(tid, "/fd"); ok && tid != "" && strings.Trim(tid, "0123456789") == "" {
			return n, true
		}
	}
	return 0, false
}

// splitPath splits p after its last separator, cleaning nothing (dir is
// "" or ends in a separator).
func splitPath(p string) (dir, base string) {
	i := len(p) - 1
	for i >= len(filepath.VolumeName(p)) && !os.IsPathSeparator(p[i]) {
		i--
	}
	return p[:i+1], p[i+1:]
}

// createOutput opens the output named path ("-": stdout).
func createOutput(path string, stdout io.Writer) (*output, error) {
	o := &output{name: path}
	if path == "-" {
		if isTerminal(stdout) {
			return nil, usagef("--out -: standard output is a terminal; redirect it or name a file")
		}
		o.bw = bufio.NewWriterSize(stdout, 256<<10)
		o.done = true
		return o, nil
	}
	// What the kernel finds at path, links followed (/dev/stdout and the
	// /proc/self/fd links it leads to included): anything but a regular
	// file is written in place or refused.
	if fi, err := os.Stat(path); err == nil && !fi.Mode().IsRegular() {
		switch m := fi.Mode(); {
		case m.IsDir():
			return nil, fmt.Errorf("--out %s: is a directory", path)
		case m&fs.ModeSocket != 0:
			return nil, fmt.Errorf("--out %s: is a socket; a capture cannot be written to it", path)
		case m&(fs.ModeDevice|fs.ModeCharDevice|fs.ModeNamedPipe) != 0:
			// Written in place: no O_CREATE, no O_TRUNC, never renamed over.
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return nil, err
			}
			o.f, o.bw, o.done = f, bufio.NewWriterSize(f, 256<<10), true
			return o, nil
		}
		return nil, fmt.Errorf("--out %s: not a regular file, device or FIFO", path)
	}
	target, fi, fd, err := resolveOutput(path)
	if err != nil {
		return nil, err
	}
	if fd >= 0 {
		// One of the process's descriptors (/dev/stdout redirected to a
		// file): written in place through it, at its offset and with its
		// O_APPEND, as for a pipe; renaming over the file it names would
		// replace what >> appends to, and a deleted file has no name.
		f, err := descriptorOutput(fd)
		if err != nil {
			return nil, fmt.Errorf("--out %s: descriptor %d: %w", path, fd, err)
		}
		o.f, o.bw, o.done = f, bufio.NewWriterSize(f, 256<<10), true
		return o, nil
	}
	o.target = target
	if fi != nil {
		if !fi.Mode().IsRegular() { // changed since the Stat above
			return nil, fmt.Errorf("--out %s: not a regular file", path)
		}
		o.keep = true
		o.mode = fi.Mode() & (fs.ModePerm | fs.ModeSetuid | fs.ModeSetgid | fs.ModeSticky)
		o.owner = ownerOf(fi)
	}
	// A new file: 0666 and the kernel applies the umask. An existing one:
	// 0600 until its own mode is set at commit, never wider meanwhile.
	perm := fs.FileMode(0o666)
	if o.keep {
		perm = 0o600
	}
	dir, base := filepath.Dir(target), filepath.Base(target)
	// The signals are caught before the file exists, and the file is
	// created under o.mu: a signal either comes first (nothing to remove)
	// or finds the file's name set.
	o.quit = make(chan struct{})
	o.mu.Lock()
	defer o.mu.Unlock()
	o.removeOnSignal()
	for try := 0; ; try++ {
		var rnd [6]byte
		rand.Read(rnd[:])
		o.tmp = filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(rnd[:]))
		o.f, err = os.OpenFile(o.tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL, perm)
		if err == nil {
			break
		}
		if !errors.Is(err, fs.ErrExist) || try == 100 {
			o.done = true
			close(o.quit)
			var pe *fs.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			return nil, fmt.Errorf("--out %s: cannot create its temporary file in %s: %w", path, dir, err)
		}
	}
	o.bw = bufio.NewWriterSize(o.f, 256<<10)
	return o, nil
}

// removeOnSignal removes the temporary file on SIGINT, SIGTERM or SIGHUP, then
// ends the process by the same signal (so that a shell sees it), or with
// status 128+signal where that cannot be done. A signal that was ignored
// when the process started (nohup, trap "" HUP) is left ignored: catching
// it would undo that.
func (o *output) removeOnSignal() {
	var sigs []os.Signal
	for _, s := range []os.Signal{os.Interrupt, syscall.SIGTERM, syscall.SIGHUP} {
		if !signal.Ignored(s) {
			sigs = append(sigs, s)
		}
	}
	if len(sigs) == 0 {
		return // and not Notify with none, which would catch every signal
	}
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, sigs...)
	go func() {
		defer signal.Stop(ch)
		select {
		case s := <-ch:
			o.mu.Lock()
			if !o.done {
				if o.f != nil {
					o.f.Close()
					os.Remove(o.tmp)
				}
				o.done = true
			}
			signal.Reset(s)
			if p, err := os.FindProcess(os.Getpid()); err == nil && p.Signal(s) == nil {
				time.Sleep(time.Second)
			}
			n := 1
			if ss, ok := s.(syscall.Signal); ok {
				n = int(ss)
			}
			os.Exit(128 + n)
		case <-o.quit:
		}
	}()
}

// Write writes to the output's buffer.
func (o *output) Write(p []byte) (int, error) { return o.bw.Write(p) }

// commit completes the output: flushes it and, for a temporary file,
// gives it the kept mode and owner, syncs it and renames it over the
// target.
func (o *output) commit() error {
	if err := o.bw.Flush(); err != nil {
		o.abort()
		return o.ioError(err)
	}
	if o.tmp == "" {
		if o.f != nil {
			return o.ioError(o.f.Close())
		}
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	defer close(o.quit)
	if o.done {
		return fmt.Errorf("%s: interrupted", o.name)
	}
	err := o.finish()
	if err == nil {
		err = os.Rename(o.tmp, o.target)
	}
	o.done = true
	if err != nil {
		o.f.Close()
		os.Remove(o.tmp)
		return o.ioError(err)
	}
	if d, err := os.Open(filepath.Dir(o.target)); err == nil {
		d.Sync() // the rename itself, where the file system supports it
		d.Close()
	}
	return nil
}

// finish sets the kept owner and mode of the temporary file, then syncs
// and closes it.
func (o *output) finish() error {
	if o.keep {
		mode := o.mode
		if !o.owner.restore(o.f) {
			mode &^= 0o070 | fs.ModeSetgid
		}
		// After the chown, which clears the set-user-ID and set-group-ID bits.
		if err := o.f.Chmod(mode); err != nil {
			return err
		}
	}
	if err := o.f.Sync(); err != nil {
		return err
	}
	return o.f.Close()
}

// abort ends a failed run: the temporary file is removed, the target
// untouched.
func (o *output) abort() {
	if o.tmp == "" {
		if o.f != nil {
			o.f.Close()
		}
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.done {
		o.f.Close()
		os.Remove(o.tmp)
		o.done = true
		close(o.quit)
	}
}

func (o *output) ioError(err error) error {
	if err == nil {
		return nil
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return err
	}
	return fmt.Errorf("%s: %w", o.name, err)
}

// sameFile refuses an output that is the input (rename would replace it).
func sameFile(in, out string) error {
	if in == "-" || out == "-" {
		return nil
	}
	si, err := os.Stat(in)
	if err != nil {
		return err
	}
	if so, err := os.Stat(out); err == nil && os.SameFile(si, so) {
		return usagef("--out %s is the input; the input is never modified", out)
	}
	return nil
}
