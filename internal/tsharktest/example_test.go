package tsharktest_test

import (
	"fmt"
	"testing"

	"github.com/iplabel/iplabel/internal/tsharktest"
)

// categoriesAgainstTshark is a differential test in miniature: two CIPSO
// options (checklist cases 2 and 3 of ipopt/RULES.md §9), each in a
// datagram of its own, dissected by tshark; the categories tshark shows are
// compared with the ones expected. A real test compares with what the module
// decodes from the same octets. TestExample runs it.
func categoriesAgainstTshark(t *testing.T) {
	tsharktest.Require(t)
	options := [][]byte{
		{0x86, 0x0C, 0, 0, 0, 1, 0x01, 0x06, 0x00, 0x05, 0x80, 0x01},
		{0x86, 0x14, 0, 0, 0, 1, 0x01, 0x0E, 0x00, 0x05, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0},
	}
	want := []string{"0,15", "0"}
	var datagrams [][]byte
	for i, o := range options {
		datagrams = append(datagrams, tsharktest.Datagram(t, o, uint16(i), []byte("data")))
	}
	pcap := tsharktest.WriteIPv4(t, datagrams)
	rows := tsharktest.Fields(t, pcap, []string{"ip.cipso.doi", "ip.cipso.categories"})
	for i, row := range rows {
		if row[0] != "1" || row[1] != want[i] {
			t.Errorf("packet %d: doi %q, categories %q; want 1, %q", i+1, row[0], row[1], want[i])
		}
	}
}

// Every helper takes the test's testing.TB (it skips or fails the test), so
// a differential test is a test function, categoriesAgainstTshark above;
// this example only names it and is not run.
func Example() {
	fmt.Println("differential test:", "categoriesAgainstTshark")
}
