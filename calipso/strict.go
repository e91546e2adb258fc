package calipso

import (
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/ipv6"
)

// The refusals of the strict reading (RULES.md §8).
var (
	kindStrictDOI   = kind(ErrBadDOI, "doi")
	kindTrailer     = kind(ipopt.ErrBadLength, "length")
	kindTrailingPad = kind(ipopt.ErrBadValue, "compartment bitmap")
	kindAlign       = kind(ipv6.ErrBadAlignment, "type")
	kindSecond      = kind(ipopt.ErrDuplicate, "type")
)

// Strict checks CALIPSO by RFC 5570's own reading where it is stricter
// than Linux's calipso_validate (RULES.md §8): on top of what [Linux]
// refuses, the reserved DOI 0, an option data length other than 8 plus
// the bitmap (no octets after the bitmap), a bitmap whose last 32-bit word
// is zero, and, over a whole Hop-by-Hop header ([Strict.Validate]), an
// option not at 4n+2 or a second CALIPSO option. Linux delivers all of
// these.
type Strict struct {
	// DOIs are the configured DOIs; nil accepts every DOI but 0 (the
	// standard does not say which DOIs a host knows).
	DOIs *Registry
}

var _ ipv6.OptionChecker = Strict{}

// CheckOption checks one option, from its type octet, with every rule
// that needs no knowledge of where the option sits. It implements
// ipv6.OptionChecker, so Strict can stand in for Linux in an ipv6.Linux
// walk. Error offsets count from opt[0].
func (s Strict) CheckOption(opt []byte) error {
	o, err := ParseOption(opt)
	if err != nil {
		return err
	}
	switch {
	case len(o.Trailer()) != 0:
		return kindTrailer.At(1)
	case !o.ChecksumOK():
		return kindChecksum.At(8)
	case o.DOI() == 0:
		return kindStrictDOI.At(2)
	case s.DOIs != nil && !s.DOIs.Has(o.DOI()):
		return kindDOI.At(2)
	}
	if b := o.Bitmap(); len(b) > 0 && b[len(b)-4]|b[len(b)-3]|b[len(b)-2]|b[len(b)-1] == 0 {
		return kindTrailingPad.At(HeaderLen + len(b) - 4)
	}
	return nil
}

// Validate checks the CALIPSO options of hdr, a whole Hop-by-Hop header
// from its Next Header octet (ipv6.ParseExtHeader frames it): each with
// CheckOption, at an offset of 4n+2, and no more than one. Other options
// are only framed (ipv6.Linux walks them as Linux does). The first
// failure decides; its offset counts from hdr[0], which is also the
// offset after the IPv6 fixed header (ipopt/ipv6 RULES.md §1). It does
// not allocate.
func (s Strict) Validate(hdr []byte) error {
	h, err := ipv6.ParseExtHeader(hdr)
	if err != nil {
		return err
	}
	seen := false
	it := ipv6.NewIter(h)
	for it.Next() {
		o := it.Option()
		if o.Type != Type {
			continue
		}
		switch {
		case seen:
			return kindSecond.At(o.Offset)
		case o.Offset%4 != 2:
			return kindAlign.At(o.Offset)
		}
		seen = true
		if err := s.CheckOption(o.Bytes); err != nil {
			return ipopt.Shift(err, o.Offset)
		}
	}
	return it.Err()
}
