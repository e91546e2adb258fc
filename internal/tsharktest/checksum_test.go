package tsharktest

import "testing"

// TestChecksumWorkedExample checks the header checksum against the worked
// example of ipopt/RULES.md §7: header 48 00 00 28 00 01 00 00 40 11 [dc ad]
// 0a 00 00 01 0a 00 00 02 with options 86 0a 00 00 00 01 01 04 00 05 00 00
// has checksum 0xDCAD, and 0xDCAB once the level octet is 07.
func TestChecksumWorkedExample(t *testing.T) {
	h := []byte{
		0x48, 0x00, 0x00, 0x28, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0xFF, 0xFF,
		0x0a, 0x00, 0x00, 0x01, 0x0a, 0x00, 0x00, 0x02,
		0x86, 0x0a, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x00, 0x05, 0x00, 0x00,
	}
	if got := Checksum(h); got != 0xDCAD {
		t.Errorf("checksum = %#04x, the worked example says 0xdcad", got)
	}
	h[29] = 0x07
	if got := Checksum(h); got != 0xDCAB {
		t.Errorf("checksum with level 7 = %#04x, the worked example says 0xdcab", got)
	}
}
