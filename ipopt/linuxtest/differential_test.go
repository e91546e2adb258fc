package linuxtest

import (
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"os"
	"sort"
	"strconv"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// differentialCases is how many random options fields the differential
// tests try.
const differentialCases = 4000

// wantReceive is what ipopt.Linux predicts for a received datagram: the
// Parameter Problem pointer of its error, or a silent drop when Linux
// sends none (ipopt.Compiled.Silent); for a valid field, delivery, or a
// silent drop when it carries a source route (accept_source_route=0).
func wantReceive(opts []byte) string {
	c, err := (&ipopt.Linux{}).Compile(opts)
	var e ipopt.Error
	switch {
	case errors.As(err, &e) && c.Silent:
		return "dropped"
	case errors.As(err, &e):
		return "parameter problem, pointer " + strconv.Itoa(e.Pointer())
	case err != nil:
		return "error " + err.Error()
	case c.SRR >= 0:
		return "dropped"
	}
	return "delivered"
}

// silent is whether ipopt.Linux says the kernel finds an error in opts
// but sends no ICMP about it.
func silent(opts []byte) bool {
	c, err := (&ipopt.Linux{}).Compile(opts)
	return err != nil && c.Silent
}

// mismatch is one field on which the kernel and ipopt.Linux disagree.
type mismatch struct {
	opts        []byte
	kernel, got string
}

// report fails t with the shortest mismatches first, so the report shows
// minimal inputs.
func report(t *testing.T, what string, ms []mismatch) {
	t.Helper()
	if len(ms) == 0 {
		return
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].opts) < len(ms[j].opts) })
	for i, m := range ms {
		if i == 20 {
			break
		}
		t.Errorf("%s: %s: kernel %q, ipopt.Linux %q", what, hex.EncodeToString(m.opts), m.kernel, m.got)
	}
	t.Errorf("%s: %d of %d fields disagree", what, len(ms), differentialCases)
}

// seed is the generator seed: def, or $LINUXTEST_SEED to explore others.
func seed(def uint64) uint64 {
	if s, err := strconv.ParseUint(os.Getenv("LINUXTEST_SEED"), 10, 64); err == nil {
		return s
	}
	return def
}

func genCases(seed uint64) [][]byte {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	list := make([][]byte, differentialCases)
	for i := range list {
		list[i] = genOptions(r)
	}
	return list
}

// TestDifferentialReceive compares the kernel's receive path with
// ipopt.Linux on random options fields without CIPSO (the kernel then
// needs no NetLabel configuration), arriving on lo and on an Ethernet
// device: same verdict, same pointer. For every delivered field with an
// EOL it also checks that the octets after the EOL reach the socket
// zeroed, as ipopt.ZeroTail does.
func TestDifferentialReceive(t *testing.T) {
	ns := ForTest(t)
	list := genCases(seed(1))
	for _, in := range []Ingress{Loopback, Ethernet} {
		t.Run(in.String(), func(t *testing.T) {
			require.NoError(t, ns.SetIngress(in))
			differentialReceive(t, ns, list)
		})
	}
}

func differentialReceive(t *testing.T, ns *Namespace, list [][]byte) {
	t.Helper()
	got, err := ns.VerdictMany(list)
	require.NoError(t, err)
	var ms, tails []mismatch
	var kinds [OtherICMP + 1]int
	suppressed := 0
	for i, opts := range list {
		k, w := got[i].String(), wantReceive(opts)
		kinds[got[i].Outcome]++
		if silent(opts) {
			suppressed++
		}
		if k != w {
			ms = append(ms, mismatch{opts, k, w})
			continue
		}
		if got[i].Outcome == Delivered {
			z := append([]byte(nil), opts...)
			ipopt.ZeroTail(z)
			c, _ := (&ipopt.Linux{}).Compile(opts)
			ko := got[i].Options
			if len(ko) != len(opts) || c.EOL >= 0 && string(ko[c.EOL:]) != string(z[c.EOL:]) {
				tails = append(tails, mismatch{opts, hex.EncodeToString(got[i].Options), hex.EncodeToString(z)})
			}
		}
	}
	t.Logf("%d fields: %d delivered, %d dropped, %d parameter problems",
		len(list), kinds[Delivered], kinds[Dropped], kinds[ParameterProblem])
	require.Zero(t, kinds[OtherICMP], "no other ICMP errors expected")
	t.Logf("%d Parameter Problems not sent because __ip_options_echo fails", suppressed)
	report(t, "receive", ms)
	report(t, "EOL tail", tails)
}

// TestDifferentialSetSockOptions compares setsockopt(IP_OPTIONS) with
// ipopt.Linux in socket mode, with and without CAP_NET_RAW: accepted or
// refused (the socket path reports no pointer).
// This includes Linux 6.18's EPERM for a source route set without
// CAP_NET_RAW (TestSetSockOptions), which ipopt.Linux models.
func TestDifferentialSetSockOptions(t *testing.T) {
	ns := ForTest(t)
	list := genCases(seed(2))
	for _, netRaw := range []bool{true, false} {
		l := &ipopt.Linux{Socket: true, CapNetRaw: netRaw}
		var ms []mismatch
		for _, opts := range list {
			var kerr error
			if netRaw {
				kerr = ns.SetSockOptions(opts)
			} else {
				kerr = ns.SetSockOptionsUnprivileged(opts)
			}
			_, err := l.Compile(opts)
			if (kerr == nil) == (err == nil) {
				continue
			}
			ms = append(ms, mismatch{opts, errString(kerr), errString(err)})
		}
		report(t, "setsockopt, CAP_NET_RAW "+strconv.FormatBool(netRaw), ms)
	}
}

func errString(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}
