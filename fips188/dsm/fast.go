package dsm

import (
	"encoding/binary"

	"github.com/iplabel/iplabel/ipopt"
)

// The success path of Decode and DecodeOptions, for the labels a receiver
// meets on every packet, in one pass and one call. It decides the verdict
// and the label only: whatever it does not pass goes Decode's step-by-step
// way, which names the failure and its offset.
//
// It is written around what the compiler does on amd64 (Go 1.26): the
// profile is packed into one word read field by field, and the label is
// kept by parameter type and stored into *n field by field, since a
// Profile, a Label or an ipopt.Option copied whole goes through the stack
// with loads wider than the stores that put it there, a stall that cost
// more than the decode (DecodeOptions took 38 ns on the DSM example, 12
// ns this way).

// Bits of a packed profile (usualRules) above its accepted
// parameters (bits 0..7) and required ones (8..15).
const (
	ruleSkipUnknown = 1 << (16 + iota)
	ruleRejectDuplicates
	ruleOrdered
)

// paramLens is ParamType.Len by type, for the types 0..7.
var paramLens = [8]uint8{ParamBypass: 2, ParamPolicySerial: 6, ParamSourceSID: 6, ParamMessageSID: 6, ParamDestSID: 6, ParamNodeID: 6}

// usualRules is the profile's DOI, its default filled in, and its
// parameter rules packed, Accept's default filled in. It takes a pointer
// and reads the fields one by one: a method on the whole value (such as
// p.doi()) copies it through the stack with a load wider than the stores
// that spilled it.
func usualRules(p *Profile) (doi, rules uint32) {
	doi = uint32(p.DOI)
	if doi == 0 {
		doi = uint32(DefaultDOI)
	}
	accept := p.Accept
	if accept == 0 {
		accept = AllParams
	}
	rules = uint32(accept) | uint32(p.Require)<<8
	if p.SkipUnknown {
		rules |= ruleSkipUnknown
	}
	if p.RejectDuplicates {
		rules |= ruleRejectDuplicates
	}
	if p.Ordered {
		rules |= ruleOrdered
	}
	return doi, rules
}

// decodeUsual checks what Decode checks on the option at the start of b
// (type, length, DOI, the one free-form tag, then each parameter under the
// rules, RULES.md §5) and, when all pass, stores the label in *n and
// returns the option's length. With field, b is a whole options field and
// the label must also be its first option, followed by nothing but NOPs up
// to the end or an EOL, so that fips188.FindCIPSO's walk would find it,
// with no framing error and no second CIPSO option. It reports false,
// changing nothing, for anything else. Octets after the option's length
// are otherwise ignored, as Decode ignores them.
func decodeUsual(b []byte, doi, rules uint32, field bool, n *Label) (int, bool) {
	if len(b) < minLen || ipopt.Type(b[0]) != ipopt.CIPSO {
		return 0, false
	}
	l := int(b[1])
	if l < minLen || l > len(b) || l > ipopt.MaxOptionsLen {
		return 0, false
	}
	if field && (len(b) > ipopt.MaxOptionsLen || !onlyPadding(b[l:])) {
		return 0, false
	}
	b = b[:l:l]
	if binary.BigEndian.Uint32(b[2:6]) != doi || b[6] != 7 || int(b[7]) != l-6 {
		return 0, false
	}
	accept := ParamSet(rules)
	var set ParamSet
	var vals [8]uint32 // by parameter type
	last := ParamType(0)
	for i := 8; i < l; {
		if i+1 >= l {
			return 0, false // an octet left over
		}
		t, pl := ParamType(b[i]), int(b[i+1])
		if pl > l-i {
			return 0, false
		}
		if !t.Known() {
			if rules&ruleSkipUnknown == 0 || pl < 2 {
				return 0, false
			}
			i += pl
			continue
		}
		if !accept.Has(t) || pl != int(paramLens[t&7]) ||
			rules&ruleRejectDuplicates != 0 && set.Has(t) || rules&ruleOrdered != 0 && t < last {
			return 0, false
		}
		last = t
		set |= 1 << t
		if t != ParamBypass {
			vals[t&7] = binary.BigEndian.Uint32(b[i+2:])
		}
		i += pl
	}
	if ParamSet(rules>>8)&^set != 0 {
		return 0, false
	}
	n.Params, n.PolicySerial, n.SourceSID, n.MessageSID, n.DestSID, n.NodeID = set,
		vals[ParamPolicySerial], vals[ParamSourceSID], vals[ParamMessageSID], vals[ParamDestSID], vals[ParamNodeID]
	return l, true
}

// decodeUsualOK is decodeUsual on one option, for Decode.
func decodeUsualOK(opt []byte, doi, rules uint32, n *Label) bool {
	_, ok := decodeUsual(opt, doi, rules, false, n)
	return ok
}

// onlyPadding reports whether b, the rest of an options field after the
// label, is NOPs up to its end or an EOL.
func onlyPadding(b []byte) bool {
	for _, c := range b {
		if ipopt.Type(c) == ipopt.EOL {
			return true
		}
		if ipopt.Type(c) != ipopt.NOP {
			return false
		}
	}
	return true
}
