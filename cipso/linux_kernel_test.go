package cipso_test

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/iplabel/iplabel/ipopt/linuxtest"
)

// The differential tests in this file ask the running kernel (through
// ipopt/linuxtest: a private network namespace, datagrams injected with
// AF_PACKET, setsockopt) what it does with CIPSO options, and compare with
// cipso.Linux. They need root and netlabelctl and skip without them.

// kernelConfig is the NetLabel configuration of the tests, given both to
// netlabelctl and to cipso.ParseConfig. Besides the checklist's pass DOI
// with tags 1, 2 and 5 (ipopt/RULES.md §9) it has a pass DOI whose slots
// list tag 2 first, one with an empty slot in the middle (tag 2 after it is
// never reached: RULES.md §7 step 3.1), one
// with all five slots used (tag 0 finds no empty slot) and a DOI number
// whose four octets all differ, a translated DOI with gaps in both tables
// and a local DOI. No DOI maps anything ("map add" is not needed on the
// receive path: linuxtest TestNoMappingNeeded).
const kernelConfig = `cipsov4 add pass doi:16 tags:1,2,5
cipsov4 add local doi:17
cipsov4 add trans doi:18 tags:1 levels:0=0,1=3,5=7 categories:0=0,1=5,7=100
cipsov4 add pass doi:20 tags:2,1
cipsov4 add pass doi:22 tags:1,0,2
cipsov4 add pass doi:305419896 tags:5,1,2,5,1`

// unregistered are DOIs the mutations use for "no such DOI": 0 (never
// valid), neighbours of kernelConfig's numbers and all ones. (On a host
// that has some of them configured, or that made kernelNamespace pick
// other numbers, they are what the model says they are.)
var unregistered = []cipso.DOI{0, 1, 15, 19, 21, 0x10000010, 0x12345679, 0xFFFFFFFF}

// kernelFieldsPerConfig is how many options fields each receive
// configuration (ingress device x cipso_rbm_strictvalid) compares.
const kernelFieldsPerConfig = 8000

// kernelSeed is the generator seed: def, or def mixed with
// $LINUXTEST_SEED to explore others.
func kernelSeed(def uint64) uint64 {
	if s, err := strconv.ParseUint(os.Getenv("LINUXTEST_SEED"), 10, 64); err == nil {
		return def ^ s<<16
	}
	return def
}

// kernelNamespace makes the namespace (skipping the test without root or
// netlabelctl), configures kernelConfig in the kernel and returns the
// same configuration parsed by cipso, with the DOI numbers used: a DOI
// number of kernelConfig that the host uses already is replaced by a free
// one (linuxtest.ConfigureDOIs), and the DOIs the host has configured are
// part of the model, since the kernel accepts their labels too. The DOIs
// are removed again when the test ends (linuxtest restores NetLabel on
// Close); the host's are never touched.
func kernelNamespace(t *testing.T) (*linuxtest.Namespace, *cipso.Registry, linuxtest.DOIs) {
	t.Helper()
	ns := linuxtest.ForTest(t)
	lines := strings.Split(kernelConfig, "\n")
	dois, err := ns.ConfigureDOIs(lines...)
	require.NoError(t, err)
	// After ConfigureDOIs, which holds linuxtest's global lock: other test
	// binaries' DOIs are gone by now, what is left is the host's.
	host, err := ns.HostDOIs()
	require.NoError(t, err)
	var cfg strings.Builder
	for _, l := range lines {
		cfg.WriteString(dois.Rewrite(l) + "\n")
	}
	reg, err := cipso.ParseConfig(strings.NewReader(cfg.String()))
	require.NoError(t, err)
	for _, l := range host {
		d, err := cipso.ParseCommand(l)
		if err != nil {
			t.Skipf("the host's DOI %q cannot be modelled by cipso: %v", l, err)
		}
		require.NoError(t, reg.Add(d))
	}
	if len(host) > 0 {
		t.Logf("the host's own DOIs, in the model too: %s", strings.Join(host, "; "))
	}
	return ns, reg, dois
}

// kernelGen generates options fields for the differential tests.
type kernelGen struct {
	r    *rand.Rand
	doms []*cipso.Domain
}

func newKernelGen(seed uint64, reg *cipso.Registry) *kernelGen {
	g := &kernelGen{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for d := range reg.All() {
		g.doms = append(g.doms, d)
	}
	return g
}

// Generator kinds, for the report.
const (
	kindValid   = "valid"   // an encoder's label, first in the field
	kindAround  = "around"  // an encoder's label among other options
	kindMutated = "mutated" // a label with octets changed, cut or added
	kindRandom  = "random"  // random octets with 0x86 planted
)

type genField struct {
	kind string
	opts []byte
}

// fields makes n options fields: a quarter valid labels, an eighth valid
// labels among other options, half mutated labels, the rest random.
func (g *kernelGen) fields(n int) []genField {
	out := make([]genField, 0, n)
	for len(out) < n {
		var f genField
		switch k := g.r.IntN(8); {
		case k < 2:
			f = genField{kindValid, g.place(g.valid(), false)}
		case k < 3:
			f = genField{kindAround, g.place(g.valid(), true)}
		case k < 7:
			f = genField{kindMutated, g.place(g.mutate(g.valid()), g.r.IntN(3) == 0)}
		default:
			f = genField{kindRandom, g.random()}
		}
		out = append(out, f)
	}
	return out
}

// level picks a wire level: the ends or anything.
func (g *kernelGen) level() uint32 {
	switch g.r.IntN(4) {
	case 0:
		return uint32([]int{0, 1, 254, 255}[g.r.IntN(4)])
	}
	return uint32(g.r.IntN(256))
}

// edgeCats are categories at the limits of the encodings: the bitmap's
// octet boundaries and last category (239), the CatSet's inline bitmap
// (255/256), the largest wire category.
var edgeCats = []uint32{0, 1, 7, 8, 15, 16, 79, 80, 238, 239, 240, 255, 256, 257, 1000, 65533, 65534}

// cats picks a wire category set; some do not fit every tag, and the
// encoders then refuse them (the caller tries again).
func (g *kernelGen) cats() cipso.CatSet {
	var s cipso.CatSet
	r := g.r
	switch r.IntN(7) {
	case 0: // none
	case 1: // a few small ones
		for range 1 + r.IntN(6) {
			_ = s.Add(uint32(r.IntN(32)))
		}
	case 2: // bitmap territory
		for range 1 + r.IntN(12) {
			_ = s.Add(uint32(r.IntN(240)))
		}
	case 3: // runs, for tag 5
		lo := uint32(0)
		if r.IntN(2) == 0 {
			lo = uint32(r.IntN(20))
		}
		for range 1 + r.IntN(8) {
			hi := lo + uint32(r.IntN(30))
			_ = s.AddRange(lo, hi)
			lo = hi + 2 + uint32(r.IntN(100))
		}
	case 4: // edges
		for range 1 + r.IntN(6) {
			_ = s.Add(edgeCats[r.IntN(len(edgeCats))])
		}
	case 5: // anywhere, for tag 2
		for range 1 + r.IntN(15) {
			_ = s.Add(uint32(r.IntN(cipso.MaxWireCategory + 1)))
		}
	default: // one dense block
		lo := uint32(r.IntN(300))
		_ = s.AddRange(lo, lo+uint32(r.IntN(120)))
	}
	return s
}

// format picks one of the encodings Linux generates (optfmt, category
// flag).
func (g *kernelGen) format() cipso.Format {
	return cipso.Format{Optimized: g.r.IntN(3) == 0, CatFlag: g.r.IntN(2) == 0}
}

// hostLabel picks a host label for translated DOI d: mostly mapped values,
// sometimes not (the encoder then refuses it).
func (g *kernelGen) hostLabel(d *cipso.Domain) cipso.Label {
	var l cipso.Label
	lv, cs := d.Levels(), d.Categories()
	l.Level = lv[g.r.IntN(len(lv))].Local
	if g.r.IntN(10) == 0 {
		l.Level = uint32(g.r.IntN(8))
	}
	for _, c := range cs {
		if g.r.IntN(2) == 0 {
			_ = l.Cats.Add(c.Local)
		}
	}
	if g.r.IntN(10) == 0 {
		_ = l.Cats.Add(uint32(g.r.IntN(10)))
	}
	return l
}

// encode makes one option with cipso's encoders for domain d: through
// the DOI's tag selection (Domain.AppendOption), or, for a pass DOI, with
// a tag of its list chosen here (AppendOption). ok is false when the label
// does not fit or is not mapped.
func (g *kernelGen) encode(d *cipso.Domain) ([]byte, bool) {
	switch d.Type() {
	case cipso.MapLocal:
		opt, err := d.AppendLocalOption(nil, g.r.Uint32())
		return opt, err == nil
	case cipso.MapTrans:
		l := g.hostLabel(d)
		opt, err := d.AppendOption(nil, &l, g.format())
		return opt, err == nil
	}
	l := cipso.Label{Level: g.level(), Cats: g.cats()}
	if g.r.IntN(2) == 0 {
		opt, err := d.AppendOption(nil, &l, g.format())
		return opt, err == nil
	}
	tags := d.Tags()
	opt, err := cipso.AppendOption(nil, d.DOI(), tags[g.r.IntN(len(tags))], &l, g.format())
	return opt, err == nil
}

// valid returns an option the encoders made for a configured DOI.
func (g *kernelGen) valid() []byte {
	for {
		if opt, ok := g.encode(g.doms[g.r.IntN(len(g.doms))]); ok {
			return opt
		}
	}
}

// Options placed around a label: NOPs, RR and TS with room or full (an RR
// or TS the receive walk advances and that then leaves no room makes the
// kernel suppress the ICMP error: see ipopt.Compiled.Silent), the security options
// Linux does not check, an unknown option, a loose source route (valid
// fields with one are dropped by accept_source_route=0).
var neighbours = [][]byte{
	{0x01},
	{0x01, 0x01, 0x01},
	{0x07, 0x07, 0x04, 0, 0, 0, 0},                   // RR, room for one
	{0x07, 0x07, 0x08, 0x7F, 0, 0, 1},                // RR, full
	{0x07, 0x0A, 0x04, 0, 0, 0, 0, 0, 0, 0},          // RR, echo fails after the advance
	{0x44, 0x08, 0x05, 0x00, 0, 0, 0, 0},             // TS, flag 0, room
	{0x44, 0x0A, 0x05, 0x00, 0, 0, 0, 0, 0, 0},       // TS, echo fails after the advance
	{0x44, 0x0C, 0x05, 0x01, 0, 0, 0, 0, 0, 0, 0, 0}, // TS, flag 1
	{0x44, 0x04, 0x05, 0xE0},                         // TS, full
	{0x82, 0x04, 0x3D, 0x80},                         // BSO
	{0x85, 0x03, 0x01},                               // ESO
	{0x88, 0x04, 0x00, 0x01},                         // SID
	{0x9E, 0x02},                                     // unknown option
	{0x94, 0x04, 0x00, 0x00},                         // router alert
	{0x83, 0x07, 0x04, 0x7F, 0x00, 0x00, 0x01},       // LSRR
}

// place builds an options field holding opt: first and padded with EOL,
// or (around) with options before and after it, padded with EOL or NOP,
// sometimes with garbage after an EOL or a second CIPSO option. Parts
// that do not fit 40 octets are left out; opt itself is cut at 40.
func (g *kernelGen) place(opt []byte, around bool) []byte {
	r := g.r
	f := make([]byte, 0, 80)
	if around {
		for range r.IntN(3) {
			f = append(f, neighbours[r.IntN(len(neighbours))]...)
		}
		if len(f)+len(opt) > ipopt.MaxOptionsLen {
			f = f[:0]
		}
	}
	f = append(f, opt...)
	if around {
		var tail []byte
		switch r.IntN(5) {
		case 0:
			tail = neighbours[r.IntN(len(neighbours))]
		case 1: // a second CIPSO option
			tail = g.valid()
		case 2: // EOL, then garbage
			tail = []byte{0, byte(r.Uint32()), 0x86, byte(r.IntN(12))}
		}
		if len(f)+len(tail) <= ipopt.MaxOptionsLen {
			f = append(f, tail...)
		}
	}
	f = f[:min(len(f), ipopt.MaxOptionsLen)]
	pad := byte(0)
	if around && r.IntN(3) == 0 {
		pad = 1
	}
	for len(f)%4 != 0 {
		f = append(f, pad)
	}
	return f
}

// octet returns a replacement for octet v: a bit flipped, a neighbour, a
// value that matters somewhere in a CIPSO option, or anything.
func (g *kernelGen) octet(v byte, optLen int) byte {
	switch g.r.IntN(5) {
	case 0:
		return v ^ 1<<g.r.IntN(8)
	case 1:
		return v + byte(g.r.IntN(3)) - 1
	case 2:
		return byte(optLen + g.r.IntN(5) - 2)
	case 3:
		return []byte{0, 1, 2, 3, 4, 5, 6, 7, 8, 0x7F, 0x80, 0x86, 0xFE, 0xFF}[g.r.IntN(14)]
	}
	return byte(g.r.Uint32())
}

// mutate changes a valid option in one to three ways (the option may grow
// past 40 octets; place cuts it).
func (g *kernelGen) mutate(opt []byte) []byte {
	r := g.r
	for range 1 + r.IntN(3) {
		n := len(opt)
		if n < cipso.HeaderLen+2 {
			break // cut to the header or below: nothing left to change
		}
		switch r.IntN(12) {
		case 0: // the option length
			opt[1] = g.octet(opt[1], n)
		case 1: // the DOI: another configured one, an unregistered one, an octet
			var doi cipso.DOI
			switch r.IntN(3) {
			case 0:
				doi = g.doms[r.IntN(len(g.doms))].DOI()
			case 1:
				doi = unregistered[r.IntN(len(unregistered))]
			default:
				doi = cipso.DOI(binary.BigEndian.Uint32(opt[2:]) ^ 1<<r.IntN(32))
			}
			binary.BigEndian.PutUint32(opt[2:], uint32(doi))
		case 2: // tag type
			opt[6] = []byte{0, 1, 2, 3, 5, 6, 7, 0x80, byte(r.Uint32())}[r.IntN(9)]
		case 3: // tag length
			if n > 7 {
				opt[7] = g.octet(opt[7], n-6)
			}
		case 4: // alignment octet or level
			if n > 9 {
				i := 8 + r.IntN(2)
				opt[i] = g.octet(opt[i], n)
			}
		case 5: // a category octet
			if n > 10 {
				i := 10 + r.IntN(n-10)
				opt[i] = g.octet(opt[i], n)
			}
		case 6: // truncate, usually keeping the lengths consistent
			k := 1 + r.IntN(4)
			opt = opt[:n-k]
			if r.IntN(4) != 0 {
				opt[1] -= byte(k)
				if len(opt) > 7 && r.IntN(2) == 0 {
					opt[7] -= byte(k)
				}
			}
		case 7: // extend the option (and maybe the tag) by octets
			k := 1 + r.IntN(4)
			for range k {
				opt = append(opt, []byte{0, 0xFF, byte(r.Uint32()), byte(r.IntN(8))}[r.IntN(4)])
			}
			opt[1] += byte(k)
			if len(opt) > 7 && r.IntN(2) == 0 {
				opt[7] += byte(k)
			}
		case 8: // the first tag again
			if n > 7 && int(opt[7]) <= n-6 && int(opt[7]) > 0 {
				opt = append(opt, opt[6:6+int(opt[7])]...)
				opt[1] = byte(len(opt))
			}
		case 9: // a second tag of any type, encoded or made up
			var tag []byte
			l := cipso.Label{Level: g.level(), Cats: g.cats()}
			if t := []cipso.TagType{1, 2, 5}[r.IntN(3)]; r.IntN(2) == 0 {
				tag, _ = cipso.AppendTag(nil, t, &l, g.format())
			} else {
				tl := []int{0, 2, 3, 4, 5, 6, 7, 8}[r.IntN(8)]
				tag = append(tag, []byte{0, 1, 2, 3, 5, 6, 7, 0x80}[r.IntN(8)], byte(tl))
				for range max(tl-2, 0) {
					tag = append(tag, byte(r.IntN(4)))
				}
			}
			opt = append(opt, tag...)
			opt[1] = byte(len(opt))
		case 10: // categories out of order: swap two 16-bit values
			if n >= 14 {
				i, j := 10+2*r.IntN((n-10)/2), 10+2*r.IntN((n-10)/2)
				a, b := binary.BigEndian.Uint16(opt[i:]), binary.BigEndian.Uint16(opt[j:])
				binary.BigEndian.PutUint16(opt[i:], b)
				binary.BigEndian.PutUint16(opt[j:], a)
			}
		default: // a category value: 0, 65535, equal to a neighbour
			if n >= 12 {
				i := 10 + 2*r.IntN((n-10)/2)
				v := []uint16{0, 0xFFFF, 0xFFFE}[r.IntN(3)]
				if i >= 12 && r.IntN(2) == 0 {
					v = binary.BigEndian.Uint16(opt[i-2:])
				}
				binary.BigEndian.PutUint16(opt[i:], v)
			}
		}
	}
	return opt
}

// random makes a field of random octets, drawn mostly from option types
// and small numbers, with a CIPSO type octet planted, often followed by a
// plausible length, a configured DOI and a tag header.
func (g *kernelGen) random() []byte {
	r := g.r
	n := 4 * (1 + r.IntN(10))
	b := make([]byte, n)
	for i := range b {
		switch r.IntN(3) {
		case 0:
			b[i] = []byte{0, 1, 7, 0x44, 0x82, 0x83, 0x86, 0x89, 0x94}[r.IntN(9)]
		case 1:
			b[i] = byte(r.IntN(16))
		default:
			b[i] = byte(r.Uint32())
		}
	}
	p := r.IntN(n)
	if r.IntN(2) == 0 {
		p = 0
	}
	b[p] = byte(cipso.OptionType)
	if p+1 < n && r.IntN(3) != 0 {
		b[p+1] = byte(n - p - r.IntN(3))
	}
	if p+6 <= n && r.IntN(3) != 0 {
		binary.BigEndian.PutUint32(b[p+2:], uint32(g.doms[r.IntN(len(g.doms))].DOI()))
	}
	if p+8 <= n && r.IntN(2) == 0 {
		b[p+6] = []byte{1, 2, 5, 0x80}[r.IntN(4)]
		b[p+7] = byte(n - p - 6 - r.IntN(3))
	}
	return b
}

// receiveModel is what cipso.Linux (inside ipopt.Linux's walk) predicts
// the kernel does with a received field, as linuxtest.Verdict.String
// spells it, and the error behind it.
func receiveModel(lx cipso.Linux, opts []byte) (string, error) {
	err := lx.Validate(opts)
	c, cerr := (&ipopt.Linux{CIPSO: lx}).Compile(opts)
	if fmt.Sprint(err) != fmt.Sprint(cerr) { // the same walk either way
		return "inconsistent: Validate " + fmt.Sprint(err) + ", Compile " + fmt.Sprint(cerr), err
	}
	var e ipopt.Error
	switch {
	case errors.As(err, &e) && c.Silent:
		return "dropped", err
	case errors.As(err, &e):
		return "parameter problem, pointer " + strconv.Itoa(e.Pointer()), err
	case err != nil:
		return "error " + err.Error(), err
	case c.SRR >= 0: // dropped by accept_source_route=0, without ICMP
		return "dropped", nil
	}
	return "delivered", nil
}

// kernelMismatch is a field on which the kernel and cipso.Linux disagree.
type kernelMismatch struct {
	kind         string
	opts         []byte
	kernel, want string
}

// reportMismatches fails t with the shortest mismatches first, so the
// report starts with minimal inputs.
func reportMismatches(t *testing.T, what string, total int, ms []kernelMismatch) {
	t.Helper()
	if len(ms) == 0 {
		return
	}
	sort.SliceStable(ms, func(i, j int) bool { return len(ms[i].opts) < len(ms[j].opts) })
	for i, m := range ms {
		if i == 20 {
			break
		}
		t.Errorf("%s: %s field %s: kernel %q, cipso.Linux %q", what, m.kind, hex.EncodeToString(m.opts), m.kernel, m.want)
	}
	t.Errorf("%s: %d of %d fields disagree", what, len(ms), total)
}

// sentinels the receive test expects each configuration to reach, so that
// it cannot pass by exercising only the easy paths.
var cipsoSentinels = []error{
	cipso.ErrUnknownDOI, cipso.ErrTagNotAllowed, cipso.ErrUnknownTag, cipso.ErrBadTagLength,
	cipso.ErrBadCategory, cipso.ErrCategoryOrder, ipopt.ErrBadLength, ipopt.ErrTruncated, ipopt.ErrDuplicate,
}

func sentinelName(err error) string {
	for _, s := range append(slices.Clone(cipsoSentinels), cipso.ErrBadLevel, ipopt.ErrBadPointer, ipopt.ErrBadValue) {
		if errors.Is(err, s) {
			return s.Error()
		}
	}
	return "other: " + err.Error()
}

// TestLinuxKernelReceive injects generated IPv4/UDP datagrams carrying
// CIPSO options into a private network namespace (RULES.md §7, ipopt/RULES.md §3)
// and compares what the kernel does with cipso.Linux inside ipopt.Linux's
// walk, for both values of cipso_rbm_strictvalid and for datagrams that
// arrive on the loopback device (Loopback: true; tag 128 allowed) and on
// an Ethernet device (a veth pair): delivered (or dropped because of a
// source route) exactly when Validate returns nil, and otherwise an ICMP
// Parameter Problem whose pointer is the error's Pointer() (or no ICMP at
// all when the kernel cannot echo an RR or TS it has advanced: ipopt.Compiled.Silent).
// The fields are labels from cipso's encoders for every configured DOI
// and tag, those labels among other options, mutations of them and random
// octets with 0x86 planted. For delivered fields it also checks that the
// CIPSO option reached the socket unchanged.
func TestLinuxKernelReceive(t *testing.T) {
	ns, reg, _ := kernelNamespace(t)
	fields := newKernelGen(kernelSeed(134), reg).fields(kernelFieldsPerConfig)
	list := make([][]byte, len(fields))
	for i, f := range fields {
		list[i] = f.opts
	}
	for _, in := range []linuxtest.Ingress{linuxtest.Loopback, linuxtest.Ethernet} {
		require.NoError(t, ns.SetIngress(in))
		for _, strict := range []bool{true, false} {
			name := in.String() + "/strictvalid=" + strconv.FormatBool(strict)
			t.Run(name, func(t *testing.T) {
				require.NoError(t, ns.SetCIPSOStrictValid(strict))
				lx := cipso.Linux{Registry: reg, RBMStrictValid: strict, Loopback: in == linuxtest.Loopback}
				got, err := ns.VerdictMany(list)
				require.NoError(t, err)

				var ms []kernelMismatch
				outcomes := map[string]map[linuxtest.Outcome]int{}
				reached := map[string]int{}
				suppressed := 0
				for i, f := range fields {
					k := got[i].String()
					want, werr := receiveModel(lx, f.opts)
					if outcomes[f.kind] == nil {
						outcomes[f.kind] = map[linuxtest.Outcome]int{}
					}
					outcomes[f.kind][got[i].Outcome]++
					if werr != nil {
						reached[sentinelName(werr)]++
						if want == "dropped" {
							suppressed++
						}
					}
					if k != want {
						ms = append(ms, kernelMismatch{f.kind, f.opts, k, want})
						continue
					}
					if got[i].Outcome == linuxtest.Delivered {
						c, _ := (&ipopt.Linux{CIPSO: lx}).Compile(f.opts)
						if c.CIPSO >= 0 {
							end := c.CIPSO + int(f.opts[c.CIPSO+1])
							if ko := got[i].Options; len(ko) < end || !slices.Equal(ko[c.CIPSO:end], f.opts[c.CIPSO:end]) {
								ms = append(ms, kernelMismatch{f.kind, f.opts, "received options " + hex.EncodeToString(ko), "CIPSO option unchanged"})
							}
						}
					}
				}
				for _, kind := range []string{kindValid, kindAround, kindMutated, kindRandom} {
					o := outcomes[kind]
					t.Logf("%-7s %d delivered, %d parameter problems, %d dropped, %d other ICMP", kind,
						o[linuxtest.Delivered], o[linuxtest.ParameterProblem], o[linuxtest.Dropped], o[linuxtest.OtherICMP])
				}
				t.Logf("%d Parameter Problems not sent because __ip_options_echo fails", suppressed)
				names := slices.Sorted(func(yield func(string) bool) {
					for n := range reached {
						if !yield(n) {
							return
						}
					}
				})
				for _, n := range names {
					t.Logf("  %5d %s", reached[n], n)
				}
				reportMismatches(t, name, len(fields), ms)

				// The test must not pass by exercising only easy paths.
				for _, kind := range []string{kindValid, kindMutated, kindRandom} {
					assert.Positive(t, outcomes[kind][linuxtest.Delivered], "%s: some %s fields delivered", name, kind)
				}
				for _, kind := range []string{kindMutated, kindRandom} {
					assert.Positive(t, outcomes[kind][linuxtest.ParameterProblem], "%s: some %s fields refused", name, kind)
				}
				if in == linuxtest.Loopback { // elsewhere tag 128 is refused
					assert.Zero(t, outcomes[kindValid][linuxtest.ParameterProblem], "%s: encoder output refused", name)
				}
				for _, s := range cipsoSentinels {
					assert.Positive(t, reached[s.Error()], "%s: no field reached %v", name, s)
				}
				if strict {
					assert.Positive(t, reached[cipso.ErrBadLevel.Error()], "%s: no field reached %v", name, cipso.ErrBadLevel)
				}
			})
		}
	}
}

// TestLinuxKernelSetSockOptions checks cipso's encoders against
// setsockopt(IP_OPTIONS), the kernel's check for options a local socket
// sends (ip_options_get: __ip_options_compile and cipso_v4_validate
// without an skb): every option the encoders produce for the configured
// pass and trans DOIs, padded with EOL to a multiple of 4, is accepted -
// random labels that fit, every tag of each DOI's list and the DOI's own
// tag selection, in all four formats (optimized bitmap, category flag).
// The local tag 128 is refused with EINVAL (RULES.md §7), and so is any
// CIPSO option without CAP_NET_RAW (ipopt/RULES.md §3). cipso.Linux in socket mode
// must say the same. Last, the receive test's generated fields go through
// setsockopt and cipso.Linux in socket mode: accepted by both or by
// neither.
func TestLinuxKernelSetSockOptions(t *testing.T) {
	ns, reg, dois := kernelNamespace(t)
	require.NoError(t, ns.SetCIPSOStrictValid(true))
	lx := cipso.NewLinux(reg)
	sock := &ipopt.Linux{CIPSO: lx, Socket: true, CapNetRaw: true}
	g := newKernelGen(kernelSeed(7), reg)

	const labelsPerTag = 25
	formats := []cipso.Format{{}, {Optimized: true}, {CatFlag: true}, {Optimized: true, CatFlag: true}}
	accepted, skipped := 0, 0
	var local *cipso.Domain
	for d := range reg.All() {
		if d.Type() == cipso.MapLocal {
			local = d
			continue
		}
		// Tag -1: the DOI's own selection (Domain.AppendOption).
		tags := []int{-1}
		for _, tg := range d.Tags() {
			tags = append(tags, int(tg))
		}
		for _, tag := range tags {
			for _, f := range formats {
				for n := 0; n < labelsPerTag; {
					var opt []byte
					var err error
					switch {
					case d.Type() == cipso.MapTrans:
						l := g.hostLabel(d)
						opt, err = d.AppendOption(nil, &l, f)
					case tag < 0:
						l := cipso.Label{Level: g.level(), Cats: g.cats()}
						opt, err = d.AppendOption(nil, &l, f)
					default:
						l := cipso.Label{Level: g.level(), Cats: g.cats()}
						opt, err = cipso.AppendOption(nil, d.DOI(), cipso.TagType(tag), &l, f)
					}
					if err != nil {
						skipped++
						continue
					}
					n++
					opts := testutil.PadEOL(opt)
					accepted++
					if kerr := ns.SetSockOptions(opts); kerr != nil {
						t.Errorf("DOI %v tag %d format %+v: setsockopt(%x): %v", d.DOI(), tag, f, opts, kerr)
					}
					assert.NoError(t, sock.Validate(opts), "DOI %v: cipso.Linux (socket) refuses %x", d.DOI(), opts)
				}
			}
		}
	}
	t.Logf("%d encoded options accepted by setsockopt (%d labels did not fit or map and were drawn again)", accepted, skipped)
	require.NotNil(t, local)

	// Tag 128: encoder output for the local DOI, and the same tag in a
	// pass DOI; also after NOPs.
	var refused [][]byte
	for range 20 {
		opt, err := local.AppendLocalOption(nil, g.r.Uint32())
		require.NoError(t, err)
		refused = append(refused, testutil.PadEOL(opt), testutil.PadEOL(append([]byte{1, 1}, opt...)))
		pass := slices.Clone(opt)
		binary.BigEndian.PutUint32(pass[2:], dois.Of(16))
		refused = append(refused, testutil.PadEOL(pass))
	}
	for _, opts := range refused {
		assert.ErrorIs(t, ns.SetSockOptions(opts), syscall.EINVAL, "setsockopt(%x)", opts)
		assert.ErrorIs(t, sock.Validate(opts), cipso.ErrTagNotAllowed, "cipso.Linux (socket) on %x", opts)
	}
	// Without CAP_NET_RAW no CIPSO option may be set (ipopt/RULES.md §3).
	unpriv := &ipopt.Linux{CIPSO: lx, Socket: true}
	for range 10 {
		opts := testutil.PadEOL(g.valid())
		assert.ErrorIs(t, ns.SetSockOptionsUnprivileged(opts), syscall.EINVAL, "setsockopt(%x) without CAP_NET_RAW", opts)
		assert.ErrorIs(t, unpriv.Validate(opts), ipopt.ErrNotPermitted, "cipso.Linux (socket, no CAP_NET_RAW) on %x", opts)
	}

	// The generated fields: setsockopt and cipso.Linux (socket) agree.
	fields := newKernelGen(kernelSeed(135), reg).fields(2000)
	var ms []kernelMismatch
	ok := 0
	for _, f := range fields {
		kerr := ns.SetSockOptions(f.opts)
		var errno syscall.Errno
		if kerr != nil && !errors.As(kerr, &errno) {
			require.NoError(t, kerr, "setsockopt(%x)", f.opts)
		}
		err := sock.Validate(f.opts)
		if kerr == nil {
			ok++
		}
		if (kerr == nil) != (err == nil) {
			ms = append(ms, kernelMismatch{f.kind, f.opts, errText(kerr), errText(err)})
		}
	}
	t.Logf("%d generated fields: %d accepted by setsockopt", len(fields), ok)
	assert.Positive(t, ok)
	assert.Less(t, ok, len(fields))
	reportMismatches(t, "setsockopt", len(fields), ms)
}

func errText(err error) string {
	if err == nil {
		return "accepted"
	}
	return err.Error()
}

// TestLinuxKernelTagSlots pins, on the kernel and on cipso.Linux, the
// verdicts RULES.md §7 gives for the unusual DOIs of kernelConfig,
// which the generated fields reach only by chance: a tag after an empty
// slot is refused (step 3.1 stops at the first empty slot), tag 0 gets
// past the slot check only when some slot is empty (and is then refused by
// its length or as an unknown type), the translated DOI accepts exactly
// its remote values, and all four DOI octets count (step 2). Datagrams
// arrive on lo with cipso_rbm_strictvalid 1; pointers count from the IP
// header, the option starts at 20.
func TestLinuxKernelTagSlots(t *testing.T) {
	ns, reg, dois := kernelNamespace(t)
	full := dois.Of(305419896)
	// The vectors spell DOI octets as <N> for kernelConfig's DOI N, and
	// <low> and <high> for full with its last or first octet changed to
	// a DOI the kernel does not know.
	octets := func(d uint32) string {
		return fmt.Sprintf("%02X %02X %02X %02X", byte(d>>24), byte(d>>16), byte(d>>8), byte(d))
	}
	unknown := func(flip uint32) uint32 {
		for x := flip; ; x += flip {
			if d := full ^ x; reg.Lookup(cipso.DOI(d)) == nil {
				return d
			}
		}
	}
	doiHex := strings.NewReplacer("<22>", octets(dois.Of(22)), "<20>", octets(dois.Of(20)), "<18>", octets(dois.Of(18)),
		"<full>", octets(full), "<low>", octets(unknown(1)), "<high>", octets(unknown(1<<24)))
	require.NoError(t, ns.SetCIPSOStrictValid(true))
	require.NoError(t, ns.SetIngress(linuxtest.Loopback))
	lx := cipso.Linux{Registry: reg, RBMStrictValid: true, Loopback: true}
	cases := []struct{ name, opts, want string }{
		// DOI 22: slots 1, 0, 2.
		{"slots 1,0,2: tag 1", "86 0A <22> 01 04 00 05 00 00", "delivered"},
		{"slots 1,0,2: tag 2 after the empty slot", "86 0C <22> 02 06 00 05 00 01", "parameter problem, pointer 26"},
		{"slots 1,0,2: tag 0 passes the slots, bad length", "86 08 <22> 00 05", "parameter problem, pointer 27"},
		{"slots 1,0,2: tag 0 passes the slots, unknown type", "86 0A <22> 00 04 00 05 00 00", "parameter problem, pointer 26"},
		// DOI 305419896 = 0x12345678: all five slots used (5,1,2,5,1).
		{"full slots: tag 0 refused at its type", "86 08 <full> 00 05", "parameter problem, pointer 26"},
		{"full slots: tag 5", "86 0C <full> 05 06 00 05 00 03", "delivered"},
		{"full slots: tags 5 and 1", "86 10 <full> 05 06 00 05 00 03 01 04 00 05", "delivered"},
		{"full slots: tag 128", "86 0C <full> 80 06 00 00 00 2A", "parameter problem, pointer 26"},
		{"DOI 0x12345678 with its last octet changed: not registered", "86 0A <low> 01 04 00 05 00 00", "parameter problem, pointer 22"},
		{"DOI 0x12345678 with its first octet changed: not registered", "86 0A <high> 01 04 00 05 00 00", "parameter problem, pointer 22"},
		// DOI 20: slots 2, 1.
		{"slots 2,1: tag 1", "86 0A <20> 01 04 00 05 00 00", "delivered"},
		{"slots 2,1: tag 5", "86 0C <20> 05 06 00 05 00 03", "parameter problem, pointer 26"},
		// DOI 18: trans, remote levels 0, 3, 7 and categories 0, 5, 100.
		{"trans: remote level 7", "86 0A <18> 01 04 00 07 00 00", "delivered"},
		{"trans: level 5 is only a local value", "86 0A <18> 01 04 00 05 00 00", "parameter problem, pointer 29"},
		{"trans: remote category 5", "86 0B <18> 01 05 00 07 04 00", "delivered"},
		{"trans: category 7 is only a local value", "86 0B <18> 01 05 00 07 01 00", "parameter problem, pointer 30"},
		{"trans: remote category 100", "86 17 <18> 01 11 00 03 00 00 00 00 00 00 00 00 00 00 00 00 08 00", "delivered"},
		{"trans: tag 2", "86 0C <18> 02 06 00 00 00 05", "parameter problem, pointer 26"},
	}
	list := make([][]byte, len(cases))
	for i := range cases {
		cases[i].opts = doiHex.Replace(cases[i].opts)
	}
	for i, c := range cases {
		list[i] = testutil.Unhex(t, c.opts)
	}
	got, err := ns.VerdictMany(list)
	require.NoError(t, err)
	for i, c := range cases {
		assert.Equal(t, c.want, got[i].String(), "kernel: %s: %s", c.name, c.opts)
		want, _ := receiveModel(lx, list[i])
		assert.Equal(t, c.want, want, "cipso.Linux: %s: %s", c.name, c.opts)
	}
}

// hostOwnDOIs stand for what the owner of a labelled-networking host has
// configured: DOIs 16, 7 and 5, numbers kernelConfig would like to use or
// that its mutations and random fields reach.
var hostOwnDOIs = []string{
	"cipsov4 add pass doi:16 tags:1,2,5",
	"cipsov4 add trans doi:7 tags:1 levels:0=0,1=3 categories:0=0,1=5",
	"cipsov4 add local doi:5",
}

func netlabelState(t *testing.T) string {
	t.Helper()
	var b strings.Builder
	for _, args := range [][]string{{"cipsov4", "list"}, {"map", "list"}} {
		out, err := exec.Command("netlabelctl", args...).Output()
		require.NoError(t, err, "netlabelctl %v", args)
		b.Write(out)
	}
	return b.String()
}

// TestLinuxKernelHostDOIs runs the differential tests on a host whose
// NetLabel already holds DOIs 16, 7 and 5 (configured here, where free,
// as the host's own; one the host really has counts as its own): they run
// rather than skip, renumber their DOIs, model the host's, pass, and leave
// "netlabelctl cipsov4 list" and "netlabelctl map list" byte for byte as
// they found them.
func TestLinuxKernelHostDOIs(t *testing.T) {
	host := linuxtest.ForTest(t)
	for _, l := range hostOwnDOIs {
		if err := host.ConfigureNetLabel(l); err != nil && !strings.Contains(err.Error(), "already exists") {
			require.NoError(t, err)
		}
	}
	before := netlabelState(t)
	for _, c := range []struct {
		name string
		test func(*testing.T)
	}{
		{"TagSlots", TestLinuxKernelTagSlots},
		{"SetSockOptions", TestLinuxKernelSetSockOptions},
		{"Receive", TestLinuxKernelReceive},
	} {
		skipped := true
		t.Run(c.name, func(t *testing.T) {
			defer func() { skipped = t.Skipped() }()
			c.test(t)
		})
		assert.False(t, skipped, "%s runs on a host with DOIs of its own", c.name)
		assert.Equal(t, before, netlabelState(t), "%s: NetLabel as the host had it", c.name)
	}
}
