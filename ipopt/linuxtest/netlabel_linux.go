package linuxtest

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"slices"
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
	unlock, err := ns.enter()
	if err != nil {
		return err
	}
	defer unlock()
	for _, line := range lines {
		if err := ns.global.netlabel(strings.Fields(line)); err != nil {
			return fmt.Errorf("linuxtest: netlabelctl %s: %w", line, err)
		}
	}
	return nil
}

// enter prepares a change of global state: it checks that ns is not
// closed, takes proc.mu and then the global lock for ns, and returns what
// releases proc.mu (the global lock stays held until Close).
func (ns *Namespace) enter() (unlock func(), err error) {
	if err := ns.live(); err != nil {
		return nil, err
	}
	proc.mu.Lock()
	if err := ns.global.acquire(); err != nil {
		proc.mu.Unlock()
		return nil, err
	}
	return proc.mu.Unlock, nil
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
			return fmt.Errorf("DOI %d already exists; refusing to touch it: %w", doi, errExists)
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
	if testHookBeforeAdd != nil {
		testHookBeforeAdd(ch)
	}
	if _, err := netlabelctl(args...); err != nil {
		g.forget(ch)
		if ch.kind == changeDOI && strings.Contains(err.Error(), "exists") {
			// Added by someone else since listDOIs (netlabelctl says
			// "File exists"): theirs, not ours.
			return fmt.Errorf("DOI %s already exists; refusing to touch it: %w", ch.key, errExists)
		}
		return err
	}
	return nil
}

// testHookBeforeAdd, if set, runs between the check that a DOI is free and
// its addition (tests: another process adds it in between).
var testHookBeforeAdd func(change)

// errExists marks a refusal because the DOI is configured already.
var errExists = errors.New("configured already")

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
	types, err := listDOITypes()
	if err != nil {
		return nil, err
	}
	dois := make(map[uint32]bool, len(types))
	for d := range types {
		dois[d] = true
	}
	return dois, nil
}

// listDOITypes is listDOIs with each DOI's mapping type as netlabelctl
// names it (PASS_THROUGH, TRANSLATED, LOCAL).
func listDOITypes() (map[uint32]string, error) {
	out, err := netlabelctl("cipsov4", "list")
	if err != nil {
		return nil, err
	}
	return parseDOIList(out)
}

// parseDOIList parses the DOI list "netlabelctl cipsov4 list" and
// "netlabelctl calipso list" print, "16,PASS_THROUGH 17,LOCAL", into
// each DOI's mapping type.
func parseDOIList(out string) (map[uint32]string, error) {
	dois := map[uint32]string{}
	for _, f := range strings.Fields(out) {
		v, typ, _ := strings.Cut(f, ",")
		n, err := strconv.ParseUint(v, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("cannot parse netlabelctl output %q", out)
		}
		dois[uint32(n)] = typ
	}
	return dois, nil
}

// ConfigureDOIs is [Namespace.ConfigureNetLabel] for configurations that
// must not depend on which DOI numbers the host already uses: the number
// of each "cipsov4 add ... doi:N ..." line is only a wish. A DOI that is
// configured already (by the host's owner, or by another process at the
// same moment: netlabelctl then reports that it exists) is never touched;
// the line is added under another, free number instead. Other lines (a
// "map add domain:NAME protocol:cipsov4,N") are applied after the DOIs,
// rewritten with [DOIs.Rewrite]. The result maps each wished-for number
// to the one used; tests must build their labels and models with it (for
// example by passing their configuration text through Rewrite).
//
// On an error the DOIs added so far stay recorded for Close.
func (ns *Namespace) ConfigureDOIs(lines ...string) (DOIs, error) {
	unlock, err := ns.enter()
	if err != nil {
		return nil, err
	}
	defer unlock()
	used := DOIs{}
	taken := map[uint32]bool{}
	var rest []string
	for _, line := range lines {
		args := strings.Fields(line)
		if len(args) < 3 || (args[0] != "cipsov4" && args[0] != "cipso") || args[1] != "add" {
			rest = append(rest, line)
			continue
		}
		want, err := doiArg(args[2:])
		if err != nil {
			return used, fmt.Errorf("linuxtest: netlabelctl %s: %w", line, err)
		}
		if _, dup := used[want]; dup {
			return used, fmt.Errorf("linuxtest: netlabelctl %s: DOI %d asked for twice", line, want)
		}
		for k := 0; ; k++ {
			if k == doiCandidates {
				return used, fmt.Errorf("linuxtest: netlabelctl %s: no free DOI found in %d tries", line, k)
			}
			doi := doiCandidate(want, k)
			if taken[doi] {
				continue
			}
			try := DOIs{want: doi}.Rewrite(line)
			err := ns.global.netlabel(strings.Fields(try))
			if errors.Is(err, errExists) {
				continue
			}
			if err != nil {
				return used, fmt.Errorf("linuxtest: netlabelctl %s: %w", try, err)
			}
			used[want], taken[doi] = doi, true
			break
		}
	}
	for _, line := range rest {
		line = used.Rewrite(line)
		if err := ns.global.netlabel(strings.Fields(line)); err != nil {
			return used, fmt.Errorf("linuxtest: netlabelctl %s: %w", line, err)
		}
	}
	return used, nil
}

// FreeDOI returns want if no DOI of that number is configured, or else
// the first free number of the sequence ConfigureDOIs tries, for tests
// that need a DOI the kernel does not know. Nothing is reserved: call it
// after ConfigureDOIs (whose lock keeps other users of this package out
// until Close), and know that anyone else may still add the number.
func (ns *Namespace) FreeDOI(want uint32) (uint32, error) {
	unlock, err := ns.enter()
	if err != nil {
		return 0, err
	}
	defer unlock()
	dois, err := listDOIs()
	if err != nil {
		return 0, fmt.Errorf("linuxtest: %w", err)
	}
	for k := range doiCandidates {
		if d := doiCandidate(want, k); !dois[d] && d != 0 {
			return d, nil
		}
	}
	return 0, fmt.Errorf("linuxtest: no free DOI found in %d tries", doiCandidates)
}

// HostDOIs returns, in netlabelctl syntax ("cipsov4 add pass doi:16
// tags:1,2,5"), the CIPSO DOIs configured in the kernel that ns did not
// add: the host's own, and those of other namespaces. A test that compares
// the kernel with a model must add them to its model (cipso.ParseConfig
// reads these lines), or keep its generated labels away from them: the
// kernel accepts labels of such a DOI. Call it after ConfigureDOIs, which
// takes the lock that keeps other users of this package from changing
// NetLabel until Close.
func (ns *Namespace) HostDOIs() ([]string, error) {
	unlock, err := ns.enter()
	if err != nil {
		return nil, err
	}
	defer unlock()
	types, err := listDOITypes()
	if err != nil {
		return nil, fmt.Errorf("linuxtest: %w", err)
	}
	mine := map[string]bool{}
	for _, c := range proc.changes {
		if c.owner == &ns.global && c.kind == changeDOI {
			mine[c.key] = true
		}
	}
	var lines []string
	for doi, typ := range types {
		key := strconv.FormatUint(uint64(doi), 10)
		if mine[key] {
			continue
		}
		line, err := hostDOI(doi, typ)
		if err != nil {
			return nil, err
		}
		lines = append(lines, line)
	}
	slices.Sort(lines)
	return lines, nil
}

// hostDOI rebuilds the command that configured doi from "netlabelctl
// cipsov4 list doi:N", which prints "tags:1 levels:0=0,1=3
// categories:0=0,1=5" (tags:128 for a local DOI, which its add command
// does not take).
func hostDOI(doi uint32, typ string) (string, error) {
	key := strconv.FormatUint(uint64(doi), 10)
	out, err := netlabelctl("cipsov4", "list", "doi:"+key)
	if err != nil {
		return "", fmt.Errorf("linuxtest: netlabelctl cipsov4 list doi:%s: %w", key, err)
	}
	line := "cipsov4 add "
	switch typ {
	case "PASS_THROUGH":
		line += "pass"
	case "TRANSLATED":
		line += "trans"
	case "LOCAL":
		return line + "local doi:" + key, nil
	default:
		return "", fmt.Errorf("linuxtest: DOI %s has mapping type %q, which this package does not know", key, typ)
	}
	return line + " doi:" + key + " " + strings.Join(strings.Fields(out), " "), nil
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
