// Package linuxtest asks the running Linux kernel what it does with an IPv4
// options field, so that tests can compare this module's validators with
// the reference they imitate, the way net/http/httptest gives tests a real
// server.
//
// To start, call [ForTest]: it makes a private network namespace ([New])
// with only a loopback device up (127.0.0.1), closes it at the end of the
// test, and skips the test, with a one-line reason, where this package
// cannot work ([Available]). Everything needs root (CAP_SYS_ADMIN and
// CAP_NET_ADMIN), and NetLabel configuration needs netlabelctl (Debian
// package netlabel-tools). No packet leaves the private namespace, and the
// host's own network configuration is never read or changed.
//
// To ask the kernel about a received header, call [Namespace.Verdict]: it
// injects one IPv4/UDP datagram carrying the options on the loopback device
// through an AF_PACKET socket and reports what the kernel did with it
// ([Verdict]): delivered it to the UDP socket waiting on 127.0.0.1 (with
// the options as the kernel handed them over), answered with ICMP Parameter
// Problem (with the pointer and the options of the reply's own header), or
// dropped it silently. [Namespace.VerdictMany] does the same for thousands
// of fields at once. To choose the other header fields too (addresses,
// fragment offset, protocol, total length), change the datagram
// [Namespace.Datagram] makes for the options and pass it to
// [Namespace.VerdictDatagrams]. After [Namespace.SetIngress] with [Ethernet],
// datagrams arrive on a veth pair inside the namespace instead, a device
// that is not loopback.
//
// To ask the kernel about IPv6 extension headers, call [Namespace.IPv6]:
// [IPv6.VerdictHopByHop] injects IPv6/UDP packets from and to ::1 with a
// Hop-by-Hop header each, [IPv6.VerdictDestOpts] with a Destination
// Options header, and [IPv6.VerdictChain] whole chains ([Chain6]: several
// headers, other addresses, link-layer broadcast or multicast frames,
// jumbograms, ICMPv6 messages instead of UDP), each reporting delivery
// or the ICMPv6 error that came back ([Verdict6]). [Namespace.SNMP6]
// reads the namespace's IPv6 counters, which also count errors sent
// where no socket can see them.
//
// To ask the kernel about options a local socket sends, call
// [Namespace.SetSockOptions] (setsockopt(IP_OPTIONS), the check of
// ip_options_get) or [Namespace.SetSockOptionsUnprivileged] (the same
// without CAP_NET_RAW).
//
// To run code of your own in the namespace, such as a labelled UDP exchange
// on its loopback, call [Namespace.Do]; sockets made there belong to the
// namespace.
//
// To configure NetLabel, which is global to the kernel, not per namespace,
// call [Namespace.ConfigureNetLabel] with netlabelctl lines: it refuses to
// touch DOIs that already exist and removes what it added when the
// namespace is closed (or, if the process died before that, when the next
// user of this package starts). A host that does labelled networking has
// DOIs of its own, so tests should not depend on fixed numbers:
// [Namespace.ConfigureDOIs] takes the numbers of its lines as wishes,
// configures a free number where one is taken (also when another process
// takes it at the same moment) and returns the numbers used ([DOIs]);
// [Namespace.FreeDOI] finds a number that is not configured, and
// [Namespace.HostDOIs] describes the DOIs configured by others, for a
// test's model of the kernel. The same care holds for the global
// cipso_rbm_strictvalid sysctl ([Namespace.SetCIPSOStrictValid]). Processes
// that use this package take a file lock while they hold global state, so
// parallel test binaries do not step on each other.
//
// Kernel behaviour this package relies on or found, checked on Linux 6.18
// (the test named in brackets shows each; the rules behind them are in
// ipopt/RULES.md):
//
//   - A thread that calls unshare(CLONE_NEWNET) gets a namespace of its own;
//     /proc/sys/net opened by that thread shows and changes that namespace's
//     values, not the host's [TestNamespaceIsPrivate].
//   - Another thread joins it with setns(CLONE_NEWNET) on a descriptor of
//     /proc/thread-self/ns/net. A socket belongs to the namespace of the
//     thread that made it, whichever thread uses it later (SO_NETNS_COOKIE
//     shows it) [TestDo]; a child process forked from a thread in the
//     namespace starts in it [TestGlobalCIPSOState].
//   - Frames injected on lo through AF_PACKET reach ip_rcv with lo as the
//     ingress device, but from and to 127.0.0.1 they are martians unless
//     route_localnet and accept_local are 1 (set here for "all" and "lo").
//     ICMP errors are rate-limited unless icmp_ratelimit and icmp_ratemask
//     are 0 (set here). Both settings are per namespace.
//   - An ICMP error about a datagram with a source route is sent along the
//     reversed route, so its first hop is an address from the option; with
//     no route to it the kernel sends nothing. The namespace therefore has
//     a default route on lo [TestDifferentialReceive].
//   - The kernel finds the error but sends no ICMP when an RR or TS option
//     before the error cannot be echoed: the walk has already advanced its
//     pointer and __ip_options_echo refuses one that leaves no room for an
//     entry (a flag-3 TS is advanced only for 0.0.0.0, 255.255.255.255,
//     127/8 and 224/4 here). Such datagrams are Dropped here; ipopt's
//     Compiled.Silent predicts them [TestEchoKernel, TestDifferentialEcho].
//   - Whatever the options, the kernel sends nothing about a fragment
//     other than the first, a datagram to 224.0.0.0/4 or 255.255.255.255
//     (or from 0.0.0.0 to 0.0.0.0), or an ICMP datagram without a type
//     octet or of a type other than 0, 8 and 13 to 18: the walk refuses
//     the options (InHdrErrors rises) and __icmp_send gives up. Routing
//     drops martians before the walk (InHdrErrors stays): a source in
//     224.0.0.0/4, 255.255.255.255 or 0.0.0.0 (to a unicast destination),
//     a destination 0.0.0.0, a multicast group not joined; 0.0.0.1 and
//     240.0.0.0/4 are ordinary, and a unicast destination that is not
//     the namespace's is walked and answered. ipopt's ICMPErrorSuppressed
//     predicts all of them [TestSuppressedKernel, TestSuppressedICMPTypes,
//     TestDifferentialSuppressed].
//   - In a new namespace conf/all/accept_source_route is 0 (conf/lo is 1),
//     so a source-routed datagram passes the option walk and is dropped
//     without ICMP; with 1, one routed through 127.0.0.1 is delivered
//     [TestOptionWalk, TestAcceptSourceRoute].
//   - setsockopt(IP_OPTIONS) without CAP_NET_RAW refuses a well-formed
//     source route with EPERM (a malformed one with EINVAL), besides the
//     CIPSO, unknown-option and TS-flag refusals of ip_options_compile
//     [TestSetSockOptions].
//   - The Parameter Problem about a bad CIPSO option echoes that option in
//     its own header and is dropped when it is received in turn; one about
//     another option reaches an ICMP socket. It is read here from a packet
//     tap (an AF_PACKET socket that sees outgoing frames)
//     [TestCIPSOErrorDroppedOnReceive, TestChecklist case 41].
//   - Such a tap (ETH_P_ALL) gets a clone of every frame lo sends, a cost
//     paid by every socket in the namespace, unless PACKET_IGNORE_OUTGOING
//     is set; the tap sets it between batches [TestTapIdleBetweenBatches].
//   - The cipso_* sysctls exist only in the initial network namespace (they
//     are global), and NetLabel's generic-netlink family answers only there:
//     netlabelctl fails inside a new namespace [TestGlobalCIPSOState].
//   - On receive only the DOI registry matters (cipso_v4_validate looks the
//     DOI up among registered DOIs): no "map add" is needed, and without a
//     Linux security module the maps are never used [TestNoMappingNeeded].
//   - The local tag 128 is accepted for a LOCAL DOI on frames injected on lo,
//     which count as arriving on loopback, and refused at its tag-type octet
//     on an Ethernet (veth) device; setsockopt refuses it
//     [TestLocalTagOnLoopback, TestLocalTagNeedsLoopback].
//   - A new device drops what it is sent until the link watcher has run
//     (up to a second); SetIngress waits for a marker to come through.
//   - With cipso_rbm_strictvalid 0, tag 1 levels and categories unmapped in
//     a trans DOI pass the IP-layer check (and, with no security module,
//     are delivered) [TestStrictValid].
//   - Linux delivers a jumbogram on lo once lo's MTU is raised above 65536
//     (payload length 0, a Jumbo Payload option at 4n+2, UDP length 0),
//     trimming octets beyond the jumbo length [TestIPv6DifferentialJumbo].
//   - A packet to ff02::1 injected on lo is dropped by routing
//     (Ip6InNoRoutes rises: lo has no multicast route), so its Destination
//     Options are never read; its Hop-by-Hop header is read before routing
//     and answered [TestIPv6MulticastDestOptsNotRead,
//     TestIPv6MulticastUnknownOption].
package linuxtest
