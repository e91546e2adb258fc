package linuxtest

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// echoCases are the paths of __ip_options_echo (net/ipv4/ip_options.c),
// which __icmp_send runs before it sends a Parameter Problem and which
// makes it send nothing when it fails. Each case is an RR, TS or source
// route followed by an error, or its neighbour on the other side of a
// boundary. want is the kernel's verdict, worked out from the kernel's
// code (the walk advances an RR by 4 and a TS by 4 or 8; the echo wants
// room after the advanced pointer) and confirmed on Linux 6.18 by
// TestEchoKernel; TestEchoModel checks ipopt.Linux (Compiled.Silent)
// against the same table. Fields are padded with EOL to a multiple of 4.
var echoCases = []kernelCase{
	// RR met before the error, pointer advanced by 4 (rr_needaddr).
	{"RR 10 at 4, then length 1", "07 0A 04 00000000 000000 07 01", "dropped"},
	{"RR 11 at 4, then length 1", "07 0B 04 00000000 00000000 07 01", "parameter problem, pointer 31"},
	{"RR 11 at 5, then length 1", "07 0B 05 00000000 00000000 07 01", "dropped"},
	{"RR 12 at 5, then length 1", "07 0C 05 00000000 00000000 00 07 01", "parameter problem, pointer 32"},
	{"RR 7 at 4: full once advanced", "07 07 04 00000000 07 01", "parameter problem, pointer 27"},
	{"RR 8 at 4: pointer 8 once advanced, no room", "07 08 04 00000000 00 07 01", "dropped"},
	{"RR full, then length 1", "07 07 08 7F000001 07 01", "parameter problem, pointer 27"},
	{"RR 10 at 4, then a second RR", "07 0A 04 00000000 000000 07 03 04", "dropped"},
	{"RR 10 at 4, then TS length 3", "07 0A 04 00000000 000000 44 03 05", "dropped"},
	{"RR 10 at 4, then CIPSO length 2", "07 0A 04 00000000 000000 86 02", "dropped"},
	{"RR 10 at 4, then a type octet last", "07 0A 04 00000000 000000 01 07", "dropped"},
	{"RR 10 at 4, then EOL and garbage", "07 0A 04 00000000 000000 00 07 01", "delivered"},
	{"length 1, then RR 10 at 4", "01 07 01 07 0A 04 00000000 000000", "parameter problem, pointer 21"},
	{"RR pointer leaves no room (the RR is the error)", "07 07 05 00000000", "parameter problem, pointer 22"},
	// TS flag 0: time only, pointer advanced by 4 (ts_needtime).
	{"TS 10 at 5, flag 0, then length 1", "44 0A 05 00 00000000 0000 07 01", "dropped"},
	{"TS 12 at 5, flag 0, then length 1", "44 0C 05 00 00000000 00000000 07 01", "parameter problem, pointer 32"},
	{"TS 8 at 5, flag 0: full once advanced", "44 08 05 00 00000000 07 01", "parameter problem, pointer 28"},
	{"TS 11 at 6, flag 0, then length 1", "44 0B 06 00 00000000 000000 07 01", "dropped"},
	{"TS 10 at 5, flag 0, then RR pointer 3", "44 0A 05 00 00000000 0000 07 07 03 00000000", "dropped"},
	{"TS full, overflow 14, then length 1", "44 04 05 E0 07 01", "parameter problem, pointer 24"},
	// TS flag 1: address and time, pointer advanced by 8 (ts_needaddr
	// fails first when there is no room for the address).
	{"TS 12 at 5, flag 1: full once advanced", "44 0C 05 01 00000000 00000000 07 01", "parameter problem, pointer 32"},
	{"TS 13 at 5, flag 1: no room for the address", "44 0D 05 01 00000000 00000000 00 07 01", "dropped"},
	{"TS 16 at 5, flag 1: no room for the time", "44 10 05 01 00000000 00000000 00000000 07 01", "dropped"},
	{"TS 19 at 5, flag 1: no room for the time", "44 13 05 01 00000000 00000000 00000000 000000 07 01", "dropped"},
	{"TS 20 at 5, flag 1: room for both", "44 14 05 01 00000000 00000000 00000000 00000000 07 01", "parameter problem, pointer 40"},
	// TS flag 3: advanced by 8 only when the prespecified address is not
	// a unicast one (inet_addr_type); TS 13 at 5 then has no room.
	{"TS flag 3, 0.0.0.0", "44 0D 05 03 00000000 00000000 00 07 01", "dropped"},
	{"TS flag 3, 0.0.0.1", "44 0D 05 03 00000001 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 10.0.0.1", "44 0D 05 03 0A000001 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 126.255.255.255", "44 0D 05 03 7EFFFFFF 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 127.0.0.0", "44 0D 05 03 7F000000 00000000 00 07 01", "dropped"},
	{"TS flag 3, 127.0.0.1", "44 0D 05 03 7F000001 00000000 00 07 01", "dropped"},
	{"TS flag 3, 127.255.255.255", "44 0D 05 03 7FFFFFFF 00000000 00 07 01", "dropped"},
	{"TS flag 3, 128.0.0.0", "44 0D 05 03 80000000 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 223.255.255.255", "44 0D 05 03 DFFFFFFF 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 224.0.0.0", "44 0D 05 03 E0000000 00000000 00 07 01", "dropped"},
	{"TS flag 3, 239.255.255.255", "44 0D 05 03 EFFFFFFF 00000000 00 07 01", "dropped"},
	{"TS flag 3, 240.0.0.0", "44 0D 05 03 F0000000 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 255.255.255.254", "44 0D 05 03 FFFFFFFE 00000000 00 07 01", "parameter problem, pointer 33"},
	{"TS flag 3, 255.255.255.255", "44 0D 05 03 FFFFFFFF 00000000 00 07 01", "dropped"},
	{"TS flag 3, 127.0.0.1, room for the time", "44 10 05 03 7F000001 00000000 00000000 07 01", "parameter problem, pointer 36"},
	{"TS flag 3, 127.0.0.1, room, next address looked at", "44 14 05 03 7F000001 00000000 7F000001 00000000 07 01", "parameter problem, pointer 40"},
	// Other flags are not advanced.
	{"TS 8 at 5, flag 2, then length 1", "44 08 05 02 00000000 07 01", "parameter problem, pointer 28"},
	{"TS 10 at 5, flag 5, then length 1", "44 0A 05 05 00000000 0000 07 01", "parameter problem, pointer 30"},
	{"TS flag 2, then a second TS", "44 08 05 02 00000000 44 04 05 00", "parameter problem, pointer 28"},
	// Source routes are reversed whatever their pointer and never stop
	// the echo; the reply goes to the reversed route's first hop, which
	// the namespace's default route reaches.
	{"LSRR one hop 0.1.2.3, then length 1", "83 0B 08 00010203 00000000 07 01", "parameter problem, pointer 31"},
	{"LSRR one hop 127.0.0.1 (the sender), then length 1", "83 0B 08 7F000001 00000000 07 01", "parameter problem, pointer 31"},
	{"LSRR one hop 255.255.255.255, then length 1", "83 0B 08 FFFFFFFF 00000000 07 01", "parameter problem, pointer 31"},
	{"SSRR one hop 224.0.0.1, then length 1", "89 0B 08 E0000001 00000000 07 01", "parameter problem, pointer 31"},
	{"LSRR two hops, then length 1", "83 0F 0C 0A000001 00010203 00000000 07 01", "parameter problem, pointer 35"},
	{"LSRR pointer past the end, then length 1", "83 0B FF 00010203 0A000001 07 01", "parameter problem, pointer 31"},
	{"LSRR unaligned pointer, then length 1", "83 0B 09 0A 00010203 000000 07 01", "parameter problem, pointer 31"},
	{"LSRR, then a second source route", "83 07 04 7F000001 89 03 04", "parameter problem, pointer 27"},
	// A CIPSO option is copied into the echo as it is.
	{"CIPSO length 2", "86 02", "parameter problem, pointer 21"},
	{"RR 11 at 4, then CIPSO length 2", "07 0B 04 00000000 00000000 86 02", "parameter problem, pointer 32"},
}

// padded is unhex with EOL padding to a multiple of 4.
func padded(tb testing.TB, s string) []byte {
	tb.Helper()
	return testutil.PadEOL(unhex(tb, s))
}

// TestEchoModel checks ipopt.Linux (Compiled.Silent, then the pointer)
// against the verdicts of echoCases, without a kernel.
func TestEchoModel(t *testing.T) {
	for _, c := range echoCases {
		assert.Equal(t, c.want, wantReceive(padded(t, c.opts)), "%s: %s", c.name, c.opts)
	}
}

// TestEchoKernel confirms the verdicts of echoCases on the running kernel.
func TestEchoKernel(t *testing.T) {
	ns := ForTest(t)
	list := make([][]byte, len(echoCases))
	for i, c := range echoCases {
		list[i] = padded(t, c.opts)
	}
	got, err := ns.VerdictMany(list)
	require.NoError(t, err)
	for i, c := range echoCases {
		assert.Equal(t, c.want, got[i].String(), "%s: %s", c.name, c.opts)
	}
}

// TestDifferentialEcho compares the kernel with ipopt.Linux on random
// fields built for the echo: one to three RR, TS or source-route options
// (lengths and pointers around the boundaries of the walk and of the echo,
// prespecified addresses around the special ranges) followed by an error
// or by nothing. The kernel must answer with the predicted pointer or send
// nothing exactly when Compiled.Silent says so.
func TestDifferentialEcho(t *testing.T) {
	ns := ForTest(t)
	r := rand.New(rand.NewPCG(seed(3), 12))
	list := make([][]byte, differentialCases)
	for i := range list {
		list[i] = genEcho(r)
	}
	for _, in := range []Ingress{Loopback, Ethernet} {
		t.Run(in.String(), func(t *testing.T) {
			require.NoError(t, ns.SetIngress(in))
			differentialEcho(t, ns, list)
		})
	}
}

func differentialEcho(t *testing.T, ns *Namespace, list [][]byte) {
	t.Helper()
	got, err := ns.VerdictMany(list)
	require.NoError(t, err)
	var ms []mismatch
	silentN, problems := 0, 0
	for i, opts := range list {
		k, w := got[i].String(), wantReceive(opts)
		if silent(opts) {
			silentN++
		} else if got[i].Outcome == ParameterProblem {
			problems++
		}
		if k != w {
			ms = append(ms, mismatch{opts, k, w})
		}
	}
	t.Logf("%d fields: %d silent drops, %d parameter problems", len(list), silentN, problems)
	report(t, "echo", ms)
	// The generator must reach both sides of every boundary often.
	assert.Greater(t, silentN, len(list)/20, "silent drops")
	assert.Greater(t, problems, len(list)/10, "parameter problems")
}

// prespec are prespecified timestamp addresses on both sides of the
// ranges inet_addr_type does not call unicast.
var prespec = [][4]byte{
	{0, 0, 0, 0}, {0, 0, 0, 1}, {10, 0, 0, 1}, {126, 255, 255, 255}, {127, 0, 0, 0},
	{127, 0, 0, 1}, {127, 1, 2, 3}, {127, 255, 255, 255}, {128, 0, 0, 0},
	{223, 255, 255, 255}, {224, 0, 0, 0}, {239, 255, 255, 255}, {240, 0, 0, 0},
	{255, 255, 255, 254}, {255, 255, 255, 255},
}

// genEcho makes one field for TestDifferentialEcho, padded with EOL to a
// multiple of 4, at most 40 octets.
func genEcho(r *rand.Rand) []byte {
	for {
		var b []byte
		for range 1 + r.IntN(3) {
			switch r.IntN(8) {
			case 0:
				b = append(b, byte(ipopt.NOP))
			case 1, 2:
				l := 3 + r.IntN(14)
				b = append(b, byte(ipopt.RR), byte(l), byte(4+r.IntN(l)))
				b = appendBody(r, b, l-3)
			case 3:
				t := []ipopt.Type{ipopt.LSRR, ipopt.SSRR}[r.IntN(2)]
				l := 3 + r.IntN(14)
				b = append(b, byte(t), byte(l), byte(4+r.IntN(l)))
				b = appendBody(r, b, l-3)
			default:
				b = genEchoTS(r, b)
			}
		}
		switch r.IntN(8) {
		case 0: // nothing: valid, or the error is in the options above
		case 1:
			b = append(b, byte(ipopt.RR), 1)
		case 2:
			b = append(b, byte(ipopt.TS), 3, 5)
		case 3:
			b = append(b, byte(ipopt.RR), 3, 4) // a duplicate if there is one above
		case 4:
			b = append(b, byte(ipopt.TS), 4, 5, 0)
		case 5:
			b = append(b, byte(ipopt.NOP), byte(ipopt.RR)) // type octet last once padded
		case 6:
			b = append(b, byte(ipopt.RA), 2)
		default:
			b = append(b, byte(ipopt.EOL), byte(ipopt.RR), 1)
		}
		b = testutil.PadEOL(b)
		if len(b) <= ipopt.MaxOptionsLen {
			return b
		}
	}
}

// genEchoTS appends a timestamp option: length 4 to 24, pointer 5 to
// length+1 (sometimes at a slot), flag 0, 1, 3 or another, overflow 15 now
// and then, and for flag 3 an address from prespec at the pointer.
func genEchoTS(r *rand.Rand, b []byte) []byte {
	l := 4 + r.IntN(21)
	p := 5 + r.IntN(l-3)
	if r.IntN(2) == 0 {
		p = 5 + 4*r.IntN(l/4+1)
	}
	flag := byte([]int{0, 1, 3, 3, 2, r.IntN(16)}[r.IntN(6)])
	over := byte(r.IntN(16))
	start := len(b)
	b = append(b, byte(ipopt.TS), byte(l), byte(p), over<<4|flag)
	b = append(b, make([]byte, l-4)...)
	if p+2 < l {
		a := prespec[r.IntN(len(prespec))]
		copy(b[start+p-1:], a[:])
	}
	return b
}
