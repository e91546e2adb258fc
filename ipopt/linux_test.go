package ipopt_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// Profiles: Linux receive path without NetLabel (the CONFIG_NETLABEL=n
// stub, the checklist's "Ls" of RULES.md §9), and setsockopt(IP_OPTIONS) with and
// without CAP_NET_RAW.
var (
	recv     = ipopt.Linux{}
	sockUser = ipopt.Linux{Socket: true}
	sockRaw  = ipopt.Linux{Socket: true, CapNetRaw: true}
)

// TestLinuxTable checks every rule of the Linux doc comment against the
// pointers of __ip_options_compile (RULES.md §3) and the Ls verdicts of
// the checklist (RULES.md §9). ptr is the ICMP Parameter Problem
// pointer (0 = accepted).
func TestLinuxTable(t *testing.T) {
	tests := []struct {
		name     string
		prof     ipopt.Linux
		opts     string
		ptr      int
		sentinel error
	}{
		// Framing (RULES.md §3, "any other").
		{"empty", recv, "", 0, nil},
		{"NOPs only", recv, "01 01 01 01", 0, nil},
		{"checklist 34: length 1 at the type octet", recv, "86 01 00 00", 20, ipopt.ErrBadLength},
		{"length 0", recv, "07 00 00 00", 20, ipopt.ErrBadLength},
		{"checklist 31: CIPSO past the end, at the type octet", recv, "86 10 00 00 00 01 01 04 00 05 00 00", 20, ipopt.ErrBadLength},
		{"checklist 33: lone type octet at the end (l < 2)", recv, "86 0A 00 00 00 01 01 04 00 05 01 86", 31, ipopt.ErrTruncated},
		{"length-2 option with no content check", recv, "82 02 00 00", 0, nil},

		// EOL: the walk stops; nothing after it is examined.
		{"checklist 35: garbage after EOL", recv, "86 0A 00 00 00 01 01 04 00 05 00 AB", 0, nil},
		{"EOL first hides a bad option", recv, "00 86 01 07", 0, nil},

		// LSRR/SSRR.
		{"LSRR ok", recv, "83 07 04 00 00 00 00 00", 0, nil},
		{"SSRR full (pointer past the end) ok", recv, "89 07 08 00 00 00 00 00", 0, nil},
		{"LSRR length 2: +1", recv, "83 02 00 00", 21, ipopt.ErrBadLength},
		{"LSRR pointer 3: +2", recv, "83 07 03 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"second source route at its type octet", recv, "83 03 04 89 03 04 00 00", 23, ipopt.ErrDuplicate},
		{"length and pointer are checked before the duplicate", recv, "83 03 04 89 02 00 00 00", 24, ipopt.ErrBadLength},
		{"pointer before the duplicate", recv, "83 03 04 89 03 03 00 00", 25, ipopt.ErrBadPointer},
		{"socket LSRR ptr 4 len 7 ok with CAP_NET_RAW", sockRaw, "83 07 04 00 00 00 00 00", 0, nil},
		// Observed on Linux 6.18 (linuxtest TestSetSockOptions): EPERM.
		{"socket LSRR without CAP_NET_RAW refused after the walk", sockUser, "83 07 04 00 00 00 00 00", 20, ipopt.ErrNotPermitted},
		{"socket SSRR behind a NOP without CAP_NET_RAW", sockUser, "01 89 07 04 00 00 00 00", 21, ipopt.ErrNotPermitted},
		{"socket LSRR ptr 8: +1", sockRaw, "83 07 08 00 00 00 00 00", 21, ipopt.ErrBadLength},
		{"socket LSRR len 9, (9-3)%4 != 0: +1", sockRaw, "83 09 04 00 00 00 00 00 00 00 00 00", 21, ipopt.ErrBadLength},
		{"receive LSRR len 9 ok", recv, "83 09 04 00 00 00 00 00 00 00 00 00", 0, nil},
		{"socket LSRR len 3 (< 7): +1", sockRaw, "83 03 04 00", 21, ipopt.ErrBadLength},
		{"socket LSRR len 11 ok", sockRaw, "83 0B 04 00 00 00 00 00 00 00 00 00", 0, nil},

		// RR.
		{"RR ok", recv, "07 07 04 00 00 00 00 00", 0, nil},
		{"RR full ok", recv, "07 07 08 00 00 00 00 00", 0, nil},
		{"RR len 3 ptr 4 (full) ok", recv, "07 03 04 00", 0, nil},
		{"RR len 2: +1", recv, "07 02 00 00", 21, ipopt.ErrBadLength},
		{"RR pointer 3: +2", recv, "07 07 03 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"RR pointer 5, no room for an address: +2", recv, "07 07 05 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"RR pointer 7 of 7: +2", recv, "07 07 07 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"second RR at its type octet", recv, "07 03 04 07 03 04 00 00", 23, ipopt.ErrDuplicate},
		{"RR duplicate is checked before its length", recv, "07 03 04 07 02 00 00 00", 23, ipopt.ErrDuplicate},

		// TS.
		{"TS full ok", recv, "44 04 05 00", 0, nil},
		{"TS room for one stamp ok", recv, "44 08 05 00 00 00 00 00", 0, nil},
		{"TS len 3: +1", recv, "44 03 05 00", 21, ipopt.ErrBadLength},
		{"TS pointer 4: +2", recv, "44 08 04 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"TS pointer 5 of 7: +2", recv, "44 07 05 00 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"TS flag 1 needs 8 octets: +2", recv, "44 08 05 01 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"TS flag 1 with 8 octets ok", recv, "44 0C 05 01 00 00 00 00 00 00 00 00", 0, nil},
		{"TS flag 3 needs 8 octets: +2", recv, "44 08 05 03 00 00 00 00", 22, ipopt.ErrBadPointer},
		{"TS flag 2 on receive ok", recv, "44 08 05 02 00 00 00 00", 0, nil},
		{"TS flag 2 from a socket without CAP_NET_RAW: +3", sockUser, "44 08 05 02 00 00 00 00", 23, ipopt.ErrBadValue},
		{"TS flag 2 from a socket with CAP_NET_RAW ok", sockRaw, "44 08 05 02 00 00 00 00", 0, nil},
		{"TS flag 15 full is not looked at", sockUser, "44 04 05 0F", 0, nil},
		{"TS full, overflow 15: +3", recv, "44 04 05 F0", 23, ipopt.ErrBadValue},
		{"TS full, overflow 15, flag 3 ok", recv, "44 04 05 F3", 0, nil},
		{"TS full, overflow 14 ok", recv, "44 04 05 E1", 0, nil},
		{"second TS at its type octet", recv, "44 04 05 00 44 04 05 00", 24, ipopt.ErrDuplicate},
		{"TS duplicate is checked before its length", recv, "44 04 05 00 44 03 05 00", 24, ipopt.ErrDuplicate},

		// RA.
		{"RA ok", recv, "94 04 00 00", 0, nil},
		{"RA with a value ok", recv, "94 04 00 01", 0, nil},
		{"RA len 3: +1", recv, "94 03 00 00", 21, ipopt.ErrBadLength},
		{"RA len 2: +1", recv, "94 02 00 00", 21, ipopt.ErrBadLength},
		{"two RAs ok", recv, "94 04 00 00 94 04 00 00", 0, nil},
		{"RA from a socket without CAP_NET_RAW ok", sockUser, "94 04 00 00", 0, nil},

		// CIPSO, with the CONFIG_NETLABEL=n stub (checklist column Ls).
		{"checklist 1", recv, "86 0A 00 00 00 01 01 04 00 05 00 00", 0, nil},
		{"checklist 5: alignment octet not checked", recv, "86 0A 00 00 00 01 01 04 FF 05 00 00", 0, nil},
		{"checklist 6: DOI 0", recv, "86 0A 00 00 00 00 01 04 00 05 00 00", 22, ipopt.ErrBadValue},
		{"checklist 7: option length 6", recv, "86 06 00 00 00 01 00 00", 21, ipopt.ErrBadLength},
		{"checklist 8: tag header only", recv, "86 08 00 00 00 01 01 04", 27, ipopt.ErrBadLength},
		{"checklist 9: tag type as the last octet", recv, "86 0B 00 00 00 01 01 04 00 05 01 00", 30, ipopt.ErrTruncated},
		{"checklist 10: tag length 0", recv, "86 0A 00 00 00 01 01 00 00 05 00 00", 27, ipopt.ErrBadLength},
		{"checklist 11: tag length 3, then a lone octet", recv, "86 0A 00 00 00 01 01 03 00 05 00 00", 29, ipopt.ErrTruncated},
		{"checklist 12: tag one octet past the option", recv, "86 0A 00 00 00 01 01 05 00 05 00 00", 27, ipopt.ErrBadLength},
		{"checklist 13: unknown tag 3 accepted by the stub", recv, "86 0A 00 00 00 01 03 04 00 05 00 00", 0, nil},
		{"checklist 14: zero padding inside the option", recv, "86 0C 00 00 00 01 01 04 00 05 00 00", 31, ipopt.ErrBadLength},
		{"checklist 15: tag 0 with a bogus length", recv, "86 08 00 00 00 01 00 05", 27, ipopt.ErrBadLength},
		{"checklist 16: local tag accepted by the stub", recv, "86 0C 00 00 00 01 80 06 00 00 00 2A", 0, nil},
		{"checklist 20: odd enumerated length accepted by the stub", recv, "86 0D 00 00 00 01 02 07 00 05 00 05 01 00 00 00", 0, nil},
		{"checklist 29: second CIPSO at its type octet", recv, "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06", 30, ipopt.ErrDuplicate},
		{"checklist 32: after two NOPs", recv, "01 01 86 0A 00 00 00 09 01 04 00 05", 0, nil},
		{"stub error shifted by the option's offset", recv, "01 01 86 06 00 00 00 01 00 00 00 00", 23, ipopt.ErrBadLength},
		{"CIPSO from a socket without CAP_NET_RAW", sockUser, "86 0A 00 00 00 01 01 04 00 05 00 00", 20, ipopt.ErrNotPermitted},
		{"CIPSO from a socket with CAP_NET_RAW", sockRaw, "86 0A 00 00 00 01 01 04 00 05 00 00", 0, nil},

		// SEC, ESEC, SID and unknown types: no content check on receive,
		// CAP_NET_RAW on a socket.
		{"checklist 37i: two BSOs accepted", recv, "82 03 AB 82 03 3D 00 00", 0, nil},
		{"checklist 37f: BSO length 2 accepted", recv, "82 02 00 00", 0, nil},
		{"checklist 38: ESO length 2 accepted", recv, "85 02 00 00", 0, nil},
		{"SID accepted", recv, "88 04 12 34", 0, nil},
		{"unknown type accepted", recv, "19 08 00 00 00 00 00 00", 0, nil},
		{"BSO from a socket without CAP_NET_RAW", sockUser, "01 82 03 AB", 21, ipopt.ErrNotPermitted},
		{"unknown type from a socket without CAP_NET_RAW", sockUser, "19 02 00 00", 20, ipopt.ErrNotPermitted},
		{"BSO from a socket with CAP_NET_RAW", sockRaw, "82 03 AB 00", 0, nil},
		{"NOP and EOL from a socket without CAP_NET_RAW", sockUser, "01 00 00 00", 0, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)
			snap := string(opts)
			err := tc.prof.Validate(opts)
			assert.Equal(t, snap, string(opts), "Validate never writes")
			if tc.sentinel == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.sentinel)
			var e ipopt.Error
			require.True(t, errors.As(err, &e))
			assert.Equal(t, tc.ptr, e.Pointer(), "pointer")
			assert.Equal(t, tc.ptr-20, e.Offset(), "offset")
			assert.Equal(t, ipopt.Malformed, e.Class())
		})
	}
}

func TestLinuxTooLong(t *testing.T) {
	var l ipopt.Linux
	err := l.Validate(make([]byte, 41))
	requireErr(t, err, ipopt.ErrTooLong, ipopt.Limit, 40)
	require.NoError(t, l.Validate(make([]byte, 40)))
}

func TestLinuxCompiled(t *testing.T) {
	// Offsets recorded as struct ip_options records them (relative to the
	// options field here).
	opts := testutil.Unhex(t, "94 04 00 00 07 07 04 00 00 00 00 89 07 04 00 00 00 00 44 04 05 00 86 0A 00 00 00 01 01 04 00 05 00 AB")
	c, err := recv.Compile(opts)
	require.NoError(t, err)
	assert.Equal(t, ipopt.Compiled{RouterAlert: 0, RR: 4, SRR: 11, StrictRoute: true, TS: 18, CIPSO: 22, EOL: 32}, c)

	c, err = recv.Compile(testutil.Unhex(t, "94 04 00 01 83 03 04 00"))
	require.NoError(t, err)
	assert.Equal(t, ipopt.Compiled{RR: -1, TS: -1, SRR: 4, CIPSO: -1, RouterAlert: -1, EOL: 7}, c,
		"RA with a value is not recorded; LSRR is not strict")

	// Linux records the CIPSO offset before validating it, so a failed
	// compile still says where the bad option is (it is echoed in ICMP).
	c, err = recv.Compile(testutil.Unhex(t, "01 01 86 06 00 00 00 01 00 00 00 00"))
	require.Error(t, err)
	assert.Equal(t, 2, c.CIPSO)

	require.NoError(t, ipopt.Linux{}.Validate(testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 00")), "the zero value is the receive path")
}

// recorder is an OptionChecker that records its calls.
type recorder struct {
	calls  []ipopt.Option
	socket []bool
	err    error
}

func (r *recorder) CheckOption(o ipopt.Option, socket bool) error {
	r.calls = append(r.calls, o)
	r.socket = append(r.socket, socket)
	return r.err
}

func TestLinuxChecker(t *testing.T) {
	opts := testutil.Unhex(t, "01 01 86 06 00 00 00 01 00 00 00 00") // the stub would refuse it
	r := &recorder{}
	l := ipopt.Linux{CIPSO: r}
	require.NoError(t, l.Validate(opts))
	require.Len(t, r.calls, 1)
	assert.Equal(t, 2, r.calls[0].Offset)
	assert.Equal(t, opts[2:8], r.calls[0].Bytes)
	assert.False(t, r.socket[0])

	// Its error is returned as it is; the duplicate check comes first.
	kind := ipopt.NewErrorKind(ipopt.ErrBadValue, "doi", ipopt.Malformed)
	r = &recorder{err: kind.At(4)}
	l = ipopt.Linux{CIPSO: r, Socket: true, CapNetRaw: true}
	err := l.Validate(opts)
	assert.Equal(t, error(kind.At(4)), err)
	assert.Equal(t, []bool{true}, r.socket)

	r = &recorder{}
	l = ipopt.Linux{CIPSO: r}
	err = l.Validate(testutil.Unhex(t, "86 02 86 02"))
	requireErr(t, err, ipopt.ErrDuplicate, ipopt.Malformed, 2)
	assert.Len(t, r.calls, 1, "not called for the duplicate")

	r = &recorder{}
	l = ipopt.Linux{CIPSO: r, Socket: true}
	requireErr(t, l.Validate(testutil.Unhex(t, "86 02 00 00")), ipopt.ErrNotPermitted, ipopt.Malformed, 0)
	assert.Empty(t, r.calls, "not called without CAP_NET_RAW")
}

func TestZeroTail(t *testing.T) {
	// Checklist 35: Linux rewrites AB -> 00 and marks the packet changed.
	b := testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 AB")
	assert.True(t, ipopt.ZeroTail(b))
	assert.Equal(t, testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 00 00"), b)
	assert.False(t, ipopt.ZeroTail(b), "nothing left to change")

	b = testutil.Unhex(t, "00 86 0A 01")
	assert.True(t, ipopt.ZeroTail(b))
	assert.Equal(t, []byte{0, 0, 0, 0}, b)

	for _, s := range []string{"01 01 01 01", "94 04 00 01", "", "01 86 10 00 AB"} {
		b = testutil.Unhex(t, s)
		snap := string(b)
		assert.False(t, ipopt.ZeroTail(b), s)
		assert.Equal(t, snap, string(b), "no EOL, nothing changes: %s", s)
	}
}

// TestLinuxSilent checks Compiled.Silent: Linux finds the error (same
// pointer) but __ip_options_echo cannot echo an RR or TS that the walk
// advanced before it, so no Parameter Problem is sent. The kernel's
// verdict on each of these fields, and on many more, is checked by
// ipopt/linuxtest's TestEchoKernel and TestDifferentialEcho.
func TestLinuxSilent(t *testing.T) {
	tests := []struct {
		name   string
		prof   ipopt.Linux
		opts   string
		ptr    int
		silent bool
	}{
		{"RR 10 at 4: pointer 8 once advanced, no room", recv, "07 0A 04 00 00 00 00 00 00 00 07 01", 30, true},
		{"RR 11 at 4: room for the echo", recv, "07 0B 04 00 00 00 00 00 00 00 00 07 01 00 00 00", 31, false},
		{"RR 7 at 4: full once advanced", recv, "07 07 04 00 00 00 00 07 01 00 00 00", 27, false},
		{"RR full", recv, "07 07 08 7F 00 00 01 07 01 00 00 00", 27, false},
		{"RR is the error itself", recv, "07 07 05 00 00 00 00 00", 22, false},
		{"error before the RR", recv, "01 07 01 07 0A 04 00 00 00 00 00 00 00 00 00 00", 21, false},
		{"RR, then a second RR", recv, "07 0A 04 00 00 00 00 00 00 00 07 03 04 00 00 00", 30, true},
		{"TS flag 0, 10 at 5", recv, "44 0A 05 00 00 00 00 00 00 00 07 01", 30, true},
		{"TS flag 0, 12 at 5", recv, "44 0C 05 00 00 00 00 00 00 00 00 00 07 01 00 00", 32, false},
		{"TS flag 1, 13 at 5: no room for the address", recv, "44 0D 05 01 00 00 00 00 00 00 00 00 00 07 01 00", 33, true},
		{"TS flag 1, 16 at 5: no room for the time", recv, "44 10 05 01 00 00 00 00 00 00 00 00 00 00 00 00 07 01 00 00", 36, true},
		{"TS flag 1, 12 at 5: full once advanced", recv, "44 0C 05 01 00 00 00 00 00 00 00 00 07 01 00 00", 32, false},
		{"TS flag 3, 127.0.0.1 stamped", recv, "44 0D 05 03 7F 00 00 01 00 00 00 00 00 07 01 00", 33, true},
		{"TS flag 3, 0.0.0.0 stamped", recv, "44 0D 05 03 00 00 00 00 00 00 00 00 00 07 01 00", 33, true},
		{"TS flag 3, 224.0.0.1 stamped", recv, "44 0D 05 03 E0 00 00 01 00 00 00 00 00 07 01 00", 33, true},
		{"TS flag 3, 255.255.255.255 stamped", recv, "44 0D 05 03 FF FF FF FF 00 00 00 00 00 07 01 00", 33, true},
		{"TS flag 3, 10.0.0.1 not stamped", recv, "44 0D 05 03 0A 00 00 01 00 00 00 00 00 07 01 00", 33, false},
		{"TS flag 3, 0.0.0.1 not stamped", recv, "44 0D 05 03 00 00 00 01 00 00 00 00 00 07 01 00", 33, false},
		{"TS flag 3, 240.0.0.0 not stamped", recv, "44 0D 05 03 F0 00 00 00 00 00 00 00 00 07 01 00", 33, false},
		{"TS flag 2 is not advanced", recv, "44 0A 05 02 00 00 00 00 00 00 07 01", 30, false},
		{"TS full", recv, "44 04 05 E0 07 01 00 00", 24, false},
		{"LSRR never stops the echo", recv, "83 0B 08 00 01 02 03 00 00 00 00 07 01 00 00 00", 31, false},
		{"CIPSO is copied", recv, "07 0B 04 00 00 00 00 00 00 00 00 86 02 00 00 00", 32, false},
		{"RR advanced, then a bad CIPSO", recv, "07 0A 04 00 00 00 00 00 00 00 86 02", 31, true},
		{"socket path: nothing is ever sent", sockRaw, "07 0A 04 00 00 00 00 00 00 00 07 01", 30, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := testutil.Unhex(t, tc.opts)
			c, err := tc.prof.Compile(opts)
			var e ipopt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.ptr, e.Pointer(), "the pointer Linux finds")
			assert.Equal(t, tc.silent, c.Silent)
			assert.Equal(t, err, tc.prof.Validate(opts), "Validate finds the same error")
		})
	}
	c, err := recv.Compile(testutil.Unhex(t, "07 0A 04 00 00 00 00 00 00 00 00 00"))
	require.NoError(t, err)
	assert.False(t, c.Silent, "a valid field is not silent")
	c, err = ipopt.Linux{}.Compile(testutil.Unhex(t, "07 0A 04 00 00 00 00 00 00 00 07 01"))
	require.Error(t, err)
	assert.True(t, c.Silent, "the zero value is the receive path")
}

func TestLinuxNoAllocs(t *testing.T) {
	good := testutil.Unhex(t, "94 04 00 00 07 07 04 00 00 00 00 89 07 04 00 00 00 00 44 04 05 00 86 0A 00 00 00 01 01 04 00 05 00 AB")
	bad := testutil.Unhex(t, "86 0A 00 00 00 01 01 04 00 05 86 0A 00 00 00 01 01 04 00 06")
	silent := testutil.Unhex(t, "07 0A 04 00 00 00 00 00 00 00 07 01 44 0D 05 03 7F 00 00 01 00 00 00 00 00 07 01 00")
	tail := make([]byte, len(good))
	n := testing.AllocsPerRun(1000, func() {
		if recv.Validate(good) != nil || sockUser.Validate(bad) == nil || recv.Validate(bad) == nil {
			panic("unexpected")
		}
		if c, err := recv.Compile(silent); err == nil || !c.Silent {
			panic("unexpected")
		}
		if c, err := recv.Compile(good); err != nil || c.Silent {
			panic("unexpected")
		}
		copy(tail, good)
		ipopt.ZeroTail(tail)
	})
	assert.Zero(t, n)
}
