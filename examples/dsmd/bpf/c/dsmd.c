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
	R_MAX,
};

// config is the one entry of the config map.
struct config {
	__u32 dsm_doi;        // the DSM label's DOI; 0: no label is recognised
	__u8 rbm_strictvalid; // sysctl net.ipv4.cipso_rbm_strictvalid
	__u8 dsm_accept;      // NSIDProfile.Accept (0: all six)
	__u8 dsm_require;     // NSIDProfile.Require
	__u8 dsm_flags;       // DSM_* bits
};

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

// state is the judgement of the options field of the packet. The field
// itself is read from the packet octet by octet with bpf_skb_load_bytes,
// whose offset the verifier does not need to bound: an index into a
// buffer would be tracked precisely on every path, and the walk's paths
// would never merge.
struct state {
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
};

#define V(x) (*(volatile __u32 *)&s->x)

#define IP_OFF ETH_HLEN

static __always_inline __u32 rd(struct __sk_buff *skb, __u32 i)
{
	__u8 v = 0;

	bpf_skb_load_bytes(skb, IP_OFF + 20 + i, &v, 1);
	return v;
}

#define B(s, i) rd(skb, (i))

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
GLOBAL int cats_ok(struct __sk_buff *skb, const struct doi *d, __u32 at, __u32 cl, __u32 typ)
{
	if (!d || !skb)
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
			if (tl > 4 && !cats_ok(skb, d, at + 4, tl - 4, typ)) {
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

static __always_inline int finish(struct __sk_buff *skb, __u32 r, struct state *s)
{
	count(r);
	skb->cb[0] = r <= R_LABELED || r == R_MALFORMED;
	skb->cb[1] = s && s->err ? s->ptr : NO_POINTER;
	skb->cb[2] = r;
	skb->cb[3] = s && s->err ? s->off : 0;
	if (r == R_LINUX || r == R_DSM)
		return TC_ACT_SHOT;
	return TC_ACT_OK;
}

SEC("tc")
int dsmd_ingress(struct __sk_buff *skb)
{
	struct state st = {}, *s = &st;
	__u8 old[MAX_OPTS] = {}, nw[MAX_OPTS] = {};
	__u32 zero = 0;

	if (skb->protocol != bpf_htons(ETH_P_IP))
		return finish(skb, R_PASS, 0);
	__u8 vihl = 0;
	if (bpf_skb_load_bytes(skb, IP_OFF, &vihl, 1))
		return finish(skb, R_MALFORMED, 0);
	if (vihl >> 4 != 4 || (vihl & 15) < 5)
		return finish(skb, R_MALFORMED, 0);
	__u32 optlen = ((vihl & 15) - 5) * 4;
	if (optlen == 0)
		return finish(skb, R_PASS, 0);
	if (optlen > MAX_OPTS)
		return finish(skb, R_MALFORMED, 0);
	s->len = optlen;
	if (bpf_skb_load_bytes(skb, IP_OFF + 20, old, optlen))
		return finish(skb, R_MALFORMED, 0);

	const struct config *cfg = bpf_map_lookup_elem(&config, &zero);
	if (!cfg)
		return finish(skb, R_PASS, 0);
	int loopback = skb->ifindex == LOOPBACK_IFINDEX;
	int strict = cfg->rbm_strictvalid;
	__u32 r = R_VALID;

	int c = -1;
	if (cfg->dsm_doi)
		c = find_cipso(skb, s);
	if (c >= 0 && B(s, c + 1) >= 6 && be32(skb, s, c + 2) == cfg->dsm_doi) {
		if (dsm_check(skb, s, cfg, c))
			return finish(skb, R_DSM, s);
		// Neutralise: NOPs over the label, and the checksum moved by
		// the difference of the two fields (RFC 1624), so a wrong one
		// stays wrong. The rest of the field is then judged as the
		// kernel will see it.
		__u32 l = B(s, c + 1);
		if (l > MAX_OPTS || l < 1) // dsm_check has bounded it
			return finish(skb, R_MALFORMED, 0);
		__u8 nops[MAX_OPTS];
		__builtin_memset(nops, OPT_NOP, MAX_OPTS);
		if (bpf_skb_store_bytes(skb, IP_OFF + 20 + c, nops, l, 0) ||
		    bpf_skb_load_bytes(skb, IP_OFF + 20, nw, optlen))
			return finish(skb, R_MALFORMED, 0);
		__s64 diff = bpf_csum_diff((__be32 *)old, MAX_OPTS, (__be32 *)nw, MAX_OPTS, 0);
		if (diff < 0 || bpf_l3_csum_replace(skb, IP_OFF + 10, 0, diff, 0))
			return finish(skb, R_MALFORMED, 0);
		r = R_LABELED;
	}
	linux_check(skb, s, loopback, strict);
	if (s->err)
		return finish(skb, R_LINUX, s);
	return finish(skb, r, s);
}

char LICENSE[] SEC("license") = "GPL";
