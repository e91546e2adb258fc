package main

import (
	"bytes"
	"fmt"
	"io"
	"os/exec"
	"strings"
)

// A pendingRestore is an "iptables-restore -w --noflush" started while
// dsmd still has its privileges, which commits what it is given later,
// once dsmd has dropped them, or nothing at all. This is how dsmd arms
// its fail-closed rules without keeping the privileges iptables needs
// and without a moment in which the rules are armed while dsmd may still
// fail to start: it binds its queues, starts the restore, drops its
// privileges, and only then hands the restore the armed rules. If the
// drop fails, the restore gets no input and changes nothing.
type pendingRestore struct {
	name string
	cmd  *exec.Cmd
	in   io.WriteCloser
	out  bytes.Buffer
}

// startRestore starts IPTABLES-restore waiting for its input.
func startRestore(iptables string) (*pendingRestore, error) {
	p := &pendingRestore{name: iptables + "-restore"}
	p.cmd = exec.Command(p.name, "-w", "--noflush")
	p.cmd.Stdout, p.cmd.Stderr = &p.out, &p.out
	in, err := p.cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	p.in = in
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("%s: %w", p.name, err)
	}
	return p, nil
}

// commit hands the restore its input and waits for it: the rules are
// committed in one step, or not at all.
func (p *pendingRestore) commit(in string) error {
	_, werr := io.WriteString(p.in, in)
	cerr := p.in.Close()
	if err := p.cmd.Wait(); err != nil {
		return fmt.Errorf("%s: %w: %s", p.name, err, strings.TrimSpace(p.out.String()))
	}
	if werr != nil {
		return fmt.Errorf("%s: %w", p.name, werr)
	}
	return cerr
}

// abort ends the restore with no input: it changes nothing.
func (p *pendingRestore) abort() {
	_ = p.in.Close()
	_ = p.cmd.Wait()
}
