package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"net/netip"
	"os"
	"os/user"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
)

// ConfigError is one error in a configuration file, at a line.
type ConfigError struct {
	File string
	Line int
	Msg  string
}

func (e *ConfigError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxConfigErrors is how many errors ParseConfig reports before it stops.
const maxConfigErrors = 20

// LoadConfig reads and parses the named file.
func LoadConfig(name string) (*Config, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseConfig(name, f)
}

// ParseConfig parses a configuration. Every error found (up to 20) is
// reported as a *ConfigError naming the file and line; they are joined
// with errors.Join.
func ParseConfig(name string, r io.Reader) (*Config, error) {
	c := &Config{
		File:     name,
		QueueOut: 1, QueueIn: 2, QueueLen: 1024, MTU: 1500,
		ICMP: true, ICMPRate: 10, LogRate: 5,
		Default: Reject,
	}
	p := parser{c: c, file: name, seen: map[string]int{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxConfigLine+1) // +1: the newline
	nodeSet := false
	for sc.Scan() {
		p.line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		w := strings.Fields(text)
		if len(w) == 0 {
			continue
		}
		if w[0] == "node" {
			nodeSet = true
		}
		p.directive(w)
		if len(p.errs) >= maxConfigErrors {
			break
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		p.line++ // the line that did not fit
		p.errorf("line longer than %d octets", maxConfigLine)
	} else if err != nil {
		p.errorf("%v", err)
	}
	if !nodeSet && len(p.errs) < maxConfigErrors {
		p.line = 0
		p.errs = append(p.errs, &ConfigError{File: name, Line: 0, Msg: "missing \"node\" directive"})
	}
	if c.QueueIn == c.QueueOut && len(p.errs) == 0 {
		p.errorAt(p.seen["queue in"], "queue in and queue out must differ (both %d)", c.QueueIn)
	}
	if c.DOI == 0 {
		c.DOI = dsm.DefaultDOI
	}
	if c.Mode == NeutraliseTranslate && c.TranslateDOI == c.DOI && len(p.errs) == 0 {
		p.errorAt(p.seen["neutralise"], "translate doi must differ from the label doi %d", c.DOI)
	}
	if len(p.errs) > 0 {
		return nil, errors.Join(p.errs...)
	}
	return c, nil
}

// maxConfigLine is the longest configuration line read, as
// cipso.MaxConfigLine is for DOI files; a longer one is an error at its
// line, and reading stops there.
const maxConfigLine = 64 << 10

type parser struct {
	c    *Config
	file string
	line int
	errs []error
	seen map[string]int // single-use directives -> line
}

func (p *parser) errorf(format string, args ...any) { p.errorAt(p.line, format, args...) }

func (p *parser) errorAt(line int, format string, args ...any) {
	p.errs = append(p.errs, &ConfigError{File: p.file, Line: line, Msg: fmt.Sprintf(format, args...)})
}

// once refuses a second occurrence of a single-use directive.
func (p *parser) once(key string) bool {
	if l, ok := p.seen[key]; ok {
		p.errorf("%q given twice (first on line %d)", key, l)
		return false
	}
	p.seen[key] = p.line
	return true
}

// nargs checks the number of arguments after the directive.
func (p *parser) nargs(w []string, n int) bool {
	if len(w)-1 != n {
		p.errorf("%q takes %d argument(s), got %d", w[0], n, len(w)-1)
		return false
	}
	return true
}

func (p *parser) directive(w []string) {
	c := p.c
	switch w[0] {
	case "node":
		if p.nargs(w, 1) && p.once("node") {
			c.Node, _ = p.u32(w[1], "node ID")
		}
	case "doi":
		if p.nargs(w, 1) && p.once("doi") {
			v, ok := p.u32(w[1], "DOI")
			if ok && v == 0 {
				p.errorf("DOI 0 is reserved (CIPSO draft §3.3)")
			}
			c.DOI = cipso.DOI(v)
		}
	case "serial":
		if p.nargs(w, 1) && p.once("serial") {
			c.Serial, c.HasSerial = p.u32(w[1], "policy serial")
		}
	case "queue":
		p.queue(w)
	case "queue-len":
		if p.nargs(w, 1) && p.once("queue-len") {
			if v, ok := p.u32(w[1], "queue length"); ok {
				if v == 0 {
					p.errorf("queue length must be at least 1")
				}
				c.QueueLen = v
			}
		}
	case "overload":
		if p.nargs(w, 1) && p.once("overload") {
			switch w[1] {
			case "fail-closed":
				c.FailOpen = false
			case "fail-open":
				c.FailOpen = true
			default:
				p.errorf("overload: want fail-closed or fail-open, got %q", w[1])
			}
		}
	case "interface":
		if len(w) < 2 {
			p.errorf("interface: missing name")
			return
		}
		for _, n := range w[1:] {
			if len(n) > 15 || strings.ContainsAny(n, "/ \t") {
				p.errorf("interface: bad device name %q", n)
				continue
			}
			c.Interfaces = append(c.Interfaces, n)
		}
	case "mtu":
		if p.nargs(w, 1) && p.once("mtu") {
			if v, ok := p.u32(w[1], "MTU"); ok {
				if v < 576 || v > 65535 {
					p.errorf("mtu %d out of range 576..65535", v)
				}
				p.c.MTU = int(v)
			}
		}
	case "user":
		if p.nargs(w, 1) && p.once("user") {
			c.User = p.user(w[1])
		}
	case "neutralise", "neutralize":
		p.neutralise(w)
	case "foreign-cipso":
		if p.nargs(w, 1) && p.once("foreign-cipso") {
			switch w[1] {
			case "drop":
				c.ForeignPass = false
			case "pass":
				c.ForeignPass = true
			default:
				p.errorf("foreign-cipso: want drop or pass, got %q", w[1])
			}
		}
	case "icmp":
		if p.nargs(w, 1) && p.once("icmp") {
			c.ICMP, _ = p.onOff(w[1])
		}
	case "icmp-rate":
		if p.nargs(w, 1) && p.once("icmp-rate") {
			c.ICMPRate = p.rate(w[1])
		}
	case "log-rate":
		if p.nargs(w, 1) && p.once("log-rate") {
			c.LogRate = p.rate(w[1])
		}
	case "label":
		p.label(w)
	case "dest-sid":
		if p.nargs(w, 2) {
			pr, ok1 := p.prefix(w[1])
			sid, ok2 := p.u32(w[2], "destination SID")
			if ok1 && ok2 {
				c.DestSIDs = append(c.DestSIDs, DestSIDRule{Prefix: pr, SID: sid})
			}
		}
	case "peer":
		p.peer(w)
	case "allow", "reject":
		p.rule(w)
	case "default":
		if p.nargs(w, 1) && p.once("default") {
			switch w[1] {
			case "allow":
				c.Default = Allow
			case "reject":
				c.Default = Reject
			default:
				p.errorf("default: want allow or reject, got %q", w[1])
			}
		}
	default:
		p.errorf("unknown directive %q", w[0])
	}
}

// user parses "NAME" (looked up in the user database, with its primary
// group) or "UID:GID".
func (p *parser) user(s string) *User {
	if us, gs, ok := strings.Cut(s, ":"); ok {
		uid, ok1 := p.u32(us, "uid")
		gid, ok2 := p.u32(gs, "gid")
		if !ok1 || !ok2 {
			return nil
		}
		if uid > math.MaxInt32 || gid > math.MaxInt32 {
			p.errorf("user %q: uid and gid must be below 2^31", s)
			return nil
		}
		return &User{Name: s, UID: int(uid), GID: int(gid)}
	}
	u, err := user.Lookup(s)
	if err != nil {
		p.errorf("user %q: %v (give a user name or UID:GID)", s, err)
		return nil
	}
	uid, err1 := strconv.Atoi(u.Uid)
	gid, err2 := strconv.Atoi(u.Gid)
	if err1 != nil || err2 != nil || uid < 0 || gid < 0 {
		p.errorf("user %q: non-numeric uid %q or gid %q", s, u.Uid, u.Gid)
		return nil
	}
	return &User{Name: s, UID: uid, GID: gid}
}

func (p *parser) queue(w []string) {
	if !p.nargs(w, 2) {
		return
	}
	var dst *uint16
	switch w[1] {
	case "out":
		dst = &p.c.QueueOut
	case "in":
		dst = &p.c.QueueIn
	default:
		p.errorf("queue: want \"out\" or \"in\", got %q", w[1])
		return
	}
	if !p.once("queue " + w[1]) {
		return
	}
	v, ok := p.num(w[2], "queue number", 0xffff)
	if ok && v > 0xffff {
		p.errorf("queue number %d out of range 0..65535", v)
		return
	}
	*dst = uint16(v)
}

func (p *parser) neutralise(w []string) {
	if len(w) < 2 || !p.once("neutralise") {
		if len(w) < 2 {
			p.errorf("%s: want nop or translate", w[0])
		}
		return
	}
	switch w[1] {
	case "nop":
		if len(w) != 2 {
			p.errorf("%s nop takes no further arguments", w[0])
		}
		p.c.Mode = NeutraliseNOP
	case "translate":
		p.c.Mode = NeutraliseTranslate
		haveDOI := false
		for i := 2; i < len(w); i += 2 {
			if i+1 >= len(w) {
				p.errorf("%s translate: %q needs a value", w[0], w[i])
				return
			}
			switch w[i] {
			case "doi":
				v, ok := p.u32(w[i+1], "translate DOI")
				if ok && v == 0 {
					p.errorf("DOI 0 is reserved (CIPSO draft §3.3)")
				}
				p.c.TranslateDOI, haveDOI = cipso.DOI(v), true
			case "level":
				v, ok := p.num(w[i+1], "level", cipso.MaxWireLevel)
				if ok && v > cipso.MaxWireLevel {
					p.errorf("level %d out of range 0..255", v)
				}
				p.c.TranslateLevel = uint8(v)
			default:
				p.errorf("%s translate: unknown keyword %q (want doi, level)", w[0], w[i])
			}
		}
		if !haveDOI {
			p.errorf("%s translate needs \"doi N\"", w[0])
		}
	default:
		p.errorf("%s: want nop or translate, got %q", w[0], w[1])
	}
}

func (p *parser) label(w []string) {
	// label SEL [VALUE] ACTION [SID]
	if len(w) < 3 {
		p.errorf("label: want \"label SELECTOR sid N|unlabeled|drop\"")
		return
	}
	r := LabelRule{Line: p.line}
	i := 2
	switch w[1] {
	case "default":
		r.Kind = SelDefault
	case "uid", "gid":
		r.Kind = SelUID
		if w[1] == "gid" {
			r.Kind = SelGID
		}
		v, ok := p.u32(w[2], w[1])
		if !ok {
			return
		}
		r.Value, i = v, 3
	case "mark":
		v, m, ok := p.mark(w[2])
		if !ok {
			return
		}
		r.Kind, r.Value, r.Mask, i = SelMark, v, m, 3
	default:
		p.errorf("label: unknown selector %q (want default, uid, gid, mark)", w[1])
		return
	}
	rest := w[i:]
	switch {
	case len(rest) == 2 && rest[0] == "sid":
		v, ok := p.u32(rest[1], "source SID")
		if !ok {
			return
		}
		r.Action, r.SID = SendLabel, v
	case len(rest) == 1 && rest[0] == "unlabeled":
		r.Action = SendUnlabeled
	case len(rest) == 1 && rest[0] == "drop":
		r.Action = SendDrop
	default:
		p.errorf("label: want \"sid N\", \"unlabeled\" or \"drop\" after the selector, got %q", strings.Join(rest, " "))
		return
	}
	p.c.Labels = append(p.c.Labels, r)
}

func (p *parser) peer(w []string) {
	if len(w) < 3 {
		p.errorf("peer: want \"peer NODE PREFIX...\"")
		return
	}
	node, ok := p.u32(w[1], "node ID")
	if !ok {
		return
	}
	pe := Peer{Node: node}
	for _, s := range w[2:] {
		if pr, ok := p.prefix(s); ok {
			pe.Prefixes = append(pe.Prefixes, pr)
		}
	}
	p.c.Peers = append(p.c.Peers, pe)
}

func (p *parser) rule(w []string) {
	r := RecvRule{Line: p.line, Node: Range{Any: true}, SID: Range{Any: true}, DSID: Range{Any: true}}
	if w[0] == "allow" {
		r.Action = Allow
	}
	for i := 1; i < len(w); i++ {
		key := w[i]
		if key == "unlabeled" {
			r.Unlabeled = true
			continue
		}
		if i+1 >= len(w) {
			p.errorf("%s: %q needs a value", w[0], key)
			return
		}
		val := w[i+1]
		i++
		var ok bool
		switch key {
		case "node":
			r.Node, ok = p.rangeArg(val, "node ID")
			r.Labeled = true
		case "sid":
			r.SID, ok = p.rangeArg(val, "SID")
			r.Labeled = true
		case "dsid":
			r.DSID, ok = p.rangeArg(val, "destination SID")
			r.Labeled = true
		case "from":
			r.From, ok = p.prefix(val)
			r.HasFrom = true
		case "proto":
			r.Proto, ok = p.proto(val)
			r.HasProto = true
		case "port":
			r.Port, ok = p.rangeArgMax(val, "port", 0xffff)
			if ok && !r.Port.Any && r.Port.Hi > 0xffff {
				p.errorf("port %d out of range 0..65535", r.Port.Hi)
				ok = false
			}
			r.HasPort = !r.Port.Any
		default:
			p.errorf("%s: unknown match %q (want node, sid, dsid, unlabeled, from, proto, port)", w[0], key)
			return
		}
		if !ok {
			return
		}
	}
	if r.Unlabeled && r.Labeled {
		p.errorf("%s: \"unlabeled\" cannot be combined with node, sid or dsid", w[0])
		return
	}
	if r.HasPort && (!r.HasProto || (r.Proto != protoTCP && r.Proto != protoUDP)) {
		p.errorf("%s: \"port\" needs \"proto udp\" or \"proto tcp\"", w[0])
		return
	}
	p.c.Rules = append(p.c.Rules, r)
}

const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
)

func (p *parser) proto(s string) (uint8, bool) {
	switch s {
	case "icmp":
		return protoICMP, true
	case "tcp":
		return protoTCP, true
	case "udp":
		return protoUDP, true
	}
	v, ok := p.num(s, "protocol", 255)
	if ok && v > 255 {
		p.errorf("protocol %d out of range 0..255", v)
		return 0, false
	}
	return uint8(v), ok
}

func (p *parser) u32(s, what string) (uint32, bool) { return p.num(s, what, math.MaxUint32) }

// num parses a number for a field that holds 0..limit; a word that is no
// number is refused with that range (the caller checks a number above
// limit, with its own message).
func (p *parser) num(s, what string, limit uint32) (uint32, bool) {
	v, err := strconv.ParseUint(s, 0, 32)
	if err != nil {
		p.errorf("bad %s %q: want a number 0..%d (decimal or 0x hex)", what, s, limit)
		return 0, false
	}
	return uint32(v), true
}

func (p *parser) rangeArg(s, what string) (Range, bool) {
	return p.rangeArgMax(s, what, math.MaxUint32)
}

// rangeArgMax is rangeArg for a field that holds 0..limit.
func (p *parser) rangeArgMax(s, what string, limit uint32) (Range, bool) {
	if s == "any" {
		return Range{Any: true}, true
	}
	lo, hi, isRange := strings.Cut(s, "-")
	a, ok := p.num(lo, what, limit)
	if !ok {
		return Range{}, false
	}
	b := a
	if isRange {
		if b, ok = p.num(hi, what, limit); !ok {
			return Range{}, false
		}
		if b < a {
			p.errorf("empty %s range %s", what, s)
			return Range{}, false
		}
	}
	return Range{Lo: a, Hi: b}, true
}

func (p *parser) mark(s string) (v, mask uint32, ok bool) {
	vs, ms, hasMask := strings.Cut(s, "/")
	if v, ok = p.u32(vs, "mark"); !ok {
		return 0, 0, false
	}
	mask = 0xffffffff
	if hasMask {
		if mask, ok = p.u32(ms, "mark mask"); !ok {
			return 0, 0, false
		}
	}
	if v&^mask != 0 {
		p.errorf("mark %s: value has bits outside the mask", s)
		return 0, 0, false
	}
	return v, mask, true
}

func (p *parser) prefix(s string) (netip.Prefix, bool) {
	var pr netip.Prefix
	var err error
	if strings.Contains(s, "/") {
		pr, err = netip.ParsePrefix(s)
	} else {
		var a netip.Addr
		if a, err = netip.ParseAddr(s); err == nil {
			pr = netip.PrefixFrom(a, a.BitLen())
		}
	}
	if err != nil || !pr.Addr().Is4() {
		p.errorf("bad IPv4 address or prefix %q", s)
		return netip.Prefix{}, false
	}
	return pr.Masked(), true
}

func (p *parser) onOff(s string) (bool, bool) {
	switch s {
	case "on":
		return true, true
	case "off":
		return false, true
	}
	p.errorf("want on or off, got %q", s)
	return false, false
}

func (p *parser) rate(s string) int {
	v, ok := p.u32(s, "rate")
	if ok && v > 1_000_000 {
		p.errorf("rate %d too large (at most 1000000 per second)", v)
		return 0
	}
	return int(v)
}
