package main

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// ebpfTestDOIs is the registry of the differential tests: a pass DOI with
// all three tags, a pass DOI with tag 1 only, a translated DOI (so that
// cipso_rbm_strictvalid matters) and a local one (tag 128, loopback).
const ebpfTestDOIs = `cipsov4 add pass doi:3 tags:1,2,5
cipsov4 add pass doi:16 tags:1
cipsov4 add trans doi:5 tags:1 levels:0=0,1=1,7=9 categories:0=0,1=5,3=17,9=100
cipsov4 add local doi:7
`

func ebpfTestRegistry(t testing.TB) *cipso.Registry {
	reg, err := cipso.ParseConfig(strings.NewReader(ebpfTestDOIs))
	if err != nil {
		t.Fatal(err)
	}
	return reg
}

// ebpfTestProfiles are the DSM receiver profiles the program is checked
// with: DSM's own (bpf-verdict's) and dsmd's receive profile (strict,
// source SID and node ID required).
var ebpfTestProfiles = map[string]dsm.Profile{
	"dsm-receiver": dsm.Receiver,
	"dsmd":         (&Config{}).receiveProfile(),
	"lenient":      dsm.Lenient,
}

var ebpfLoadOnce struct {
	sync.Mutex
	skip string
}

// loadEBPFForTest loads the ingress program, or skips the test with one
// line saying what is missing (root, or BPF in the kernel). A program the
// verifier refuses fails the test.
func loadEBPFForTest(t testing.TB, c EBPFIngressConfig) *EBPFIngress {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("skipped: loading the eBPF program needs root (CAP_BPF and CAP_NET_ADMIN)")
	}
	ebpfLoadOnce.Lock()
	defer ebpfLoadOnce.Unlock()
	if ebpfLoadOnce.skip != "" {
		t.Skip(ebpfLoadOnce.skip)
	}
	_ = rlimit.RemoveMemlock()
	e, err := LoadEBPFIngress(c)
	if err != nil {
		if errors.Is(err, ebpf.ErrNotSupported) || errors.Is(err, os.ErrPermission) {
			ebpfLoadOnce.skip = "skipped: the kernel cannot load the eBPF program: " + firstLine(err.Error())
			t.Skip(ebpfLoadOnce.skip)
		}
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// ebpfModel is what the ingress program must decide about opts, from the
// Go side: a DSM label (the only CIPSO option, of the profile's DOI) is
// checked with the dsm profile (dsm.Profile.DecodeOptions) and, once
// accepted, overwritten with NOPs; then the field is checked with
// ipopt.Linux and cipso.Linux as on loopback, its pointer dropped when
// Linux sends none (ipopt.Compiled.Silent). It returns the verdict and the
// field as the program must leave it.
func ebpfModel(opts []byte, reg *cipso.Registry, rbm bool, p dsm.Profile) (ok bool, pointer int, reason EBPFReason, out []byte) {
	out = append([]byte(nil), opts...)
	doi := p.DOI
	if doi == 0 {
		doi = dsm.DefaultDOI
	}
	reason = EBPFValid
	if len(opts) == 0 {
		return true, -1, EBPFPass, out
	}
	if o, found, err := fips188.FindCIPSO(opts); err == nil && found && len(o.Bytes) >= 6 && cipso.DOI(binary.BigEndian.Uint32(o.Bytes[2:6])) == doi {
		var n dsm.Label
		if _, err := p.DecodeOptions(opts, &n); err != nil {
			return false, ebpfErrPointer(err), EBPFDSM, out
		}
		for i := range o.Bytes {
			out[o.Offset+i] = byte(ipopt.NOP)
		}
		reason = EBPFLabeled
	}
	lx := cipso.Linux{Registry: reg, RBMStrictValid: rbm, Loopback: true}
	w := ipopt.Linux{CIPSO: lx}
	c, err := w.Compile(out)
	if err != nil {
		if c.Silent {
			return false, -1, EBPFLinux, out
		}
		return false, ebpfErrPointer(err), EBPFLinux, out
	}
	return true, -1, reason, out
}

// checkEBPFField runs opts through the program and compares with the
// model; it returns a description of the difference, or "".
func checkEBPFField(e *EBPFIngress, opts []byte, reg *cipso.Registry, rbm bool, p dsm.Profile) string {
	v, err := e.RunOptions(opts)
	if err != nil {
		return err.Error()
	}
	ok, ptr, reason, out := ebpfModel(opts, reg, rbm, p)
	if v.OK != ok || v.Pointer != ptr || v.Reason != reason || v.Drop == ok {
		return fmt.Sprintf("% x: bpf ok=%v pointer=%d %v drop=%v (offset %d), Go ok=%v pointer=%d %v",
			opts, v.OK, v.Pointer, v.Reason, v.Drop, v.Offset, ok, ptr, reason)
	}
	if ok && !bytes.Equal(v.Options, out) {
		return fmt.Sprintf("% x: bpf left % x, Go % x", opts, v.Options, out)
	}
	return ""
}

// ebpfFixed are hand-picked fields: the worked example of
// fips188/dsm/RULES.md §4, labels of each failure of §5, and CIPSO fields
// of each check of cipso_v4_validate.
var ebpfFixed = []string{
	"",
	"01010101",
	"86141000100007 0e 0306 12341234 0606 00000001",
	"86141000100007 0e 0306 12341234 0606 00000001 07070400 00000000 00",
	"07070400 00000000 86141000100007 0e 0306 12341234 0606 00000001",
	"86141000100008 0e 0306 12341234 0606 00000001",
	"86141000100007 0d 0306 12341234 0606 00000001",
	"86141000100007 0e 0206 12341234 0606 00000001",
	"86141000100007 0e 0305 12341234 0606 00000001",
	"860a1000100007 04 0306 0000",
	"86081000100007 02",
	"86141000100007 0e 0606 00000001 0306 12341234",
	"86141000100007 0e 0306 12341234 0306 00000001",
	"860c0000000301060005904000000000",
	"86100000000302 0a 0002 0001 012c fffe",
	"86100000000305 0a 0001 0014 000a 0003",
	"860c0000000501060001c00000000000",
	"860c0000000501060007504000000000",
	"860c0000000501060003800000000000",
	"860c00000007800600000001",
	"860c0000000981060000000100000000",
	"44 0c 05 01 00000000 00000000",
	"44 08 09 f0 00000000",
	"07 07 08 00000000 00",
	"83 03 03 00",
	"94 03 00 00",
}

// TestEBPFFixed compares the program with the Go validators on the
// hand-picked fields, for each profile and cipso_rbm_strictvalid setting.
func TestEBPFFixed(t *testing.T) {
	reg := ebpfTestRegistry(t)
	for name, p := range ebpfTestProfiles {
		for _, rbm := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/rbm=%v", name, rbm), func(t *testing.T) {
				e := loadEBPFForTest(t, EBPFIngressConfig{Registry: reg, RBMStrictValid: rbm, DSM: p})
				for _, h := range ebpfFixed {
					if d := checkEBPFField(e, mustHex(t, h), reg, rbm, p); d != "" {
						t.Error(d)
					}
				}
			})
		}
	}
}

// TestEBPFChecksum checks the neutralised packet: NOPs where the label
// was, the checksum right after the incremental update, and a wrong
// checksum still wrong by the same amount (RFC 1624).
func TestEBPFChecksum(t *testing.T) {
	e := loadEBPFForTest(t, EBPFIngressConfig{RBMStrictValid: true, DSM: dsm.Receiver})
	opts := mustHex(t, "86141000100007 0e 0306 12341234 0606 00000001")
	for _, delta := range []uint16{0, 0x1234} {
		pkt := ebpfPacket(opts)
		ip := pkt[14:]
		binary.BigEndian.PutUint16(ip[10:], binary.BigEndian.Uint16(ip[10:])+delta)
		out := make([]byte, len(pkt)+256)
		ctxOut := make([]byte, ebpfCtxLen)
		ret, err := e.Program().Run(&ebpf.RunOptions{Data: pkt, DataOut: out, Context: make([]byte, ebpfCtxLen), ContextOut: ctxOut})
		if err != nil {
			t.Fatal(err)
		}
		if ret != 0 {
			t.Fatalf("delta %#x: returned %d, want TC_ACT_OK", delta, ret)
		}
		oip := out[14 : 14+40]
		if !bytes.Equal(oip[20:40], bytes.Repeat([]byte{1}, 20)) {
			t.Errorf("options after: % x", oip[20:40])
		}
		good := make([]byte, 40)
		copy(good, oip)
		binary.BigEndian.PutUint16(good[10:], 0)
		want := ^ebpfSum(good) + delta
		if got := binary.BigEndian.Uint16(oip[10:]); got != want {
			t.Errorf("delta %#x: checksum %#04x, want %#04x", delta, got, want)
		}
	}
}

func TestEBPFCounters(t *testing.T) {
	e := loadEBPFForTest(t, EBPFIngressConfig{RBMStrictValid: true, DSM: dsm.Receiver})
	for _, h := range []string{"86141000100007 0e 0306 12341234 0606 00000001", "01010101", "86141000100007 0e 0206 12341234 0606 00000001", "07020000"} {
		if _, err := e.RunOptions(mustHex(t, h)); err != nil {
			t.Fatal(err)
		}
	}
	c, err := e.Counters()
	if err != nil {
		t.Fatal(err)
	}
	if c[EBPFLabeled] != 1 || c[EBPFValid] != 1 || c[EBPFDSM] != 1 || c[EBPFLinux] != 1 {
		t.Errorf("counters %v", c)
	}
}

func mustHex(t testing.TB, h string) []byte {
	t.Helper()
	b, err := ebpfParseHex(h)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// ebpfErrPointer is the ICMP pointer of an ipopt error (the one place
// the tests depend on how ipopt exports its error type).
func ebpfErrPointer(err error) int {
	var e ipopt.Error
	if !errors.As(err, &e) {
		panic(fmt.Sprintf("not an ipopt error: %v", err))
	}
	return e.Pointer()
}
