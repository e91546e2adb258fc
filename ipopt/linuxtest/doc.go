// Package linuxtest asks the running Linux kernel what it does with an IPv4
// options field, so that tests can compare this module's validators with
// the reference they imitate, the way net/http/httptest gives tests a real
// server.
//
// [New] makes a private network namespace with only a loopback device up
// (127.0.0.1). [Namespace.Verdict] injects one IPv4/UDP datagram carrying
// the options on that loopback device through an AF_PACKET socket and
// reports what the kernel did with it: delivered it to the UDP socket
// waiting on 127.0.0.1, answered with ICMP Parameter Problem (with the
// pointer), or dropped it silently. [Namespace.VerdictMany] does the same
// for thousands of fields at once. [Namespace.SetSockOptions] asks
// setsockopt(IP_OPTIONS) instead, the kernel's check for options a local
// socket sends.
//
// CIPSO validation depends on the NetLabel configuration, which is global
// to the kernel, not per namespace: [Namespace.ConfigureNetLabel] runs
// netlabelctl lines, refuses to touch DOIs that already exist, and removes
// what it added when the namespace is closed (or, if the process died
// before that, when the next user of this package starts). The same holds
// for the global cipso_rbm_strictvalid sysctl ([Namespace.SetCIPSOStrictValid]).
// Processes that use this package take a file lock while they hold global
// state, so parallel test binaries do not step on each other.
//
// Everything needs root (CAP_SYS_ADMIN and CAP_NET_ADMIN), and NetLabel
// configuration needs netlabelctl (Debian package netlabel-tools). Tests
// call [Available] and skip when it fails, or use [ForTest], which does
// that and closes the namespace at the end of the test. No packet leaves
// the private namespace and the host's own network configuration is never
// read or changed.
//
// Kernel behaviour this package relies on, established on Linux 6.18
// (each is checked by a test in this package):
//
//   - A thread that calls unshare(CLONE_NEWNET) gets a namespace of its own;
//     /proc/sys/net opened by that thread shows and changes that namespace's
//     values, not the host's.
//   - Frames injected on lo reach ip_rcv with the ingress device lo (so the
//     NetLabel local tag 128 counts as arriving on loopback), but a source
//     or destination of 127.0.0.1 is a martian unless route_localnet and
//     accept_local are 1 (set here for "all" and "lo").
//   - ICMP errors are rate-limited per namespace unless icmp_ratelimit and
//     icmp_ratemask are 0 (set here).
//   - In a new namespace conf/all/accept_source_route is 0 (conf/lo is 1),
//     so a source-routed datagram passes the option check and is then
//     dropped without an ICMP answer.
//   - The Parameter Problem the kernel sends about a bad CIPSO option
//     echoes that option in its own header and is dropped when it is
//     received in turn; it is read here from a packet tap (an AF_PACKET
//     socket that sees outgoing frames), not from an ICMP socket.
//   - The cipso_* sysctls exist only in the initial network namespace (they
//     are global), and the NetLabel generic-netlink family answers only
//     there: netlabelctl fails inside a new namespace.
//   - On receive only the DOI registry matters (cipso_v4_validate looks the
//     DOI up among registered DOIs); no domain mapping ("map add") is
//     needed, and without a Linux security module the maps are never used.
package linuxtest
