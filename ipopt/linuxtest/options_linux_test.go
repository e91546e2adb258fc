package linuxtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// TestOptionWalk checks the rules of __ip_options_compile listed in the
// table of ipopt/RULES.md §3, one case per rule, with no NetLabel DOI needed.
func TestOptionWalk(t *testing.T) {
	ns := ForTest(t)
	cases := []kernelCase{
		// Framing.
		{"type octet last (l < 2)", "01 01 01 07", "parameter problem, pointer 23"},
		{"length 0", "44 00 00 00", "parameter problem, pointer 20"},
		{"length 1", "07 01 00 00", "parameter problem, pointer 20"},
		{"length past the end", "07 09 04 00", "parameter problem, pointer 20"},
		{"EOL then garbage", "00 07 02 FF", "delivered"},
		{"NOPs", "01 01 01 01", "delivered"},
		// RR.
		{"RR room for one address", "07 07 04 00 00 00 00 00", "delivered"},
		{"RR full", "07 07 08 7F 00 00 01 00", "delivered"},
		{"RR length 2", "07 02 00 00", "parameter problem, pointer 21"},
		{"RR pointer 3", "07 07 03 00 00 00 00 00", "parameter problem, pointer 22"},
		{"RR pointer leaves no room", "07 07 05 00 00 00 00 00", "parameter problem, pointer 22"},
		{"RR twice", "07 03 04 07 03 04 00 00", "parameter problem, pointer 23"},
		// The error is found, but no ICMP is sent when the RR met before it
		// cannot be echoed: the walk has advanced its pointer (4 -> 8) and
		// __ip_options_echo refuses a pointer inside the option without
		// room for an address (8+3 > 10), so icmp_send gives up.
		{"RR echo fails, no ICMP", "07 0A 04 00 00 00 00 00 00 00 07 01", "dropped"},
		{"RR echo fits, ICMP", "07 0B 04 00 00 00 00 00 00 00 00 07", "parameter problem, pointer 31"},
		{"TS echo fails, no ICMP", "44 0A 05 00 00 00 00 00 00 00 07 01", "dropped"},
		// TS.
		{"TS timestamps only", "44 0C 05 00 00 00 00 00 00 00 00 00", "delivered"},
		{"TS length 3", "44 03 05 00", "parameter problem, pointer 21"},
		{"TS pointer 4", "44 08 04 00 00 00 00 00", "parameter problem, pointer 22"},
		{"TS pointer leaves no room", "44 08 06 00 00 00 00 00", "parameter problem, pointer 22"},
		{"TS flag 1 needs 8 octets", "44 08 05 01 00 00 00 00", "parameter problem, pointer 22"},
		{"TS flag 3 needs 8 octets", "44 08 05 03 00 00 00 00", "parameter problem, pointer 22"},
		{"TS flag 1 with room", "44 0C 05 01 00 00 00 00 00 00 00 00", "delivered"},
		{"TS flag 2 on receive", "44 08 05 02 00 00 00 00", "delivered"},
		{"TS full, overflow 14", "44 04 05 E0", "delivered"},
		{"TS full, overflow 15", "44 04 05 F0", "parameter problem, pointer 23"},
		{"TS full, overflow 15, flag 3", "44 04 05 F3", "delivered"},
		{"TS twice", "44 04 05 00 44 04 05 00", "parameter problem, pointer 24"},
		// Source routes: valid ones pass the walk and are dropped without
		// ICMP (accept_source_route is 0 for "all" in a new namespace).
		{"LSRR", "83 07 04 7F 00 00 01 00", "dropped"},
		{"SSRR", "89 07 04 7F 00 00 01 00", "dropped"},
		{"LSRR length 2", "83 02 00 00", "parameter problem, pointer 21"},
		{"LSRR pointer 3", "83 07 03 7F 00 00 01 00", "parameter problem, pointer 22"},
		{"LSRR then SSRR", "83 03 04 89 03 04 00 00", "parameter problem, pointer 23"},
		// Router alert.
		{"RA", "94 04 00 00", "delivered"},
		{"RA length 2", "94 02 00 00", "parameter problem, pointer 21"},
		// No content checks.
		{"SEC length 2", "82 02 00 00", "delivered"},
		{"SID twice", "88 04 00 01 88 04 00 02", "delivered"},
		{"unknown type", "9E 04 12 34", "delivered"},
	}
	got := checkKernel(t, ns, cases)
	find := func(name string) Verdict {
		for i, c := range cases {
			if c.name == name {
				return got[i]
			}
		}
		t.Fatalf("no case %q", name)
		return Verdict{}
	}
	// What the kernel writes on receive (ipopt/RULES.md §3): RR gets the receiving
	// address (127.0.0.1) and its pointer moves by 4; TS gets a timestamp;
	// a full TS has its overflow counter incremented; octets after an EOL
	// become 0.
	assert.Equal(t, unhex(t, "07 07 08 7F 00 00 01 00"), find("RR room for one address").Options)
	ts := find("TS timestamps only").Options
	require.Len(t, ts, 12)
	assert.Equal(t, unhex(t, "44 0C 09 00"), ts[:4])
	assert.NotEqual(t, make([]byte, 4), ts[4:8], "timestamp written")
	assert.Equal(t, unhex(t, "44 04 05 F0"), find("TS full, overflow 14").Options)
	assert.Equal(t, unhex(t, "00 00 00 00"), find("EOL then garbage").Options)
	// The Parameter Problem echoes the first RR only (__ip_options_echo).
	assert.Equal(t, unhex(t, "07 03 04 00"), find("RR twice").ReplyOptions)
}

// TestAcceptSourceRoute: with accept_source_route=1 a source route whose
// next hop is local is delivered; one whose next hop has no route is
// dropped without ICMP (ip_options_rcv_srr).
func TestAcceptSourceRoute(t *testing.T) {
	ns := ForTest(t)
	require.NoError(t, ns.SetSysctl("net.ipv4.conf.all.accept_source_route", "1"))
	checkKernel(t, ns, []kernelCase{
		{"LSRR via 127.0.0.1", "83 07 04 7F 00 00 01 00", "delivered"},
		{"SSRR via 127.0.0.1", "89 07 04 7F 00 00 01 00", "delivered"},
		{"LSRR via an unrouted address", "83 07 04 0A 00 00 01 00", "dropped"},
	})
}

// TestSetSockOptions checks the setsockopt(IP_OPTIONS) path
// (ip_options_get: no skb) for the rules that differ from receive
// (ipopt/RULES.md §3).
func TestSetSockOptions(t *testing.T) {
	ns := ForTest(t)
	for _, c := range []struct {
		name     string
		opts     string
		root     error // with CAP_NET_RAW
		noNetRaw error // without
	}{
		{"NOPs", "01 01 01 01", nil, nil},
		{"odd length, padded by the kernel", "01", nil, nil},
		{"empty clears", "", nil, nil},
		// Observed on Linux 6.18: a well-formed source route needs
		// CAP_NET_RAW on this path (EPERM); a malformed one is EINVAL.
		{"LSRR pointer 4", "83 07 04 7F 00 00 01", nil, unix.EPERM},
		{"SSRR pointer 4", "89 07 04 7F 00 00 01", nil, unix.EPERM},
		{"LSRR pointer 8", "83 07 08 7F 00 00 01", unix.EINVAL, unix.EINVAL},
		{"LSRR length 3", "83 03 04 00", unix.EINVAL, unix.EINVAL},
		{"LSRR length 9", "83 09 04 7F 00 00 01 00 00", unix.EINVAL, unix.EINVAL},
		{"SEC", "82 04 3D 80", nil, unix.EINVAL},
		{"unknown type", "9E 04 12 34", nil, unix.EINVAL},
		{"CIPSO", "86 0A 00 00 00 09 01 04 00 05", unix.EINVAL, unix.EINVAL},
		{"TS flag 2", "44 08 05 02 00 00 00 00", nil, unix.EINVAL},
		{"TS flag 0", "44 08 05 00 00 00 00 00", nil, nil},
		{"RR", "07 07 04 00 00 00 00", nil, nil},
		{"41 octets", "01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01", unix.EINVAL, unix.EINVAL},
	} {
		opts := unhex(t, c.opts)
		assert.Equal(t, c.root, ns.SetSockOptions(opts), "%s with CAP_NET_RAW", c.name)
		assert.Equal(t, c.noNetRaw, ns.SetSockOptionsUnprivileged(opts), "%s without CAP_NET_RAW", c.name)
	}
	// Dropping CAP_NET_RAW is undone: the namespace's thread has it again.
	require.NoError(t, ns.SetSockOptions(unhex(t, "9E 04 12 34")))
}
