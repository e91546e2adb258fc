package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// keptCaps are the capabilities dsmd keeps once its queues and its ICMP
// socket are open:
//
//   - CAP_NET_ADMIN, always: nfnetlink_rcv_msg checks it (through
//     netlink_net_capable, against both the socket's opener and the
//     sender) for every message sent to nfnetlink, verdicts included;
//   - CAP_NET_RAW, while "icmp on": the raw ICMP socket it was needed for
//     is already open (inet_create checks it only then), but it is what
//     the configuration's ICMP errors depend on, and keeping it costs
//     nothing a process with CAP_NET_ADMIN could not already do.
func keptCaps(c *Config) []int {
	caps := []int{unix.CAP_NET_ADMIN}
	if c.ICMP {
		caps = append(caps, unix.CAP_NET_RAW)
	}
	return caps
}

// DropPrivileges leaves the process with only the capabilities of
// keptCaps, on every thread: it empties the bounding set of all others
// (PR_CAPBSET_DROP) and the ambient set (PR_CAP_AMBIENT_CLEAR_ALL),
// switches to the configured user if there is one (setgroups to none,
// setresgid, setresuid, with PR_SET_KEEPCAPS so that the permitted set
// survives the switch), sets permitted and effective to the kept
// capabilities and inheritable to none (capset), and sets no_new_privs
// (PR_SET_NO_NEW_PRIVS), so that nothing it executes can gain more.
//
// Linux keeps credentials per thread, and a Go program has many threads,
// so every per-thread call goes through syscall.AllThreadsSyscall, and
// the set*id calls through the syscall package, which applies them to all
// threads. AllThreadsSyscall does not work in a program linked with cgo:
// DropPrivileges then returns an error and changes nothing; build dsmd
// with CGO_ENABLED=0. It also changes nothing when CheckPrivileges
// fails.
//
// A failure part way leaves the process with fewer privileges than
// before, never more; the caller is to exit.
func DropPrivileges(c *Config) error { return dropPrivileges(c, keptCaps(c)) }

// dropPrivileges is DropPrivileges keeping the capabilities kept (the
// eBPF datapath keeps none).
func dropPrivileges(c *Config, kept []int) error {
	if err := checkPrivileges(c, kept, nil); err != nil {
		return err
	}
	var keep [2]uint32
	for _, cp := range kept {
		keep[cp/32] |= 1 << (cp % 32)
	}
	allThreads := func(what string, trap, a1, a2, a3 uintptr) error {
		if _, _, e := syscall.AllThreadsSyscall(trap, a1, a2, a3); e != 0 {
			return fmt.Errorf("%s: %w", what, e)
		}
		return nil
	}
	prctl := func(what string, op, arg uintptr) error {
		return allThreads(what, unix.SYS_PRCTL, op, arg, 0)
	}
	for cp := 0; cp <= lastCap(); cp++ {
		if keep[cp/32]&(1<<(cp%32)) != 0 {
			continue
		}
		if err := prctl("PR_CAPBSET_DROP "+strconv.Itoa(cp), unix.PR_CAPBSET_DROP, uintptr(cp)); err != nil {
			if errors.Is(err, unix.EINVAL) { // past the kernel's last capability
				break
			}
			return err
		}
	}
	if err := allThreads("PR_CAP_AMBIENT_CLEAR_ALL", unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0); err != nil {
		return err
	}
	if u := c.User; u != nil {
		if err := prctl("PR_SET_KEEPCAPS", unix.PR_SET_KEEPCAPS, 1); err != nil {
			return err
		}
		if err := syscall.Setgroups(nil); err != nil {
			return fmt.Errorf("setgroups: %w", err)
		}
		if err := syscall.Setresgid(u.GID, u.GID, u.GID); err != nil {
			return fmt.Errorf("setresgid %d: %w", u.GID, err)
		}
		if err := syscall.Setresuid(u.UID, u.UID, u.UID); err != nil {
			return fmt.Errorf("setresuid %d: %w", u.UID, err)
		}
		if err := prctl("PR_SET_KEEPCAPS 0", unix.PR_SET_KEEPCAPS, 0); err != nil {
			return err
		}
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	for i := range data {
		data[i] = unix.CapUserData{Effective: keep[i], Permitted: keep[i]}
	}
	// The pointers are converted in the call itself: AllThreadsSyscall is
	// //go:uintptrescapes, which keeps hdr and data alive and in place.
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_CAPSET,
		uintptr(unsafe.Pointer(&hdr)), uintptr(unsafe.Pointer(&data[0])), 0); e != 0 {
		return fmt.Errorf("capset: %w", e)
	}
	return prctl("PR_SET_NO_NEW_PRIVS", unix.PR_SET_NO_NEW_PRIVS, 1)
}

// CheckPrivileges reports what would make DropPrivileges fail, before
// anything is changed: a program linked with cgo (syscall.AllThreadsSyscall
// answers ENOTSUP there), or an effective capability set that lacks one
// DropPrivileges uses (CAP_SETPCAP for PR_CAPBSET_DROP, CAP_SETUID and
// CAP_SETGID to switch user) or one it is to keep.
func CheckPrivileges(c *Config) error { return checkPrivileges(c, keptCaps(c), nil) }

// checkPrivileges is CheckPrivileges for a drop that keeps kept, with the
// capabilities in also needed (until the drop).
func checkPrivileges(c *Config, kept, also []int) error {
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_GET_NO_NEW_PRIVS, 0, 0); e == unix.ENOTSUP {
		return errors.New("cannot drop privileges: this dsmd is linked with cgo, which rules out changing the credentials of every thread (build it with CGO_ENABLED=0)")
	} else if e != 0 {
		return fmt.Errorf("cannot drop privileges: prctl PR_GET_NO_NEW_PRIVS on every thread: %w", e)
	}
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return fmt.Errorf("cannot drop privileges: capget: %w", err)
	}
	need := append(append([]int{unix.CAP_SETPCAP}, kept...), also...)
	if c.User != nil {
		need = append(need, unix.CAP_SETUID, unix.CAP_SETGID)
	}
	var missing []string
	for _, cp := range need {
		if data[cp/32].Effective&(1<<(cp%32)) == 0 {
			missing = append(missing, capNames[cp])
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("cannot drop privileges: dsmd needs %s in its effective capability set (start it as root)", strings.Join(missing, ", "))
	}
	return nil
}

// capNames are the names of the capabilities CheckPrivileges asks for.
var capNames = map[int]string{
	unix.CAP_NET_ADMIN: "CAP_NET_ADMIN",
	unix.CAP_NET_RAW:   "CAP_NET_RAW",
	unix.CAP_SETPCAP:   "CAP_SETPCAP",
	unix.CAP_SETUID:    "CAP_SETUID",
	unix.CAP_SETGID:    "CAP_SETGID",
	unix.CAP_BPF:       "CAP_BPF",
	unix.CAP_PERFMON:   "CAP_PERFMON",
}

// lastCap is the kernel's highest capability number
// (/proc/sys/kernel/cap_last_cap), or the one x/sys/unix knows.
func lastCap() int {
	b, err := os.ReadFile("/proc/sys/kernel/cap_last_cap")
	if err == nil {
		if n, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil && n >= 0 && n < 64 {
			return n
		}
	}
	return unix.CAP_LAST_CAP
}
