package main

import (
	"fmt"
	"slices"
	"strings"
)

// restartOnly reports what differs between the running configuration old
// and a reloaded one c that a reload cannot apply: the queues and their
// length, the overload mode, the interfaces, the MTU of the MSS clamp
// (the rules --setup installed and the daemon armed), the user (the
// privileges are gone), and whether ICMP is on (the socket is opened
// before the drop). On the eBPF datapath (ebpf) the DOI and the
// neutralise mode too (the receive profile is loaded with the programs).
// Everything else (node, serial, label, dest-sid, peer, allow, reject,
// default, foreign-cipso, neutralise on NFQUEUE, icmp-rate, log-rate)
// takes effect at once.
func restartOnly(old, c *Config, ebpf bool) error {
	var diff []string
	add := func(changed bool, what string) {
		if changed {
			diff = append(diff, what)
		}
	}
	add(old.QueueOut != c.QueueOut || old.QueueIn != c.QueueIn, "queue")
	add(old.QueueLen != c.QueueLen, "queue-len")
	add(old.FailOpen != c.FailOpen, "overload")
	add(!slices.Equal(old.Interfaces, c.Interfaces), "interface")
	add(old.MTU != c.MTU, "mtu")
	add(!sameUser(old.User, c.User), "user")
	add(old.ICMP != c.ICMP, "icmp")
	if ebpf {
		add(old.DOI != c.DOI, "doi")
		add(old.Mode != c.Mode, "neutralise")
	}
	if len(diff) > 0 {
		return fmt.Errorf("%s: %s changed, which takes a restart; still running the configuration loaded before", c.File, strings.Join(diff, ", "))
	}
	return nil
}

func sameUser(a, b *User) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.UID == b.UID && a.GID == b.GID
}
