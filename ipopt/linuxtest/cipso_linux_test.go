package linuxtest

import (
	"testing"

	"github.com/iplabel/iplabel/cipso/netlabel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/sys/unix"
)

// DOIs the CIPSO tests register. The checklist (ipopt/RULES.md §9) is written
// for DOI 1 (and 2 for the trans DOI); here the pass DOI is 16. The vectors
// write the four DOI octets as <P> (pass, 16), <L> (local, 17), <T> (trans,
// 18) and <U> (a DOI that is not configured, 9); cipsoNamespace replaces them
// with the numbers actually used, which differ on a host that has those DOIs
// configured already.
var testDOIs = []string{
	"cipsov4 add pass doi:16 tags:1,2,5",
	"cipsov4 add local doi:17",
	"cipsov4 add trans doi:18 tags:1 levels:0=0 categories:0=0",
}

// unregisteredDOI is the DOI the tests would like for "no such DOI".
const unregisteredDOI = 9

func cipsoNamespace(t *testing.T) *Namespace {
	t.Helper()
	ns := ForTest(t)
	dois, err := ns.ConfigureDOIs(testDOIs...)
	require.NoError(t, err)
	free, err := ns.FreeDOI(unregisteredDOI)
	require.NoError(t, err)
	setDOIOctets(t, map[string]uint32{"<P>": dois.Of(16), "<L>": dois.Of(17), "<T>": dois.Of(18), "<U>": free})
	require.NoError(t, ns.SetCIPSOStrictValid(true))
	return ns
}

// TestChecklist runs the checklist (ipopt/RULES.md §9) against the kernel, with
// the verdicts of its Lp configuration (DOI 16 for DOI 1) and, for case 1,
// of L0. The expected verdicts follow from cipso_v4_validate
// (net/ipv4/cipso_ipv4.c) and __ip_options_compile (ipopt/RULES.md §3); this
// test checked them on Linux 6.18.
func TestChecklist(t *testing.T) {
	ns := cipsoNamespace(t)
	cases := []kernelCase{
		{"1 minimal tag 1", "86 0A <P> 01 04 00 05 00 00", "delivered"},
		{"1 L0: DOI not registered", "86 0A <U> 01 04 00 05 00 00", "parameter problem, pointer 22"},
		{"2 bitmap {0,15}", "86 0C <P> 01 06 00 05 80 01", "delivered"},
		{"3 optimized bitmap", "86 14 <P> 01 0E 00 05 80 00 00 00 00 00 00 00 00 00", "delivered"},
		{"4 trailing zero bitmap octet", "86 0B <P> 01 05 00 05 00 00", "delivered"},
		{"5 alignment octet FF", "86 0A <P> 01 04 FF 05 00 00", "delivered"},
		{"6 DOI 0", "86 0A 00 00 00 00 01 04 00 05 00 00", "parameter problem, pointer 22"},
		{"7 option length 6", "86 06 <P> 00 00", "parameter problem, pointer 21"},
		{"8 tag header only", "86 08 <P> 01 04", "parameter problem, pointer 27"},
		{"9 tag type as last octet", "86 0B <P> 01 04 00 05 01 00", "parameter problem, pointer 30"},
		{"10 tag length 0", "86 0A <P> 01 00 00 05 00 00", "parameter problem, pointer 27"},
		{"11 tag length 3", "86 0A <P> 01 03 00 05 00 00", "parameter problem, pointer 27"},
		{"12 tag past the option", "86 0A <P> 01 05 00 05 00 00", "parameter problem, pointer 27"},
		{"13 unknown tag 3", "86 0A <P> 03 04 00 05 00 00", "parameter problem, pointer 26"},
		{"13 tag 6", "86 0A <P> 06 04 00 05 00 00", "parameter problem, pointer 26"},
		{"13 tag 7", "86 0A <P> 07 04 00 05 00 00", "parameter problem, pointer 26"},
		{"14 zero padding inside", "86 0C <P> 01 04 00 05 00 00", "parameter problem, pointer 30"},
		{"15 tag 0 bogus length", "86 08 <P> 00 05", "parameter problem, pointer 27"},
		{"16 tag 128, pass DOI", "86 0C <P> 80 06 00 00 00 2A", "parameter problem, pointer 26"},
		{"17 enumerated ascending", "86 0E <P> 02 08 00 05 00 01 00 05 00 00", "delivered"},
		{"18 enumerated descending", "86 0E <P> 02 08 00 05 00 05 00 01 00 00", "parameter problem, pointer 30"},
		{"19 enumerated duplicate", "86 0E <P> 02 08 00 05 00 05 00 05 00 00", "parameter problem, pointer 30"},
		{"20 enumerated odd length", "86 0D <P> 02 07 00 05 00 05 01 00 00 00", "parameter problem, pointer 30"},
		{"21 enumerated 65535", "86 0C <P> 02 06 00 05 FF FF", "delivered"},
		{"22 ranged", "86 12 <P> 05 0C 00 05 00 14 00 0A 00 05 00 01 00 00", "delivered"},
		{"23 ranged implied bottom", "86 0C <P> 05 06 00 05 00 03", "delivered"},
		{"24 ranged ascending", "86 12 <P> 05 0C 00 05 00 05 00 01 00 14 00 0A 00 00", "parameter problem, pointer 30"},
		{"25 ranged inverted pair", "86 0E <P> 05 08 00 05 00 05 00 0A 00 00", "delivered"},
		{"26 ranged touching", "86 12 <P> 05 0C 00 05 00 14 00 0A 00 0A 00 05 00 00", "delivered"},
		{"27 ranged odd length", "86 0D <P> 05 07 00 05 00 03 01 00 00 00", "parameter problem, pointer 30"},
		{"28 largest tag 1", "86 28 <P> 01 22 00 FF" + " FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF FF 01", "delivered"},
		{"29 two CIPSO options", "86 0A <P> 01 04 00 05 86 0A <P> 01 04 00 06", "parameter problem, pointer 30"},
		{"30 two tags", "86 0E <P> 01 04 00 05 02 04 00 06 00 00", "delivered"},
		{"31 CIPSO past the options area", "86 10 <P> 01 04 00 05 00 00", "parameter problem, pointer 20"},
		{"32 NOPs, unknown DOI", "01 01 86 0A <U> 01 04 00 05", "parameter problem, pointer 24"},
		{"33 lone 0x86 at the end", "86 0A <P> 01 04 00 05 01 86", "parameter problem, pointer 31"},
		{"34 option length 1", "86 01 00 00", "parameter problem, pointer 20"},
		{"35 garbage after EOL", "86 0A <P> 01 04 00 05 00 AB", "delivered"},
		{"36 trans: unmapped level", "86 0C <T> 01 06 00 01 80 00", "parameter problem, pointer 29"},
		{"36 trans: unmapped category", "86 0B <T> 01 05 00 00 40 00", "parameter problem, pointer 30"},
		{"36 trans: mapped", "86 0B <T> 01 05 00 00 80 00", "delivered"},
		{"37a BSO", "82 03 AB 00", "delivered"},
		{"37b BSO GENSER", "82 04 3D 80", "delivered"},
		{"37c BSO last FTI 1", "82 04 3D 01", "delivered"},
		{"37d BSO two PAF octets", "82 05 5A 81 02 00 00 00", "delivered"},
		{"37e BSO extraneous octet", "82 05 96 80 00 00 00 00", "delivered"},
		{"37f BSO length 2", "82 02 00 00", "delivered"},
		{"37g BSO class 0", "82 03 00 00", "delivered"},
		{"37h RFC 791 SEC", "82 0B 00 00 00 05 41 42 43 44 45 00", "delivered"},
		{"37i two BSOs", "82 03 AB 82 03 3D 00 00", "delivered"},
		{"38 ESO", "85 03 01 00", "delivered"},
		{"38 ESO length 2", "85 02 00 00", "delivered"},
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

	// 35: the octets after the EOL reach the socket zeroed (ipopt/RULES.md §3).
	assert.Equal(t, unhex(t, "86 0A <P> 01 04 00 05 00 00"), find("35 garbage after EOL").Options, "35: tail after EOL zeroed")
	// 41: the Parameter Problem for case 6 is type 12 code 0 and echoes
	// the bad CIPSO option in its own header (ipopt/RULES.md §4).
	six := find("6 DOI 0")
	assert.Equal(t, uint8(12), six.Type)
	assert.Equal(t, uint8(0), six.Code)
	assert.Equal(t, unhex(t, "86 0A 00 00 00 00 01 04 00 05 00 00"), six.ReplyOptions, "41: ICMP echoes the CIPSO option")
	assert.Equal(t, unhex(t, "86 0A 00 00 00 00 01 04 00 05 00 00"), six.Options, "41: ICMP quotes the datagram")
}

// TestLocalTagOnLoopback settles checklist case 16 (ipopt/RULES.md §9) for
// frames injected on lo: with a LOCAL DOI the local tag 128 is accepted,
// because the ingress device is the loopback device (cipso_v4_validate tests
// IFF_LOOPBACK on skb->dev); setsockopt(IP_OPTIONS) refuses it (no skb).
func TestLocalTagOnLoopback(t *testing.T) {
	ns := cipsoNamespace(t)
	checkKernel(t, ns, []kernelCase{
		{"16 tag 128, local DOI, on lo", "86 0C <L> 80 06 00 00 00 2A", "delivered"},
		{"tag 128 length 7", "86 0D <L> 80 07 00 00 00 2A 00 00 00 00", "parameter problem, pointer 27"},
		{"tag 1 in a local DOI", "86 0A <L> 01 04 00 05 00 00", "parameter problem, pointer 26"},
	})
	assert.ErrorIs(t, ns.SetSockOptions(unhex(t, "86 0C <L> 80 06 00 00 00 2A")), unix.EINVAL)
}

// TestStrictValid shows what the global cipso_rbm_strictvalid gates
// (cipso_v4_validate; checklist 36): with 0, a tag 1 with an unmapped level or
// category passes the IP-layer check of a trans DOI (without a security
// module nothing else looks at it, so it is delivered).
func TestStrictValid(t *testing.T) {
	ns := cipsoNamespace(t)
	require.NoError(t, ns.SetCIPSOStrictValid(false))
	v, err := readSysctl(strictValid)
	require.NoError(t, err)
	assert.Equal(t, "0", v)
	checkKernel(t, ns, []kernelCase{
		{"36 trans: unmapped level", "86 0C <T> 01 06 00 01 80 00", "delivered"},
		{"36 trans: unmapped category", "86 0B <T> 01 05 00 00 40 00", "delivered"},
		{"tag 2 still checked", "86 0E <P> 02 08 00 05 00 05 00 01 00 00", "parameter problem, pointer 30"},
	})
}

// TestNoMappingNeeded: a DOI registered with "cipsov4 add" and no "map add"
// is enough for the receive check; the domain mappings are for labelling
// outgoing traffic through a security module.
func TestNoMappingNeeded(t *testing.T) {
	ns := cipsoNamespace(t)
	maps, err := ns.global.h.Client().ListMappings()
	require.NoError(t, err)
	for _, m := range maps {
		assert.NotEqual(t, netlabel.CIPSOv4, m.Protocol, "no mapping uses a CIPSO DOI: %+v", m)
		for _, s := range m.Selectors {
			assert.NotEqual(t, netlabel.CIPSOv4, s.Protocol, "no mapping uses a CIPSO DOI: %+v", m)
		}
	}
	checkKernel(t, ns, []kernelCase{
		{"registered, unmapped DOI 16", "86 0A <P> 01 04 00 05 00 00", "delivered"},
	})
}

// TestCIPSOErrorDroppedOnReceive checks ipopt/RULES.md §4: the Parameter Problem
// about a bad CIPSO option carries that option and is itself dropped when
// received, while one about a bad RR option reaches an ICMP socket.
func TestCIPSOErrorDroppedOnReceive(t *testing.T) {
	ns := cipsoNamespace(t)
	var raw int
	require.NoError(t, ns.do(func() (err error) {
		raw, err = socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_ICMP)
		return err
	}))
	defer unix.Close(raw)
	received := func() int {
		n := 0
		buf := make([]byte, 2048)
		for {
			m, _, err := unix.Recvfrom(raw, buf, 0)
			if err != nil {
				return n
			}
			if m > 20 && buf[int(buf[0]&15)*4] == 12 {
				n++
			}
		}
	}
	v, err := ns.Verdict(unhex(t, "86 0A <U> 01 04 00 05 00 00"))
	require.NoError(t, err)
	assert.Equal(t, "parameter problem, pointer 22", v.String())
	assert.Equal(t, 0, received(), "the CIPSO Parameter Problem is dropped on receive")

	v, err = ns.Verdict(unhex(t, "07 03 04 07 03 04 00 00"))
	require.NoError(t, err)
	assert.Equal(t, "parameter problem, pointer 23", v.String())
	assert.Equal(t, 1, received(), "the RR Parameter Problem is received")
}
