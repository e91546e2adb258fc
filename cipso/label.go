package cipso

// Label is an MLS sensitivity label: a hierarchical level and a set of
// non-hierarchical categories (draft §3.4.2.4, §3.4.2.5). On the wire the
// level is 0..255 and categories 0..65534; host-side values of a
// translated DOI are wider (Linux allows up to 0x7FFFFFFF), hence uint32.
//
// The zero Label is level 0 with no categories. Label is a plain value
// with no pointers: copy it freely.
type Label struct {
	Level uint32
	Cats  CatSet
}

// Equal reports whether l and o have the same level and categories.
func (l *Label) Equal(o *Label) bool { return l.Level == o.Level && l.Cats.Equal(&o.Cats) }

// Dominates reports whether l >= o in the lattice: l's level is at least
// o's and l's categories include all of o's (Bell-LaPadula dominance).
// l strictly dominates o when it dominates it and !l.Equal(o); two labels
// are incomparable when neither dominates the other.
func (l *Label) Dominates(o *Label) bool {
	return l.Level >= o.Level && l.Cats.SupersetOf(&o.Cats)
}

// Join sets l to the least upper bound of l and o: the higher level and
// the union of the categories. On ErrSetFull l is unchanged.
func (l *Label) Join(o *Label) error {
	c := l.Cats
	if err := c.Union(&o.Cats); err != nil {
		return err
	}
	l.Level, l.Cats = max(l.Level, o.Level), c
	return nil
}

// Meet sets l to the greatest lower bound of l and o: the lower level and
// the categories both have. On ErrSetFull l is unchanged.
func (l *Label) Meet(o *Label) error {
	c := l.Cats
	if err := c.Intersect(&o.Cats); err != nil {
		return err
	}
	l.Level, l.Cats = min(l.Level, o.Level), c
	return nil
}
