package dsm

import (
	"encoding"
	"encoding/binary"
	"strconv"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/ipopt"
)

// DefaultDOI is the DOI the DSM seed system put in its labels, a private
// value (RULES.md §2). A DOI of 0, which CIPSO reserves (CIPSO draft
// §3.3), stands for DefaultDOI wherever this package takes a DOI.
const DefaultDOI cipso.DOI = 0x10001000

// DefaultSID is the source SID DSM sent for a socket that had none
// (RULES.md §4).
const DefaultSID uint32 = 0x12341234

// Label is the DSM "network SID" label: which of the six parameters are
// present and their values. It is a small comparable value; decoding into
// one and encoding one do not allocate. The zero Label is empty.
//
// A value field whose parameter is not in Params is meaningless and is
// neither encoded nor compared by a decoder (decoders leave it 0).
type Label struct {
	// Params is the set of parameters present.
	Params       ParamSet
	PolicySerial uint32
	SourceSID    uint32
	MessageSID   uint32
	DestSID      uint32
	NodeID       uint32
}

// New returns the label DSM sent on every non-local send: the source SID
// of the sending process and the node ID of the sending host (RULES.md
// §4). Its option is 20 octets.
func New(sourceSID, nodeID uint32) Label {
	return Label{}.With(ParamSourceSID, sourceSID).With(ParamNodeID, nodeID)
}

// With returns n with parameter t set to v (v is ignored for bypass). For
// an unknown t, n is returned unchanged.
func (n Label) With(t ParamType, v uint32) Label {
	if p := n.field(t); p != nil {
		*p = v
	}
	if t.Known() {
		n.Params = n.Params.With(t)
	}
	return n
}

// Without returns n with parameter t removed (its value zeroed).
func (n Label) Without(t ParamType) Label {
	if p := n.field(t); p != nil {
		*p = 0
	}
	n.Params = n.Params.Without(t)
	return n
}

// Get returns the value of parameter t and whether it is present. Bypass
// has no value: Get returns 0 and its presence.
func (n Label) Get(t ParamType) (uint32, bool) {
	if !n.Params.Has(t) || !t.Known() {
		return 0, false
	}
	if p := n.field(t); p != nil {
		return *p, true
	}
	return 0, true
}

func (n *Label) field(t ParamType) *uint32 {
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

// Len is the length of the parameter list: the data of the free-form tag,
// which is 2 octets longer. Parameters outside the six known types are not
// counted (and refused by the encoders).
func (n Label) Len() int {
	l := 0
	for t := ParamBypass; t <= ParamNodeID; t++ {
		if n.Params.Has(t) {
			l += t.Len()
		}
	}
	return l
}

// OptionLen is the length of the CIPSO option carrying n: 8 octets of
// option, DOI and tag headers plus the parameters. All six parameters fit
// exactly in the 40-octet options field. The room the label takes in the
// IPv4 header, whose length counts 32-bit words, is
// ipopt.PaddedLen(n.OptionLen()): DSM's usual label (source SID and node
// ID) is 20 octets and needs no padding; its largest (serial, source and
// destination SID) was 26, 28 padded (RULES.md §4).
func (n Label) OptionLen() int { return 8 + n.Len() }

// EffectiveMSS is the TCP maximum segment size a sender may use once every
// segment carries a label option of labelLen octets: mss less the label's
// aligned size, as DSM reduced it (RULES.md §4) and as Linux does for any
// IP option (tcp_mtu_to_mss subtracts icsk_ext_hdr_len, the aligned option
// length). It never returns less than 0; labelLen is clamped to 0..40.
func EffectiveMSS(mss, labelLen int) int {
	labelLen = min(max(labelLen, 0), ipopt.MaxOptionsLen)
	return max(mss-ipopt.PaddedLen(labelLen), 0)
}

var (
	errEncodeEmpty   = ipopt.NewErrorKind(fips188.ErrEmptyFreeForm, "nsid parameters", ipopt.Limit)
	errEncodeUnknown = ipopt.NewErrorKind(ErrUnknownParam, "nsid parameters", ipopt.Limit)
)

// check refuses what no encoder writes: an empty parameter list (DSM's
// receiver wants an option of at least 10 octets, RULES.md §5; fips188's
// encoders write non-empty free-form tags, its RULES.md §4) and presence
// bits outside the six types. Both are class ipopt.Limit, as every encoder
// refusal in this module.
func (n Label) check() error {
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
func (n Label) AppendParams(dst []byte) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	return n.appendParams(dst), nil
}

func (n Label) appendParams(dst []byte) []byte {
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

// appendTag appends the free-form tag carrying n: 07, length, parameters.
func (n Label) appendTag(dst []byte) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	dst = append(dst, byte(cipso.TagFreeForm), byte(2+n.Len()))
	return n.appendParams(dst), nil
}

// AppendOption appends the whole CIPSO option carrying n under doi (0 for
// DefaultDOI): 86, length, DOI, then the free-form tag holding the
// parameters (RULES.md §2). Nothing is padded; see OptionLen. It appends
// nothing and fails for an empty n.
//
//	New(DefaultSID, 1).AppendOption(nil, 0)
//	// 86 14 10 00 10 00 07 0E 03 06 12 34 12 34 06 06 00 00 00 01
func (n Label) AppendOption(dst []byte, doi cipso.DOI) ([]byte, error) {
	if err := n.check(); err != nil {
		return dst, err
	}
	if doi == 0 {
		doi = DefaultDOI
	}
	dst = append(dst, byte(ipopt.CIPSO), byte(n.OptionLen()))
	dst = binary.BigEndian.AppendUint32(dst, uint32(doi))
	dst = append(dst, byte(cipso.TagFreeForm), byte(2+n.Len()))
	return n.appendParams(dst), nil
}

// AppendText appends n's text form, "ssid=0x12341234 node=0x1": the
// present parameters in type order, each as its short name
// ([ParamType.String]) and a hexadecimal value, bypass as "bypass". The
// empty label's text is empty. It implements encoding.TextAppender and
// never fails.
func (n Label) AppendText(b []byte) ([]byte, error) {
	start := len(b)
	for t := ParamBypass; t <= ParamNodeID; t++ {
		if !n.Params.Has(t) {
			continue
		}
		if len(b) > start {
			b = append(b, ' ')
		}
		b = append(b, t.String()...)
		if v, _ := n.Get(t); t != ParamBypass {
			b = append(b, "=0x"...)
			b = strconv.AppendUint(b, uint64(v), 16)
		}
	}
	return b, nil
}

// MarshalText is AppendText into a new slice (encoding.TextMarshaler), so
// a struct field of type Label marshals as its text.
func (n Label) MarshalText() ([]byte, error) { return n.AppendText(nil) }

// String is the text of AppendText, for logs; it allocates.
func (n Label) String() string {
	b, _ := n.AppendText(nil)
	return string(b)
}

// stringer is fmt.Stringer, for the compile-time checks of the String
// methods without importing fmt into the package.
type stringer interface{ String() string }

var (
	_ stringer               = ParamType(0)
	_ stringer               = Label{}
	_ encoding.TextAppender  = Label{}
	_ encoding.TextMarshaler = Label{}
)
