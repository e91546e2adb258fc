package linuxtest

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
)

// ConfigureNetLabel runs netlabelctl once per line, with the line's words
// as arguments, for example
//
//	ns.ConfigureNetLabel("cipsov4 add pass doi:16 tags:1,2,5")
//
// NetLabel configuration is global to the kernel (its generic-netlink
// family answers only in the initial network namespace), so only additions
// that can be undone exactly are allowed:
//
//   - "cipsov4 add ..." (or "cipso add ..."), for a DOI that does not exist
//     yet; an existing DOI is refused, never modified or removed;
//   - "map add domain:NAME ...", for a domain that has no mapping yet.
//
// Every addition is removed again by Close. No mapping is needed for the
// receive-path check: cipso_v4_validate only looks the DOI up among the
// registered DOIs (tested in this package).
//
// Lines are applied in order; on the first failure the rest is skipped
// and the error returned (what was added stays recorded for Close).
func (ns *Namespace) ConfigureNetLabel(lines ...string) error {
	if err := ns.live(); err != nil {
		return err
	}
	proc.mu.Lock()
	defer proc.mu.Unlock()
	if err := ns.global.acquire(); err != nil {
		return err
	}
	for _, line := range lines {
		if err := ns.global.netlabel(strings.Fields(line)); err != nil {
			return fmt.Errorf("linuxtest: netlabelctl %s: %w", line, err)
		}
	}
	return nil
}

// live reports ErrClosed after Close.
func (ns *Namespace) live() error {
	select {
	case <-ns.exited:
		return ErrClosed
	default:
		return nil
	}
}

// netlabel applies one netlabelctl command. The caller holds proc.mu and
// the global lock.
func (g *globalState) netlabel(args []string) error {
	if len(args) < 3 || args[1] != "add" {
		return errors.New("only \"cipsov4 add\" and \"map add domain:\" are supported")
	}
	var ch change
	switch args[0] {
	case "cipso", "cipsov4":
		doi, err := doiArg(args[2:])
		if err != nil {
			return err
		}
		dois, err := listDOIs()
		if err != nil {
			return err
		}
		if dois[doi] {
			return fmt.Errorf("DOI %d already exists; refusing to touch it", doi)
		}
		ch = change{kind: changeDOI, key: strconv.FormatUint(uint64(doi), 10)}
	case "map":
		d, ok := strings.CutPrefix(args[2], "domain:")
		if !ok || d == "" {
			return errors.New("only \"map add domain:NAME\" is supported (the default mapping is host state)")
		}
		domains, err := listDomains()
		if err != nil {
			return err
		}
		if domains[d] {
			return fmt.Errorf("domain %q already has a mapping; refusing to touch it", d)
		}
		ch = change{kind: changeDomain, key: d}
	default:
		return errors.New("only \"cipsov4 add\" and \"map add domain:\" are supported")
	}
	// Journal first, so that a crash between the two leaves a record.
	if err := g.record(ch); err != nil {
		return err
	}
	if _, err := netlabelctl(args...); err != nil {
		g.forget(ch)
		return err
	}
	return nil
}

// doiArg finds "doi:N" among netlabelctl arguments.
func doiArg(args []string) (uint32, error) {
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "doi:"); ok {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return 0, fmt.Errorf("bad DOI %q", v)
			}
			return uint32(n), nil
		}
	}
	return 0, errors.New("no doi:N argument")
}

// netlabelctl runs the tool and returns its standard output. It must run
// in the initial network namespace: it is called from ordinary goroutines,
// never from a namespace's locked thread, so the child inherits the host's
// namespace.
func netlabelctl(args ...string) (string, error) {
	cmd := exec.Command("netlabelctl", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", errors.New(msg)
	}
	return stdout.String(), nil
}

// listDOIs parses "netlabelctl cipsov4 list": "16,PASS_THROUGH 17,LOCAL".
func listDOIs() (map[uint32]bool, error) {
	out, err := netlabelctl("cipsov4", "list")
	if err != nil {
		return nil, err
	}
	dois := map[uint32]bool{}
	for _, f := range strings.Fields(out) {
		v, _, _ := strings.Cut(f, ",")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("cannot parse netlabelctl output %q", out)
		}
		dois[uint32(n)] = true
	}
	return dois, nil
}

// listDomains parses "netlabelctl map list":
// `domain:"foo",CIPSOv4,16 domain:DEFAULT,UNLABELED`.
func listDomains() (map[string]bool, error) {
	out, err := netlabelctl("map", "list")
	if err != nil {
		return nil, err
	}
	domains := map[string]bool{}
	for _, f := range strings.Fields(out) {
		v, ok := strings.CutPrefix(f, "domain:")
		if !ok {
			continue
		}
		v, _, _ = strings.Cut(v, ",")
		domains[strings.Trim(v, `"`)] = true
	}
	return domains, nil
}
