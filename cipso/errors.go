package cipso

import "github.com/iplabel/iplabel/ipopt"

// Sentinels of this package. Every ipopt.Error from cipso unwraps to one of
// these or, for plain framing, to ipopt.ErrTruncated or ipopt.ErrBadLength.
var (
	// ErrNotCIPSO: the option type octet is not 134.
	ErrNotCIPSO error = errorString("cipso: not a CIPSO option")
	// ErrUnknownDOI: the DOI is not registered (Linux cipso_v4_validate;
	// RULES.md §7 step 2).
	ErrUnknownDOI error = errorString("cipso: unknown DOI")
	// ErrBadDOI: the reserved DOI 0 (draft §3.3), in a config or where the
	// strict profile checks the DOI without a registry.
	ErrBadDOI error = errorString("cipso: reserved DOI 0")
	// ErrTagNotAllowed: the DOI does not permit this tag type, or the local
	// tag 128 arrives other than on loopback (RULES.md §7 steps 3.1, 3.4).
	ErrTagNotAllowed error = errorString("cipso: tag type not allowed")
	// ErrUnknownTag: a tag type this profile does not know (RULES.md §7
	// step 3.4, "any other type"; draft §5.1.1).
	ErrUnknownTag error = errorString("cipso: unknown tag type")
	// ErrMultipleTags: a second tag of the MAC sensitivity class (tags 1,
	// 2, 5) in one option (draft §5.2, strict profile only).
	ErrMultipleTags error = errorString("cipso: more than one MAC tag")
	// ErrBadTagLength: a tag length the tag type does not allow, or one
	// that runs past the option.
	ErrBadTagLength error = errorString("cipso: bad tag length")
	// ErrBadAlignment: a nonzero alignment octet (draft §3.4.2.3; strict).
	ErrBadAlignment error = errorString("cipso: nonzero alignment octet")
	// ErrBadLevel: a sensitivity level the DOI does not map, or one above
	// 255 on the wire.
	ErrBadLevel error = errorString("cipso: bad sensitivity level")
	// ErrBadCategory: a category the DOI does not map, 65535 (strict), a
	// category list of odd length, or a category above 65534 on the wire.
	ErrBadCategory error = errorString("cipso: bad category")
	// ErrCategoryOrder: enumerated categories not strictly ascending, or
	// ranges not descending and disjoint.
	ErrCategoryOrder error = errorString("cipso: categories out of order")
	// ErrNotCanonical: a legal but non-canonical encoding the strict
	// profile refuses so that every accepted option re-encodes byte for
	// byte: a bitmap with trailing zero octets (other than the optimized
	// form), a written final range bottom of 0, adjacent ranges.
	ErrNotCanonical error = errorString("cipso: non-canonical encoding")
	// ErrNoSpace: the label does not fit the tag or the 40-octet option
	// (Linux -ENOSPC), or a destination buffer is too small.
	ErrNoSpace error = errorString("cipso: label does not fit")
	// ErrUnmapped: a translated DOI has no mapping for a level or
	// category of the label being encoded or decoded (Linux -EPERM).
	ErrUnmapped error = errorString("cipso: level or category not mapped by the DOI")
	// ErrSetFull: a category set operation needs more ranges above 255
	// than a CatSet holds (16).
	ErrSetFull error = errorString("cipso: category set full")
	// ErrOutOfRange: a well-formed label outside the receiver's accepted
	// range (draft §4, §5.1; class ipopt.Policy).
	ErrOutOfRange error = errorString("cipso: label outside the accepted range")
	// ErrSyntax: text that is not a level string or a netlabelctl line.
	ErrSyntax error = errorString("cipso: syntax error")
	// ErrDuplicateDOI: a DOI configured twice (Linux -EEXIST).
	ErrDuplicateDOI error = errorString("cipso: DOI already configured")
	// ErrBadConfig: a DOI definition the kernel refuses (-EINVAL): no
	// tags, more than 5, a tag the DOI type cannot carry, a remote level
	// above 255 or category above 65534, ...
	ErrBadConfig error = errorString("cipso: invalid DOI definition")
)

// errorString is a comparable sentinel type.
type errorString string

func (e errorString) Error() string { return string(e) }

var _ error = errorString("")

// The failures of this package (ipopt.NewErrorKind): reporting one never
// allocates. Offsets are given at the call sites. The option's own framing
// is reported with ipopt's kinds (ipopt.KindTruncated,
// ipopt.KindBadLength); noKind is "no failure" for the helpers that choose
// a kind.
var (
	noKind ipopt.ErrorKind

	errNotCIPSO   = ipopt.NewErrorKind(ErrNotCIPSO, "type", ipopt.Malformed)
	errCategory   = ipopt.NewErrorKind(ErrBadCategory, "categories", ipopt.Malformed)
	errCatsFull   = ipopt.NewErrorKind(ErrSetFull, "categories", ipopt.Limit)
	errWireCat    = ipopt.NewErrorKind(ErrBadCategory, "categories", ipopt.Limit)
	errUnmapLevel = ipopt.NewErrorKind(ErrUnmapped, "level", ipopt.Policy)
	errUnmapCat   = ipopt.NewErrorKind(ErrUnmapped, "categories", ipopt.Policy)
	errCatOrder   = ipopt.NewErrorKind(ErrCategoryOrder, "categories", ipopt.Malformed)
	errOutOfRange = ipopt.NewErrorKind(ErrOutOfRange, "label", ipopt.Policy)
)

// Kinds of the CIPSO tag failures that other packages report too: the FIPS
// 188 profiles of package fips188 read and write the same tags, so the same
// failure is the same kind wherever it is found (ipopt/RULES.md §10). Each
// is its sentinel at the named field, with the usual pointer (offset + 20).
var (
	// KindTagTruncated: a tag type octet with no length octet after it
	// (ipopt.ErrTruncated, "tag length").
	KindTagTruncated = ipopt.NewErrorKind(ipopt.ErrTruncated, "tag length", ipopt.Malformed)
	// KindBadTagLength: a tag length the tag type does not allow, or one
	// that runs past the option (ErrBadTagLength, "tag length").
	KindBadTagLength = ipopt.NewErrorKind(ErrBadTagLength, "tag length", ipopt.Malformed)
	// KindUnknownTag: a tag type the profile does not know (ErrUnknownTag,
	// "tag type").
	KindUnknownTag = ipopt.NewErrorKind(ErrUnknownTag, "tag type", ipopt.Malformed)
	// KindTagNotAllowed: a tag type the DOI does not permit
	// (ErrTagNotAllowed, "tag type").
	KindTagNotAllowed = ipopt.NewErrorKind(ErrTagNotAllowed, "tag type", ipopt.Malformed)
	// KindMultipleTags: a second MAC tag in one option (ErrMultipleTags,
	// "tag type").
	KindMultipleTags = ipopt.NewErrorKind(ErrMultipleTags, "tag type", ipopt.Malformed)
	// KindUnknownDOI: a DOI that is not registered (ErrUnknownDOI, "doi").
	KindUnknownDOI = ipopt.NewErrorKind(ErrUnknownDOI, "doi", ipopt.Malformed)
	// KindZeroDOI: the reserved DOI 0 (ErrBadDOI, "doi").
	KindZeroDOI = ipopt.NewErrorKind(ErrBadDOI, "doi", ipopt.Malformed)
	// KindBadLevel: a level the DOI does not map (ErrBadLevel, "level").
	KindBadLevel = ipopt.NewErrorKind(ErrBadLevel, "level", ipopt.Malformed)
	// KindBadAlignment: a nonzero alignment octet (ErrBadAlignment,
	// "alignment").
	KindBadAlignment = ipopt.NewErrorKind(ErrBadAlignment, "alignment", ipopt.Malformed)
	// KindNotCanonical: a legal encoding the strict profiles refuse
	// (ErrNotCanonical, "categories").
	KindNotCanonical = ipopt.NewErrorKind(ErrNotCanonical, "categories", ipopt.Malformed)
	// KindWireLevel: a level the encoder cannot write, such as one above
	// 255 (ErrBadLevel, "level", class ipopt.Limit).
	KindWireLevel = ipopt.NewErrorKind(ErrBadLevel, "level", ipopt.Limit)
	// KindWireTag: a tag type an encoder cannot write (ErrTagNotAllowed,
	// "tag type", class ipopt.Limit).
	KindWireTag = ipopt.NewErrorKind(ErrTagNotAllowed, "tag type", ipopt.Limit)
	// KindNoSpace: categories that do not fit the tag or the 40-octet
	// option (ErrNoSpace, "categories", class ipopt.Limit).
	KindNoSpace = ipopt.NewErrorKind(ErrNoSpace, "categories", ipopt.Limit)
	// KindNoBuffer: an option longer than 40 octets or than the
	// destination buffer (ErrNoSpace, "length", class ipopt.Limit).
	KindNoBuffer = ipopt.NewErrorKind(ErrNoSpace, "length", ipopt.Limit)
)
