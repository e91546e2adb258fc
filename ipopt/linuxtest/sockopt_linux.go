package linuxtest

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// SetSockOptions calls setsockopt(IP_OPTIONS) with opts on a UDP socket in
// the namespace, as root (with CAP_NET_RAW), and returns the kernel's
// errno (a unix.Errno, usually EINVAL) or nil. This is the check
// ip_options_get makes (ip_options_compile without an skb) before a
// socket may send the options. The kernel pads opts to a multiple of 4
// with EOL octets itself; more than 40 octets is EINVAL.
func (ns *Namespace) SetSockOptions(opts []byte) error {
	return ns.setSockOptions(opts, true)
}

// SetSockOptionsUnprivileged is SetSockOptions from a thread without
// CAP_NET_RAW in its effective set, the case in which ip_options_compile
// refuses CIPSO, unknown options and some timestamp flags.
func (ns *Namespace) SetSockOptionsUnprivileged(opts []byte) error {
	return ns.setSockOptions(opts, false)
}

func (ns *Namespace) setSockOptions(opts []byte, netRaw bool) error {
	var result error
	err := ns.do(func() (err error) {
		// Clear what an earlier call set, then set opts.
		if err := unix.SetsockoptString(ns.sockopt, unix.IPPROTO_IP, unix.IP_OPTIONS, ""); err != nil {
			return fmt.Errorf("linuxtest: clearing IP_OPTIONS: %w", err)
		}
		if !netRaw {
			restore, derr := dropNetRaw()
			if derr != nil {
				return derr
			}
			defer func() {
				if rerr := restore(); rerr != nil && err == nil {
					err = rerr
				}
			}()
		}
		result = unix.SetsockoptString(ns.sockopt, unix.IPPROTO_IP, unix.IP_OPTIONS, string(opts))
		return nil
	})
	if err != nil {
		return err
	}
	var errno unix.Errno
	if result != nil && !errors.As(result, &errno) {
		return fmt.Errorf("linuxtest: setsockopt: %w", result)
	}
	return result
}

// dropNetRaw clears CAP_NET_RAW from the effective capabilities of the
// calling thread (capabilities are per thread) and returns a function that
// puts it back from the permitted set.
func dropNetRaw() (restore func() error, err error) {
	hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
	var data [2]unix.CapUserData
	if err := unix.Capget(&hdr, &data[0]); err != nil {
		return nil, fmt.Errorf("linuxtest: capget: %w", err)
	}
	saved := data
	data[unix.CAP_NET_RAW/32].Effective &^= 1 << (unix.CAP_NET_RAW % 32)
	if err := unix.Capset(&hdr, &data[0]); err != nil {
		return nil, fmt.Errorf("linuxtest: capset: %w", err)
	}
	return func() error {
		hdr := unix.CapUserHeader{Version: unix.LINUX_CAPABILITY_VERSION_3}
		if err := unix.Capset(&hdr, &saved[0]); err != nil {
			return fmt.Errorf("linuxtest: restoring CAP_NET_RAW: %w", err)
		}
		return nil
	}, nil
}
