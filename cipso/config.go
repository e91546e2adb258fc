package cipso

import (
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/internal/lines"
	"github.com/iplabel/iplabel/ipopt"
)

// MaxConfigLine is the longest line [ParseConfig] reads, not counting its
// newline ("\n" or "\r\n"): 64 KiB. A longer line is an error at that line; the rest of it
// is not read.
const MaxConfigLine = 64 << 10

// ParseConfig reads DOI definitions in netlabelctl's command syntax, one
// per line, into a new Registry:
//
//	# comments and blank lines are ignored
//	netlabelctl cipsov4 add pass doi:16 tags:1,2,5
//	cipso add trans doi:3 tags:1 levels:0=0,1=1 categories:0=0,1=5
//	cipsov4 add local doi:5
//
// Lines for NetLabel's other modules ("map", "unlbl", "calipso", "mgmt",
// with or without a leading "netlabelctl") are skipped, so a netlabelctl
// script that also maps domains or addresses to the DOIs can be read as it
// is; they define no CIPSO DOI. See [ParseCommand] for one line. A DOI
// defined twice is ErrDuplicateDOI
// (Linux -EEXIST) at the second definition. A line longer than
// [MaxConfigLine] is ErrSyntax at that line, column 65537, and nothing
// more of it is read. Errors are *[ipopt.ParseError]; the first one ends the
// parse. A read error from r is returned as it is.
//
// The time and memory it takes are linear in the size of the input (and
// O(n log n) in the number of DOIs, for the sort): the DOIs are collected
// and the registry's table is built once, rather than copied at every
// DOI as n calls of [Registry.Add] would.
func ParseConfig(r io.Reader) (*Registry, error) {
	var (
		doms []*Domain
		seen = make(map[DOI]struct{})
	)
	err := lines.Each(r, MaxConfigLine, ErrSyntax, func(line int, text string) error {
		d, doiCol, err := parseConfigLine(text)
		if err != nil {
			var pe *ipopt.ParseError
			if errors.As(err, &pe) {
				pe.Line = line
			}
			return err
		}
		if d != nil {
			if _, dup := seen[d.doi]; dup {
				return &ipopt.ParseError{Line: line, Column: doiCol, Err: ErrDuplicateDOI, Msg: "DOI " + d.doi.String() + " is already defined"}
			}
			seen[d.doi] = struct{}{}
			doms = append(doms, d)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return newRegistry(doms), nil
}

// parseConfigLine parses one line of a configuration: as ParseCommand,
// except that lines of NetLabel's other modules define nothing.
func parseConfigLine(line string) (*Domain, int, error) {
	toks := tokenize(line)
	if otherModule(toks) {
		return nil, 0, nil
	}
	return parseTokens(line, toks)
}

// ParseCommand parses one netlabelctl command that adds a CIPSO DOI:
// an optional "netlabelctl", then "cipsov4" (or "cipso"), "add", and in
// any order the type ("pass", "trans" or its old name "std", "local") and
// the arguments "doi:N", "tags:T1,T2,...", "levels:L=R,..." and
// "categories:L=R,..." (pairs are local=remote). A "#" starts a comment.
//
// It refuses what netlabelctl and the kernel refuse (RULES.md §4; checked
// against netlabelctl 0.30 on Linux 6.18): DOI 0, no tags, more than 5,
// tag 0 first, tags other than 1 in a trans DOI, 2 and 5 outside pass
// DOIs, 128 outside local DOIs, 6, 7 and any other tag, a trans DOI
// without levels, a remote level above 255, a remote category above
// 65534, a local value above 2147483647. It is stricter than netlabelctl,
// which reads numbers with atoi and takes the last of repeated arguments:
// numbers must be decimal, arguments may not repeat, levels and categories
// belong to trans DOIs only, and a local DOI takes no tags but "128"
// (netlabelctl ignores whatever tags it is given). Duplicate pairs are
// accepted, the later winning in each direction, as in the kernel.
//
// A blank or comment-only line gives a nil Domain and no error. Errors are
// *[ipopt.ParseError] with Line 1.
func ParseCommand(line string) (*Domain, error) {
	d, _, err := parseTokens(line, tokenize(line))
	return d, err
}

type token struct {
	s   string
	col int // 1-based column of s[0]
}

func tokenize(line string) []token {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	out := make([]token, 0, 8) // a command has a handful of words
	for i := 0; i < len(line); {
		if line[i] == ' ' || line[i] == '\t' || line[i] == '\r' {
			i++
			continue
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		out = append(out, token{line[i:j], i + 1})
		i = j
	}
	return out
}

func perr(col int, err error, msg string) *ipopt.ParseError {
	return &ipopt.ParseError{Line: 1, Column: col, Err: err, Msg: msg}
}

// item is one element of a comma-separated list with its column.
type item struct {
	a, b      uint64
	col, bcol int // columns of the item and of its remote value
}

// parseNum reads a decimal number no greater than limit.
func parseNum(s string, col int, limit uint64, what string) (uint64, error) {
	if s == "" {
		return 0, perr(col, ErrSyntax, "missing "+what)
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, perr(col+i, ErrSyntax, what+" is not a decimal number")
		}
		v = v*10 + uint64(c-'0')
		if v > limit {
			return 0, perr(col, ErrSyntax, what+" above "+strconv.FormatUint(limit, 10))
		}
	}
	return v, nil
}

// parseList reads "x,y,..." (pairs false) or "a=b,c=d,..." (pairs true).
func parseList(s string, col int, pairs bool, limit uint64, what string) ([]item, error) {
	var out []item
	if s == "" {
		return nil, nil
	}
	for off := 0; off <= len(s); {
		end := strings.IndexByte(s[off:], ',')
		if end < 0 {
			end = len(s)
		} else {
			end += off
		}
		f, c := s[off:end], col+off
		var it item
		it.col = c
		if pairs {
			eq := strings.IndexByte(f, '=')
			if eq < 0 {
				return nil, perr(c, ErrSyntax, what+" pair is not local=remote")
			}
			var err error
			if it.a, err = parseNum(f[:eq], c, limit, "local "+what); err != nil {
				return nil, err
			}
			it.bcol = c + eq + 1
			if it.b, err = parseNum(f[eq+1:], it.bcol, limit, "remote "+what); err != nil {
				return nil, err
			}
		} else {
			var err error
			if it.a, err = parseNum(f, c, limit, what); err != nil {
				return nil, err
			}
		}
		out = append(out, it)
		off = end + 1
	}
	return out, nil
}

// otherModule reports whether line is a netlabelctl command for a module
// other than cipsov4 (netlabelctl(8): map, unlbl, calipso, mgmt).
func otherModule(toks []token) bool {
	if len(toks) > 0 && toks[0].s == "netlabelctl" {
		toks = toks[1:]
	}
	if len(toks) == 0 {
		return false
	}
	switch toks[0].s {
	case "map", "unlbl", "calipso", "mgmt":
		return true
	}
	return false
}

// parseTokens parses one line, split into toks; it returns nil, 0, nil
// for an empty line, and otherwise the domain and the column of its doi
// value (where a duplicate definition is reported).
func parseTokens(line string, toks []token) (*Domain, int, error) {
	if len(toks) == 0 {
		return nil, 0, nil
	}
	args, addCol, err := parseVerb(line, toks)
	if err != nil {
		return nil, 0, err
	}
	c := command{addCol: addCol}
	for _, t := range args {
		if err := c.arg(t); err != nil {
			return nil, 0, err
		}
	}
	d, err := c.domain()
	if err != nil {
		return nil, 0, err
	}
	return d, c.doiCol, nil
}

// parseVerb reads "[netlabelctl] cipsov4|cipso add" and returns the
// arguments after it and the column of "add".
func parseVerb(line string, toks []token) ([]token, int, error) {
	if toks[0].s == "netlabelctl" {
		toks = toks[1:]
		if len(toks) == 0 {
			return nil, 0, perr(len(line)+1, ErrSyntax, "missing command")
		}
	}
	if toks[0].s != "cipsov4" && toks[0].s != "cipso" {
		return nil, 0, perr(toks[0].col, ErrSyntax, "not a cipsov4 command: "+strconv.Quote(toks[0].s))
	}
	if len(toks) < 2 || toks[1].s != "add" {
		col := len(line) + 1
		if len(toks) >= 2 {
			col = toks[1].col
		}
		return nil, 0, perr(col, ErrSyntax, "only \"cipsov4 add\" defines a DOI")
	}
	return toks[2:], toks[1].col, nil
}

// command is one "cipsov4 add" command as read, with the columns its
// errors point at (0: not given).
type command struct {
	addCol          int // "add"
	typ             MapType
	typCol          int
	doi             uint64
	doiCol          int // the doi value
	seenDOI         bool
	tags, lvl, cats list
}

// list is a "tags:", "levels:" or "categories:" argument.
type list struct {
	items []item
	col   int // the value
	seen  bool
}

// arg reads one argument: the DOI type or key:value.
func (c *command) arg(t token) error {
	key, val, hasColon := strings.Cut(t.s, ":")
	if !hasColon {
		typ := mapTypeOf(t.s)
		if typ == 0 {
			return unknownArg(t)
		}
		if c.typ != 0 {
			return perr(t.col, ErrSyntax, "DOI type given twice")
		}
		c.typ, c.typCol = typ, t.col
		return nil
	}
	vcol := t.col + len(key) + 1
	switch key {
	case "doi":
		if err := once(&c.seenDOI, t, key); err != nil {
			return err
		}
		var err error
		c.doi, err = parseNum(val, vcol, 1<<32-1, "DOI")
		c.doiCol = vcol
		return err
	case "tags":
		return c.tags.parse(t, key, val, vcol, false, 255, "tag")
	case "levels":
		return c.lvl.parse(t, key, val, vcol, true, 1<<32-1, "level")
	case "categories":
		return c.cats.parse(t, key, val, vcol, true, 1<<32-1, "category")
	}
	return unknownArg(t)
}

func unknownArg(t token) error {
	return perr(t.col, ErrSyntax, "unknown argument "+strconv.Quote(t.s))
}

// once marks an argument seen, and refuses it the second time.
func once(seen *bool, t token, key string) error {
	if *seen {
		return perr(t.col, ErrSyntax, strconv.Quote(key)+" given twice")
	}
	*seen = true
	return nil
}

// parse reads the list's value val, at column vcol of argument t.
func (l *list) parse(t token, key, val string, vcol int, pairs bool, limit uint64, what string) error {
	if err := once(&l.seen, t, key); err != nil {
		return err
	}
	var err error
	l.items, err = parseList(val, vcol, pairs, limit, what)
	l.col = vcol
	return err
}

// domain checks the command as a whole and makes its DOI.
func (c *command) domain() (*Domain, error) {
	if c.typ == 0 {
		return nil, perr(c.addCol, ErrBadConfig, "no DOI type (pass, trans or local)")
	}
	if !c.seenDOI {
		return nil, perr(c.typCol, ErrBadConfig, "no doi:N")
	}
	if c.typ == MapLocal {
		for _, x := range c.tags.items {
			if x.a != uint64(TagLocal) {
				return nil, perr(x.col, ErrBadConfig, "a local DOI uses tag 128 only")
			}
		}
	}
	if c.typ != MapTrans && (c.lvl.seen || c.cats.seen) {
		col := c.lvl.col
		if !c.lvl.seen {
			col = c.cats.col
		}
		return nil, perr(col, ErrBadConfig, "only a trans DOI has levels and categories")
	}
	tags := []TagType{TagLocal} // what NewLocal gives a local DOI
	if c.typ != MapLocal {
		tags = make([]TagType, len(c.tags.items))
		for i, x := range c.tags.items {
			tags[i] = TagType(x.a)
		}
	}
	d, ce := newDomain(DOI(c.doi), c.typ, tags, toPairs(c.lvl.items), toPairs(c.cats.items))
	if ce != nil {
		return nil, c.errorAt(ce)
	}
	return d, nil
}

// errorAt places a domain's refusal on the item at fault, or failing that
// on its list or the DOI type.
func (c *command) errorAt(ce *domainFault) *ipopt.ParseError {
	col := c.typCol
	switch ce.part {
	case "doi":
		col = c.doiCol
	case "tags":
		col = c.tags.colOf(ce.index, ce.remote, col)
	case "levels":
		col = c.lvl.colOf(ce.index, ce.remote, col)
	case "categories":
		col = c.cats.colOf(ce.index, ce.remote, col)
	}
	return perr(col, ce.err, ce.msg)
}

// colOf is the column of item i (of its remote value if remote), or of
// the list if there is no item i, or fallback if the list was not given.
func (l *list) colOf(i int, remote bool, fallback int) int {
	switch {
	case i < len(l.items) && remote:
		return l.items[i].bcol
	case i < len(l.items):
		return l.items[i].col
	case l.col > 0:
		return l.col
	}
	return fallback
}

func toPairs(items []item) []Pair {
	if len(items) == 0 {
		return nil
	}
	p := make([]Pair, len(items))
	for i, x := range items {
		// Values above uint32 were refused by parseNum; the domain checks
		// the tighter limits.
		p[i] = Pair{Local: uint32(x.a), Remote: uint32(x.b)}
	}
	return p
}

// AppendCommand appends the netlabelctl command that defines d, without
// a newline: "cipsov4 add pass doi:16 tags:1,2,5",
// "cipsov4 add trans doi:3 tags:1 levels:0=0,1=1 categories:0=0,1=5",
// "cipsov4 add local doi:5". [ParseCommand] reads it back to an equal
// domain.
func (d *Domain) AppendCommand(dst []byte) []byte {
	dst = append(dst, "cipsov4 add "...)
	dst = append(dst, d.typ.String()...)
	dst = append(dst, " doi:"...)
	dst = strconv.AppendUint(dst, uint64(d.doi), 10)
	if d.typ == MapLocal {
		return dst
	}
	n := MaxDOITags
	for n > 0 && d.tags[n-1] == TagInvalid {
		n--
	}
	dst = append(dst, " tags:"...)
	for i, t := range d.tags[:n] {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(t), 10)
	}
	if d.typ == MapTrans {
		dst = appendPairs(dst, " levels:", d.levels)
		if len(d.cats) > 0 {
			dst = appendPairs(dst, " categories:", d.cats)
		}
	}
	return dst
}

func appendPairs(dst []byte, key string, ps []Pair) []byte {
	dst = append(dst, key...)
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(p.Local), 10)
		dst = append(dst, '=')
		dst = strconv.AppendUint(dst, uint64(p.Remote), 10)
	}
	return dst
}

// String gives the netlabelctl command that defines d.
func (d *Domain) String() string { return string(d.AppendCommand(nil)) }

var _ stringer = (*Domain)(nil)

// AppendConfig appends the commands that define every DOI of r, one per
// line in ascending DOI order, each ending in a newline; [ParseConfig]
// reads them back.
func AppendConfig(dst []byte, r *Registry) []byte {
	for d := range r.All() {
		dst = d.AppendCommand(dst)
		dst = append(dst, '\n')
	}
	return dst
}

// mapTypeOf reads a netlabelctl type keyword ("std" is netlabelctl's old
// name for "trans"), or gives 0 for any other word.
func mapTypeOf(s string) MapType {
	switch s {
	case "pass":
		return MapPass
	case "trans", "std":
		return MapTrans
	case "local":
		return MapLocal
	}
	return 0
}
