package fips188

import (
	"encoding/binary"
	"strconv"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
)

// DefaultDOI is the DOI the DSM seed system put in its labels, a private
// value (RULES.md §8.1). A DOI of 0, which CIPSO reserves (CIPSO draft
// §3.3), stands for DefaultDOI wherever this package takes
// a DOI for a network SID label.
const DefaultDOI cipso.DOI = 0x10001000

// DefaultSID is the source SID DSM sent for a socket that had none
// (RULES.md §8.3).
const DefaultSID uint32 = 0x12341234

// ParamType is the type octet of a network SID parameter, the
// type-length-value items DSM packed into the data of a FIPS 188 free-form
// tag (RULES.md §8.2).
type ParamType uint8

// The parameter types DSM defined.
const (
	ParamBypass       ParamType = 1 // bypass: no value, length 2
	ParamPolicySerial ParamType = 2 // policy serial number, u32
	ParamSourceSID    ParamType = 3 // source (process) security ID, u32
	ParamMessageSID   ParamType = 4 // message security ID, u32
	ParamDestSID      ParamType = 5 // destination security ID, u32
	ParamNodeID       ParamType = 6 // node ID, u32
)

// Known reports whether t is one of the six parameter types DSM defined.
func (t ParamType) Known() bool { return t >= ParamBypass && t <= ParamNodeID }

// Len is the length of a parameter of type t, type and length octets
// included: 2 for bypass, 6 for the u32 parameters, 0 for unknown types.
func (t ParamType) Len() int {
	switch {
	case t == ParamBypass:
		return 2
	case t.Known():
		return 6
	}
	return 0
}

var paramNames = [...]string{"", "bypass", "policy-serial", "ssid", "msid", "dsid", "node"}

// String gives the short name ("ssid", "node", ...) or "param(N)".
func (t ParamType) String() string {
	if t.Known() {
		return paramNames[t]
	}
	return "param(" + strconv.Itoa(int(t)) + ")"
}

// stringer is fmt.Stringer, for the compile-time checks of the String
// methods without importing fmt into the package.
type stringer interface{ String() string }

var (
	_ stringer = ParamType(0)
	_ stringer = NSID{}
)

// ParamSet is a set of parameter types: bit 1<<t for type t.
type ParamSet uint8

// AllParams is the set of the six known parameter types.
const AllParams ParamSet = 1<<ParamBypass | 1<<ParamPolicySerial | 1<<ParamSourceSID |
	1<<ParamMessageSID | 1<<ParamDestSID | 1<<ParamNodeID

// ParamsOf returns the set holding the given types.
func ParamsOf(ts ...ParamType) ParamSet {
	var s ParamSet
	for _, t := range ts {
		s = s.With(t)
	}
	return s
}

// Has reports whether t is in s.
func (s ParamSet) Has(t ParamType) bool { return t < 8 && s&(1<<t) != 0 }

// With returns s with t added (unchanged for types 8 and above, which do
// not fit the set).
func (s ParamSet) With(t ParamType) ParamSet {
	if t >= 8 {
		return s
	}
	return s | 1<<t
}

// Without returns s with t removed.
func (s ParamSet) Without(t ParamType) ParamSet {
	if t >= 8 {
		return s
	}
	return s &^ (1 << t)
}

// NSID is the DSM "network SID" label: which of the six parameters are
// present and their values. It is a small comparable value; decoding into
// one and encoding one do not allocate. The zero NSID is empty.
//
// A value field whose parameter is not in Params is meaningless and is
// neither encoded nor compared by a decoder (decoders leave it 0).
type NSID struct {
	// Params is the set of parameters present.
	Params       ParamSet
	PolicySerial uint32
	SourceSID    uint32
	MessageSID   uint32
	DestSID      uint32
	NodeID       uint32
}

// NewNSID returns the label DSM sent on every non-local send: the source
// SID of the sending process and the node ID of the sending host
// (RULES.md §8.3). Its option is 20 octets.
func NewNSID(sourceSID, nodeID uint32) NSID {
	return NSID{}.WithSourceSID(sourceSID).WithNodeID(nodeID)
}

// WithBypass returns n with the bypass parameter.
func (n NSID) WithBypass() NSID { n.Params = n.Params.With(ParamBypass); return n }

// WithPolicySerial returns n with the policy serial number v.
func (n NSID) WithPolicySerial(v uint32) NSID { return n.With(ParamPolicySerial, v) }

// WithSourceSID returns n with the source SID v.
func (n NSID) WithSourceSID(v uint32) NSID { return n.With(ParamSourceSID, v) }

// WithMessageSID returns n with the message SID v.
func (n NSID) WithMessageSID(v uint32) NSID { return n.With(ParamMessageSID, v) }

// WithDestSID returns n with the destination SID v.
func (n NSID) WithDestSID(v uint32) NSID { return n.With(ParamDestSID, v) }

// WithNodeID returns n with the node ID v.
func (n NSID) WithNodeID(v uint32) NSID { return n.With(ParamNodeID, v) }

// With returns n with parameter t set to v (v is ignored for bypass). For
// an unknown t, n is returned unchanged.
func (n NSID) With(t ParamType, v uint32) NSID {
	if p := n.field(t); p != nil {
		*p = v
	}
	if t.Known() {
		n.Params = n.Params.With(t)
	}
	return n
}

// Without returns n with parameter t removed (its value zeroed).
func (n NSID) Without(t ParamType) NSID {
	if p := n.field(t); p != nil {
		*p = 0
	}
	n.Params = n.Params.Without(t)
	return n
}

// Get returns the value of parameter t and whether it is present. Bypass
// has no value: Get returns 0 and its presence.
func (n NSID) Get(t ParamType) (uint32, bool) {
	if !n.Params.Has(t) || !t.Known() {
		return 0, false
	}
	if p := n.field(t); p != nil {
		return *p, true
	}
	return 0, true
}

// Has reports whether parameter t is present.
func (n NSID) Has(t ParamType) bool { return t.Known() && n.Params.Has(t) }

func (n *NSID) field(t ParamType) *uint32 {
	switch t {
	case ParamPolicySerial:
		return &n.PolicySerial
	case ParamSourceSID:
		return &n.SourceSID
	case ParamMessageSID:
		return &n.MessageSID
	case ParamDestSID:
		return &n.DestSID
	case ParamNodeID:
		return &n.NodeID
	}
	return nil
}

// Len is the length of the parameter list: the data of the free-form tag.
// Parameters outside the six known types are not counted (and refused by
// the encoders).
func (n NSID) Len() int {
	l := 0
	for t := ParamBypass; t <= ParamNodeID; t++ {
		if n.Params.Has(t) {
			l += t.Len()
		}
	}
	return l
}

// TagLen is the length of the free-form tag (type 7) carrying n.
func (n NSID) TagLen() int { return 2 + n.Len() }

// OptionLen is the length of the CIPSO option carrying n: 8 octets of
// option, DOI and tag headers plus the parameters. All six parameters fit
// exactly in the 40-octet options field.
func (n NSID) OptionLen() int { return 8 + n.Len() }

// AlignedLen is OptionLen rounded up to a multiple of 4, the room the
// label takes in the IPv4 header (whose length counts 32-bit words). DSM's
// usual label (source SID and node ID) is 20 octets and needs no padding;
// its largest (serial, source and destination SID) was 26, 28 aligned
// (RULES.md §8.3).
func (n NSID) AlignedLen() int { return ipopt.PaddedLen(n.OptionLen()) }

// EffectiveMSS is the TCP maximum segment size a sender may use once every
// segment carries a label option of labelLen octets: mss less the label's
// aligned size, as DSM reduced it (RULES.md §8.3) and
// as Linux does for any IP option (tcp_mtu_to_mss subtracts
// icsk_ext_hdr_len, the aligned option length). It never returns less than
// 0; labelLen is clamped to 0..40.
func EffectiveMSS(mss, labelLen int) int {
	labelLen = min(max(labelLen, 0), ipopt.MaxOptionsLen)
	return max(mss-ipopt.PaddedLen(labelLen), 0)
}

var (
	errEncodeEmpty   = ipopt.NewErrorKind(ErrEmptyFreeForm, "nsid parameters", ipopt.Limit)
	errEncodeUnknown = ipopt.NewErrorKind(ErrUnknownParam, "nsid parameters", ipopt.Limit)
)

// check refuses what no encoder writes: an empty parameter list (DSM's
// receiver wants an option of at least 10 octets, RULES.md §8.4; our
// encoders write non-empty free-form tags, RULES.md §4) and presence bits
// outside the six types. Both are class ipopt.Limit, as every encoder
// refusal in this module.
func (n NSID) check() error {
	if n.Params&^AllParams != 0 {
		return errEncodeUnknown.At(8)
	}
	if n.Params == 0 {
		return errEncodeEmpty.At(7)
	}
	return nil
}

// AppendParams appends n's parameter list (the free-form tag's data) to
// dst in ascending type order, the order DSM wrote them (source SID before
// node ID). It fails, appending nothing, for an empty n or one with
// presence bits outside the six types.
func (n NSID) AppendParams(dst []byte) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	return n.appendParams(dst), nil
}

func (n NSID) appendParams(dst []byte) []byte {
	for t := ParamBypass; t <= ParamNodeID; t++ {
		if !n.Params.Has(t) {
			continue
		}
		if t == ParamBypass {
			dst = append(dst, byte(t), 2)
			continue
		}
		v, _ := n.Get(t)
		dst = append(dst, byte(t), 6)
		dst = binary.BigEndian.AppendUint32(dst, v)
	}
	return dst
}

// AppendTag appends the free-form tag carrying n: 07, length, parameters.
func (n NSID) AppendTag(dst []byte) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	dst = append(dst, byte(cipso.TagFreeForm), byte(n.TagLen()))
	return n.appendParams(dst), nil
}

// AppendOption appends the whole CIPSO option carrying n under doi (0 for
// DefaultDOI): 86, length, DOI, then the free-form tag holding the
// parameters (RULES.md §8.1). Nothing is padded; see
// AlignedLen. It appends nothing and fails for an empty n.
//
//	NewNSID(DefaultSID, 1).AppendOption(nil, 0)
//	// 86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01
func (n NSID) AppendOption(dst []byte, doi cipso.DOI) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	if doi == 0 {
		doi = DefaultDOI
	}
	dst = append(dst, byte(ipopt.CIPSO), byte(n.OptionLen()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(doi))
	dst = append(dst, byte(cipso.TagFreeForm), byte(n.TagLen()))
	return n.appendParams(dst), nil
}

// String formats n as "ssid=0x12341234 node=0x1" in type order; bypass
// prints as "bypass". It is for logs and allocates.
func (n NSID) String() string {
	var b []byte
	for t := ParamBypass; t <= ParamNodeID; t++ {
		if !n.Params.Has(t) {
			continue
		}
		if len(b) > 0 {
			b = append(b, ' ')
		}
		b = append(b, t.String()...)
		if v, _ := n.Get(t); t != ParamBypass {
			b = append(b, "=0x"...)
			b = strconv.AppendUint(b, uint64(v), 16)
		}
	}
	return string(b)
}
