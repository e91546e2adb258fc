package cipso

import (
	"encoding"
	"encoding/binary"
	"iter"
	"math/bits"
	"strconv"
)

// maxCatRanges is how many separate runs of categories above 255 a
// [CatSet] holds. One 40-octet option carries at most 15 enumerated values
// or 8 ranges, and a bitmap reaches category 239 only, so every set one
// option can carry fits, with room to spare.
const maxCatRanges = 16

// CatSet is a set of categories (draft §3.4: 0..65534 on the wire; Linux
// accepts 65535 in tag 2, and translated DOIs map to host categories up to
// 0x7FFFFFFF, so a CatSet takes any uint32).
//
// # Representation
//
// Nearly every label uses a few categories below 256, and one option can
// carry at most 15 separate values (tag 2) or 8 runs (tag 5) above that. So
// a CatSet is a fixed-size value, never a pointer to more memory:
//
//   - low: a 256-bit bitmap, categories 0..255; category c is bit c%64 of
//     low[c/64]. Bitmap tags (categories 0..239) decode straight into it.
//   - r[:n]: up to 16 inclusive runs [lo, hi] of categories
//     from 256 up, sorted, disjoint and not adjacent (r[i].hi+1 <
//     r[i+1].lo); the unused entries are zero.
//
// Each set has exactly one representation, so == on two CatSets is set
// equality (Equal says the same). The zero value is the empty set. Copying
// a CatSet copies the set (about 170 octets, no pointers).
//
// Operations that would need more than 16 runs above 255 fail
// with [ErrSetFull] and leave the set unchanged. No operation allocates.
type CatSet struct {
	low [4]uint64
	n   uint8
	r   [maxCatRanges]catRange
}

type catRange struct{ lo, hi uint32 }

// lowCats is the number of categories the inline bitmap holds.
const lowCats = 256

// Has reports whether c is in the set.
func (s *CatSet) Has(c uint32) bool {
	if c < lowCats {
		return s.low[c>>6]&(1<<(c&63)) != 0
	}
	i := s.search(c)
	return i < int(s.n) && s.r[i].lo <= c
}

// search returns the index of the first range with hi >= c (n if none).
func (s *CatSet) search(c uint32) int {
	lo, hi := 0, int(s.n)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if s.r[m].hi < c {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// Add puts c in the set. It fails with ErrSetFull, changing nothing, when
// c would be one run too many above 255.
func (s *CatSet) Add(c uint32) error { return s.AddRange(c, c) }

// AddRange puts every category lo..hi (inclusive) in the set. A range with
// lo > hi adds nothing, as Linux's netlbl_catmap_setrng does for an
// inverted tag-5 range (RULES.md §8). It fails with ErrSetFull, changing
// nothing, when the result needs more than 16 runs above 255.
func (s *CatSet) AddRange(lo, hi uint32) error {
	if lo > hi {
		return nil
	}
	if hi >= lowCats {
		l := max(lo, lowCats)
		if err := s.addHigh(l, hi); err != nil {
			return err
		}
	}
	if lo < lowCats {
		s.setLowBits(lo, min(hi, lowCats-1))
	}
	return nil
}

// setLowBits sets bits lo..hi of the inline bitmap (lo <= hi < 256).
func (s *CatSet) setLowBits(lo, hi uint32) {
	for w := lo >> 6; w <= hi>>6; w++ {
		m := ^uint64(0)
		if w == lo>>6 {
			m <<= lo & 63
		}
		if w == hi>>6 {
			m &= ^uint64(0) >> (63 - hi&63)
		}
		s.low[w] |= m
	}
}

// addHigh merges [lo, hi] (lo >= 256) into the range list.
func (s *CatSet) addHigh(lo, hi uint32) error {
	n := int(s.n)
	// Fast path: wire categories arrive in ascending order (tag 2), so a
	// new value usually lies after every run.
	if n == 0 || uint64(s.r[n-1].hi)+1 < uint64(lo) {
		if n == maxCatRanges {
			return ErrSetFull
		}
		s.r[n] = catRange{lo, hi}
		s.n++
		return nil
	}
	if last := &s.r[n-1]; last.lo <= lo && uint64(lo) <= uint64(last.hi)+1 {
		last.hi = max(last.hi, hi)
		return nil
	}
	// i: first range that overlaps or touches [lo, hi] or lies after it.
	i := 0
	for i < n && uint64(s.r[i].hi)+1 < uint64(lo) {
		i++
	}
	// j: first range wholly after [lo, hi] and not touching it.
	j := i
	for j < n && uint64(s.r[j].lo) <= uint64(hi)+1 {
		j++
	}
	if i < j {
		lo = min(lo, s.r[i].lo)
		hi = max(hi, s.r[j-1].hi)
	}
	newN := n - (j - i) + 1
	if newN > maxCatRanges {
		return ErrSetFull
	}
	// Move r[j:n] to r[i+1:], then write the merged range at i.
	copy(s.r[i+1:], s.r[j:n])
	s.r[i] = catRange{lo, hi}
	for k := newN; k < n; k++ {
		s.r[k] = catRange{}
	}
	s.n = uint8(newN)
	return nil
}

// Remove takes c out of the set. Splitting a run above 255 in two can need
// one run more than the set holds; then it fails with ErrSetFull and
// changes nothing.
func (s *CatSet) Remove(c uint32) error {
	if c < lowCats {
		s.low[c>>6] &^= 1 << (c & 63)
		return nil
	}
	i := s.search(c)
	if i >= int(s.n) || s.r[i].lo > c {
		return nil
	}
	r := s.r[i]
	switch {
	case r.lo == c && r.hi == c:
		copy(s.r[i:], s.r[i+1:s.n])
		s.n--
		s.r[s.n] = catRange{}
	case r.lo == c:
		s.r[i].lo++
	case r.hi == c:
		s.r[i].hi--
	default:
		if int(s.n) == maxCatRanges {
			return ErrSetFull
		}
		copy(s.r[i+2:], s.r[i+1:s.n])
		s.r[i] = catRange{r.lo, c - 1}
		s.r[i+1] = catRange{c + 1, r.hi}
		s.n++
	}
	return nil
}

// Clear empties the set.
func (s *CatSet) Clear() {
	s.low = [4]uint64{}
	if s.n != 0 { // unused runs are zero already (the representation's rule)
		s.n = 0
		s.r = [maxCatRanges]catRange{}
	}
}

// IsEmpty reports whether the set has no category.
func (s *CatSet) IsEmpty() bool {
	return s.n == 0 && s.low[0]|s.low[1]|s.low[2]|s.low[3] == 0
}

// Len is the number of categories in the set.
func (s *CatSet) Len() int {
	c := 0
	for _, w := range s.low {
		c += bits.OnesCount64(w)
	}
	for _, r := range s.r[:s.n] {
		c += int(r.hi-r.lo) + 1
	}
	return c
}

// Max is the largest category, and false for the empty set.
func (s *CatSet) Max() (uint32, bool) {
	if s.n > 0 {
		return s.r[s.n-1].hi, true
	}
	for w := 3; w >= 0; w-- {
		if s.low[w] != 0 {
			return uint32(w*64 + 63 - bits.LeadingZeros64(s.low[w])), true
		}
	}
	return 0, false
}

// Next returns the smallest category >= from, and false if there is none.
func (s *CatSet) Next(from uint32) (uint32, bool) {
	if from < lowCats {
		w := from >> 6
		m := s.low[w] & (^uint64(0) << (from & 63))
		for {
			if m != 0 {
				return w*64 + uint32(bits.TrailingZeros64(m)), true
			}
			w++
			if w == 4 {
				break
			}
			m = s.low[w]
		}
		from = lowCats
	}
	i := s.search(from)
	if i == int(s.n) {
		return 0, false
	}
	return max(s.r[i].lo, from), true
}

// nextRange returns the run of consecutive categories that starts at the
// smallest category >= from: lo is that category and hi the last of its
// run (runs below and above 256 join up). ok is false if there is none.
func (s *CatSet) nextRange(from uint32) (lo, hi uint32, ok bool) {
	lo, ok = s.Next(from)
	if !ok {
		return 0, 0, false
	}
	if lo >= lowCats {
		return lo, s.r[s.search(lo)].hi, true
	}
	// Find the first clear bit after lo in the inline bitmap.
	w := lo >> 6
	m := ^s.low[w] & (^uint64(0) << (lo & 63))
	for m == 0 {
		w++
		if w == 4 {
			// The run reaches 255: it goes on if the first range starts
			// at 256.
			if s.n > 0 && s.r[0].lo == lowCats {
				return lo, s.r[0].hi, true
			}
			return lo, lowCats - 1, true
		}
		m = ^s.low[w]
	}
	return lo, w*64 + uint32(bits.TrailingZeros64(m)) - 1, true
}

// numRanges is the number of maximal runs of consecutive categories: the
// number of ranges a tag 5 needs for the set.
func (s *CatSet) numRanges() int {
	c := 0
	for from := uint32(0); ; {
		_, hi, ok := s.nextRange(from)
		if !ok {
			return c
		}
		c++
		if hi == ^uint32(0) {
			return c
		}
		from = hi + 1
	}
}

// All iterates over the categories in ascending order.
func (s *CatSet) All() iter.Seq[uint32] {
	return func(yield func(uint32) bool) {
		for w, m := range s.low {
			for m != 0 {
				if !yield(uint32(w*64 + bits.TrailingZeros64(m))) {
					return
				}
				m &= m - 1
			}
		}
		for _, r := range s.r[:s.n] {
			for c := r.lo; ; c++ {
				if !yield(c) {
					return
				}
				if c == r.hi {
					break
				}
			}
		}
	}
}

// Ranges iterates over the maximal runs [lo, hi] in ascending order.
func (s *CatSet) Ranges() iter.Seq2[uint32, uint32] {
	return func(yield func(uint32, uint32) bool) {
		for from := uint32(0); ; {
			lo, hi, ok := s.nextRange(from)
			if !ok || !yield(lo, hi) || hi == ^uint32(0) {
				return
			}
			from = hi + 1
		}
	}
}

// Equal reports whether s and t hold the same categories (the same as
// *s == *t, since the representation is canonical).
func (s *CatSet) Equal(t *CatSet) bool { return *s == *t }

// SupersetOf reports whether every category of t is in s.
func (s *CatSet) SupersetOf(t *CatSet) bool {
	for w := range s.low {
		if t.low[w]&^s.low[w] != 0 {
			return false
		}
	}
	// Runs are maximal, so each run of t lies inside one run of s.
	i := 0
	for _, r := range t.r[:t.n] {
		for i < int(s.n) && s.r[i].hi < r.lo {
			i++
		}
		if i == int(s.n) || s.r[i].lo > r.lo || s.r[i].hi < r.hi {
			return false
		}
	}
	return true
}

// Intersects reports whether s and t share a category.
func (s *CatSet) Intersects(t *CatSet) bool {
	for w := range s.low {
		if t.low[w]&s.low[w] != 0 {
			return true
		}
	}
	i, j := 0, 0
	for i < int(s.n) && j < int(t.n) {
		a, b := s.r[i], t.r[j]
		if a.hi < b.lo {
			i++
		} else if b.hi < a.lo {
			j++
		} else {
			return true
		}
	}
	return false
}

// Union adds every category of t to s. On ErrSetFull s is unchanged.
func (s *CatSet) Union(t *CatSet) error {
	u := *s
	for w := range u.low {
		u.low[w] |= t.low[w]
	}
	for _, r := range t.r[:t.n] {
		if err := u.addHigh(r.lo, r.hi); err != nil {
			return err
		}
	}
	*s = u
	return nil
}

// Intersect keeps in s only the categories also in t. On ErrSetFull s is
// unchanged.
func (s *CatSet) Intersect(t *CatSet) error {
	var u CatSet
	for w := range u.low {
		u.low[w] = s.low[w] & t.low[w]
	}
	i, j := 0, 0
	for i < int(s.n) && j < int(t.n) {
		a, b := s.r[i], t.r[j]
		lo, hi := max(a.lo, b.lo), min(a.hi, b.hi)
		if lo <= hi {
			// Pieces come out sorted and, both inputs being maximal
			// runs, never adjacent.
			if int(u.n) == maxCatRanges {
				return ErrSetFull
			}
			u.r[u.n] = catRange{lo, hi}
			u.n++
		}
		if a.hi < b.hi {
			i++
		} else {
			j++
		}
	}
	*s = u
	return nil
}

// Difference takes every category of t out of s. On ErrSetFull s is
// unchanged.
func (s *CatSet) Difference(t *CatSet) error {
	u := *s
	for w := range u.low {
		u.low[w] &^= t.low[w]
	}
	if u.n > 0 && t.n > 0 {
		var v CatSet
		v.low = u.low
		j := 0
		for _, a := range u.r[:u.n] {
			lo := uint64(a.lo)
			for j < int(t.n) && t.r[j].hi < a.lo {
				j++
			}
			for k := j; k < int(t.n) && t.r[k].lo <= a.hi; k++ {
				if uint64(t.r[k].lo) > lo {
					if int(v.n) == maxCatRanges {
						return ErrSetFull
					}
					v.r[v.n] = catRange{uint32(lo), t.r[k].lo - 1}
					v.n++
				}
				lo = uint64(t.r[k].hi) + 1
			}
			if lo <= uint64(a.hi) {
				if int(v.n) == maxCatRanges {
					return ErrSetFull
				}
				v.r[v.n] = catRange{uint32(lo), a.hi}
				v.n++
			}
		}
		u = v
	}
	*s = u
	return nil
}

// SetBitmap replaces the set with the categories of a CIPSO bitmap (tags 1
// and 6; draft §3.4.2.5): category N is bit 0x80>>(N%8) of octet N/8. A
// bitmap of up to 32 octets (every legal one) always fits; longer ones can
// fail with ErrSetFull, leaving the set unchanged.
func (s *CatSet) SetBitmap(b []byte) error {
	if len(b) <= lowCats/8 {
		// Every bitmap one option can carry (30 octets at most) lands
		// here: no category above 255, so nothing can fail.
		s.setLowBitmap(b)
		return nil
	}
	var u CatSet
	u.setLowBitmap(b[:lowCats/8])
	for c := NextBit(b, lowCats); c >= 0; {
		end := c
		for end+1 < len(b)*8 && b[(end+1)>>3]&(0x80>>((end+1)&7)) != 0 {
			end++
		}
		if err := u.addHigh(uint32(c), uint32(end)); err != nil {
			return err
		}
		c = NextBit(b, end+1)
	}
	*s = u
	return nil
}

// setLowBitmap makes s the set of the CIPSO bitmap b (at most 32 octets),
// eight octets at a time: octets 8w..8w+7 read big-endian put category
// 64w+k at bit 63-k, and reversing the word puts it at bit k, where the
// inline bitmap keeps it.
func (s *CatSet) setLowBitmap(b []byte) {
	var w [4]uint64
	i := 0
	for ; i+8 <= len(b); i += 8 {
		w[i>>3] = bits.Reverse64(binary.BigEndian.Uint64(b[i:]))
	}
	if i < len(b) {
		var v uint64
		for j, c := range b[i:] {
			v |= uint64(c) << (56 - 8*j)
		}
		w[i>>3] = bits.Reverse64(v)
	}
	s.low = w
	if s.n != 0 { // unused runs are zero already (the representation's rule)
		s.n = 0
		s.r = [maxCatRanges]catRange{}
	}
}

// NextBit returns the first category >= from whose bit is set in the
// CIPSO bitmap b (MSB first), or -1 (Linux netlbl_bitmap_walk).
func NextBit(b []byte, from int) int {
	if from < 0 {
		from = 0
	}
	for i := from >> 3; i < len(b); i++ {
		v := b[i]
		if i == from>>3 {
			v &= 0xff >> (from & 7)
		}
		if v != 0 {
			return i*8 + bits.LeadingZeros8(v)
		}
	}
	return -1
}

// BitmapLen is the length of the minimal bitmap for s: octets up to and
// including the one holding the largest category (0 for the empty set).
func BitmapLen(s *CatSet) int {
	m, ok := s.Max()
	if !ok {
		return 0
	}
	return int(m/8) + 1
}

// AppendBitmap appends n bitmap octets for s (MSB first; draft §3.4.2.5).
// It fails with ErrSetFull if s has a category n octets cannot hold
// (>= 8n), appending nothing. Pass BitmapLen(s) for the minimal bitmap.
func AppendBitmap(dst []byte, s *CatSet, n int) ([]byte, error) {
	if m, ok := s.Max(); ok && (n < 0 || uint64(m) >= uint64(n)*8) {
		return dst, ErrSetFull
	}
	for i := range n {
		var v byte
		if i < lowCats/8 {
			v = bits.Reverse8(byte(s.low[i>>3] >> ((i & 7) * 8)))
		} else {
			for k := range 8 {
				if s.Has(uint32(i*8 + k)) {
					v |= 0x80 >> k
				}
			}
		}
		dst = append(dst, v)
	}
	return dst, nil
}

// AppendText appends the set in SELinux category syntax, the form that
// follows the level in "s3:c0,c5.c9": each maximal run of three or more
// categories as "cA.cB", shorter runs one by one ("c0,c1"), comma
// separated. This is what SELinux's mls_sid_to_context (Linux,
// security/selinux/ss/mls.c) writes: it joins the ends of a run with '.'
// only when the run spans more than two categories. The empty set appends
// nothing. It implements encoding.TextAppender and never fails or
// allocates beyond growing b.
func (s CatSet) AppendText(b []byte) ([]byte, error) { return s.appendText(b), nil }

// appendText is AppendText on a pointer, for callers that hold one.
func (s *CatSet) appendText(b []byte) []byte {
	for from, first := uint32(0), true; ; first = false {
		lo, hi, ok := s.nextRange(from)
		if !ok {
			return b
		}
		b = appendCatRun(b, lo, hi, first)
		if hi == ^uint32(0) {
			return b
		}
		from = hi + 1
	}
}

// appendCatRun appends the run of categories lo..hi (lo <= hi) as
// AppendText writes it, after a comma unless first: "c5", "c5,c6" or
// "c5.c9".
func appendCatRun(b []byte, lo, hi uint32, first bool) []byte {
	if !first {
		b = append(b, ',')
	}
	b = append(b, 'c')
	b = strconv.AppendUint(b, uint64(lo), 10)
	switch {
	case hi == lo:
	case hi == lo+1:
		b = append(b, ",c"...)
		b = strconv.AppendUint(b, uint64(hi), 10)
	default:
		b = append(b, ".c"...)
		b = strconv.AppendUint(b, uint64(hi), 10)
	}
	return b
}

// MarshalText implements encoding.TextMarshaler with the AppendText form
// (no braces), so that a CatSet field marshals as text.
func (s CatSet) MarshalText() ([]byte, error) { return s.appendText(nil), nil }

// String gives the set as "{c0,c5.c9}" for logs.
func (s CatSet) String() string {
	var buf [64]byte
	b := append(buf[:0], '{')
	b = s.appendText(b)
	return string(append(b, '}'))
}

var (
	_ stringer               = CatSet{}
	_ encoding.TextAppender  = CatSet{}
	_ encoding.TextMarshaler = CatSet{}
)
