package cipso

import (
	"cmp"
	"iter"
	"slices"
	"sync"
	"sync/atomic"
)

// Registry is the set of configured DOIs the receive and send paths look
// up (Linux's cipso_v4_doi_list). Lookups are lock-free and allocation-free:
// the DOIs sit in a sorted snapshot that writers copy, change and publish
// through an atomic pointer, so readers never wait. Writers take a mutex.
// The zero value is an empty registry ready to use; a nil *Registry is
// empty too.
type Registry struct {
	mu sync.Mutex // serialises writers
	s  atomic.Pointer[doiTable]
}

// doiTable is one published state of a Registry: DOIs in ascending order
// and their domains at the same index. A host has a handful of DOIs, so a
// scan of a short array beats a hash map on the receive path.
type doiTable struct {
	dois []DOI
	doms []*Domain
}

// linearLookup is the table size up to which Lookup scans rather than
// bisects.
const linearLookup = 8

// Lookup returns the domain registered for doi, or nil.
func (r *Registry) Lookup(doi DOI) *Domain {
	if r == nil {
		return nil
	}
	t := r.s.Load()
	if t == nil {
		return nil
	}
	if len(t.dois) <= linearLookup {
		for i, d := range t.dois {
			if d == doi {
				return t.doms[i]
			}
		}
		return nil
	}
	if i, ok := slices.BinarySearch(t.dois, doi); ok {
		return t.doms[i]
	}
	return nil
}

// newRegistry makes a registry of doms, whose DOIs must be distinct, in
// one step: sorted once, published once (ParseConfig's bulk load).
func newRegistry(doms []*Domain) *Registry {
	slices.SortFunc(doms, func(a, b *Domain) int { return cmp.Compare(a.doi, b.doi) })
	t := &doiTable{dois: make([]DOI, len(doms)), doms: slices.Clip(doms)}
	for i, d := range doms {
		t.dois[i] = d.doi
	}
	r := &Registry{}
	if len(doms) > 0 {
		r.s.Store(t)
	}
	return r
}

// Add registers d. A DOI already registered gives ErrDuplicateDOI (Linux
// -EEXIST) and changes nothing. Add copies the table it publishes, so it
// takes time linear in the number of DOIs registered: loading many DOIs
// one Add at a time is quadratic, and [ParseConfig] builds its registry
// in one step instead.
func (r *Registry) Add(d *Domain) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var t doiTable
	if old := r.s.Load(); old != nil {
		t = *old
	}
	i, found := slices.BinarySearch(t.dois, d.doi)
	if found {
		return ErrDuplicateDOI
	}
	r.s.Store(&doiTable{
		dois: slices.Insert(slices.Clip(t.dois), i, d.doi),
		doms: slices.Insert(slices.Clip(t.doms), i, d),
	})
	return nil
}

// Remove unregisters doi and reports whether it was registered.
func (r *Registry) Remove(doi DOI) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.s.Load()
	if old == nil {
		return false
	}
	i, found := slices.BinarySearch(old.dois, doi)
	if !found {
		return false
	}
	r.s.Store(&doiTable{
		dois: slices.Delete(slices.Clone(old.dois), i, i+1),
		doms: slices.Delete(slices.Clone(old.doms), i, i+1),
	})
	return true
}

// Len is the number of registered DOIs.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	if t := r.s.Load(); t != nil {
		return len(t.dois)
	}
	return 0
}

// All iterates over the registered domains in ascending DOI order, as of
// one moment (a snapshot).
func (r *Registry) All() iter.Seq[*Domain] {
	return func(yield func(*Domain) bool) {
		if r == nil {
			return
		}
		t := r.s.Load()
		if t == nil {
			return
		}
		for _, d := range t.doms {
			if !yield(d) {
				return
			}
		}
	}
}

// Decode looks up the DOI of o and decodes its label with that domain
// ([Domain.Decode]); an unregistered DOI is ErrUnknownDOI at +2. It returns
// the domain it used.
func (r *Registry) Decode(o Option, l *Label) (*Domain, error) {
	d := r.Lookup(o.DOI())
	if d == nil {
		return nil, KindUnknownDOI.At(2)
	}
	return d, d.Decode(o, l)
}
