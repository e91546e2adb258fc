package linuxtest

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// SNMP6 reads the namespace's IPv6 counters (/proc/net/snmp6: Ip6*,
// Icmp6*, Udp6*), such as Icmp6OutParmProblems, the Parameter Problems
// the kernel sent. They show what a test cannot see otherwise: whether an
// ICMPv6 error was sent to an address no socket of the namespace can read
// it from.
func (ns *Namespace) SNMP6() (map[string]uint64, error) {
	var b []byte
	err := ns.Do(func() error {
		// /proc/net is the thread group leader's namespace; this thread's is
		// under thread-self.
		var err error
		b, err = os.ReadFile("/proc/thread-self/net/snmp6")
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("linuxtest: snmp6: %w", err)
	}
	m := map[string]uint64{}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) != 2 {
			continue
		}
		n, err := strconv.ParseUint(f[1], 10, 64)
		if err != nil {
			return nil, fmt.Errorf("linuxtest: snmp6: %q: %w", line, err)
		}
		m[f[0]] = n
	}
	return m, nil
}
