package tsharktest_test

import (
	"encoding/hex"
	"errors"
	"math/bits"
	"math/rand"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/calipso"
	"github.com/iplabel/iplabel/ipopt/ipv6"
	"github.com/iplabel/iplabel/ipopt/tsharktest"
)

// crcX25 is the CRC of RFC 5570 §5 with the parameters of Linux's
// calipso_genopt (net/ipv6/calipso.c, crc_ccitt): the reflected
// polynomial x^16+x^12+x^5+1 (0x8408), from 0xffff, complemented; that is
// CRC-16/X-25. It is the plain bitwise CRC, independent of package
// calipso's table.
func crcX25(b []byte) uint16 {
	crc := uint16(0xffff)
	for _, c := range b {
		crc ^= uint16(c)
		for range 8 {
			if crc&1 != 0 {
				crc = crc>>1 ^ 0x8408
			} else {
				crc >>= 1
			}
		}
	}
	return ^crc
}

// referenceChecksum is the CALIPSO checksum of opt (RFC 5570 §5: the CRC
// of the entire option with the checksum field set to zero), in the two
// octets of the field, low octet first as calipso_genopt stores it.
func referenceChecksum(opt []byte) (lo, hi byte) {
	z := append([]byte{}, opt...)
	z[8], z[9] = 0, 0
	c := crcX25(z)
	return byte(c), byte(c >> 8)
}

// crcX25 has the published check value of CRC-16/X-25 over "123456789".
func TestReferenceChecksum(t *testing.T) {
	assert.Equal(t, uint16(0x906e), crcX25([]byte("123456789")))
}

// genCALIPSOHopByHop is a Hop-by-Hop header with one CALIPSO option of
// random DOI, level and bitmap (0 to 61 words, sparse or dense),
// sometimes after a PadN or a Router Alert, at the alignment Linux writes
// it (calipso_genopt) or not, with its checksum right or with one octet
// of the option changed after it was computed.
func genCALIPSOHopByHop(r *rand.Rand) (hdr []byte, at int, corrupted bool) {
	b := []byte{0, 0}
	switch r.Intn(4) {
	case 1:
		b = ipv6.AppendPad(b, 2+r.Intn(6))
	case 2:
		b = append(b, ipv6.RouterAlert, 2, 0, 0)
	case 3:
		b = append(b, ipv6.RouterAlert, 2, 0, 0)
		b = ipv6.AppendPad(b, r.Intn(4))
	}
	at = len(b)
	words := []int{0, 1, 2, r.Intn(8), r.Intn(calipso.MaxCmptLen + 1)}[r.Intn(5)]
	o := make([]byte, calipso.HeaderLen+4*words)
	o[0], o[1] = calipso.Type, byte(len(o)-2)
	doi := []uint32{1, 16, 0x7fffffff, 0xffffffff, r.Uint32()}[r.Intn(5)]
	o[2], o[3], o[4], o[5] = byte(doi>>24), byte(doi>>16), byte(doi>>8), byte(doi)
	o[6], o[7] = byte(words), byte(r.Intn(256))
	dense := r.Intn(2) == 0
	for i := calipso.HeaderLen; i < len(o); i++ {
		if dense {
			o[i] = byte(r.Intn(256))
		} else if r.Intn(8) == 0 {
			o[i] = 1 << r.Intn(8)
		}
	}
	o[8], o[9] = referenceChecksum(o)
	if corrupted = r.Intn(3) == 0; corrupted {
		switch i := r.Intn(len(o)); {
		case i == 0 || i == 1 || i == 6:
			o[8] ^= 1 << r.Intn(8) // keep the framing
		default:
			o[i] ^= 1 << r.Intn(8)
		}
	}
	b = append(b, o...)
	b = ipv6.AppendPad(b, (8-len(b)%8)%8)
	if len(b)%8 != 0 { // AppendPad writes at most 7
		b = ipv6.AppendPad(b, (8-len(b)%8)%8)
	}
	b[1] = byte(len(b)/8 - 1)
	return b, at, corrupted
}

// bitmapCategories lists the categories a bitmap shown as hex by tshark
// sets, written from RFC 5570 §5 (bit 0 of the first octet is category
// 0, the high-order bit first), independently of package cipso.
func bitmapCategories(t *testing.T, hexBitmap string) string {
	b, err := hex.DecodeString(hexBitmap)
	require.NoError(t, err, "bitmap %q", hexBitmap)
	var s []string
	for i, c := range b {
		for j := range 8 {
			if c&(0x80>>j) != 0 {
				s = append(s, strconv.Itoa(i*8+j))
			}
		}
	}
	return strings.Join(s, ",")
}

// TestTsharkCALIPSODifferential has tshark dissect 1500 generated IPv6
// packets whose Hop-by-Hop header carries a CALIPSO option and compares
// what it shows (DOI, compartment length, sensitivity level, checksum,
// bitmap) with calipso.ParseOption's reading of the same octets and the
// label it decodes. tshark shows the checksum as it stands (a 16-bit
// field read high octet first) and does not check it; the library's
// verdict (Option.ChecksumOK, and calipso.Linux's refusal with
// ErrChecksum for a configured DOI) is checked against referenceChecksum.
func TestTsharkCALIPSODifferential(t *testing.T) {
	tsharktest.Require(t)
	r := rand.New(rand.NewSource(5570))
	const n = 1500
	hdrs := make([][]byte, n)
	ats := make([]int, n)
	pkts := make([][]byte, n)
	for i := range hdrs {
		hdrs[i], ats[i], _ = genCALIPSOHopByHop(r)
		pkts[i] = tsharktest.Packet6(t, hdrs[i], uint32(i), []byte("data"))
	}
	rows := tsharktest.Fields(t, tsharktest.WriteIPv6(t, pkts), []string{
		"ipv6.opt.calipso.doi", "ipv6.opt.calipso.cmpt.length", "ipv6.opt.calipso.sens_level",
		"ipv6.opt.calipso.checksum", "ipv6.opt.calipso.cmpt_bitmap",
	})
	bad, wrong := 0, 0
	for i, row := range rows {
		o, err := calipso.ParseOption(hdrs[i][ats[i]:])
		require.NoError(t, err)
		lo, hi := referenceChecksum(o)
		refOK := o[8] == lo && o[9] == hi
		want := []string{
			strconv.FormatUint(uint64(o.DOI()), 10),
			strconv.Itoa(o.CmptLen()),
			strconv.Itoa(int(o.Level())),
			"0x" + hex.EncodeToString(o[8:10]),
			hex.EncodeToString(o.Bitmap()),
		}
		if o.CmptLen() == 0 {
			want[4] = row[4] // an empty bitmap: checked below
		}
		ok := assert.Equal(t, want, row, "packet %d: %x", i+1, hdrs[i])
		if o.CmptLen() == 0 {
			ok = assert.Contains(t, []string{"", "<MISSING>"}, row[4], "packet %d: empty bitmap", i+1) && ok
		} else {
			// tshark's bitmap read from RFC 5570 is the library's label.
			l, err := o.Label()
			if err == nil {
				ok = assert.Equal(t, bitmapCategories(t, row[4]), catsString(slices.Collect(l.Cats.All())), "packet %d", i+1) && ok
			}
		}
		// tshark's checksum octets, high first, are the library's
		// Checksum, low first (RULES.md §3 of calipso).
		v, _ := strconv.ParseUint(strings.TrimPrefix(row[3], "0x"), 16, 16)
		ok = assert.Equal(t, bits.ReverseBytes16(uint16(v)), o.Checksum(), "packet %d", i+1) && ok
		ok = assert.Equal(t, refOK, o.ChecksumOK(), "packet %d: checksum verdict", i+1) && ok
		reg, _ := calipso.NewRegistry(o.DOI())
		verr := calipso.NewLinux(reg).CheckOption(o)
		if o.DOI() != 0 {
			ok = assert.Equal(t, !refOK, errors.Is(verr, calipso.ErrChecksum), "packet %d: %v", i+1, verr) && ok
		}
		if !refOK {
			wrong++
		}
		if !ok {
			bad++
		}
	}
	t.Logf("%d packets (%d with a wrong checksum): %d differ", n, wrong, bad)
	assert.Greater(t, wrong, n/5)
	assert.Less(t, wrong, n/2)
}

// catsString lists categories as "0,5,40".
func catsString(cats []uint32) string {
	s := make([]string, len(cats))
	for i, c := range cats {
		s[i] = strconv.FormatUint(uint64(c), 10)
	}
	return strings.Join(s, ",")
}
