package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// DefaultBPFPinDir is where a fail-closed eBPF datapath pins its links:
// DIR/IFACE/ingress and DIR/IFACE/egress (--pin-dir).
const DefaultBPFPinDir = "/sys/fs/bpf/dsmd"

// The names of the pinned links in an interface's directory.
var ebpfPinNames = [...]string{"ingress", "egress"}

// ebpfPin is where the link of one interface and direction is pinned.
func ebpfPin(dir, iface string, egress bool) string {
	n := ebpfPinNames[0]
	if egress {
		n = ebpfPinNames[1]
	}
	return filepath.Join(dir, iface, n)
}

// checkBPFFS says whether dir is, or would be created, on a bpf file
// system: the nearest existing directory of its path is on one.
func checkBPFFS(dir string) error {
	p := filepath.Clean(dir)
	for {
		var st unix.Statfs_t
		err := unix.Statfs(p, &st)
		if err == nil {
			if st.Type != unix.BPF_FS_MAGIC {
				return fmt.Errorf("%s is not on a bpf file system (mount one: mount -t bpf bpf /sys/fs/bpf), which fail-closed needs to pin its links", dir)
			}
			return nil
		}
		if !errors.Is(err, unix.ENOENT) || p == filepath.Dir(p) {
			return fmt.Errorf("%s: %w", p, err)
		}
		p = filepath.Dir(p)
	}
}

// A pinnedTCX is the TCX link pinned for one interface and direction, as
// found before attaching: nil when there is none to take over.
type pinnedTCX struct {
	path string
	old  link.Link
}

// findPinned opens the link pinned at path if it is a TCX link of
// ifindex in direction typ (a link left by an earlier dsmd, to take
// over). A pinned link that is not (its interface is gone: the link is
// defunct, ifindex 0) is unpinned, which releases it.
func findPinned(path string, ifindex int, typ ebpf.AttachType) (pinnedTCX, error) {
	p := pinnedTCX{path: path}
	l, err := link.LoadPinnedLink(path, nil)
	if errors.Is(err, fs.ErrNotExist) {
		return p, nil
	}
	if err != nil {
		return p, fmt.Errorf("opening the pinned link %s: %w", path, err)
	}
	// Only a link known to be stale goes: one whose information cannot
	// be read may still hold a gate, and unpinning it would let the
	// packets pass.
	info, err := l.Info()
	if err != nil {
		l.Close()
		return p, fmt.Errorf("reading the pinned link %s: %w", path, err)
	}
	if tcx := info.TCX(); tcx != nil && int(tcx.Ifindex) == ifindex && ebpf.AttachType(tcx.AttachType) == typ {
		p.old = l
		return p, nil
	}
	err = l.Unpin()
	l.Close()
	if err != nil {
		return p, fmt.Errorf("unpinning the stale link %s: %w", path, err)
	}
	return p, nil
}

// attach puts prog on the interface: it replaces the program of the
// link taken over (BPF_LINK_UPDATE, one step, no packet in between
// unchecked), or attaches a new link and pins it. created says whether
// the pin is new.
func (p pinnedTCX) attach(ifindex int, prog *ebpf.Program, typ ebpf.AttachType) (l link.Link, created bool, err error) {
	if p.old != nil {
		if err := p.old.Update(prog); err != nil {
			return nil, false, fmt.Errorf("taking over the pinned link %s: %w", p.path, err)
		}
		return p.old, false, nil
	}
	l, err = link.AttachTCX(link.TCXOptions{Interface: ifindex, Program: prog, Attach: typ})
	if err != nil {
		return nil, false, err
	}
	if err := os.MkdirAll(filepath.Dir(p.path), 0o700); err != nil {
		l.Close()
		return nil, false, err
	}
	if err := l.Pin(p.path); err != nil {
		l.Close()
		return nil, false, fmt.Errorf("pinning %s: %w", p.path, err)
	}
	return l, true, nil
}

// DisarmEBPF removes the links a fail-closed eBPF datapath pinned under
// dir (--disarm): each DIR/IFACE/ingress and egress, then the emptied
// directories. A link whose pin goes and that no running dsmd holds is
// detached, and packets then pass that interface unlabeled. Nothing else
// is removed, and dir must be on a bpf file system; a dir that does not
// exist is already disarmed. It returns the pins it removed.
func DisarmEBPF(dir string) ([]string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err := checkBPFFS(dir); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var removed []string
	var errs []error
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		for _, n := range ebpfPinNames {
			p := filepath.Join(dir, e.Name(), n)
			if err := os.Remove(p); err == nil {
				removed = append(removed, p)
			} else if !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, err)
			}
		}
		if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
			errs = append(errs, err)
		}
	}
	if err := os.Remove(dir); err != nil {
		errs = append(errs, err)
	}
	return removed, errors.Join(errs...)
}
