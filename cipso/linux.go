package cipso

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/ipopt"
)

// Linux reproduces Linux 6.x cipso_v4_validate (net/ipv4/cipso_ipv4.c) for
// a kernel with NetLabel: the same verdict and the same ICMP Parameter
// Problem pointer for every option (checked on Linux 6.18). RULES.md §7
// lists its checks in order, with the offset each reports. It is the
// [ipopt.OptionChecker] for option 134 in an [ipopt.Linux] walk:
//
//	lx := cipso.NewLinux(reg)
//	err := lx.Validate(opts) // = ipopt.Linux{CIPSO: lx}.Validate(opts)
//
// With a nil or empty Registry every CIPSO option fails at its DOI (+2), as
// on a kernel with no DOI configured. Every category error points at the
// first category octet (tag + 4), not at the offending category. All tags
// are checked; the label is taken from the first (see [Domain.Decode]).
type Linux struct {
	// Registry holds the configured DOIs (netlabelctl cipsov4 add ...).
	Registry *Registry
	// RBMStrictValid is sysctl net.ipv4.cipso_rbm_strictvalid, whose
	// default in the kernel code is 1 (RULES.md §6); [NewLinux] sets it.
	// It gates only the tag-1 level and bitmap checks.
	RBMStrictValid bool
	// Loopback is whether the packet arrived on a loopback device, the
	// only place Linux accepts the local tag 128.
	Loopback bool
	// AnyDOI checks an option whose DOI is not in Registry structurally
	// instead of refusing it at its DOI: every check of cipso_v4_validate
	// but DOI membership, as if the DOI were configured to admit the
	// option (a pass DOI with tags 1, 2 and 5, and the local tag 128 on
	// loopback; DOI 0, which no configuration can hold, is still refused).
	// Linux has no such mode; it is for looking at labels
	// before any DOI is configured. Registered DOIs are checked as always.
	AnyDOI bool
}

// NewLinux returns the Linux profile for r with the kernel's defaults
// (cipso_rbm_strictvalid = 1, not loopback).
func NewLinux(r *Registry) Linux { return Linux{Registry: r, RBMStrictValid: true} }

var (
	_ ipopt.OptionChecker  = Linux{}
	_ ipopt.FieldValidator = Linux{}
)

// CheckOption implements [ipopt.OptionChecker]: o is the option as the
// walk found it (o.Bytes from its type octet, cut to its length; an
// option of another type is refused with ErrNotCIPSO at its type octet),
// and the error's offsets are in the options field, o.Offset being the
// option's.
func (l Linux) CheckOption(o ipopt.Option, socket bool) error {
	return ipopt.Shift(l.check(o.Bytes, socket), o.Offset)
}

// Validate runs Linux's whole receive-path option walk
// (ipopt.Linux{CIPSO: l}) over an options field; offsets in the error are
// in the options field and the pointer is from the IP header.
func (l Linux) Validate(opts []byte) error {
	return ipopt.Linux{CIPSO: l.checker()}.Validate(opts)
}

// checker is l as an ipopt.OptionChecker that an interface holds without
// allocating (a copy of l in an interface would be allocated on every
// Validate): one pointer, the flags being in its type.
func (l Linux) checker() ipopt.OptionChecker {
	switch {
	case l.RBMStrictValid && l.Loopback:
		return linuxRBMLoopback{l.Registry}
	case l.RBMStrictValid:
		return linuxRBM{l.Registry}
	case l.Loopback:
		return linuxLoopback{l.Registry}
	}
	return linuxPlain{l.Registry}
}

// The four settings of Linux's flags, each a checker one pointer long.
type (
	linuxPlain       struct{ r *Registry }
	linuxRBM         struct{ r *Registry }
	linuxLoopback    struct{ r *Registry }
	linuxRBMLoopback struct{ r *Registry }
)

func (c linuxPlain) CheckOption(o ipopt.Option, socket bool) error {
	return ipopt.Shift(Linux{Registry: c.r}.check(o.Bytes, socket), o.Offset)
}

func (c linuxRBM) CheckOption(o ipopt.Option, socket bool) error {
	return ipopt.Shift(Linux{Registry: c.r, RBMStrictValid: true}.check(o.Bytes, socket), o.Offset)
}

func (c linuxLoopback) CheckOption(o ipopt.Option, socket bool) error {
	return ipopt.Shift(Linux{Registry: c.r, Loopback: true}.check(o.Bytes, socket), o.Offset)
}

func (c linuxRBMLoopback) CheckOption(o ipopt.Option, socket bool) error {
	return ipopt.Shift(Linux{Registry: c.r, RBMStrictValid: true, Loopback: true}.check(o.Bytes, socket), o.Offset)
}

// walkAccepting is the first half of ipopt.Linux{CIPSO: c}.Validate(opts)
// for a checker c of this package that no pointer-shaped type can hold,
// done without storing c in an interface: the walk runs with a checker
// that accepts every CIPSO option and returns the offset of the first one
// if the walk got past it (else -1), and the walk's error. The caller
// then checks that option: its error, at the option, wins over the
// walk's, which is at a later offset, as in a walk that had called c.
func walkAccepting(opts []byte) (at int, err error) {
	c, err := acceptingWalk.Compile(opts)
	if c.CIPSO < 0 || fieldOffset(err) == c.CIPSO {
		return -1, err
	}
	return c.CIPSO, err
}

var acceptingWalk = ipopt.Linux{CIPSO: acceptOption{}}

// acceptOption is the ipopt.OptionChecker that accepts every option.
type acceptOption struct{}

func (acceptOption) CheckOption(ipopt.Option, bool) error { return nil }

// framed reports whether b is a CIPSO option cut to its length, as an
// options walk hands it over (ParseOption would accept it unchanged).
func framed(b []byte) bool {
	return len(b) >= HeaderLen && len(b) <= MaxOptionLen && b[0] == byte(OptionType) && int(b[1]) == len(b)
}

// fieldOffset is err's offset in the options field (-1 for none).
func fieldOffset(err error) int {
	if e, ok := err.(ipopt.Error); ok {
		return e.Offset()
	}
	return -1
}

// check is cipso_v4_validate on b, the option from its type octet, after
// ParseOption's envelope checks (which, in a walk, always pass).
func (l Linux) check(b []byte, socket bool) error {
	if !framed(b) {
		o, err := ParseOption(b)
		if err != nil {
			return err
		}
		b = o
	}
	n := len(b)
	if n < 8 {
		return ipopt.KindBadLength.At(1)
	}
	d := l.lookup(DOI(binary.BigEndian.Uint32(b[2:6])))
	if d == nil {
		return KindUnknownDOI.At(2)
	}
	// Not the shared tag walk (TagIter): Linux judges the tag type before
	// the framing and asks only that a tag fit, leaving a length below 2
	// to the minimum of each type (RULES.md §7).
	for it := HeaderLen; it < n; {
		typ := TagType(b[it])
		if !d.Permits(typ) {
			return KindTagNotAllowed.At(it)
		}
		if it+1 == n {
			return KindTagTruncated.At(it)
		}
		tl := int(b[it+1])
		if tl > n-it {
			return KindBadTagLength.At(it + 1)
		}
		tag := b[it : it+tl]
		switch typ {
		case TagRBitmap:
			if tl < TagBaseLen {
				return KindBadTagLength.At(it + 1)
			}
			if l.RBMStrictValid {
				if !d.levelValid(tag[3]) {
					return KindBadLevel.At(it + 3)
				}
				if tl > TagBaseLen && !d.bitmapValid(tag[TagBaseLen:]) {
					return errCategory.At(it + TagBaseLen)
				}
			}
		case TagEnum:
			if tl < TagBaseLen {
				return KindBadTagLength.At(it + 1)
			}
			if !d.levelValid(tag[3]) {
				return KindBadLevel.At(it + 3)
			}
			if tl > TagBaseLen {
				if k := linuxEnum(tag[TagBaseLen:]); k != noKind {
					return k.At(it + TagBaseLen)
				}
			}
		case TagRange:
			if tl < TagBaseLen {
				return KindBadTagLength.At(it + 1)
			}
			if !d.levelValid(tag[3]) {
				return KindBadLevel.At(it + 3)
			}
			if tl > TagBaseLen {
				if k := linuxRanges(tag[TagBaseLen:]); k != noKind {
					return k.At(it + TagBaseLen)
				}
			}
		case TagLocal:
			if socket || !l.Loopback {
				return KindTagNotAllowed.At(it)
			}
			if tl != LocalTagLen {
				return KindBadTagLength.At(it + 1)
			}
		default:
			return KindUnknownTag.At(it)
		}
		it += tl
	}
	return nil
}

// bitmapValid is cipso_v4_map_cat_rbm_valid: pass accepts any bitmap,
// trans needs every set bit mapped, other types accept none.
func (d *Domain) bitmapValid(bm []byte) bool {
	switch d.typ {
	case MapPass:
		return true
	case MapTrans:
		for c := NextBit(bm, 0); c >= 0; c = NextBit(bm, c+1) {
			if _, ok := d.CatFromWire(uint32(c)); !ok {
				return false
			}
		}
		return true
	}
	return false
}

// linuxEnum is cipso_v4_map_cat_enum_valid: even length, strictly
// ascending (65535 allowed). Linux also refuses a DOI that is not pass,
// which cannot get here: only a pass DOI permits tag 2.
func linuxEnum(b []byte) ipopt.ErrorKind {
	if len(b)&1 != 0 {
		return errCategory
	}
	prev := -1
	for i := 0; i+1 < len(b); i += 2 {
		c := int(binary.BigEndian.Uint16(b[i:]))
		if c <= prev {
			return errCatOrder
		}
		prev = c
	}
	return noKind
}

// linuxRanges is cipso_v4_map_cat_rng_valid: even length, each top no
// higher than the previous bottom (the first against 65535). It does not
// compare a pair's own top and bottom. Linux also refuses a DOI that is
// not pass, which cannot get here: only a pass DOI permits tag 5.
func linuxRanges(b []byte) ipopt.ErrorKind {
	if len(b)&1 != 0 {
		return errCategory
	}
	prev := uint16(MaxWireCategory + 1)
	for i := 0; i+1 < len(b); i += 4 {
		hi := binary.BigEndian.Uint16(b[i:])
		lo := uint16(0)
		if i+4 <= len(b) {
			lo = binary.BigEndian.Uint16(b[i+2:])
		}
		if hi > prev {
			return errCatOrder
		}
		prev = lo
	}
	return noKind
}
