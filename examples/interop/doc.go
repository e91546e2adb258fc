// Package interop holds runnable examples (example_test.go) of the
// module's label codecs used with the Go packet libraries people already
// have:
//
//   - gopacket: the labels of a decoded layers.IPv4 (its options field is
//     Contents[20:], byte for byte, which gopacket's own Options list is
//     not: it drops what follows an EOL and refuses length-2 options), and
//     a packet built by gopacket, labeled with ipopt.Packet and read back;
//   - golang.org/x/net/ipv4: the labels of ipv4.Header.Options, checked as
//     Linux checks them;
//   - golang.org/x/net/icmp: the ICMP answers a receiver sends, Parameter
//     Problem with the pointer for an invalid label, Destination
//     Unreachable code 10 (host) or 9 (net) for a label refused by policy
//     (CIPSO draft §5.1; Linux cipso_v4_error).
//
// The examples live here, under examples/, because the library packages
// (ipopt, cipso, fips188) import none of these libraries. Labeling a socket
// with IP_OPTIONS and reading a peer's options with IP_RECVOPTS is the
// program examples/socketlabel.
package interop
