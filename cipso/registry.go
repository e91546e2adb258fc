package cipso

import (
	"iter"
	"maps"
	"slices"
	"sync"
	"sync/atomic"
)

// Registry is the set of configured DOIs the receive and send paths look
// up (Linux's cipso_v4_doi_list). Lookups are lock-free and allocation-free:
// the DOIs sit in a map that writers copy, change and publish through an
// atomic pointer, so readers never wait. Writers take a mutex. The zero
// value is an empty registry ready to use; a nil *Registry is empty too.
type Registry struct {
	mu sync.Mutex // serialises writers
	m  atomic.Pointer[map[DOI]*Domain]
}

// Lookup returns the domain registered for doi, or nil.
func (r *Registry) Lookup(doi DOI) *Domain {
	if r == nil {
		return nil
	}
	m := r.m.Load()
	if m == nil {
		return nil
	}
	return (*m)[doi]
}

// Add registers d. A DOI already registered gives ErrDuplicateDOI (Linux
// -EEXIST) and changes nothing.
func (r *Registry) Add(d *Domain) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m.Load()
	if old != nil {
		if _, ok := (*old)[d.doi]; ok {
			return ErrDuplicateDOI
		}
	}
	m := make(map[DOI]*Domain, r.lenLocked()+1)
	if old != nil {
		maps.Copy(m, *old)
	}
	m[d.doi] = d
	r.m.Store(&m)
	return nil
}

// Remove unregisters doi and reports whether it was registered.
func (r *Registry) Remove(doi DOI) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	old := r.m.Load()
	if old == nil {
		return false
	}
	if _, ok := (*old)[doi]; !ok {
		return false
	}
	m := maps.Clone(*old)
	delete(m, doi)
	r.m.Store(&m)
	return true
}

func (r *Registry) lenLocked() int {
	if m := r.m.Load(); m != nil {
		return len(*m)
	}
	return 0
}

// Len is the number of registered DOIs.
func (r *Registry) Len() int {
	if r == nil {
		return 0
	}
	if m := r.m.Load(); m != nil {
		return len(*m)
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
		m := r.m.Load()
		if m == nil {
			return
		}
		for _, doi := range slices.Sorted(maps.Keys(*m)) {
			if !yield((*m)[doi]) {
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
		return nil, errUnknownDOI.At(2)
	}
	return d, d.Decode(o, l)
}
