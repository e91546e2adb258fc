package calipso

import (
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/iplabel/iplabel/internal/lines"
	"github.com/iplabel/iplabel/ipopt"
)

// Registry is a set of configured CALIPSO DOIs, as the kernel's
// calipso_doi_list holds them. Linux has one DOI type for CALIPSO, pass
// (CALIPSO_MAP_PASS: levels and categories go on the wire as they are), so
// a DOI is only a number. The zero Registry is empty; a Registry is not
// safe for concurrent change, and lookups allocate nothing.
type Registry struct {
	dois []uint32 // sorted, no duplicates, no 0
}

// NewRegistry returns a registry of the given DOIs. DOI 0 is ErrBadConfig
// and a repeated DOI ErrDuplicateDOI, each an *ipopt.ParseError without a
// position, as netlabelctl's kernel refuses them.
func NewRegistry(dois ...uint32) (*Registry, error) {
	r := &Registry{}
	for _, d := range dois {
		if err := r.Add(d); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Add configures doi, as "netlabelctl calipso add pass doi:N" does.
func (r *Registry) Add(doi uint32) error {
	if doi == 0 {
		return &ipopt.ParseError{Err: ErrBadConfig, Msg: "DOI 0 is reserved"}
	}
	i, found := slices.BinarySearch(r.dois, doi)
	if found {
		return &ipopt.ParseError{Err: ErrDuplicateDOI, Msg: "DOI " + strconv.FormatUint(uint64(doi), 10) + " is already defined"}
	}
	r.dois = slices.Insert(r.dois, i, doi)
	return nil
}

// Remove removes doi and reports whether it was there.
func (r *Registry) Remove(doi uint32) bool {
	i, found := slices.BinarySearch(r.dois, doi)
	if found {
		r.dois = slices.Delete(r.dois, i, i+1)
	}
	return found
}

// Has reports whether doi is configured. A nil Registry has no DOI.
func (r *Registry) Has(doi uint32) bool {
	if r == nil {
		return false
	}
	_, found := slices.BinarySearch(r.dois, doi)
	return found
}

// DOIs returns the configured DOIs in ascending order (a copy).
func (r *Registry) DOIs() []uint32 {
	if r == nil {
		return nil
	}
	return slices.Clone(r.dois)
}

// MaxConfigLine is the longest line [ParseConfig] reads: 64 KiB.
const MaxConfigLine = 64 << 10

// ParseConfig reads CALIPSO DOI definitions in netlabelctl's command
// syntax, one per line, into a new Registry (RULES.md §6):
//
//	# comments and blank lines are ignored
//	netlabelctl calipso add pass doi:16
//	calipso add pass doi:17
//
// Lines of NetLabel's other modules ("cipsov4", "cipso", "map", "unlbl",
// "mgmt", with or without "netlabelctl"), are skipped, so a whole
// netlabelctl script, CIPSO DOIs and mappings included, can be read as it
// is (cipso.ParseConfig reads the same script for its DOIs). Errors are
// *ipopt.ParseError with line and column; the first ends the parse.
func ParseConfig(r io.Reader) (*Registry, error) {
	reg := &Registry{}
	err := lines.Each(r, MaxConfigLine, ErrSyntax, func(line int, text string) error {
		doi, col, err := parseLine(text)
		if err != nil {
			err.Line = line
			return err
		}
		if doi != 0 {
			if err := reg.Add(doi); err != nil {
				pe := err.(*ipopt.ParseError)
				pe.Line, pe.Column = line, col
				return pe
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return reg, nil
}

// ParseCommand parses one netlabelctl command that adds a CALIPSO DOI and
// returns its DOI: an optional "netlabelctl", then "calipso", "add" and,
// in either order, "pass" and "doi:N" (N decimal, 1 to 4294967295). It is
// stricter than netlabelctl, which reads N with atoi. A blank or comment
// line gives DOI 0 and no error. Errors are *ipopt.ParseError with Line 1.
func ParseCommand(line string) (uint32, error) {
	toks := fields(line)
	if len(toks) > 0 && toks[0].s == "netlabelctl" {
		toks = toks[1:]
	}
	if len(toks) > 0 && toks[0].s != "calipso" {
		return 0, &ipopt.ParseError{Line: 1, Column: toks[0].col, Err: ErrSyntax, Msg: `expected "calipso"`}
	}
	doi, _, err := parseLine(line)
	if err != nil {
		err.Line = 1
		return 0, err
	}
	return doi, nil
}

type token struct {
	s   string
	col int
}

func fields(line string) []token {
	if i := strings.IndexByte(line, '#'); i >= 0 {
		line = line[:i]
	}
	var out []token
	for i := 0; i < len(line); {
		for i < len(line) && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r') {
			i++
		}
		j := i
		for j < len(line) && line[j] != ' ' && line[j] != '\t' && line[j] != '\r' {
			j++
		}
		if j > i {
			out = append(out, token{line[i:j], i + 1})
		}
		i = j
	}
	return out
}

// parseLine returns the DOI a line defines (0 for none) and the column of
// its doi: argument.
func parseLine(line string) (uint32, int, *ipopt.ParseError) {
	toks := fields(line)
	if len(toks) > 0 && toks[0].s == "netlabelctl" {
		toks = toks[1:]
	}
	if len(toks) == 0 || toks[0].s != "calipso" {
		return 0, 0, nil // blank, comment, or another module
	}
	perr := func(col int, err error, msg string) *ipopt.ParseError {
		return &ipopt.ParseError{Column: col, Err: err, Msg: msg}
	}
	end := len(strings.TrimRight(line, " \t\r")) + 1
	if len(toks) < 2 {
		return 0, 0, perr(end, ErrSyntax, `expected "add" after "calipso"`)
	}
	if toks[1].s != "add" {
		return 0, 0, perr(toks[1].col, ErrSyntax, `only "calipso add" defines a DOI`)
	}
	var (
		doi    uint64
		doiCol int
		typed  bool
	)
	for _, t := range toks[2:] {
		switch {
		case t.s == "pass":
			if typed {
				return 0, 0, perr(t.col, ErrSyntax, "the DOI type is given twice")
			}
			typed = true
		case strings.HasPrefix(t.s, "doi:"):
			if doiCol != 0 {
				return 0, 0, perr(t.col, ErrSyntax, "doi: is given twice")
			}
			v := t.s[4:]
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || v[0] == '+' {
				return 0, 0, perr(t.col+4, ErrSyntax, "the DOI must be a decimal number from 1 to 4294967295")
			}
			if n == 0 {
				return 0, 0, perr(t.col+4, ErrBadConfig, "DOI 0 is reserved")
			}
			doi, doiCol = n, t.col
		case t.s == "trans" || t.s == "std" || t.s == "local":
			return 0, 0, perr(t.col, ErrBadConfig, "CALIPSO has only pass DOIs")
		default:
			return 0, 0, perr(t.col, ErrSyntax, "unknown argument "+strconv.Quote(t.s))
		}
	}
	if !typed {
		return 0, 0, perr(end, ErrSyntax, `missing the DOI type "pass"`)
	}
	if doiCol == 0 {
		return 0, 0, perr(end, ErrSyntax, "missing doi:N")
	}
	return uint32(doi), doiCol, nil
}

// AppendConfig appends r as netlabelctl commands, one "calipso add pass
// doi:N" line per DOI in ascending order, which ParseConfig reads back.
func AppendConfig(dst []byte, r *Registry) []byte {
	for _, d := range r.DOIs() {
		dst = AppendCommand(dst, d)
		dst = append(dst, '\n')
	}
	return dst
}

// AppendCommand appends "calipso add pass doi:N" for doi.
func AppendCommand(dst []byte, doi uint32) []byte {
	dst = append(dst, "calipso add pass doi:"...)
	return strconv.AppendUint(dst, uint64(doi), 10)
}
