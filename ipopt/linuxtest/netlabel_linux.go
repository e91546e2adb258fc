package linuxtest

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/iplabel/iplabel/cipso/netlabel/netlabeltest"
)

// ConfigureNetLabel applies lines in netlabelctl's syntax, one at a time,
// through the kernel's NetLabel client (cipso/netlabel; netlabelctl is not
// needed), for example
//
//	ns.ConfigureNetLabel("cipsov4 add pass doi:16 tags:1,2,5")
//
// NetLabel configuration is global to the kernel (its generic-netlink
// family answers only in the initial network namespace), so only additions
// that can be undone exactly are allowed:
//
//   - "cipsov4 add ..." (or "cipso add ..."), as [cipso.ParseCommand]
//     reads it, for a DOI that does not exist yet; an existing DOI is
//     refused, never modified or removed;
//   - "map add domain:NAME [address:PREFIX] protocol:PROTO" (PROTO one of
//     cipsov4,N, calipso,N and unlbl), for a domain that has no mapping
//     yet.
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
	if err := ns.global.h.Acquire(); err != nil {
		return err
	}
	for _, line := range lines {
		if err := ns.global.netlabel(line); err != nil {
			return fmt.Errorf("linuxtest: %s: %w", line, err)
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

// errExists marks a refusal because the DOI is configured already.
var errExists = netlabeltest.ErrExists

// netlabel applies one line in netlabelctl's syntax.
func (g *globalState) netlabel(line string) error {
	args := strings.Fields(line)
	if len(args) < 3 || args[1] != "add" {
		return errors.New("only \"cipsov4 add\" and \"map add domain:\" are supported")
	}
	switch args[0] {
	case "cipso", "cipsov4":
		dom, err := cipso.ParseCommand(line)
		if err != nil {
			return err
		}
		err = g.h.AddDOI(netlabel.DOIOf(dom))
		if errors.Is(err, netlabeltest.ErrExists) {
			return fmt.Errorf("DOI %d already exists; refusing to touch it: %w", dom.DOI(), err)
		}
		return err
	case "map":
		m, err := parseMapAdd(args[2:])
		if err != nil {
			return err
		}
		err = g.h.AddMapping(m)
		if errors.Is(err, netlabeltest.ErrExists) {
			return fmt.Errorf("domain %q already has a mapping; refusing to touch it: %w", m.Domain, err)
		}
		return err
	}
	return errors.New("only \"cipsov4 add\" and \"map add domain:\" are supported")
}

// parseMapAdd reads the arguments of netlabelctl "map add": domain:NAME,
// at most one address:PREFIX, and protocol:cipsov4,N (or cipso,N),
// protocol:calipso,N or protocol:unlbl.
func parseMapAdd(args []string) (netlabel.Mapping, error) {
	var (
		m      netlabel.Mapping
		prefix netip.Prefix
		proto  netlabel.Protocol
		doi    uint32
	)
	for _, a := range args {
		key, v, _ := strings.Cut(a, ":")
		switch key {
		case "domain":
			m.Domain = v
		case "address":
			p, err := netip.ParsePrefix(v)
			if err != nil {
				a, aerr := netip.ParseAddr(v)
				if aerr != nil {
					return m, fmt.Errorf("bad address %q", v)
				}
				p = netip.PrefixFrom(a, a.BitLen())
			}
			prefix = p
		case "protocol":
			name, n, hasDOI := strings.Cut(v, ",")
			switch name {
			case "cipsov4", "cipso":
				proto = netlabel.CIPSOv4
			case "calipso":
				proto = netlabel.CALIPSO
			case "unlbl":
				proto = netlabel.Unlabeled
			default:
				return m, fmt.Errorf("unknown protocol %q", name)
			}
			if hasDOI != (proto != netlabel.Unlabeled) {
				return m, fmt.Errorf("protocol %q: a DOI goes with cipsov4 and calipso only", v)
			}
			if hasDOI {
				x, err := strconv.ParseUint(n, 10, 32)
				if err != nil || x == 0 {
					return m, fmt.Errorf("bad DOI %q", n)
				}
				doi = uint32(x)
			}
		default:
			return m, fmt.Errorf("unsupported argument %q", a)
		}
	}
	if m.Domain == "" {
		return m, errors.New("only \"map add domain:NAME\" is supported (the default mapping is host state)")
	}
	if proto == 0 {
		return m, errors.New("no protocol argument")
	}
	if prefix.IsValid() {
		m.Selectors = []netlabel.Selector{{Prefix: prefix, Protocol: proto, DOI: doi}}
	} else {
		m.Protocol, m.DOI = proto, doi
	}
	return m, nil
}

// ConfigureDOIs is [Namespace.ConfigureNetLabel] for configurations that
// must not depend on which DOI numbers the host already uses: the number
// of each "cipsov4 add ... doi:N ..." line is only a wish. A DOI that is
// configured already (by the host's owner, or by another process at the
// same moment: the kernel then reports that it exists) is never touched;
// the line is added under another, free number instead. Other lines (a
// "map add domain:NAME protocol:cipsov4,N") are applied after the DOIs,
// rewritten with [DOIs.Rewrite]. The result maps each wished-for number
// to the one used; tests must build their labels and models with it (for
// example by passing their configuration text through Rewrite).
//
// On an error the DOIs added so far stay recorded for Close.
func (ns *Namespace) ConfigureDOIs(lines ...string) (DOIs, error) {
	if err := ns.live(); err != nil {
		return nil, err
	}
	if err := ns.global.h.Acquire(); err != nil {
		return nil, err
	}
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
			return used, fmt.Errorf("linuxtest: %s: %w", line, err)
		}
		if _, dup := used[want]; dup {
			return used, fmt.Errorf("linuxtest: %s: DOI %d asked for twice", line, want)
		}
		for k := 0; ; k++ {
			if k == netlabeltest.DOICandidates {
				return used, fmt.Errorf("linuxtest: %s: no free DOI found in %d tries", line, k)
			}
			doi := netlabeltest.DOICandidate(want, k)
			if taken[doi] {
				continue
			}
			try := DOIs{want: doi}.Rewrite(line)
			err := ns.global.netlabel(try)
			if errors.Is(err, errExists) {
				continue
			}
			if err != nil {
				return used, fmt.Errorf("linuxtest: %s: %w", try, err)
			}
			used[want], taken[doi] = doi, true
			break
		}
	}
	for _, line := range rest {
		line = used.Rewrite(line)
		if err := ns.global.netlabel(line); err != nil {
			return used, fmt.Errorf("linuxtest: %s: %w", line, err)
		}
	}
	return used, nil
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

// FreeDOI returns want if no DOI of that number is configured, or else
// the first free number of the sequence ConfigureDOIs tries, for tests
// that need a DOI the kernel does not know. Nothing is reserved: call it
// after ConfigureDOIs (whose lock keeps other users of this package out
// until Close), and know that anyone else may still add the number.
func (ns *Namespace) FreeDOI(want uint32) (uint32, error) {
	if err := ns.live(); err != nil {
		return 0, err
	}
	d, err := ns.global.h.FreeDOI(want)
	if err != nil {
		return 0, fmt.Errorf("linuxtest: %w", err)
	}
	return d, nil
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
	c, err := ns.client()
	if err != nil {
		return nil, err
	}
	dois, err := c.ListDOIs()
	if err != nil {
		return nil, fmt.Errorf("linuxtest: %w", err)
	}
	mine := map[string]bool{}
	for _, ch := range ns.global.h.Changes() {
		if ch.Kind == netlabeltest.DOI {
			mine[ch.Key] = true
		}
	}
	var lines []string
	for _, d := range dois {
		if !mine[d.Number.String()] {
			lines = append(lines, d.String())
		}
	}
	slices.Sort(lines)
	return lines, nil
}

// client takes the global lock for ns and returns the process's NetLabel
// client.
func (ns *Namespace) client() (*netlabel.Client, error) {
	if err := ns.live(); err != nil {
		return nil, err
	}
	if err := ns.global.h.Acquire(); err != nil {
		return nil, err
	}
	return ns.global.h.Client(), nil
}

// probeNetLabel checks that NetLabel answers here.
func probeNetLabel() error {
	c, err := netlabel.Dial()
	if errors.Is(err, netlabel.ErrNoNetLabel) {
		return errors.New("linuxtest: needs a kernel with NetLabel (CONFIG_NETLABEL)")
	}
	if err != nil {
		return fmt.Errorf("linuxtest: %w", err)
	}
	return c.Close()
}
