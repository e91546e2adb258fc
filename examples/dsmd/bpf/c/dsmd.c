// SPDX-License-Identifier: GPL-2.0
//
// dsmd's tc ingress program. For every IPv4 packet with options it
//
//   - recognises the DSM network-SID label (the first CIPSO option, when it
//     carries the configured DSM DOI) and checks it with the receiver
//     rules of fips188.NSIDProfile (fips188/RULES.md §8.4), with the
//     profile's knobs taken from the config map;
//   - overwrites an accepted label with NOP options, fixing the header
//     checksum incrementally (RFC 1624), as dsmd's "neutralise nop" does;
//   - validates the options field (the neutralised one when there was a
//     label) as Linux's __ip_options_compile (net/ipv4/ip_options.c) does
//     on receive, with cipso_v4_validate (net/ipv4/cipso_ipv4.c) for the
//     DOIs in the dois map: the verdict and ICMP Parameter Problem pointer
//     of ipopt.Linux with cipso.Linux as its CIPSO checker, and no pointer
//     when Linux drops the packet silently (ipopt.Compiled.Silent).
//
// The verdict is left in the skb's control block for BPF_PROG_RUN:
// cb[0] 1 accepted / 0 refused, cb[1] the pointer or 0xffffffff, cb[2] the
// reason (enum reason), cb[3] the options-field offset of the fault. A
// refused packet is dropped (TC_ACT_SHOT). Every loop is bounded.

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define MAX_OPTS 40
#define NO_POINTER 0xffffffffu
#define LOOPBACK_IFINDEX 1

// Option types (RFC 791 and the IANA registry), as ipopt names them.
#define OPT_EOL 0
#define OPT_NOP 1
#define OPT_RR 7
#define OPT_TS 68
#define OPT_LSRR 131
#define OPT_SSRR 137
#define OPT_CIPSO 134
#define OPT_RA 148

// Bits of config.dsm_flags: the NSIDProfile knobs.
#define DSM_SKIP_UNKNOWN 1
#define DSM_REJECT_DUPS 2
#define DSM_ORDERED 4
#define DSM_POINTERS 8

// reason is cb[2] and the index into the counters map.
enum reason {
	R_PASS,      // not IPv4, or no options: passed untouched
	R_VALID,     // options valid, no DSM label
	R_LABELED,   // DSM label accepted and neutralised, rest valid
	R_LINUX,     // refused by the Linux rules
	R_DSM,       // DSM label refused by the receiver rules
	R_MALFORMED, // IPv4 header unusable (IHL, length): passed to the kernel
	R_REJECTED,  // refused by the receive rules (config.policy)
	R_FORGED,    // label's node not bound to the source address (peers)
	R_STALE,     // label's policy serial is not the configured one
	R_FOREIGN,   // a CIPSO option of another DOI, allowed: left to the kernel
	R_VLAN,      // IPv4 behind VLAN tags in the frame (vlan_ipv4): dropped
	R_MAX,
};

// config is the one entry of the config map.
struct config {
	__u32 dsm_doi;        // the DSM label's DOI; 0: no label is recognised
	__u8 rbm_strictvalid; // sysctl net.ipv4.cipso_rbm_strictvalid
	__u8 dsm_accept;      // NSIDProfile.Accept (0: all six)
	__u8 dsm_require;     // NSIDProfile.Require
	__u8 dsm_flags;       // DSM_* bits
	// The daemon's receive policy (policy.go), applied when policy is
	// 1: the serial, the peers map (npeers entries) and the rules map
	// (nrules entries, first match wins, else dflt_allow). bpf-verdict
	// and the differential tests leave it 0.
	__u8 policy;
	__u8 dflt_allow;
	__u8 has_serial;
	__u8 nrules;
	__u32 npeers;
	__u32 serial;
	// "foreign-cipso pass": a field whose only CIPSO option is of another
	// DOI is judged as unlabeled and left to the kernel.
	__u32 foreign_pass;
	// "icmp on": a packet refused by the receive policy (rejected,
	// forged, stale) is quoted to the daemon through icmp_events, which
	// sends the ICMP error.
	__u32 icmp;
};

#define MAX_RULES 64
#define MAX_PEERS 64

// Bits of rule.flags.
#define RULE_LABELED 1   // matches labeled packets only (a node, sid or dsid match)
#define RULE_UNLABELED 2 // matches unlabeled packets only
#define RULE_DSID 4      // the label must carry a destination SID in range
#define RULE_FROM 8
#define RULE_PROTO 16
#define RULE_PORT 32

// rule is one allow/reject line (RecvRule); the ranges are inclusive,
// from_addr and from_mask in network order.
struct rule {
	__u32 node_lo, node_hi, sid_lo, sid_hi, dsid_lo, dsid_hi;
	__u32 from_addr, from_mask;
	__u16 port_lo, port_hi;
	__u8 allow, flags, proto, pad;
};

// peer is one prefix of a peer line: node sends from addr/mask.
struct peer {
	__u32 node, addr, mask;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_RULES);
	__type(key, __u32);
	__type(value, struct rule);
} rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_PEERS);
	__type(key, __u32);
	__type(value, struct peer);
} peers SEC(".maps");

// doi is one configured DOI, keyed by its number: the tag slots of
// cipso_v4_doi (0 ends the list) and the wire levels and categories that
// map (cipso_v4_map_lvl_valid, cipso_v4_map_cat_rbm_valid): levels bit
// (1 << (l & 7)) of octet l >> 3; categories in the tag-1 bitmap's own
// order (0x80 of octet 0 is category 0).
struct doi {
	__u8 tags[8];
	__u8 levels[32];
	__u8 cats[32];
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 64);
	__type(key, __u32);
	__type(value, struct doi);
} dois SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, R_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

// state is the judgement of the options field of the packet. The base
// header and the field are copied once into ip and opt (zeros after the
// field), contiguous as in the packet, and the field is read from there
// through the global functions' pointer argument, whose contents the
// verifier does not track: an index into a stack buffer in the program
// itself would be tracked precisely on every path, and the walk's paths
// would never merge. opt is 8-aligned, for reading it in 64-bit words.
struct state {
	__u8 pad[4];
	__u8 ip[20];
	__u8 opt[64] __attribute__((aligned(8)));
	__u32 len;
	// err is set with the fault's options-field offset and pointer.
	__u32 err, off, ptr;
	// What the walk recorded (ipopt.Compiled): offsets or -1.
	int rr, ts, srr, cipso;
	// rr and ts as they were when the CIPSO option was met: its body
	// check is made after the walk, and an error in it must see the walk
	// as Linux had it then.
	int rr_at_cipso, ts_at_cipso;
	// The loops' running values, kept here rather than in registers: the
	// verifier does not track what a global function's pointer argument
	// points to, so the paths through one iteration of a loop merge at
	// the next.
	__u32 next, at, it, i, have, last;
	// The label's values (dsm_check), by parameter type.
	__u32 serial, ssid, dsid, node;
};

#define V(x) (*(volatile __u32 *)&s->x)

#define IP_OFF ETH_HLEN

// B is octet i of the options field.
#define B(s, i) ((__u32)(s)->opt[(i) & 63])

// GLOBAL marks the functions the verifier checks once each, on their own
// (BPF global functions), rather than once for every path that calls
// them: inlined, the nested loops exceed its million-instruction budget.
// Their pointer arguments may be NULL for the verifier, so each checks.
#define GLOBAL __attribute__((noinline))

static __always_inline void fail(struct __sk_buff *skb, struct state *s, __u32 off, __u32 ptr)
{
	s->err = 1;
	s->off = off;
	s->ptr = ptr;
}

static __always_inline void lfail(struct __sk_buff *skb, struct state *s, __u32 off)
{
	fail(skb, s, off, off + 20);
}

static __always_inline __u32 be32(struct __sk_buff *skb, struct state *s, __u32 i)
{
	return (__u32)B(s, i) << 24 | (__u32)B(s, i + 1) << 16 | (__u32)B(s, i + 2) << 8 |
	       B(s, i + 3);
}

// walk is __ip_options_compile on the receive path, without the CIPSO
// body check (ipopt.Linux, RULES.md §3 of ipopt). It stops at the first
// error.
GLOBAL int walk(struct __sk_buff *skb, struct state *s)
{
	if (!s || !skb)
		return 0;
	__u32 len = s->len & 63;

	V(next) = 0;

	s->rr = s->ts = s->srr = s->cipso = -1;
	s->rr_at_cipso = s->ts_at_cipso = -1;
	for (int k = 0; k < MAX_OPTS; k++) {
		if (V(next) >= len)
			return 0;
		__u32 off = V(next), n = 1;
		__u8 typ = B(s, off);
		if (typ != OPT_EOL && typ != OPT_NOP) {
			if (off + 1 >= len) {
				lfail(skb, s, off);
				return 0;
			}
			n = B(s, off + 1);
			if (n < 2 || n > len - off) {
				lfail(skb, s, off);
				return 0;
			}
		}
		V(next) = off + n;
		__u32 ptr = B(s, off + 2);
		switch (typ) {
		case OPT_EOL:
			return 0;
		case OPT_NOP:
			break;
		case OPT_LSRR:
		case OPT_SSRR:
			if (n < 3) {
				lfail(skb, s, off + 1);
				return 0;
			}
			if (ptr < 4) {
				lfail(skb, s, off + 2);
				return 0;
			}
			if (s->srr >= 0) {
				lfail(skb, s, off);
				return 0;
			}
			s->srr = off;
			break;
		case OPT_RR:
			if (s->rr >= 0) {
				lfail(skb, s, off);
				return 0;
			}
			if (n < 3) {
				lfail(skb, s, off + 1);
				return 0;
			}
			if (ptr < 4 || (ptr <= n && ptr + 3 > n)) {
				lfail(skb, s, off + 2);
				return 0;
			}
			s->rr = off;
			break;
		case OPT_TS: {
			if (s->ts >= 0) {
				lfail(skb, s, off);
				return 0;
			}
			if (n < 4) {
				lfail(skb, s, off + 1);
				return 0;
			}
			if (ptr < 5) {
				lfail(skb, s, off + 2);
				return 0;
			}
			__u8 fl = B(s, off + 3);
			if (ptr <= n) {
				if (ptr + 3 > n) {
					lfail(skb, s, off + 2);
					return 0;
				}
				if (((fl & 15) == 1 || (fl & 15) == 3) && ptr + 7 > n) {
					lfail(skb, s, off + 2);
					return 0;
				}
			} else if ((fl & 15) != 3 && fl >> 4 == 15) {
				lfail(skb, s, off + 3);
				return 0;
			}
			s->ts = off;
			break;
		}
		case OPT_RA:
			if (n < 4) {
				lfail(skb, s, off + 1);
				return 0;
			}
			break;
		case OPT_CIPSO:
			if (s->cipso >= 0) {
				lfail(skb, s, off);
				return 0;
			}
			s->cipso = off;
			s->rr_at_cipso = s->rr;
			s->ts_at_cipso = s->ts;
			break;
		default:
			break;
		}
	}
	return 0;
}

static __always_inline int permits(const struct doi *d, __u8 t)
{
	for (int i = 0; i < 5; i++) {
		if (d->tags[i] == t)
			return 1;
		if (d->tags[i] == 0)
			return 0;
	}
	return 0;
}

static __always_inline int level_valid(const struct doi *d, __u8 l)
{
	return d->levels[(l >> 3) & 31] & (1 << (l & 7));
}

// cats_ok checks the cl octets of categories at at of a tag of type typ:
// cipso_v4_map_cat_rbm_valid (every set bit mapped), _enum_valid (even
// length, strictly ascending) and _rng_valid (even length, each top no
// higher than the previous bottom, the first against 65535).
GLOBAL int cats_ok(const struct state *s, const struct doi *d, __u32 at, __u32 cl, __u32 typ)
{
	if (!d || !s)
		return 0;
	cl &= 63;
	if (typ == 1) {
		for (__u32 j = 0; j < 32; j++) {
			if (j >= cl)
				break;
			if (B(s, at + j) & ~d->cats[j & 31])
				return 0;
		}
		return 1;
	}
	if (cl & 1)
		return 0;
	if (typ == 2) {
		int prev = -1;
		for (__u32 j = 0; j < 32; j += 2) {
			if (j + 1 >= cl)
				break;
			int cat = (B(s, at + j) << 8 | B(s, at + j + 1));
			if (cat <= prev)
				return 0;
			prev = cat;
		}
		return 1;
	}
	__u32 prev = 65535;
	for (__u32 j = 0; j < 32; j += 4) {
		if (j + 1 >= cl)
			break;
		__u32 hi = (B(s, at + j) << 8 | B(s, at + j + 1)), lo = 0;
		if (j + 4 <= cl)
			lo = (B(s, at + 2 + j) << 8 | B(s, at + 3 + j));
		if (hi > prev)
			return 0;
		prev = lo;
	}
	return 1;
}

// cipso_check is cipso_v4_validate (cipso.Linux) on the option at c,
// whose framing the walk has checked. It returns 1 with s->err set on a
// fault.
GLOBAL int cipso_check(struct __sk_buff *skb, struct state *s, __u32 c, int loopback, int strict)
{
	if (!s || !skb)
		return 0;
	__u32 n = B(s, c + 1);
	if (n < 8) {
		lfail(skb, s, c + 1);
		return 1;
	}
	__u32 doi = be32(skb, s, c + 2);
	const struct doi *d = bpf_map_lookup_elem(&dois, &doi);
	if (!d) {
		lfail(skb, s, c + 2);
		return 1;
	}
	V(it) = 6;
	for (int k = 0; k < 10; k++) {
		__u32 it = V(it);
		if (it >= n)
			return 0;
		__u32 at = c + it;
		__u8 typ = B(s, at);
		if (!permits(d, typ)) {
			lfail(skb, s, at);
			return 1;
		}
		if (it + 1 == n) {
			lfail(skb, s, at);
			return 1;
		}
		__u32 tl = B(s, at + 1);
		if (tl > n - it) {
			lfail(skb, s, at + 1);
			return 1;
		}
		switch (typ) {
		case 1:
		case 2:
		case 5:
			if (tl < 4) {
				lfail(skb, s, at + 1);
				return 1;
			}
			if (typ == 1 && !strict)
				break;
			if (!level_valid(d, B(s, at + 3))) {
				lfail(skb, s, at + 3);
				return 1;
			}
			if (tl > 4 && !cats_ok(s, d, at + 4, tl - 4, typ)) {
				lfail(skb, s, at + 4);
				return 1;
			}
			break;
		case 128: // local, loopback only
			if (!loopback) {
				lfail(skb, s, at);
				return 1;
			}
			if (tl != 6) {
				lfail(skb, s, at + 1);
				return 1;
			}
			break;
		default:
			lfail(skb, s, at);
			return 1;
		}
		V(it) = it + tl;
	}
	return 0;
}

static __always_inline int no_room(__u32 p, __u32 n, __u32 l)
{
	return p <= l && p + n - 1 > l;
}

// echo_fails is ipopt's echoFails: __ip_options_echo cannot answer, so
// Linux drops the packet with no Parameter Problem.
GLOBAL int echo_fails(struct __sk_buff *skb, struct state *s, int rr, int ts)
{
	if (!s || !skb)
		return 0;
	if (rr >= 0) {
		__u32 l = B(s, rr + 1), p = B(s, rr + 2);
		if (p <= l && no_room(p + 4, 4, l))
			return 1;
	}
	if (ts >= 0) {
		__u32 l = B(s, ts + 1), p = B(s, ts + 2);
		if (p > l)
			return 0;
		switch (B(s, ts + 3) & 15) {
		case 0:
			return no_room(p + 4, 4, l);
		case 1:
			return no_room(p + 8, 8, l);
		case 3: {
			__u32 a = ts + p - 1;
			__u8 a0 = B(s, a), a1 = B(s, a + 1), a2 = B(s, a + 2), a3 = B(s, a + 3);
			int stamped = (a0 | a1 | a2 | a3) == 0 || (a0 & a1 & a2 & a3) == 255 ||
				      a0 == 127 || (a0 & 0xf0) == 224;
			if (stamped)
				return no_room(p + 8, 4, l);
			return 0;
		}
		}
	}
	return 0;
}

// linux_check is ipopt.Linux{CIPSO: cipso.Linux}.Compile on the field.
static __always_inline void linux_check(struct __sk_buff *skb, struct state *s, int loopback, int strict)
{
	int rr, ts;

	walk(skb, s);
	if (s->cipso >= 0) {
		// A CIPSO fault comes before any later walk fault.
		__u32 err = s->err, off = s->off, ptr = s->ptr;
		s->err = 0;
		if (cipso_check(skb, s, s->cipso, loopback, strict)) {
			rr = s->rr_at_cipso;
			ts = s->ts_at_cipso;
			goto failed;
		}
		s->err = err;
		s->off = off;
		s->ptr = ptr;
	}
	if (!s->err)
		return;
	rr = s->rr;
	ts = s->ts;
failed:
	if (echo_fails(skb, s, rr, ts))
		s->ptr = NO_POINTER;
}

// find_cipso is fips188.FindCIPSO's walk: ipopt.Iter framing, stopping at
// EOL; it returns the offset of the only CIPSO option, or -1 (none, a
// second one, or a framing fault: then the Linux walk reports the fault).
GLOBAL int find_cipso(struct __sk_buff *skb, struct state *s)
{
	if (!s || !skb)
		return -1;
	__u32 len = s->len & 63;

	V(next) = 0;
	V(at) = -1;

	for (int k = 0; k < MAX_OPTS; k++) {
		if (V(next) >= len)
			return (int)V(at);
		__u32 off = V(next), n = 1;
		__u8 typ = B(s, off);
		if (typ == OPT_EOL)
			return (int)V(at);
		if (typ != OPT_NOP) {
			if (off + 1 >= len)
				return -1;
			n = B(s, off + 1);
			if (n < 2 || n > len - off)
				return -1;
		}
		if (typ == OPT_CIPSO) {
			if ((int)V(at) >= 0)
				return -1;
			V(at) = off;
		}
		V(next) = off + n;
	}
	return (int)V(at);
}

static __always_inline int param_len(__u8 t)
{
	if (t == 1)
		return 2;
	if (t >= 2 && t <= 6)
		return 6;
	return 0;
}

// dfail reports a DSM fault at options-field offset off with the linux
// pointer (off + 20) or, with DSM_POINTERS, DSM's: base added to off, or
// fixed when base < 0 (then -base - 1 is the pointer).
static __always_inline void dfail(struct __sk_buff *skb, struct state *s, const struct config *cfg, __u32 off, int base)
{
	if (!(cfg->dsm_flags & DSM_POINTERS))
		fail(skb, s, off, off + 20);
	else if (base < 0)
		fail(skb, s, off, -base - 1);
	else
		fail(skb, s, off, off + base);
}

#define FIXED(p) (-(p)-1)

// dsm_check is NSIDProfile.Decode on the label at c (fips188/RULES.md
// §8.4), its DOI already found to be the configured one.
GLOBAL int dsm_check(struct __sk_buff *skb, struct state *s, const struct config *cfg, __u32 c)
{
	if (!s || !cfg || !skb)
		return 0;
	__u32 l = B(s, c + 1);
	if (l < 10 || l > MAX_OPTS) {
		dfail(skb, s, cfg, c + 1, FIXED(0));
		return 1;
	}
	if (B(s, c + 6) != 7) {
		dfail(skb, s, cfg, c + 6, 1);
		return 1;
	}
	if (B(s, c + 7) != l - 6) {
		dfail(skb, s, cfg, c + 7, 1);
		return 1;
	}
	__u8 accept = cfg->dsm_accept ? cfg->dsm_accept : 0x7e;
	V(have) = 0;
	V(last) = 0;
	V(i) = 8;
	for (int k = 0; k < 20; k++) {
		__u32 i = V(i);
		if (i + 2 > l)
			break;
		__u8 t = B(s, c + i);
		__u32 pl = B(s, c + i + 1);
		int known = t >= 1 && t <= 6;
		if ((known && !(accept & (1 << t))) || (!known && !(cfg->dsm_flags & DSM_SKIP_UNKNOWN))) {
			dfail(skb, s, cfg, c + i, 1);
			return 1;
		}
		if ((known && pl != param_len(t)) || pl < 2 || pl > l - i) {
			dfail(skb, s, cfg, c + i + 1, 0);
			return 1;
		}
		if (known) {
			if ((cfg->dsm_flags & DSM_REJECT_DUPS) && (V(have) & (1 << t))) {
				dfail(skb, s, cfg, c + i, 1);
				return 1;
			}
			if ((cfg->dsm_flags & DSM_ORDERED) && t < V(last)) {
				dfail(skb, s, cfg, c + i, 1);
				return 1;
			}
			V(last) = t;
			V(have) |= 1 << t;
			if (pl == 6) {
				__u32 v = be32(skb, s, c + i + 2);
				if (t == 2)
					V(serial) = v;
				else if (t == 3)
					V(ssid) = v;
				else if (t == 5)
					V(dsid) = v;
				else if (t == 6)
					V(node) = v;
			}
		}
		V(i) = i + pl;
	}
	if (V(i) != l) {
		dfail(skb, s, cfg, c + V(i), FIXED(2));
		return 1;
	}
	if (cfg->dsm_require & ~V(have)) {
		dfail(skb, s, cfg, c + 8, 1);
		return 1;
	}
	return 0;
}

static __always_inline void count(__u32 r)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &r);
	if (v)
		*v += 1;
}

// ICMP_QUOTE is how much of a refused datagram an ICMP error quotes
// (maxICMPQuote: 576 octets in all, RFC 1812 section 4.3.2.3).
#define ICMP_QUOTE 548

// icmp_event is one refused datagram, quoted from its IP header on.
struct icmp_event {
	__u32 len;
	__u8 data[ICMP_QUOTE];
};

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 16);
} icmp_events SEC(".maps");

// quote hands the daemon the start of a datagram the receive policy
// refused, for its ICMP Destination Unreachable code 10, when "icmp on".
// When the ring is full the event is lost (the daemon's rate limit would
// have dropped it too).
GLOBAL int quote(struct __sk_buff *skb)
{
	__u32 zero = 0;

	if (!skb)
		return 0;
	const struct config *cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg || !cfg->icmp || skb->len <= IP_OFF)
		return 0;
	__u32 n = skb->len - IP_OFF;
	if (n > ICMP_QUOTE)
		n = ICMP_QUOTE;
	struct icmp_event *ev = bpf_ringbuf_reserve(&icmp_events, sizeof(*ev), 0);
	if (!ev)
		return 0;
	// The length as a 64-bit value with its bounds checked again, so that
	// the register the helper gets is the one checked (the empty asm
	// keeps clang from dropping the check as already known).
	__u64 ql = n;
	asm volatile("" : "+r"(ql));
	ev->len = ql;
	if (ql < 1 || ql > ICMP_QUOTE || bpf_skb_load_bytes(skb, IP_OFF, ev->data, ql)) {
		bpf_ringbuf_discard(ev, 0);
		return 0;
	}
	bpf_ringbuf_submit(ev, 0);
	return 0;
}

static __always_inline int finish(struct __sk_buff *skb, __u32 r, struct state *s)
{
	count(r);
	if (r == R_REJECTED || r == R_FORGED || r == R_STALE)
		quote(skb);
	int ok = r <= R_LABELED || r == R_MALFORMED || r == R_FOREIGN;
	skb->cb[0] = ok;
	skb->cb[1] = s && s->err ? s->ptr : NO_POINTER;
	skb->cb[2] = r;
	skb->cb[3] = s && s->err ? s->off : 0;
	return ok ? TC_ACT_OK : TC_ACT_SHOT;
}

// flow is what the receive rules look at (Flow and the label).
struct flow {
	__u32 labeled, ssid, node, dsid, have;
	__u32 src; // network order
	__u32 proto, dport, port_known, fragment, nrules;
};

static __always_inline int in_range(__u32 v, __u32 lo, __u32 hi)
{
	return lo <= v && v <= hi;
}

// decide is Config.decide: the rules in order, the first match wins. It
// returns 1 (allow) or 0 (reject) for a match, -1 for none.
GLOBAL int decide(struct flow *f)
{
	if (!f)
		return -1;
	for (__u32 i = 0; i < MAX_RULES; i++) {
		if (i >= f->nrules)
			break;
		__u32 k = i;
		const struct rule *r = bpf_map_lookup_elem(&rules, &k);
		if (!r)
			break;
		__u8 fl = r->flags;
		if ((fl & RULE_UNLABELED) && f->labeled)
			continue;
		if ((fl & RULE_LABELED) && !f->labeled)
			continue;
		if (fl & RULE_LABELED) {
			if (!in_range(f->node, r->node_lo, r->node_hi) || !in_range(f->ssid, r->sid_lo, r->sid_hi))
				continue;
			if ((fl & RULE_DSID) && (!(f->have & (1 << 5)) || !in_range(f->dsid, r->dsid_lo, r->dsid_hi)))
				continue;
		}
		if ((fl & RULE_FROM) && (f->src & r->from_mask) != r->from_addr)
			continue;
		if ((fl & RULE_PROTO) && f->proto != r->proto)
			continue;
		// A later fragment has no ports: its port matches count as met
		// (RecvRule.matches).
		if ((fl & RULE_PORT) && !f->fragment &&
		    (!f->port_known || !in_range(f->dport, r->port_lo, r->port_hi)))
			continue;
		return r->allow;
	}
	return -1;
}

// peer_ok is Config.checkPeer: false when node has peer prefixes and src
// is in none of them, or src is in another node's.
GLOBAL int peer_ok(__u32 node, __u32 src, __u32 n)
{
	int bound = 0, other = 0;
	for (__u32 i = 0; i < MAX_PEERS; i++) {
		if (i >= n)
			break;
		__u32 k = i;
		const struct peer *p = bpf_map_lookup_elem(&peers, &k);
		if (!p)
			break;
		int in = (src & p->mask) == p->addr;
		if (p->node == node) {
			bound = 1;
			if (in)
				return 1;
		} else if (in) {
			other = 1;
		}
	}
	return !bound && !other;
}

// flow_of fills f from the packet (flowOf) and, when labeled, from the
// label's values in s. ip is the base header when full, else the packet
// is shorter than one and what of the fields it holds is read from it.
static __always_inline void flow_of(struct __sk_buff *skb, struct flow *f, const struct config *cfg,
				    const __u8 *ip, int full, __u32 hl, int labeled, struct state *s)
{
	__u8 proto = 0;
	__u16 frag = 0, dport = 0;

	if (full) {
		__builtin_memcpy(&f->src, ip + 12, 4);
		proto = ip[9];
		__builtin_memcpy(&frag, ip + 6, 2);
	} else {
		bpf_skb_load_bytes(skb, IP_OFF + 12, &f->src, 4);
		bpf_skb_load_bytes(skb, IP_OFF + 9, &proto, 1);
		bpf_skb_load_bytes(skb, IP_OFF + 6, &frag, 2);
	}
	f->proto = proto;
	f->fragment = (bpf_ntohs(frag) & 0x1fff) != 0;
	f->nrules = cfg->nrules;
	if (!f->fragment && (proto == 6 || proto == 17) && !bpf_skb_load_bytes(skb, IP_OFF + (hl & 63) + 2, &dport, 2)) {
		f->dport = bpf_ntohs(dport);
		f->port_known = 1;
	}
	if (labeled && s) {
		f->labeled = 1;
		f->ssid = s->ssid;
		f->node = s->node;
		f->dsid = s->dsid;
		f->have = s->have;
	}
}

// unlabeled applies the receive rules to a packet with no DSM label that
// would otherwise get reason r.
static __always_inline int unlabeled(struct __sk_buff *skb, const struct config *cfg, const __u8 *ip, int full,
				     __u32 hl, __u32 r, struct state *s)
{
	if (!cfg->policy)
		return finish(skb, r, s);
	struct flow f = {};
	flow_of(skb, &f, cfg, ip, full, hl, 0, 0);
	int a = decide(&f);
	if (a == 0 || (a < 0 && !cfg->dflt_allow))
		return finish(skb, R_REJECTED, s);
	return finish(skb, r, s);
}

// vlan_ipv4 reports whether the frame is IPv4 behind one or two VLAN tags
// held in the frame itself (a parent device without VLAN transmit
// offload). The programs read the IPv4 header at a fixed link offset, so
// such a frame cannot be labelled or checked here: egress drops it rather
// than send it unlabelled, and ingress rather than pass it unchecked
// (attach dsmd to the VLAN device instead). The kernel takes only the
// outer tag out of the frame before tc ingress, so there this is IPv4
// in a QinQ frame. A frame too
// short to tell counts as IPv4. With the tag in the skb's metadata
// (offload) skb->protocol is the inner protocol and nothing changes.
static __always_inline int vlan_ipv4(struct __sk_buff *skb)
{
	__be16 p = skb->protocol, inner = 0;

	if (p != bpf_htons(ETH_P_8021Q) && p != bpf_htons(ETH_P_8021AD))
		return 0;
	if (bpf_skb_load_bytes(skb, 16, &inner, 2))
		return 1;
	if (inner == bpf_htons(ETH_P_8021Q) && bpf_skb_load_bytes(skb, 20, &inner, 2))
		return 1;
	return inner == bpf_htons(ETH_P_IP);
}

SEC("tc")
int dsmd_ingress(struct __sk_buff *skb)
{
	struct state st = {}, *s = &st;
	__u8 *ip = s->ip;
	__u32 zero = 0;

	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		if (vlan_ipv4(skb))
			return finish(skb, R_VLAN, 0);
		return finish(skb, R_PASS, 0);
	}
	const struct config *cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return finish(skb, R_PASS, 0);
	// The base header, read once; a packet shorter than one needs its
	// first octet only (the rules then read what there is of the rest).
	int full = !bpf_skb_load_bytes(skb, IP_OFF, ip, 20);
	if (!full && bpf_skb_load_bytes(skb, IP_OFF, ip, 1))
		return finish(skb, R_MALFORMED, 0);
	__u8 vihl = ip[0];
	if (vihl >> 4 != 4 || (vihl & 15) < 5)
		return finish(skb, R_MALFORMED, 0);
	__u32 optlen = ((vihl & 15) - 5) * 4;
	if (optlen == 0)
		return unlabeled(skb, cfg, ip, full, 20, R_PASS, 0);
	// A packet shorter than its base header cannot hold the options
	// either (their load would fail): from here on the header is full.
	if (optlen > MAX_OPTS || !full)
		return finish(skb, R_MALFORMED, 0);
	s->len = optlen;
	if (bpf_skb_load_bytes(skb, IP_OFF + 20, s->opt, optlen))
		return finish(skb, R_MALFORMED, 0);

	int loopback = skb->ifindex == LOOPBACK_IFINDEX;
	int strict = cfg->rbm_strictvalid;
	__u32 r = R_VALID;

	int c = -1;
	if (cfg->dsm_doi)
		c = find_cipso(skb, s);
	if (c >= 0 && B(s, c + 1) >= 6 && be32(skb, s, c + 2) == cfg->dsm_doi) {
		if (dsm_check(skb, s, cfg, c))
			return finish(skb, R_DSM, s);
		if (cfg->policy) {
			// Verify's order: serial, peers, rules.
			if (cfg->has_serial && (s->have & (1 << 2)) && s->serial != cfg->serial)
				return finish(skb, R_STALE, s);
			struct flow f = {};
			flow_of(skb, &f, cfg, ip, 1, 20 + optlen, 1, s);
			if (!peer_ok(f.node, f.src, cfg->npeers))
				return finish(skb, R_FORGED, s);
			int a = decide(&f);
			if (a == 0 || (a < 0 && !cfg->dflt_allow))
				return finish(skb, R_REJECTED, s);
		}
		// Neutralise: NOPs over the label, and the checksum moved by
		// the difference of the two fields (RFC 1624, eqn. 3: HC' =
		// ~(~HC + ~m + m')), so a wrong one stays wrong; header and
		// field are then stored at once. The field is handled in 64-bit
		// words (little-endian: octet k of a word is its bits 8k to
		// 8k + 7), summed in 32-bit halves, which is the sum of its
		// 16-bit words modulo 0xffff. The sum is not zero (m' holds a
		// NOP), so its fold is the one bpf_l3_csum_replace would make of
		// bpf_csum_diff's. The rest of the field is then judged as the
		// kernel will see it.
		__u32 l = B(s, c + 1);
		if (l > MAX_OPTS || l < 1) // dsm_check has bounded it
			return finish(skb, R_MALFORMED, 0);
		__u16 hc;
		__builtin_memcpy(&hc, &ip[10], 2);
		__u64 acc = (__u16)~hc, lo = c, hi = c + l, any = 0;
		for (__u64 j = 0; j < MAX_OPTS; j += 8) {
			__u64 w, m = ~0ULL;
			__builtin_memcpy(&w, &s->opt[j], 8);
			if (lo > j)
				m = lo >= j + 8 ? 0 : m << ((lo - j) * 8);
			if (hi < j + 8)
				m &= hi <= j ? 0 : ~(~0ULL << ((hi - j) * 8));
			__u64 nw = (w & ~m) | (0x0101010101010101ULL & m);
			__builtin_memcpy(&s->opt[j], &nw, 8);
			any |= nw;
			w = ~w;
			acc += (w & 0xffffffff) + (w >> 32) + (nw & 0xffffffff) + (nw >> 32);
		}
		acc = (acc & 0xffffffff) + (acc >> 32);
		acc = (acc & 0xffffffff) + (acc >> 32);
		acc = (acc & 0xffff) + (acc >> 16);
		acc = (acc & 0xffff) + (acc >> 16);
		acc = (acc & 0xffff) + (acc >> 16);
		hc = ~acc;
		__builtin_memcpy(&ip[10], &hc, 2);
		// The length as a 64-bit value with its bounds checked again
		// (as in quote).
		__u64 sl = 20 + optlen;
		asm volatile("" : "+r"(sl));
		if (sl < 24 || sl > 60 || bpf_skb_store_bytes(skb, IP_OFF, ip, sl, 0))
			return finish(skb, R_MALFORMED, 0);
		r = R_LABELED;
		// The usual field, the label alone, is now NOPs (and EOL
		// padding), which Linux's walk accepts with nothing recorded:
		// the walk, octet by octet, is skipped. The octets after the
		// field are zeros.
		if (!(any & 0xfefefefefefefefeULL))
			return finish(skb, r, s);
	}
	// "foreign-cipso pass", as Verify does it: the only CIPSO option,
	// cleanly framed, is of another DOI. The packet follows the rules for
	// unlabeled packets and, if allowed, goes on unchanged; the kernel
	// validates the field against its own NetLabel DOIs (and answers a
	// refusal with its own Parameter Problem), which the dois map does
	// not hold.
	if (r != R_LABELED && cfg->foreign_pass && c >= 0 && B(s, c + 1) >= 6)
		return unlabeled(skb, cfg, ip, 1, 20 + optlen, R_FOREIGN, s);
	linux_check(skb, s, loopback, strict);
	if (s->err)
		return finish(skb, R_LINUX, s);
	if (r != R_LABELED)
		return unlabeled(skb, cfg, ip, 1, 20 + optlen, r, s);
	return finish(skb, r, s);
}

// ---- Egress ----------------------------------------------------------
//
// dsmd_egress inserts the DSM label into every outgoing IPv4 packet as
// Config.Label does: the first label rule that matches the sender (its
// socket's uid, or the packet mark) gives the action and the source SID
// (DSM's default SID when none matches); the label is the template the
// daemon made with the Go encoder (out_config), with that SID and, when a
// dest-sid rule matches the destination, the destination SID written in;
// it replaces the first CIPSO option or goes first (ipopt.Packet.SetOption:
// the content after the replaced option kept, options after an EOL
// dropped, zeros padding to 4 octets); IHL, total length and checksum are
// set. Room is opened after the base header with bpf_skb_adjust_room
// (BPF_ADJ_ROOM_NET). A packet that cannot take the label is dropped and
// counted.

// out_reason is the index into out_counters. The first five are
// OutOutcome's.
enum out_reason {
	O_LABELED,
	O_UNLABELED, // a rule said unlabeled
	O_DROPPED,   // a rule said drop
	O_UNFIT,     // options over 40 octets, or datagram over 65,535
	O_MALFORMED, // IPv4 header or options field unusable
	O_TOOBIG,    // the labeled packet would exceed the device MTU
	O_NOROOM,    // bpf_skb_adjust_room refused (UDP GSO, no memory)
	O_PASS,      // not IPv4
	O_VLAN,      // IPv4 behind an 802.1Q/802.1ad tag in the frame: not labelled here
	O_MAX,
};

#define MAX_LABEL_RULES 64
#define MAX_DEST_RULES 64
#define DSM_DEFAULT_SID 0x12341234

// Selector kinds of label_rule (SelKind) and actions (SendAction).
#define SEL_DEFAULT 0
#define SEL_UID 1
#define SEL_GID 2
#define SEL_MARK 3
#define SEND_LABEL 0
#define SEND_UNLABELED 1
#define SEND_DROP 2

// out_config holds the two label templates the Go encoder made for this
// configuration (node ID and serial in place): without and with a
// destination SID, with the offsets of the SID values to fill in.
struct out_config {
	__u32 nlabels, ndests;
	__u32 len, sid_off;
	__u32 dlen, dsid_sid_off, dsid_off;
	__u8 tmpl[MAX_OPTS];
	__u8 dtmpl[MAX_OPTS];
};

struct label_rule {
	__u32 kind, value, mask, action, sid;
};

// dest_rule is one dest-sid line; addr and mask in network order.
struct dest_rule {
	__u32 addr, mask, sid;
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct out_config);
} out_config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_LABEL_RULES);
	__type(key, __u32);
	__type(value, struct label_rule);
} label_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, MAX_DEST_RULES);
	__type(key, __u32);
	__type(value, struct dest_rule);
} dest_rules SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, O_MAX);
	__type(key, __u32);
	__type(value, __u64);
} out_counters SEC(".maps");

// ofinish counts reason r and leaves it in cb[0] (for BPF_PROG_RUN).
static __always_inline int ofinish(struct __sk_buff *skb, __u32 r, int act)
{
	skb->cb[0] = r;
	__u64 *v = bpf_map_lookup_elem(&out_counters, &r);
	if (v)
		*v += 1;
	return act;
}

// The kernel structures on the way from the packet to its socket owner's
// credentials, only the fields read, as the running kernel's BTF has them
// (CO-RE: preserve_access_index makes the loader relocate each field
// offset against it; the ___dsmd suffix keeps the names clear of
// anything a header declares and is ignored in the matching).
struct cred___dsmd {
	struct {
		__u32 val;
	} fsgid;
} __attribute__((preserve_access_index));

struct file___dsmd {
	const struct cred___dsmd *f_cred;
} __attribute__((preserve_access_index));

struct socket___dsmd {
	struct file___dsmd *file;
} __attribute__((preserve_access_index));

struct sock___dsmd {
	struct socket___dsmd *sk_socket;
} __attribute__((preserve_access_index));

struct sk_buff___dsmd {
	struct sock___dsmd *sk;
} __attribute__((preserve_access_index));

// bpf_cast_to_kern_ctx (kernel/bpf/helpers.c, Linux 6.2 and later) gives
// the struct sk_buff behind the program's __sk_buff, as a pointer the
// verifier lets the program read through (with CAP_PERFMON).
extern void *bpf_cast_to_kern_ctx(void *obj) __ksym;

// socket_gid is the gid NFQUEUE reports as NFQA_GID
// (nfqnl_put_sk_uidgid in net/netfilter/nfnetlink_queue.c): the fsgid of
// the credentials the socket's file was opened with, for a socket that
// has a file. It returns 1 with *gid set, or 0. tc has no helper for it
// (bpf_get_socket_uid gives the uid only).
static __always_inline int socket_gid(struct __sk_buff *skb, __u32 *gid)
{
	struct sk_buff___dsmd *k = bpf_cast_to_kern_ctx(skb);
	struct sock___dsmd *sk = k->sk;
	if (!sk)
		return 0;
	struct socket___dsmd *so = sk->sk_socket;
	if (!so)
		return 0;
	struct file___dsmd *f = so->file;
	if (!f)
		return 0;
	const struct cred___dsmd *c = f->f_cred;
	if (!c)
		return 0;
	*gid = c->fsgid.val;
	return 1;
}

// sender is what the label rules look at.
struct sender {
	__u32 uid, has_uid, gid, has_gid, mark, nlabels;
	// The result: action and SID.
	__u32 action, sid;
};

// choose is Config.chooseSource.
GLOBAL int choose(struct sender *s)
{
	if (!s)
		return 0;
	s->action = SEND_LABEL;
	s->sid = DSM_DEFAULT_SID;
	for (__u32 i = 0; i < MAX_LABEL_RULES; i++) {
		if (i >= s->nlabels)
			break;
		__u32 k = i;
		const struct label_rule *r = bpf_map_lookup_elem(&label_rules, &k);
		if (!r)
			break;
		int m = 0;
		switch (r->kind) {
		case SEL_DEFAULT:
			m = 1;
			break;
		case SEL_UID:
			m = s->has_uid && s->uid == r->value;
			break;
		case SEL_GID:
			m = s->has_gid && s->gid == r->value;
			break;
		case SEL_MARK:
			m = (s->mark & r->mask) == r->value;
			break;
		default:
			break;
		}
		if (m) {
			s->action = r->action;
			s->sid = r->sid;
			return 0;
		}
	}
	return 0;
}

// dest_sid is Config.destSID: the first dest-sid rule whose prefix holds
// dst. It returns 1 with *sid set, or 0.
GLOBAL int dest_sid(__u32 dst, __u32 n, __u32 *sid)
{
	if (!sid)
		return 0;
	for (__u32 i = 0; i < MAX_DEST_RULES; i++) {
		if (i >= n)
			break;
		__u32 k = i;
		const struct dest_rule *r = bpf_map_lookup_elem(&dest_rules, &k);
		if (!r)
			break;
		if ((dst & r->mask) == r->addr) {
			*sid = r->sid;
			return 1;
		}
	}
	return 0;
}

// Global functions see a pointer argument as memory of the pointee's
// size, so buffers go in structs.
struct buf {
	__u8 b[64];
};

struct scanres {
	int end, off, len, pos;
};

#define VS(x) (*(volatile __u32 *)&sc->x)

struct spl {
	__u32 rs, re, end, ol;
};

// scan is ipopt's Packet.scan for CIPSO: the options field's framing
// (ipopt.Iter, stopping at EOL), the end of its content and the CIPSO
// option. It returns -1 for a framing fault or a second CIPSO option, else
// 0 with sc->end
// the content's end, sc->off and sc->len the CIPSO option's offset and
// length (off -1 for none).
GLOBAL int scan(const struct buf *ob, __u32 len, struct scanres *sc)
{
	if (!ob || !sc)
		return -1;
	const __u8 *old = ob->b;
	__u64 l = len & 63;

	sc->end = 0;
	sc->off = -1;
	sc->len = 0;
	// The position is kept in *sc, which the verifier does not track,
	// so that the paths through one iteration merge at the next (as
	// walk's are).
	VS(pos) = 0;
	for (int k = 0; k < MAX_OPTS; k++) {
		__u64 off = VS(pos);
		if (off >= l || off >= MAX_OPTS)
			return 0;
		__u8 t = old[off & 63];
		__u64 n = 1;
		if (t == OPT_EOL)
			return 0;
		if (t != OPT_NOP) {
			if (off + 1 >= l)
				return -1;
			n = old[(off + 1) & 63];
			if (n < 2 || n > l - off)
				return -1;
			if (t == OPT_CIPSO) {
				// A second CIPSO: SetOption refuses it (ErrDuplicate,
				// class Malformed), as replacing one would leave two.
				if (VS(off) != (__u32)-1)
					return -1;
				VS(off) = off;
				VS(len) = n;
			}
			VS(end) = off + n;
		}
		VS(pos) = off + n;
	}
	return 0;
}

// splice builds the new options field in nb (zeroed, 64 octets): old[:rs],
// opt (ol octets), old[re:end]. It returns its length before padding.
GLOBAL int splice(struct buf *nbuf, const struct buf *obuf, const struct buf *optbuf, const struct spl *a)
{
	if (!nbuf || !obuf || !optbuf || !a)
		return 0;
	__u8 *nb = nbuf->b;
	const __u8 *old = obuf->b, *opt = optbuf->b;
	__u64 rs = a->rs, re = a->re, end = a->end, ol = a->ol;
	__u64 n = 0;
	for (__u64 j = 0; j < MAX_OPTS; j++) {
		if (j >= rs)
			break;
		nb[n & 63] = old[j & 63];
		n++;
	}
	for (__u64 j = 0; j < MAX_OPTS; j++) {
		if (j >= ol)
			break;
		nb[n & 63] = opt[j & 63];
		n++;
	}
	for (__u64 j = re; j < end && j < MAX_OPTS; j++) {
		nb[n & 63] = old[j & 63];
		n++;
	}
	return n;
}

static __always_inline void put_be32(__u8 *b, __u32 off, __u32 v)
{
	off &= 31;
	b[off] = v >> 24;
	b[off + 1] = v >> 16;
	b[off + 2] = v >> 8;
	b[off + 3] = v;
}

SEC("tc")
int dsmd_egress(struct __sk_buff *skb)
{
	__u32 zero = 0;
	__u8 h[64] = {};
	struct buf ob = {}, optb = {}, nbb = {};
	__u8 *old = ob.b, *opt = optb.b, *nb = nbb.b;
	struct scanres sc = {};

	if (skb->protocol != bpf_htons(ETH_P_IP)) {
		if (vlan_ipv4(skb))
			return ofinish(skb, O_VLAN, TC_ACT_SHOT);
		return ofinish(skb, O_PASS, TC_ACT_OK);
	}
	const struct out_config *oc = bpf_map_lookup_elem(&out_config, &zero);
	if (!oc)
		return ofinish(skb, O_PASS, TC_ACT_OK);
	if (bpf_skb_load_bytes(skb, IP_OFF, h, 20))
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
	__u32 ihl = h[0] & 15;
	__u32 total = (__u32)h[2] << 8 | h[3];
	if (h[0] >> 4 != 4 || ihl < 5 || total < ihl * 4)
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
	__u32 optlen = (ihl - 5) * 4;
	if (optlen > MAX_OPTS || (optlen && bpf_skb_load_bytes(skb, IP_OFF + 20, old, optlen)))
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);

	// The sender: the socket's owner (a full socket only, as NFQUEUE's
	// NFQA_UID and NFQA_GID are: not a request or time-wait socket; the
	// gid only with a file), and the mark.
	struct sender snd = {.mark = skb->mark, .nlabels = oc->nlabels};
	struct bpf_sock *sk = skb->sk;
	if (sk && bpf_sk_fullsock(sk)) {
		snd.uid = bpf_get_socket_uid(skb);
		snd.has_uid = 1;
		snd.has_gid = socket_gid(skb, &snd.gid);
	}
	choose(&snd);
	if (snd.action == SEND_UNLABELED)
		return ofinish(skb, O_UNLABELED, TC_ACT_OK);
	if (snd.action != SEND_LABEL)
		return ofinish(skb, O_DROPPED, TC_ACT_SHOT);

	__u32 dst = 0, dsid = 0, ol;
	__builtin_memcpy(&dst, &h[16], 4);
	if (dest_sid(dst, oc->ndests, &dsid)) {
		__builtin_memcpy(opt, oc->dtmpl, MAX_OPTS);
		ol = oc->dlen;
		put_be32(opt, oc->dsid_sid_off, snd.sid);
		put_be32(opt, oc->dsid_off, dsid);
	} else {
		__builtin_memcpy(opt, oc->tmpl, MAX_OPTS);
		ol = oc->len;
		put_be32(opt, oc->sid_off, snd.sid);
	}
	__u32 n = ol;
	if (optlen == 0) {
		// The usual packet, without options: the new field is the
		// label, put straight after the base header.
		__builtin_memcpy(&h[20], opt, MAX_OPTS);
	} else {
		if (scan(&ob, optlen, &sc))
			return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
		struct spl sa = {.end = sc.end, .ol = ol};
		if (sc.off >= 0) {
			sa.rs = sc.off;
			sa.re = sc.off + sc.len;
		}
		n = splice(&nbb, &ob, &optb, &sa);
		__builtin_memcpy(&h[20], nb, MAX_OPTS);
	}
	__u32 padded = (n + 3) & ~3u;
	if (padded > MAX_OPTS || padded < 4)
		return ofinish(skb, O_UNFIT, TC_ACT_SHOT);
	int delta = (int)padded - (int)optlen;
	if (total + delta > 0xffff)
		return ofinish(skb, O_UNFIT, TC_ACT_SHOT);

	if (delta > 0) {
		// A packet that would exceed the device MTU once labeled is
		// dropped here, counted, rather than by the device. A GSO
		// packet passes (its segments are checked below).
		__u32 mtu = 0;
		if (bpf_check_mtu(skb, 0, &mtu, delta, 0))
			return ofinish(skb, O_TOOBIG, TC_ACT_SHOT);
	}
	// For a TCP GSO packet bpf_skb_adjust_room lowers gso_size by delta,
	// so that each segment, which the segmentation gives a copy of the
	// labeled header, still fits; UDP GSO is refused (O_NOROOM).
	if (delta && bpf_skb_adjust_room(skb, delta, BPF_ADJ_ROOM_NET, 0))
		return ofinish(skb, O_NOROOM, TC_ACT_SHOT);
	// bpf_skb_net_grow zeroes gso_segs (the stack recomputes it), so a
	// GSO packet is known by its gso_size here.
	if (delta > 0 && skb->gso_size) {
		__u32 mtu = 0;
		if (bpf_check_mtu(skb, 0, &mtu, 0, BPF_MTU_CHK_SEGS))
			return ofinish(skb, O_TOOBIG, TC_ACT_SHOT);
	}

	// The new header: IHL, total length, the options, and the checksum
	// computed afresh (as ipopt's Header.SetChecksum does).
	__u32 hl = 20 + padded;
	h[0] = 0x40 | (hl / 4);
	total += delta;
	h[2] = total >> 8;
	h[3] = total;
	h[10] = h[11] = 0;
	__s64 sum = bpf_csum_diff(0, 0, (__be32 *)h, 60, 0);
	if (sum < 0)
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
	__u32 c = (__u32)sum;
	c = (c & 0xffff) + (c >> 16);
	c = (c & 0xffff) + (c >> 16);
	__u16 csum = ~c;
	__builtin_memcpy(&h[10], &csum, 2);
	// The length as a 64-bit value with its bounds checked, so that the
	// register the helper gets is the one checked.
	__u64 sl = hl & 63;
	if (sl < 24 || sl > 60)
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
	if (bpf_skb_store_bytes(skb, IP_OFF, h, sl, 0))
		return ofinish(skb, O_MALFORMED, TC_ACT_SHOT);
	return ofinish(skb, O_LABELED, TC_ACT_OK);
}

// The fail-closed gates ("overload fail-closed"). The daemon attaches
// these instead of the programs above, with links pinned in bpffs, and
// puts the two programs into the datapath prog array, which only the
// daemon's open descriptor holds. When the daemon exits, however it
// exits (SIGKILL included), the last user reference to the array goes
// and Linux empties it (prog_array_map_clear, the map_release_uref of
// BPF_MAP_TYPE_PROG_ARRAY in kernel/bpf/arraymap.c; checked on Linux
// 6.18): the tail call fails and the gate drops every IPv4 packet. Other
// protocols (ARP, IPv6), which the programs pass untouched, pass. A
// restarted daemon replaces the pinned links' programs with its own gates
// (BPF_LINK_UPDATE), with no moment in which packets pass unchecked.
#define GATE_INGRESS 0
#define GATE_EGRESS 1

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, 2);
	__type(key, __u32);
	__type(value, __u32);
} datapath SEC(".maps");

static __always_inline int gone(struct __sk_buff *skb)
{
	return skb->protocol == bpf_htons(ETH_P_IP) || vlan_ipv4(skb) ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int dsmd_ingress_gate(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &datapath, GATE_INGRESS);
	return gone(skb);
}

SEC("tc")
int dsmd_egress_gate(struct __sk_buff *skb)
{
	bpf_tail_call(skb, &datapath, GATE_EGRESS);
	return gone(skb);
}

char LICENSE[] SEC("license") = "GPL";
