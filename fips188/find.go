package fips188

import "github.com/iplabel/iplabel/ipopt"

var (
	errOptsDup     = ipopt.NewErrorKind(ipopt.ErrDuplicate, "option type", ipopt.Malformed)
	errOptsMissing = ipopt.NewErrorKind(ErrMissing, "option type", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: int(ipopt.CIPSO)})
)

// FindCIPSO walks an options field (at most 40 octets) and returns its
// only CIPSO option. It fails with the walk's framing error (ipopt.Iter's
// rules), with ipopt.ErrDuplicate at a second CIPSO option (CIPSO draft
// §3: at most once; Linux refuses it at the type octet), or with
// ErrMissing (class Missing) when there is none. For ErrMissing the
// pointer is 134, the value the CIPSO draft §5.1.2 puts in ICMP Parameter
// Problem code 1. The walk stops at an EOL, as Linux's does, so a CIPSO
// option after one is not seen.
func FindCIPSO(opts []byte) (ipopt.Option, error) {
	if len(opts) > ipopt.MaxOptionsLen {
		return ipopt.Option{}, ipopt.KindTooLong.At(ipopt.MaxOptionsLen)
	}
	// Offsets, not an Option value, until the end: copying the struct per
	// option costs more than the walk.
	at := -1
	it := ipopt.NewIter(opts)
	for it.Next() {
		if it.Type() != ipopt.CIPSO {
			continue
		}
		if at >= 0 {
			return ipopt.Option{}, errOptsDup.At(it.Start())
		}
		at = it.Start()
	}
	if err := it.Err(); err != nil {
		return ipopt.Option{}, err
	}
	if at < 0 {
		return ipopt.Option{}, errOptsMissing.At(0)
	}
	n := int(opts[at+1])
	return ipopt.Option{Offset: at, Type: ipopt.CIPSO, Bytes: opts[at : at+n : at+n]}, nil
}
