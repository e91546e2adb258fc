package ipopt

import "math"

// OptionChecker checks one option: during a [Linux] walk, the body of an
// option whose check Linux delegates (cipso.Linux for option 134), or one
// a standard reads more strictly (cipso.Strict, rfc1108.Strict), so that
// ipopt walks the field without importing the packages that know them.
//
// o is the option as the walk found it (o.Bytes[0] is its type octet, and
// o.Offset its place in the options field). socket is true when the
// options are being set with setsockopt(IP_OPTIONS) rather than received
// (Linux calls cipso_v4_validate with no skb). The returned error's offsets
// are in the options field (use [Shift] on option-relative errors).
type OptionChecker interface {
	CheckOption(o Option, socket bool) error
}

// FieldValidator checks a whole options field (the octets after the
// 20-octet base header). A [Linux.Security] or [Linux.ExtendedSecurity]
// checker that is also a FieldValidator has rules across options (RFC
// 1108: at most one BSO, no ESO without a BSO): the walk calls its
// Validate once (once in all when both fields hold the same value), after
// the options are walked, whether or not the walk failed, and reports the
// first failure in the field, Validate's error when it is at a lower
// offset than the walk's (RULES.md §3).
type FieldValidator interface {
	Validate(opts []byte) error
}

// Linux reproduces Linux's __ip_options_compile (net/ipv4/ip_options.c),
// the check every received IPv4 header with options goes through, with the
// same verdict and the same ICMP Parameter Problem pointer. Rules, in walk
// order (RULES.md §3):
//
//   - EOL ends the walk; the octets after it are not examined (Linux zeroes
//     them; see [ZeroTail]).
//   - NOP is one octet.
//   - A type octet with fewer than 2 octets left, a length below 2 or past
//     the end: pointer at the type octet.
//   - LSRR/SSRR: length < 3 at +1; pointer < 4 at +2; a second source route
//     at the type octet; when setting on a socket, pointer must be 4,
//     length >= 7 and (length-3)%4 == 0, else +1.
//   - RR: a second RR at the type octet; length < 3 at +1; pointer < 4 at
//     +2; a pointer inside the option that leaves no room for an address
//     (ptr+3 > len) at +2.
//   - TS: a second TS at the type octet; length < 4 at +1; pointer < 5 at
//     +2; a pointer inside with ptr+3 > len at +2; flags 1 and 3 need
//     ptr+7 <= len, else +2; other flags at +3 when setting on a socket
//     without CAP_NET_RAW; a full option (pointer past the end) whose
//     overflow nibble is 15 and flag is not 3, at +3.
//   - RA: length < 4 at +1.
//   - CIPSO: setting one on a socket without CAP_NET_RAW
//     (ErrNotPermitted), or a second CIPSO (ErrDuplicate), at the type
//     octet; then the body check (the CIPSO field, or the CONFIG_NETLABEL=n
//     stub when it is nil).
//   - SEC (130) and ESEC (133): refused at the type octet when setting on
//     a socket without CAP_NET_RAW; then the body check of the Security or
//     ExtendedSecurity field, none when it is nil (Linux does not look
//     into them).
//   - SID and every other type: no content check on receive; refused at
//     the type octet when setting on a socket without CAP_NET_RAW.
//
// Setting a source route on a socket without CAP_NET_RAW is refused
// (EPERM) once the rest of the walk has passed, as observed on Linux 6.18.
//
// The error is the one Linux finds, with its pointer, but Linux does not
// always send that pointer: [Linux.Compile] also reports ([Compiled.Silent])
// when the options make the Parameter Problem impossible to send and the
// datagram is dropped silently, and [ICMPErrorSuppressed] when the rest of
// the datagram does.
//
// Receiving an RR or TS makes Linux write into the option; Linux never
// changes the bytes given to it here. A source-routed packet is valid here:
// Linux drops it afterwards, by routing policy (accept_source_route), with
// no ICMP answer.
//
// A Security or ExtendedSecurity checker that is a [FieldValidator] also
// checks the field as a whole once the walk is over (once when both are
// the same value); the first failure in the field wins.
//
// The zero value is Linux without NetLabel, on the receive path.
type Linux struct {
	// CIPSO checks option 134's body (cipso_v4_validate). nil selects the
	// kernel's CONFIG_NETLABEL=n stub: option length >= 8 (pointer +1),
	// DOI not 0 (+2), and tags framed inside the option (a tag type as
	// the last octet at the type, a tag length of 0 or past the end at
	// +1), with no tag type, level or category checked.
	CIPSO OptionChecker
	// Security and ExtendedSecurity check the bodies of options 130 (the
	// RFC 1108 BSO) and 133 (ESO), which Linux does not look into; nil
	// (Linux) checks nothing. rfc1108.Strict checks both, and the rules
	// across them as a [FieldValidator].
	Security, ExtendedSecurity OptionChecker
	// Socket validates as setsockopt(IP_OPTIONS) or an IP_RETOPTS control
	// message does (ip_options_get: no skb).
	Socket bool
	// CapNetRaw is whether the socket's owner has CAP_NET_RAW (Socket only).
	CapNetRaw bool
}

// Compiled is what the walk records, as Linux's struct ip_options does:
// the offset in the options field of each option it keeps track of, or -1.
type Compiled struct {
	RR, TS, SRR, CIPSO, RouterAlert int
	// StrictRoute is true when SRR is an SSRR.
	StrictRoute bool
	// EOL is the offset of the EOL that ended the walk, or -1. Linux
	// zeroes every non-zero octet after it on receive.
	EOL int
	// Silent is set, with an error on the receive path, when Linux finds
	// that error but sends no ICMP Parameter Problem, so the datagram is
	// dropped without an answer and the error's pointer never leaves the
	// host. __icmp_send (net/ipv4/icmp.c) gives up when __ip_options_echo
	// cannot build the reply's options, which happens only when an RR or
	// TS option met before the error has had its pointer advanced by the
	// walk (RR by 4; TS by 4 for flag 0, by 8 for flag 1, and by 8 for
	// flag 3 when its address is 0.0.0.0, 255.255.255.255, in 127/8 or in
	// 224/4) to a place inside the option without room for the reply's own
	// entries (4 octets, 8 for flag 1). A source route, a CIPSO option or
	// anything else in the field never stops the echo. On the socket path
	// and for a valid field Silent is false. Silent looks at the options
	// only: the rest of the datagram can stop the answer too
	// ([ICMPErrorSuppressed]).
	Silent bool
}

var (
	errOptDup      = NewErrorKind(ErrDuplicate, "type", Malformed)
	errOptPtr      = NewErrorKind(ErrBadPointer, "pointer", Malformed)
	errOptFlags    = NewErrorKind(ErrBadValue, "flags", Malformed)
	errOptOverflow = NewErrorKind(ErrBadValue, "overflow", Malformed)
	errOptPerm     = NewErrorKind(ErrNotPermitted, "type", Malformed)
	errStubLen     = NewErrorKind(ErrBadLength, "cipso length", Malformed)
	errStubDOI     = NewErrorKind(ErrBadValue, "cipso doi", Malformed)
	errStubTag     = NewErrorKind(ErrTruncated, "cipso tag", Malformed)
	errStubTagLen  = NewErrorKind(ErrBadLength, "cipso tag length", Malformed)
)

var _ FieldValidator = Linux{}

// Validate runs the Linux option walk over opts (the options field, at
// most 40 octets) and returns nil or the first [Error] Linux would report.
func (l Linux) Validate(opts []byte) error { return l.validate(opts) }

// validate is Validate, kept apart so that Validate is inlined and its
// caller's Linux is not copied.
func (l *Linux) validate(opts []byte) error {
	var c Compiled
	err := l.walk(opts, &c)
	if l.Security != nil || l.ExtendedSecurity != nil {
		err = l.validateField(opts, err)
	}
	return err
}

// Compile is Validate that also returns where the tracked options are
// and, when the field fails on the receive path, whether Linux sends its
// Parameter Problem ([Compiled.Silent]).
func (l Linux) Compile(opts []byte) (c Compiled, err error) {
	err = l.walk(opts, &c)
	if l.Security != nil || l.ExtendedSecurity != nil {
		err = l.validateField(opts, err)
	}
	if err != nil && !l.Socket {
		c.Silent = echoFails(opts, &c)
	}
	return c, err
}

// validateField is the whole-field step of the Security and
// ExtendedSecurity checkers that are [FieldValidator]s, the second
// skipped when it is the same value as the first: each error wins over
// err when it is at a lower offset.
func (l *Linux) validateField(opts []byte, err error) error {
	sec, _ := l.Security.(FieldValidator)
	if sec != nil {
		err = firstInField(err, sec.Validate(opts))
	}
	if esec, ok := l.ExtendedSecurity.(FieldValidator); ok && !sameValue(sec, esec) {
		err = firstInField(err, esec.Validate(opts))
	}
	return err
}

// firstInField is e when it is at a lower offset in the field than err
// (or err is nil), else err.
func firstInField(err, e error) error {
	if e != nil && (err == nil || fieldOffset(e) < fieldOffset(err)) {
		return e
	}
	return err
}

// sameValue reports whether a and b are equal interface values; values of
// a type that cannot be compared are not the same.
func sameValue(a, b FieldValidator) (same bool) {
	defer func() {
		if recover() != nil {
			same = false
		}
	}()
	return a == b
}

// fieldOffset is where err is in the options field, for "the first
// failure wins": the offset of the [Error] in err's tree, or the largest
// int for an error at no octet and one that holds no Error, so that any
// error at an octet comes before it.
func fieldOffset(err error) int {
	if e, ok := AsError(err); ok && e.Offset() >= 0 {
		return e.Offset()
	}
	return math.MaxInt
}

// walk is __ip_options_compile; c is filled as the walk goes.
func (l *Linux) walk(opts []byte, c *Compiled) error {
	*c = Compiled{RR: -1, TS: -1, SRR: -1, CIPSO: -1, RouterAlert: -1, EOL: -1}
	if len(opts) > MaxOptionsLen {
		return KindTooLong.At(MaxOptionsLen)
	}
	socket := l.Socket
	priv := !socket || l.CapNetRaw
	// The walk of Iter.Next (tlv.FrameOption), written out, with offsets
	// and a slice rather than Option values: a call and a struct copy per
	// option cost more than the checks, and this loop runs on every
	// received header. Written around the inlined tlv.FrameOption instead,
	// it measured 18% slower on a field of 32 NOPs and a CIPSO option
	// (fastest of 30 runs: 40.4 ns here, 47.5 ns with it; Go 1.26, amd64).
walk:
	for next := 0; next < len(opts); {
		off := next
		typ := Type(opts[off])
		n := 1
		if !typ.SingleOctet() {
			if off+1 >= len(opts) {
				return KindTruncated.At(off)
			}
			n = int(opts[off+1])
			if n < 2 || n > len(opts)-off {
				return KindBadLength.At(off)
			}
		}
		b := opts[off : off+n : off+n]
		next = off + n
		switch typ {
		case EOL:
			c.EOL = off
			break walk
		case NOP:
		case LSRR, SSRR:
			if n < 3 {
				return KindBadLength.At(off + 1)
			}
			if b[2] < 4 {
				return errOptPtr.At(off + 2)
			}
			if c.SRR >= 0 {
				return errOptDup.At(off)
			}
			if socket && (b[2] != 4 || n < 7 || (n-3)&3 != 0) {
				return KindBadLength.At(off + 1)
			}
			c.SRR, c.StrictRoute = off, typ == SSRR
		case RR:
			if c.RR >= 0 {
				return errOptDup.At(off)
			}
			if n < 3 {
				return KindBadLength.At(off + 1)
			}
			if b[2] < 4 {
				return errOptPtr.At(off + 2)
			}
			if int(b[2]) <= n && int(b[2])+3 > n {
				return errOptPtr.At(off + 2)
			}
			c.RR = off
		case TS:
			if err := checkTS(c, b, off, socket, priv); err != nil {
				return err
			}
			c.TS = off
		case RA:
			if n < 4 {
				return KindBadLength.At(off + 1)
			}
			if b[2] == 0 && b[3] == 0 {
				c.RouterAlert = off
			}
		case CIPSO:
			// One branch in Linux, one pointer (the type octet); the
			// sentinel says which of the two conditions failed.
			if !priv {
				return errOptPerm.At(off)
			}
			if c.CIPSO >= 0 {
				return errOptDup.At(off)
			}
			c.CIPSO = off
			var err error
			if l.CIPSO != nil {
				err = l.CIPSO.CheckOption(Option{Offset: off, Type: typ, Bytes: b}, socket)
			} else {
				err = netLabelStub(b, off)
			}
			if err != nil {
				return err
			}
		case SEC, ESEC:
			if !priv {
				return errOptPerm.At(off)
			}
			ck := l.Security
			if typ == ESEC {
				ck = l.ExtendedSecurity
			}
			if ck != nil {
				if err := ck.CheckOption(Option{Offset: off, Type: typ, Bytes: b}, socket); err != nil {
					return err
				}
			}
		default:
			if !priv {
				return errOptPerm.At(off)
			}
		}
	}
	// Observed on Linux 6.18 (ipopt/linuxtest TestSetSockOptions): a field
	// that passes the walk but holds a source route is refused with EPERM
	// when the caller lacks CAP_NET_RAW. There is no pointer on this path;
	// the error points at the route's type octet.
	if socket && !priv && c.SRR >= 0 {
		return errOptPerm.At(c.SRR)
	}
	return nil
}

func checkTS(c *Compiled, b []byte, off int, socket, priv bool) error {
	n := len(b)
	if c.TS >= 0 {
		return errOptDup.At(off)
	}
	if n < 4 {
		return KindBadLength.At(off + 1)
	}
	ptr := int(b[2])
	if ptr < 5 {
		return errOptPtr.At(off + 2)
	}
	flag := b[3] & 0x0f
	if ptr <= n {
		if ptr+3 > n {
			return errOptPtr.At(off + 2)
		}
		switch flag {
		case 0: // IPOPT_TS_TSONLY
		case 1, 3: // IPOPT_TS_TSANDADDR, IPOPT_TS_PRESPEC
			if ptr+7 > n {
				return errOptPtr.At(off + 2)
			}
		default:
			if socket && !priv {
				return errOptFlags.At(off + 3)
			}
		}
	} else if flag != 3 && b[3]>>4 == 15 {
		return errOptOverflow.At(off + 3)
	}
	return nil
}

// netLabelStub is the cipso_v4_validate of a kernel built without
// NetLabel (CONFIG_NETLABEL=n, include/net/cipso_ipv4.h), on b, the option
// at offset off; see [Linux.CIPSO].
func netLabelStub(b []byte, off int) error {
	n := len(b)
	if n < 8 {
		return errStubLen.At(off + 1)
	}
	if b[2]|b[3]|b[4]|b[5] == 0 {
		return errStubDOI.At(off + 2)
	}
	// Not the shared framing: the stub refuses only a tag length of 0, so
	// a tag of length 1 passes.
	for i := 6; i < n; {
		if i+1 == n {
			return errStubTag.At(off + i)
		}
		tl := int(b[i+1])
		if tl == 0 || tl > n-i {
			return errStubTagLen.At(off + i + 1)
		}
		i += tl
	}
	return nil
}

// ZeroTail does what Linux does to the octets after an EOL on receive: it
// overwrites every one with 0 (EOL) and reports whether anything changed
// (then the header checksum must be recomputed). opts is walked as [Iter]
// walks it; without an EOL nothing changes.
func ZeroTail(opts []byte) bool {
	it := NewIter(opts)
	for it.Next() {
	}
	changed := false
	t := it.Tail()
	for i := range t {
		if t[i] != 0 {
			t[i] = 0
			changed = true
		}
	}
	return changed
}
