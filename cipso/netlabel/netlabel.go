package netlabel

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"

	"github.com/iplabel/iplabel/cipso"
)

// ErrLinuxOnly is what every call of a [Client] gives on systems other
// than Linux: NetLabel is part of the Linux kernel.
var ErrLinuxOnly = errors.New("netlabel: NetLabel is Linux-only")

// ErrNoNetLabel is what [Dial] gives when it finds no NLBL_MGMT or
// NLBL_CIPSOv4 generic netlink family: the kernel has no NetLabel
// (CONFIG_NETLABEL is off), or the caller is not in the initial network
// namespace, the only one where NetLabel answers.
var ErrNoNetLabel = errors.New("netlabel: the kernel has no NetLabel")

// ErrNoCALIPSO is what the CALIPSO calls of a [Client] give when the
// kernel has NetLabel but no NLBL_CALIPSO generic netlink family (a kernel
// without IPv6).
var ErrNoCALIPSO = errors.New("netlabel: the kernel has no CALIPSO")

// DOI is one CIPSO Domain of Interpretation as the kernel holds it (Linux
// struct cipso_v4_doi, listed by netlbl_cipsov4_list in
// net/netlabel/netlabel_cipso_v4.c).
type DOI struct {
	Number cipso.DOI
	Type   cipso.MapType
	// Tags are the tag slots up to the first empty one, in the order the
	// kernel tries them when it labels a packet.
	Tags []cipso.TagType
	// Levels and Categories are a translated DOI's pairs, local=remote.
	// The kernel lists them from its local-to-remote tables, so they come
	// in ascending local order with one pair per local value: of two pairs
	// given for the same local value only the later is listed, although
	// the kernel's remote-to-local table still knows the earlier one (see
	// cipso/RULES.md §4: the later pair wins in each direction).
	Levels, Categories []cipso.Pair
}

// DOIOf gives the definition of d, as [Client.AddDOI] sends it.
func DOIOf(d *cipso.Domain) DOI {
	out := DOI{Number: d.DOI(), Type: d.Type(), Tags: append([]cipso.TagType(nil), d.Tags()...)}
	if d.Type() == cipso.MapTrans {
		out.Levels = append([]cipso.Pair(nil), d.Levels()...)
		out.Categories = append([]cipso.Pair(nil), d.Categories()...)
	}
	return out
}

// Domain makes the cipso domain of d with [cipso.NewPass],
// [cipso.NewTrans] or [cipso.NewLocal], the domain [cipso.ParseCommand]
// makes of d's netlabelctl line ([DOI.AppendCommand]). A local DOI keeps
// the tags the kernel lists: tag 128, as netlabelctl's "cipsov4 add local"
// makes it, or tags 1 and 128 as a netlink client may (cipso/RULES.md §4);
// such a DOI has no netlabelctl line of its own. Definitions cipso refuses
// (which the kernel refuses too) are an error.
func (d DOI) Domain() (*cipso.Domain, error) {
	var (
		dom *cipso.Domain
		err error
	)
	switch d.Type {
	case cipso.MapPass:
		dom, err = cipso.NewPass(d.Number, d.Tags...)
	case cipso.MapTrans:
		dom, err = cipso.NewTrans(d.Number, d.Tags, d.Levels, d.Categories)
	case cipso.MapLocal:
		dom, err = cipso.NewLocal(d.Number, d.Tags...)
	default:
		err = errors.New("unknown mapping type " + strconv.Itoa(int(d.Type)))
	}
	if err != nil {
		return nil, fmt.Errorf("netlabel: DOI %v: %w", d.Number, err)
	}
	return dom, nil
}

// NewRegistry builds the registry of dois, as [cipso.ParseConfig] builds
// it from their netlabelctl lines ([AppendConfig]): each DOI through
// [DOI.Domain]. A DOI listed twice is [cipso.ErrDuplicateDOI].
func NewRegistry(dois []DOI) (*cipso.Registry, error) {
	r := &cipso.Registry{}
	for _, d := range dois {
		dom, err := d.Domain()
		if err != nil {
			return nil, err
		}
		if err := r.Add(dom); err != nil {
			return nil, fmt.Errorf("netlabel: DOI %v listed twice: %w", d.Number, err)
		}
	}
	return r, nil
}

// AppendCommand appends d as the netlabelctl command that defines it,
// without a newline, in the syntax [cipso.ParseCommand] reads:
// "cipsov4 add pass doi:16 tags:1,2,5", "cipsov4 add trans doi:3 tags:1
// levels:0=0,1=1 categories:0=0,1=5", "cipsov4 add local doi:5". It writes
// what d holds, even what cipso would refuse, except the tags of a local
// DOI: netlabelctl cannot give a local DOI any tag but 128, so a local DOI
// that also lists tag 1 is written as netlabelctl would make it, with tag
// 128 only.
func (d DOI) AppendCommand(dst []byte) []byte {
	dst = append(dst, "cipsov4 add "...)
	dst = append(dst, d.Type.String()...)
	dst = append(dst, " doi:"...)
	dst = strconv.AppendUint(dst, uint64(d.Number), 10)
	if d.Type == cipso.MapLocal {
		return dst
	}
	dst = append(dst, " tags:"...)
	for i, t := range d.Tags {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(t), 10)
	}
	if d.Type == cipso.MapTrans {
		dst = appendPairs(dst, " levels:", d.Levels)
		if len(d.Categories) > 0 {
			dst = appendPairs(dst, " categories:", d.Categories)
		}
	}
	return dst
}

func appendPairs(dst []byte, key string, ps []cipso.Pair) []byte {
	dst = append(dst, key...)
	for i, p := range ps {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendUint(dst, uint64(p.Local), 10)
		dst = append(dst, '=')
		dst = strconv.AppendUint(dst, uint64(p.Remote), 10)
	}
	return dst
}

// String gives d's netlabelctl command ([DOI.AppendCommand]).
func (d DOI) String() string { return string(d.AppendCommand(nil)) }

// AppendConfig appends the netlabelctl commands of dois, one a line in the
// order given, each ending in a newline: a configuration
// [cipso.ParseConfig] reads.
func AppendConfig(dst []byte, dois []DOI) []byte {
	for _, d := range dois {
		dst = d.AppendCommand(dst)
		dst = append(dst, '\n')
	}
	return dst
}

// Protocol is a NetLabel labelling protocol (Linux NETLBL_NLTYPE_* in
// include/net/netlabel.h).
type Protocol uint32

// The protocols a domain mapping can name.
const (
	CIPSOv4   Protocol = 3 // NETLBL_NLTYPE_CIPSOV4
	Unlabeled Protocol = 5 // NETLBL_NLTYPE_UNLABELED
	CALIPSO   Protocol = 7 // NETLBL_NLTYPE_CALIPSO
	// AddrSelect is what the kernel lists for a mapping whose protocol
	// depends on the peer address (NETLBL_NLTYPE_ADDRSELECT); a [Mapping]
	// shows it as Selectors instead.
	AddrSelect Protocol = 6
)

// String gives the name netlabelctl's "map list" prints: "CIPSOv4",
// "UNLABELED", "CALIPSO".
func (p Protocol) String() string {
	switch p {
	case CIPSOv4:
		return "CIPSOv4"
	case Unlabeled:
		return "UNLABELED"
	case CALIPSO:
		return "CALIPSO"
	case AddrSelect:
		return "ADDRSELECT"
	}
	return "UNKNOWN(" + strconv.FormatUint(uint64(p), 10) + ")"
}

// Family is the address family a domain mapping applies to (the kernel's
// NLBL_MGMT_A_FAMILY).
type Family uint16

// Address families.
const (
	FamilyAll  Family = 0  // AF_UNSPEC: IPv4 and IPv6
	FamilyIPv4 Family = 2  // AF_INET
	FamilyIPv6 Family = 10 // AF_INET6
)

// String gives "IPv4", "IPv6" or "IPv4/IPv6", as netlabelctl -p prints.
func (f Family) String() string {
	switch f {
	case FamilyAll:
		return "IPv4/IPv6"
	case FamilyIPv4:
		return "IPv4"
	case FamilyIPv6:
		return "IPv6"
	}
	return "family(" + strconv.Itoa(int(f)) + ")"
}

// Mapping is one NetLabel domain mapping (Linux struct netlbl_dom_map,
// net/netlabel/netlabel_domainhash.h): which protocol labels the traffic
// of an LSM domain (an SELinux type, a Smack label), or of any domain
// without a mapping of its own (the default mapping).
type Mapping struct {
	// Default marks the default mapping; Domain is then empty.
	Default bool
	Domain  string
	Family  Family
	// Protocol and DOI apply to all peers, unless Selectors is set. DOI is
	// the CIPSOv4 or CALIPSO DOI; 0 for Unlabeled.
	Protocol Protocol
	DOI      uint32
	// Selectors choose the protocol by peer address (netlabelctl "map add
	// ... address:10.0.0.0/8 ..."); Protocol and DOI are then unused.
	Selectors []Selector
}

// Selector is one address selector of a mapping (struct
// netlbl_domaddr4_map, netlbl_domaddr6_map).
type Selector struct {
	Prefix   netip.Prefix
	Protocol Protocol
	DOI      uint32
}
