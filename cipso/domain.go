package cipso

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/iplabel/iplabel/ipopt"
)

// MapType is how a DOI relates host labels to wire labels (Linux
// CIPSO_V4_MAP_*; RULES.md §4, §5).
type MapType uint8

// Mapping types.
const (
	MapTrans MapType = 1 // translated through level and category tables
	MapPass  MapType = 2 // passed through unchanged
	MapLocal MapType = 3 // Linux's local tag 128 over loopback only
)

// String gives the netlabelctl keyword: "trans", "pass", "local".
func (m MapType) String() string {
	switch m {
	case MapTrans:
		return "trans"
	case MapPass:
		return "pass"
	case MapLocal:
		return "local"
	}
	return "maptype(" + strconv.Itoa(int(m)) + ")"
}

var _ stringer = MapType(0)

// MaxDOITags is the number of tag slots of a DOI (CIPSO_V4_TAG_MAXCNT).
const MaxDOITags = 5

// MaxHostValue is the largest host-side level or category a translated DOI
// maps (CIPSO_V4_MAX_LOC_LVLS, CIPSO_V4_MAX_LOC_CATS).
const MaxHostValue = 0x7FFFFFFF

// Pair is one translation of a translated DOI: a host (local) value and
// the wire (remote) value, as netlabelctl writes it: local=remote.
type Pair struct{ Local, Remote uint32 }

// Domain is one configured Domain of Interpretation (Linux struct
// cipso_v4_doi): its number, mapping type, tag slots and, for a
// translated DOI, the level and category tables. A Domain is immutable
// once made, so any number of goroutines may use it.
type Domain struct {
	doi  DOI
	typ  MapType
	tags [MaxDOITags]TagType

	// Translated DOIs only. levels and cats are the pairs as configured
	// (for writing the configuration back); the tables are lookups in
	// both directions in which, as in Linux's arrays, a later pair for the
	// same value overrides an earlier one.
	levels, cats []Pair
	lvlNet       *[MaxWireLevel + 1]uint32 // wire level -> host level or invalid; nil unless trans
	lvlHost      []Pair                    // sorted by Local, unique
	catNet       []Pair                    // sorted by Remote, unique
	catHost      []Pair                    // sorted by Local, unique
}

const invalid = 0x80000000 // CIPSO_V4_INV_LVL, CIPSO_V4_INV_CAT

// NewPass makes a pass-through DOI (netlabelctl "cipsov4 add pass"): wire
// levels and categories are the host's. tags are tried in order when
// generating a label; 1, 2 and 5 are allowed, 0 ends the list (not first).
func NewPass(doi DOI, tags ...TagType) (*Domain, error) {
	return checked(newDomain(doi, MapPass, tags, nil, nil))
}

// NewTrans makes a translated DOI (netlabelctl "cipsov4 add trans") with
// its level pairs (at least one) and category pairs. Only tag 1 is allowed
// (Linux cipso_v4_doi_add). Remote levels must be <= 255, remote
// categories <= 65534 and local values <= 0x7FFFFFFF (Linux
// netlbl_cipsov4_add_std). Duplicate values are allowed; the later pair
// wins in each direction, as in Linux.
func NewTrans(doi DOI, tags []TagType, levels, cats []Pair) (*Domain, error) {
	return checked(newDomain(doi, MapTrans, tags, levels, cats))
}

// NewLocal makes a local DOI (netlabelctl "cipsov4 add local"): Linux
// carries the full host label as a secid in tag 128 over loopback.
// Without tags it has tag 128 only, which is what netlabelctl makes (it
// ignores a tags: list on a local DOI). Over netlink a local DOI may also
// list tag 1 (cipso_v4_doi_add allows tag 1 in every DOI type); Linux then
// accepts a tag 1 of that DOI only with cipso_rbm_strictvalid=0, because
// cipso_v4_map_lvl_valid knows no level of a local DOI (RULES.md §4).
func NewLocal(doi DOI, tags ...TagType) (*Domain, error) {
	if len(tags) == 0 {
		tags = []TagType{TagLocal}
	}
	return checked(newDomain(doi, MapLocal, tags, nil, nil))
}

// checked gives newDomain's result as the constructors return it: a
// definition made in code has no line or column, so its *ipopt.ParseError
// has Line 0 ("<sentinel>: <message>").
func checked(d *Domain, f *domainFault) (*Domain, error) {
	if f != nil {
		return nil, &ipopt.ParseError{Err: f.err, Msg: f.msg}
	}
	return d, nil
}

// domainFault is what newDomain returns: which part of the definition is
// wrong, for the config parser to point at (command.errorAt) and for the
// constructors to report (checked).
type domainFault struct {
	part   string // "doi", "tags", "levels", "categories"
	index  int    // item within the part
	err    error
	msg    string
	remote bool // the remote value of the pair is at fault
}

// newDomain checks a definition as Linux's cipso_v4_doi_add and
// netlbl_cipsov4_add_std do (RULES.md §4).
func newDomain(doi DOI, typ MapType, tags []TagType, levels, cats []Pair) (*Domain, *domainFault) {
	if doi == 0 {
		return nil, &domainFault{"doi", 0, ErrBadDOI, "DOI 0 is reserved", false}
	}
	d := &Domain{doi: doi, typ: typ}
	if len(tags) == 0 {
		return nil, &domainFault{"tags", 0, ErrBadConfig, "a DOI needs a tag list", false}
	}
	if len(tags) > MaxDOITags {
		return nil, &domainFault{"tags", MaxDOITags, ErrBadConfig, "at most 5 tags", false}
	}
	for i, t := range tags {
		ok := false
		switch t {
		case TagRBitmap:
			ok = true // in every DOI type (cipso_v4_doi_add)
		case TagEnum, TagRange:
			ok = typ == MapPass
		case TagLocal:
			ok = typ == MapLocal
		case TagInvalid:
			ok = i > 0
		}
		if !ok {
			return nil, &domainFault{"tags", i, ErrBadConfig, "tag " + strconv.Itoa(int(t)) + " not allowed in a " + typ.String() + " DOI", false}
		}
		d.tags[i] = t
	}
	if typ != MapTrans {
		return d, nil // no caller gives a pass or local DOI pairs
	}
	if len(levels) == 0 {
		return nil, &domainFault{"levels", 0, ErrBadConfig, "a trans DOI needs level pairs", false}
	}
	d.lvlNet = new([MaxWireLevel + 1]uint32)
	for i := range d.lvlNet {
		d.lvlNet[i] = invalid
	}
	for i, p := range levels {
		if p.Local > MaxHostValue {
			return nil, &domainFault{"levels", i, ErrBadConfig, "local level above 2147483647", false}
		}
		if p.Remote > MaxWireLevel {
			return nil, &domainFault{"levels", i, ErrBadConfig, "remote level above 255", true}
		}
		d.lvlNet[p.Remote] = p.Local
	}
	for i, p := range cats {
		if p.Local > MaxHostValue {
			return nil, &domainFault{"categories", i, ErrBadConfig, "local category above 2147483647", false}
		}
		if p.Remote > MaxWireCategory {
			return nil, &domainFault{"categories", i, ErrBadConfig, "remote category above 65534", true}
		}
	}
	d.levels, d.cats = slices.Clone(levels), slices.Clone(cats)
	d.lvlHost = table(levels, false)
	d.catHost = table(cats, false)
	d.catNet = table(cats, true)
	return d, nil
}

// table builds a sorted lookup keyed by Local (or by Remote if byRemote),
// keeping the last pair for a repeated key. It sorts a copy stably, so the
// pairs of one key stay in configuration order and the last of each run
// is kept: O(n log n), for a configuration line of thousands of pairs.
func table(pairs []Pair, byRemote bool) []Pair {
	key := func(p Pair) uint32 {
		if byRemote {
			return p.Remote
		}
		return p.Local
	}
	t := slices.Clone(pairs)
	slices.SortStableFunc(t, func(a, b Pair) int { return cmp.Compare(key(a), key(b)) })
	out := t[:0]
	for i, p := range t {
		if i+1 < len(t) && key(t[i+1]) == key(p) {
			continue // a later pair for the same key wins
		}
		out = append(out, p)
	}
	return slices.Clip(out)
}

func lookup(t []Pair, v uint32, byRemote bool) (uint32, bool) {
	lo, hi := 0, len(t)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		k := t[m].Local
		if byRemote {
			k = t[m].Remote
		}
		switch {
		case k < v:
			lo = m + 1
		case k > v:
			hi = m
		default:
			if byRemote {
				return t[m].Local, true
			}
			return t[m].Remote, true
		}
	}
	return 0, false
}

// DOI is the domain's number.
func (d *Domain) DOI() DOI { return d.doi }

// Type is the domain's mapping type.
func (d *Domain) Type() MapType { return d.typ }

// Tags is the tag list, in the order labels are generated with, up to the
// first empty slot. It aliases the domain; do not modify it.
func (d *Domain) Tags() []TagType {
	n := 0
	for n < MaxDOITags && d.tags[n] != TagInvalid {
		n++
	}
	return d.tags[:n:n]
}

// Slots is the full tag-slot array, empty slots (and any tag configured
// after one) included, as Linux's cipso_v4_validate scans it.
func (d *Domain) Slots() [MaxDOITags]TagType { return d.tags }

// Levels and Categories are the translation pairs as configured (trans
// DOIs only). They alias the domain; do not modify them.
func (d *Domain) Levels() []Pair { return d.levels }

// Categories: see [Domain.Levels].
func (d *Domain) Categories() []Pair { return d.cats }

// Permits reports whether a received tag of type t passes the DOI's tag
// check (Linux cipso_v4_validate; RULES.md §7 step 3.1): the slots are
// scanned in order until one equals t; an empty slot first, or no match in
// 5 slots, refuses. A tag type 0 therefore "matches" the first empty slot.
func (d *Domain) Permits(t TagType) bool {
	for _, s := range d.tags {
		if s == t {
			return true
		}
		if s == TagInvalid {
			return false
		}
	}
	return false
}

// LevelFromWire maps a wire level to the host (Linux cipso_v4_map_lvl_ntoh):
// the identity for pass, the table for trans; false if unmapped or the DOI
// is local.
func (d *Domain) LevelFromWire(w uint8) (uint32, bool) {
	switch d.typ {
	case MapPass:
		return uint32(w), true
	case MapTrans:
		h := d.lvlNet[w]
		return h, h < invalid
	}
	return 0, false
}

// LevelToWire maps a host level to the wire (cipso_v4_map_lvl_hton); pass
// levels above 255 do not fit and give false (Linux would truncate them).
func (d *Domain) LevelToWire(h uint32) (uint8, bool) {
	switch d.typ {
	case MapPass:
		return uint8(h), h <= MaxWireLevel
	case MapTrans:
		w, ok := lookup(d.lvlHost, h, false)
		return uint8(w), ok
	}
	return 0, false
}

// CatFromWire maps a wire category to the host (cipso_v4_map_cat_*_ntoh).
func (d *Domain) CatFromWire(w uint32) (uint32, bool) {
	switch d.typ {
	case MapPass:
		return w, true
	case MapTrans:
		return lookup(d.catNet, w, true)
	}
	return 0, false
}

// CatToWire maps a host category to the wire (cipso_v4_map_cat_*_hton).
// Pass categories above 65534 give false.
func (d *Domain) CatToWire(h uint32) (uint32, bool) {
	switch d.typ {
	case MapPass:
		return h, h <= MaxWireCategory
	case MapTrans:
		return lookup(d.catHost, h, false)
	}
	return 0, false
}

// levelValid is cipso_v4_map_lvl_valid: pass always, trans if mapped,
// anything else never.
func (d *Domain) levelValid(w uint8) bool {
	_, ok := d.LevelFromWire(w)
	return ok
}

// Decode reads the label of option o, received in this DOI, into l with
// host values (Linux cipso_v4_getattr): the first tag only; for a
// translated DOI every level and category is mapped and an unmapped one is
// ErrUnmapped (class Policy) at the level (+3) or first category octet
// (+4) of the tag. The DOI of o must be d's (ErrUnknownDOI at +2). Tag 128
// carries a secid, not a Label: use [Tag.SecID]. On error l is unchanged.
func (d *Domain) Decode(o Option, l *Label) error {
	if o.DOI() != d.doi {
		return KindUnknownDOI.At(2)
	}
	t, err := o.FirstTag()
	if err != nil {
		return err
	}
	if !d.Permits(t.Type) || t.Type == TagInvalid {
		return KindTagNotAllowed.At(t.Offset)
	}
	var w Label
	if err := t.Label(&w); err != nil {
		return err
	}
	if d.typ == MapPass {
		*l = w
		return nil
	}
	var h Label
	lv, ok := d.LevelFromWire(uint8(w.Level))
	if !ok {
		return errUnmapLevel.At(t.Offset + 3)
	}
	h.Level = lv
	for c := range w.Cats.All() {
		hc, ok := d.CatFromWire(c)
		if !ok {
			return errUnmapCat.At(t.Offset + TagBaseLen)
		}
		if h.Cats.Add(hc) != nil {
			return errCatsFull.At(t.Offset + TagBaseLen)
		}
	}
	*l = h
	return nil
}

// wireLabel maps a host label to wire values for tag t; errors are at
// option offsets (level +9, categories +10).
func (d *Domain) wireLabel(l *Label, w *Label) error {
	lv, ok := d.LevelToWire(l.Level)
	if !ok {
		if d.typ == MapPass {
			return KindWireLevel.At(HeaderLen + 3)
		}
		return errUnmapLevel.At(HeaderLen + 3)
	}
	w.Level = uint32(lv)
	if d.typ == MapPass {
		w.Cats = l.Cats
		return nil
	}
	w.Cats.Clear()
	for c := range l.Cats.All() {
		wc, ok := d.CatToWire(c)
		if !ok {
			return errUnmapCat.At(HeaderLen + TagBaseLen)
		}
		if w.Cats.Add(wc) != nil {
			return KindNoSpace.At(HeaderLen + TagBaseLen)
		}
	}
	return nil
}

// AppendOption appends the option Linux's cipso_v4_genopt generates for
// host label l in this DOI (RULES.md §9): the tags are tried in slot
// order and the first that fits 40 octets wins; the error of the last tag
// tried is returned when none does (ErrNoSpace, class Limit; for a
// translated DOI an unmapped level or category is ErrUnmapped, class
// Policy; a pass level above 255 is ErrBadLevel). A local DOI carries a
// secid, not a Label: see [Domain.AppendLocalOption]. Offsets in errors are
// from the option's type octet. On error nothing is appended.
func (d *Domain) AppendOption(dst []byte, l *Label, f Format) ([]byte, error) {
	if d.typ == MapLocal {
		return dst, KindWireTag.At(HeaderLen)
	}
	var w Label
	if err := d.wireLabel(l, &w); err != nil {
		return dst, err
	}
	err := error(KindWireTag.At(HeaderLen))
	for _, t := range d.Tags() {
		var out []byte
		out, err = AppendOption(dst, d.doi, t, &w, f)
		if err == nil {
			return out, nil
		}
	}
	return dst, err
}

// OptionLen is the length of the option [Domain.AppendOption] writes.
func (d *Domain) OptionLen(l *Label, f Format) (int, error) {
	if d.typ == MapLocal {
		return 0, KindWireTag.At(HeaderLen)
	}
	var w Label
	if err := d.wireLabel(l, &w); err != nil {
		return 0, err
	}
	err := error(KindWireTag.At(HeaderLen))
	for _, t := range d.Tags() {
		var n int
		if n, err = OptionLen(t, &w, f); err == nil {
			return n, nil
		}
	}
	return 0, err
}

// AppendLocalOption appends the option a local DOI generates: the header
// and tag 128 with secid in host byte order (cipso_v4_gentag_loc). Other
// DOIs give ErrTagNotAllowed.
func (d *Domain) AppendLocalOption(dst []byte, secid uint32) ([]byte, error) {
	if d.typ != MapLocal {
		return dst, KindWireTag.At(HeaderLen)
	}
	dst, _ = AppendOptionHeader(dst, d.doi, LocalTagLen)
	return appendLocalTag(dst, secid), nil
}

// Equal reports whether d and o define the same DOI: number, type, tag
// slots and translation pairs.
func (d *Domain) Equal(o *Domain) bool {
	if d.doi != o.doi || d.typ != o.typ || d.tags != o.tags || len(d.levels) != len(o.levels) || len(d.cats) != len(o.cats) {
		return false
	}
	for i := range d.levels {
		if d.levels[i] != o.levels[i] {
			return false
		}
	}
	for i := range d.cats {
		if d.cats[i] != o.cats[i] {
			return false
		}
	}
	return true
}
