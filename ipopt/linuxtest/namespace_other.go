//go:build !linux

package linuxtest

import (
	"errors"
	"time"
)

var errNotLinux = errors.New("linuxtest: needs Linux")

// Namespace is a private network namespace; see the Linux build. On other
// systems New always fails.
type Namespace struct {
	Timeout time.Duration
}

func probeNamespace() error { return errNotLinux }

func probeNetLabel() error { return errNotLinux }

// New fails: network namespaces are a Linux feature.
func New() (*Namespace, error) { return nil, errNotLinux }

// Close does nothing.
func (ns *Namespace) Close() error { return nil }

// ConfigureNetLabel fails.
func (ns *Namespace) ConfigureNetLabel(lines ...string) error { return errNotLinux }

// ConfigureDOIs fails.
func (ns *Namespace) ConfigureDOIs(lines ...string) (DOIs, error) { return nil, errNotLinux }

// FreeDOI fails.
func (ns *Namespace) FreeDOI(want uint32) (uint32, error) { return 0, errNotLinux }

// HostDOIs fails.
func (ns *Namespace) HostDOIs() ([]string, error) { return nil, errNotLinux }

// SetCIPSOStrictValid fails.
func (ns *Namespace) SetCIPSOStrictValid(on bool) error { return errNotLinux }

// Sysctl fails.
func (ns *Namespace) Sysctl(name string) (string, error) { return "", errNotLinux }

// SetSysctl fails.
func (ns *Namespace) SetSysctl(name, value string) error { return errNotLinux }

// SetIngress fails.
func (ns *Namespace) SetIngress(in Ingress) error { return errNotLinux }

// Verdict fails.
func (ns *Namespace) Verdict(opts []byte) (Verdict, error) { return Verdict{}, errNotLinux }

// VerdictMany fails.
func (ns *Namespace) VerdictMany(list [][]byte) ([]Verdict, error) { return nil, errNotLinux }

// Datagram returns nil.
func (ns *Namespace) Datagram(opts []byte) []byte { return nil }

// VerdictDatagrams fails.
func (ns *Namespace) VerdictDatagrams(list [][]byte) ([]Verdict, error) { return nil, errNotLinux }

// SetSockOptions fails.
func (ns *Namespace) SetSockOptions(opts []byte) error { return errNotLinux }

// SetSockOptionsUnprivileged fails.
func (ns *Namespace) SetSockOptionsUnprivileged(opts []byte) error { return errNotLinux }

// Do fails without running f.
func (ns *Namespace) Do(f func() error) error { return errNotLinux }
