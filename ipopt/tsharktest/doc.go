// Package tsharktest runs tshark (Wireshark's command-line dissector) as a
// differential oracle for tests, the way net/http/httptest gives tests a
// real server and ipopt/linuxtest a real kernel: a test writes raw IPv4
// datagrams to a capture file, has tshark dissect them, and compares the
// fields tshark prints with what this module reads from the same octets.
//
//	func TestAgainstTshark(t *testing.T) {
//		tsharktest.Require(t) // skips when tshark is not installed
//		pcap := tsharktest.WriteIPv4(t, [][]byte{
//			tsharktest.Datagram(t, opts, 0, []byte("data")),
//		})
//		rows := tsharktest.Fields(t, pcap, []string{"frame.number", "ip.cipso.doi"})
//		// rows[i][j] is field j of packet i+1, as tshark prints it.
//	}
//
// To start, call [Require]: it finds tshark on $PATH or skips the test with
// [SkipMessage].
//
// To make the datagrams, call [Datagram], which builds an IPv4 datagram
// around an options field with a correct header checksum, computed by
// [Checksum] independently of the module's own code; then [WriteIPv4]
// writes the datagrams to a pcap file of link type LINKTYPE_IPV4 (228, no
// link-layer header) in the test's temporary directory.
//
// For IPv6, [Packet6] builds a packet around a Hop-by-Hop header and
// [WriteIPv6] writes a pcap file of link type LINKTYPE_IPV6 (229); tshark
// shows a CALIPSO option as ipv6.opt.calipso.doi, .cmpt.length,
// .sens_level, .checksum (the field's two octets read high octet first,
// not checked) and .cmpt_bitmap (hex).
//
// To read what tshark shows, call [Fields]. It runs
//
//	tshark -n -r FILE -T fields -E occurrence=a -E aggregator=; -E separator=/t -E quote=n [extra args] -e FIELD...
//
// and returns one row per packet, one column per field, checking that
// tshark printed exactly that. It runs tshark with -n (no name resolution,
// so no DNS lookups) and with WIRESHARK_CONFIG_DIR pointing at an empty
// directory, so that personal preferences cannot change the defaults.
//
// To read the columns right, know the conventions of tshark 4.0.17
// (Wireshark's epan/dissectors/packet-ip.c; ipopt/RULES.md §8):
//
//   - -E occurrence=a -E aggregator=';' prints every occurrence of a field
//     in packet order, joined by ';': one per CIPSO option for
//     ip.cipso.doi, one per tag (tag-0 pads included) for
//     ip.cipso.tag_type, one per PAF octet for ip.opt.sec_prot_auth_flags.
//   - Booleans print 1 or 0, u8 hex fields like ip.opt.sec_cl print 0xab,
//     expert items like ip.cipso.malformed print 1 per occurrence.
//   - A field that is absent prints nothing. So does a field present with
//     an empty value (a tag 1 whose bitmap is all zero has an empty
//     ip.cipso.categories), unless quoting is on: pass "-E", "quote=d" as
//     an extra argument and every present field is printed in double quotes
//     around the whole aggregated column ("1;0;0", and "" for one empty
//     value), while an absent field stays empty.
//   - An empty bytes field (the data of a tag 7 of length 2) prints
//     <MISSING>.
//   - IPv4 header checksum checking is off by default (ip.checksum.status
//     is 2, "unverified"); pass "-o", "ip.check_checksum:TRUE" to turn it
//     on.
//
// Only tests import this package: _test.go files and the fuzz package,
// which has no other code. The library itself never does.
package tsharktest
