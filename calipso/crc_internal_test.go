package calipso

import "testing"

// The table-driven CRC equals the bitwise definition and the published
// check values of the reflected CRC-CCITT (CRC-16/MCRF4XX 0x6F91 from
// 0xFFFF, CRC-16/X-25 0x906E complemented, CRC-16/KERMIT 0x2189 from 0).
func TestCRCCCITT(t *testing.T) {
	msg := []byte("123456789")
	if got := crcCCITT(0xffff, msg); got != 0x6f91 {
		t.Errorf("from 0xffff: %#04x", got)
	}
	if got := ^crcCCITT(0xffff, msg); got != 0x906e {
		t.Errorf("complemented: %#04x", got)
	}
	if got := crcCCITT(0, msg); got != 0x2189 {
		t.Errorf("from 0: %#04x", got)
	}
	bitwise := func(crc uint16, b []byte) uint16 {
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
		return crc
	}
	for n := range 300 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(i*7 + n)
		}
		if crcCCITT(0xffff, b) != bitwise(0xffff, b) {
			t.Fatalf("length %d differs", n)
		}
	}
}
