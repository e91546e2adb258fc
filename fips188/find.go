package fips188

import "github.com/iplabel/iplabel/ipopt"

var (
	errOptsDup     = ipopt.NewErrorKind(ipopt.ErrDuplicate, "option type", ipopt.Malformed)
	errOptsMissing = ipopt.NewErrorKind(ErrMissing, "option type", ipopt.Missing, ipopt.KindOptions{FixedPointer: true, Pointer: int(ipopt.CIPSO)})
)

// FindCIPSO walks an options field (at most 40 octets) and returns its
// only CIPSO option; found is false, with a nil error, when there is none.
// It fails with the walk's framing error (ipopt.Iter's rules) or with
// ipopt.ErrDuplicate at a second CIPSO option (CIPSO draft §3: at most
// once; Linux refuses it at the type octet). The walk stops at an EOL, as
// Linux's does, so a CIPSO option after one is not seen.
func FindCIPSO(opts []byte) (o ipopt.Option, found bool, err error) {
	if len(opts) > ipopt.MaxOptionsLen {
		return ipopt.Option{}, false, ipopt.KindTooLong.At(ipopt.MaxOptionsLen)
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
			return ipopt.Option{}, false, errOptsDup.At(it.Start())
		}
		at = it.Start()
	}
	if err := it.Err(); err != nil {
		return ipopt.Option{}, false, err
	}
	if at < 0 {
		return ipopt.Option{}, false, nil
	}
	n := int(opts[at+1])
	return ipopt.Option{Offset: at, Type: ipopt.CIPSO, Bytes: opts[at : at+n : at+n]}, true, nil
}

// findRequired is FindCIPSO for the functions that need a label: no CIPSO
// option is ErrMissing (class Missing) with pointer 134, the value CIPSO
// draft §5.1.2 puts in ICMP Parameter Problem code 1.
func findRequired(opts []byte) (ipopt.Option, error) {
	o, found, err := FindCIPSO(opts)
	if err == nil && !found {
		err = errOptsMissing.At(0)
	}
	return o, err
}
