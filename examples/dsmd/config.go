package main

import (
	"net/netip"

	"github.com/iplabel/iplabel/cipso"
)

// Config is a parsed dsmd configuration file. The file is line-oriented:
// one directive per line, words separated by blanks, '#' starts a comment.
// Numbers are decimal or 0x-prefixed hexadecimal. Directives (see
// example.conf for a commented file):
//
//	node N                       this host's node ID (required)
//	doi N                        DOI of the labels sent and expected (default 0x10001000)
//	serial N                     add the policy serial N to every label; refuse labels with another
//	queue out|in N               NFQUEUE numbers (default out 1, in 2)
//	queue-len N                  kernel queue length (default 1024)
//	overload fail-closed|fail-open
//	interface NAME               limit the rules to these devices (default: all but lo)
//	mtu N                        link MTU the TCP MSS clamp of --setup assumes (default 1500)
//	user NAME|UID:GID            once bound, run as this user (default: stay uid 0); either
//	                             way only CAP_NET_ADMIN (and CAP_NET_RAW for ICMP) is kept
//	neutralise nop               overwrite an accepted label with NOPs (default)
//	neutralise translate doi N [level L]
//	                             rewrite it as a 20-octet optimized tag-1 CIPSO label
//	foreign-cipso drop|pass      CIPSO options of other DOIs (default drop)
//	icmp on|off                  ICMP Destination Unreachable code 10 on reject (default on)
//	icmp-rate N                  at most N such errors per second (default 10)
//	log-rate N                   at most N reject logs per second (default 5)
//	label SEL sid N|unlabeled|drop
//	                             SEL: default | uid N | gid N | mark V[/MASK]; first match wins
//	dest-sid PREFIX N            add destination SID N for destinations in PREFIX
//	peer NODE PREFIX...          node NODE sends from these addresses only
//	allow|reject MATCH...        receive rules, first match wins. MATCH: node N[-M],
//	                             sid N[-M], dsid N[-M], unlabeled, from PREFIX,
//	                             proto udp|tcp|icmp|N, port P[-Q]
//	default allow|reject         when no rule matches (default reject)
type Config struct {
	// File is the name the configuration was read from, for messages.
	File string

	Node      uint32
	DOI       cipso.DOI // as on the wire; never 0 after parsing
	Serial    uint32
	HasSerial bool

	QueueOut, QueueIn uint16
	QueueLen          uint32
	FailOpen          bool
	Interfaces        []string
	MTU               int
	// User is the user the daemon switches to after binding; nil keeps
	// uid 0 (with the same reduced capabilities, see DropPrivileges).
	User *User

	Mode           NeutraliseMode
	TranslateDOI   cipso.DOI
	TranslateLevel uint8
	ForeignPass    bool

	ICMP     bool
	ICMPRate int
	LogRate  int

	Labels   []LabelRule
	DestSIDs []DestSIDRule
	Peers    []Peer
	Rules    []RecvRule
	Default  Action
}

// NeutraliseMode says what the verifier leaves in place of a label it has
// accepted, so that the kernel, which drops tag-7 CIPSO options
// (cipso_v4_validate in net/ipv4/cipso_ipv4.c; checked on Linux 6.18),
// delivers the packet.
type NeutraliseMode uint8

const (
	// NeutraliseNOP overwrites the label with NOP options (RFC 791 §3.1;
	// Linux's cipso_v4_skbuff_delattr did the same before 2024).
	NeutraliseNOP NeutraliseMode = iota
	// NeutraliseTranslate writes a tag-1 CIPSO label of the same size the
	// kernel accepts once its DOI is configured.
	NeutraliseTranslate
)

// Action is a receive-policy outcome.
type Action uint8

// Receive actions.
const (
	Reject Action = iota
	Allow
)

func (a Action) String() string {
	if a == Allow {
		return "allow"
	}
	return "reject"
}

// SendAction is what the labeler does with an outgoing packet.
type SendAction uint8

// Send actions.
const (
	SendLabel     SendAction = iota // add the DSM label with the rule's SID
	SendUnlabeled                   // let it go unlabeled (policy bypass)
	SendDrop                        // drop it
)

// LabelRule maps what the queue tells about the sender to a source SID.
type LabelRule struct {
	Line   int
	Kind   SelKind
	Value  uint32 // uid, gid or mark
	Mask   uint32 // mark mask
	Action SendAction
	SID    uint32
}

// SelKind is what a label rule selects on.
type SelKind uint8

// Selectors of label rules.
const (
	SelDefault SelKind = iota
	SelUID
	SelGID
	SelMark
)

// DestSIDRule adds a destination SID to labels for a prefix.
type DestSIDRule struct {
	Prefix netip.Prefix
	SID    uint32
}

// Peer binds a node ID to the source addresses it may send from.
type Peer struct {
	Node     uint32
	Prefixes []netip.Prefix
}

// Range is an inclusive range of u32 values; the zero Range with Any set
// matches everything.
type Range struct {
	Lo, Hi uint32
	Any    bool
}

// Has reports whether v is in r.
func (r Range) Has(v uint32) bool { return r.Any || r.Lo <= v && v <= r.Hi }

// RecvRule is one allow/reject line.
type RecvRule struct {
	Line      int
	Action    Action
	Node      Range
	SID       Range
	DSID      Range
	Labeled   bool // a node, sid or dsid match was given
	Unlabeled bool // the rule matches unlabeled packets only
	From      netip.Prefix
	HasFrom   bool
	Proto     uint8
	HasProto  bool
	Port      Range
	HasPort   bool
}

// User is the account the daemon runs as once bound.
type User struct {
	Name     string // as written in the configuration
	UID, GID int
}
