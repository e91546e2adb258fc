package rfc1108

import (
	"encoding"
	"fmt"
	"iter"
	"math/bits"
	"strconv"
)

var (
	_ fmt.Stringer             = Authority(0)
	_ fmt.Stringer             = Authorities{}
	_ encoding.TextAppender    = Authorities{}
	_ encoding.TextMarshaler   = Authorities{}
	_ encoding.TextUnmarshaler = (*Authorities)(nil)
)

// Authority numbers one protection authority flag of a BSO (RFC 1108 §2.4;
// RULES.md §4). Flags are counted in wire order without the Field
// Termination Indicators: octet i of the Protection Authority Flags field
// carries flags 7i to 7i+6 in its bits 0x80 down to 0x02, and bit 0x01 is
// that octet's FTI. The five assigned authorities are the first five flags
// of the first octet; every other flag is unassigned.
type Authority uint16

// The assigned protection authorities (first PAF octet, RULES.md §4).
const (
	GENSER  Authority = 0 // 0x80: Genser
	SIOPESI Authority = 1 // 0x40: SIOP-ESI
	SCI     Authority = 2 // 0x20: SCI
	NSA     Authority = 3 // 0x10: NSA
	DOE     Authority = 4 // 0x08: DOE
)

// MaxPAFOctets is the longest Protection Authority Flags field that fits in
// an IPv4 header: a 40-octet options field holding nothing but a BSO,
// less its type, length and classification octets.
const MaxPAFOctets = ipoptMax - 3

const ipoptMax = 40 // ipopt.MaxOptionsLen, kept untyped for array sizes

// NumAuthorities is the number of flags MaxPAFOctets octets carry, and so
// the number of Authority values an [Authorities] set can hold (0 to
// NumAuthorities-1).
const NumAuthorities = 7 * MaxPAFOctets

// Octet is the index of the PAF octet that carries a (0 for the first).
func (a Authority) Octet() int { return int(a) / 7 }

// Mask is a's bit in its PAF octet (0x80 for GENSER, 0x02 for the last
// flag of an octet).
func (a Authority) Mask() byte { return 0x80 >> (a % 7) }

// Assigned reports whether a is one of the five assigned authorities.
func (a Authority) Assigned() bool { return a <= DOE }

// Valid reports whether a can be carried in an IPv4 header (a <
// NumAuthorities).
func (a Authority) Valid() bool { return a < NumAuthorities }

var authNames = func() (t [NumAuthorities]string) {
	copy(t[:], []string{"genser", "siop-esi", "sci", "nsa", "doe"})
	for i := DOE + 1; i < NumAuthorities; i++ {
		t[i] = "flag-" + strconv.Itoa(int(i))
	}
	return t
}()

// String is the authority's name: "genser", "siop-esi", "sci", "nsa",
// "doe", and "flag-N" for the unassigned flag N. Values past
// NumAuthorities give "invalid".
func (a Authority) String() string {
	if a.Valid() {
		return authNames[a]
	}
	return "invalid"
}

// ParseAuthority reads an authority name as String writes it; "flag-N" is
// accepted for every N below NumAuthorities ("flag-0" is GENSER). Errors
// unwrap to ErrBadSpec.
func ParseAuthority(s string) (Authority, error) { return parseAuthority(s) }

func parseAuthority[T string | []byte](s T) (Authority, error) {
	for a := GENSER; a <= DOE; a++ {
		if string(s) == authNames[a] {
			return a, nil
		}
	}
	if len(s) > 5 && string(s[:5]) == "flag-" && len(s) <= 8 {
		n := 0
		for i := 5; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				n = -1
				break
			}
			n = n*10 + int(s[i]-'0')
		}
		if n >= 0 && n < NumAuthorities && (s[5] != '0' || len(s) == 6) {
			return Authority(n), nil
		}
	}
	return 0, specError("protection authority", string(s))
}

// Authorities is a set of protection authority flags: a fixed bitmap over
// all NumAuthorities flags, so that any Protection Authority Flags field
// that fits an IPv4 header decodes into it without allocation and encodes
// back exactly. The zero value is the empty set. Authorities is comparable
// with ==.
//
// Methods take and return values, in the style of net/netip; an Authority
// outside the set's range is ignored by [Authorities.With] and never
// reported by [Authorities.Has].
type Authorities struct {
	w [(NumAuthorities + 63) / 64]uint64
}

// AuthoritiesOf returns the set holding the given authorities.
func AuthoritiesOf(as ...Authority) Authorities {
	var s Authorities
	for _, a := range as {
		s = s.With(a)
	}
	return s
}

// Has reports whether a is in the set.
func (s Authorities) Has(a Authority) bool {
	return a.Valid() && s.w[a>>6]&(1<<(a&63)) != 0
}

// With returns the set with a added (unchanged if a is not Valid).
func (s Authorities) With(a Authority) Authorities {
	if a.Valid() {
		s.w[a>>6] |= 1 << (a & 63)
	}
	return s
}

// Without returns the set with a removed.
func (s Authorities) Without(a Authority) Authorities {
	if a.Valid() {
		s.w[a>>6] &^= 1 << (a & 63)
	}
	return s
}

// Union returns the authorities in s or t.
func (s Authorities) Union(t Authorities) Authorities {
	for i := range s.w {
		s.w[i] |= t.w[i]
	}
	return s
}

// Intersect returns the authorities in both s and t.
func (s Authorities) Intersect(t Authorities) Authorities {
	for i := range s.w {
		s.w[i] &= t.w[i]
	}
	return s
}

// Difference returns the authorities in s and not in t.
func (s Authorities) Difference(t Authorities) Authorities {
	for i := range s.w {
		s.w[i] &^= t.w[i]
	}
	return s
}

// SubsetOf reports whether every authority in s is in t.
func (s Authorities) SubsetOf(t Authorities) bool {
	for i := range s.w {
		if s.w[i]&^t.w[i] != 0 {
			return false
		}
	}
	return true
}

// IsEmpty reports whether the set holds no authority.
func (s Authorities) IsEmpty() bool { return s == Authorities{} }

// Len is the number of authorities in the set.
func (s Authorities) Len() int {
	n := 0
	for _, w := range s.w {
		n += bits.OnesCount64(w)
	}
	return n
}

// assignedMask is the set of the five assigned authorities.
const assignedMask = 1<<(DOE+1) - 1

// Unassigned returns the flags of s that name no assigned authority (every
// flag but GENSER, SIOP-ESI, SCI, NSA and DOE).
func (s Authorities) Unassigned() Authorities {
	s.w[0] &^= assignedMask
	return s
}

// First returns the lowest-numbered authority in the set (the first in
// wire order), or false if the set is empty.
func (s Authorities) First() (Authority, bool) {
	for i, w := range s.w {
		if w != 0 {
			return Authority(i*64 + bits.TrailingZeros64(w)), true
		}
	}
	return 0, false
}

// All yields the authorities of the set in wire order (ascending).
func (s Authorities) All() iter.Seq[Authority] {
	return func(yield func(Authority) bool) {
		for i, w := range s.w {
			for w != 0 {
				b := bits.TrailingZeros64(w)
				w &= w - 1
				if !yield(Authority(i*64 + b)) {
					return
				}
			}
		}
	}
}

// AppendNames appends the names of the set's authorities in wire order
// (["genser", "nsa"]), for JSON and logs. The names are static strings;
// with a dst of enough capacity nothing is allocated.
func (s Authorities) AppendNames(dst []string) []string {
	for i, w := range s.w {
		for ; w != 0; w &= w - 1 {
			dst = append(dst, authNames[i*64+bits.TrailingZeros64(w)])
		}
	}
	return dst
}

// AppendText implements encoding.TextAppender: the names in wire order
// joined by "+" ("genser+nsa"); the empty set is "".
func (s Authorities) AppendText(b []byte) ([]byte, error) { return s.appendText(b), nil }

func (s Authorities) appendText(b []byte) []byte {
	sep := false
	for i, w := range s.w {
		for ; w != 0; w &= w - 1 {
			if sep {
				b = append(b, '+')
			}
			b = append(b, authNames[i*64+bits.TrailingZeros64(w)]...)
			sep = true
		}
	}
	return b
}

// String is the AppendText form.
func (s Authorities) String() string { return string(s.appendText(nil)) }

// MarshalText implements encoding.TextMarshaler.
func (s Authorities) MarshalText() ([]byte, error) { return s.appendText(nil), nil }

// UnmarshalText implements encoding.TextUnmarshaler with
// [ParseAuthorities].
func (s *Authorities) UnmarshalText(b []byte) error {
	v, err := parseAuthorities(b)
	if err != nil {
		return err
	}
	*s = v
	return nil
}

// ParseAuthorities reads authority names joined by "+" ("genser+nsa"),
// in any order; "" is the empty set. A name given twice is refused.
// Errors unwrap to ErrBadSpec.
func ParseAuthorities(s string) (Authorities, error) { return parseAuthorities(s) }

func parseAuthorities[T string | []byte](s T) (Authorities, error) {
	var set Authorities
	if len(s) == 0 {
		return set, nil
	}
	for start := 0; start <= len(s); {
		end := start
		for end < len(s) && s[end] != '+' {
			end++
		}
		a, err := parseAuthority(s[start:end])
		if err != nil {
			return Authorities{}, err
		}
		if set.Has(a) {
			return Authorities{}, specError("repeated protection authority", string(s[start:end]))
		}
		set = set.With(a)
		start = end + 1
	}
	return set, nil
}

// MinOctets is the number of PAF octets the minimal encoding of s needs:
// up to and including the octet of the highest flag, 0 for the empty set.
func (s Authorities) MinOctets() int {
	for i := len(s.w) - 1; i >= 0; i-- {
		if s.w[i] != 0 {
			hi := i*64 + bits.Len64(s.w[i]) - 1
			return hi/7 + 1
		}
	}
	return 0
}

// flags returns the seven flags of PAF octet i placed as they are on the
// wire (bits 0x80 to 0x02; the FTI bit 0x01 is left 0). Its one caller,
// AppendLabel, has checked that 0 <= i < MaxPAFOctets.
func (s Authorities) flags(i int) byte {
	k := 7 * i
	w, sh := k>>6, uint(k&63)
	v := s.w[w] >> sh
	if sh > 64-7 && w+1 < len(s.w) {
		v |= s.w[w+1] << (64 - sh)
	}
	// Flag 7i+j sits at bit j of v; on the wire it is bit 7-j.
	return bits.Reverse8(uint8(v & 0x7f))
}

// setFlags adds the flags of a wire octet (FTI ignored) as PAF octet i.
// Octets past the last that fits an IPv4 header are ignored: a BSO view
// made by hand rather than by ParseBSO may be longer than 40 octets.
func (s *Authorities) setFlags(i int, octet byte) {
	k := 7 * i
	if k >= NumAuthorities || k < 0 {
		return
	}
	v := uint64(bits.Reverse8(octet & 0xfe)) // bit 7-j on the wire -> bit j
	w, sh := k>>6, uint(k&63)
	s.w[w] |= v << sh
	if sh > 64-7 && w+1 < len(s.w) {
		s.w[w+1] |= v >> (64 - sh)
	}
}
