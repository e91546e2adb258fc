package ipopt_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

// fieldChecker accepts every option and fails the whole field with err,
// counting its Validate calls.
type fieldChecker struct {
	err   error
	calls int
}

func (*fieldChecker) CheckOption(ipopt.Option, bool) error { return nil }

func (f *fieldChecker) Validate([]byte) error {
	f.calls++
	return f.err
}

// A valid field: one router alert.
var raField = []byte{0x94, 0x04, 0, 0}

func TestFieldValidatorExtendedSecurity(t *testing.T) {
	want := ipopt.KindBadLength.At(2)
	esec := &fieldChecker{err: want}
	err := ipopt.Linux{ExtendedSecurity: esec}.Validate(raField)
	assert.Equal(t, want, err, "an ExtendedSecurity FieldValidator is run")
	assert.Equal(t, 1, esec.calls)
	_, err = ipopt.Linux{ExtendedSecurity: esec}.Compile(raField)
	assert.Equal(t, want, err, "Compile too")
}

func TestFieldValidatorSameValueOnce(t *testing.T) {
	f := &fieldChecker{}
	require.NoError(t, ipopt.Linux{Security: f, ExtendedSecurity: f}.Validate(raField))
	assert.Equal(t, 1, f.calls, "the same checker in both fields runs once")
}

func TestFieldValidatorBothFirstWins(t *testing.T) {
	sec := &fieldChecker{err: ipopt.KindBadLength.At(3)}
	esec := &fieldChecker{err: ipopt.KindBadLength.At(1)}
	err := ipopt.Linux{Security: sec, ExtendedSecurity: esec}.Validate(raField)
	assert.Equal(t, esec.err, err, "the lower offset wins")
	assert.Equal(t, 1, sec.calls)
	assert.Equal(t, 1, esec.calls)

	sec.err, esec.err = ipopt.KindBadLength.At(1), ipopt.KindTruncated.At(1)
	err = ipopt.Linux{Security: sec, ExtendedSecurity: esec}.Validate(raField)
	assert.Equal(t, sec.err, err, "at the same offset Security's stays")
}

// TestFieldValidatorNoOffsetLoses: an error at no octet, or one that is no
// ipopt.Error, never beats an error at an octet; one wrapped around an
// ipopt.Error is placed at its offset.
func TestFieldValidatorNoOffsetLoses(t *testing.T) {
	bad := []byte{1, 1, 0x07, 0x20} // two NOPs, then an RR whose length runs past the field
	walkErr := ipopt.Linux{}.Validate(bad)
	e, ok := ipopt.AsError(walkErr)
	require.True(t, ok)
	require.Positive(t, e.Offset())

	plain := errors.New("no offset")
	err := ipopt.Linux{Security: &fieldChecker{err: plain}}.Validate(bad)
	assert.Equal(t, walkErr, err, "a plain error does not beat the walk's")
	err = ipopt.Linux{ExtendedSecurity: &fieldChecker{err: plain}}.Validate(raField)
	assert.Equal(t, plain, err, "but is reported on a field the walk passes")

	wrapped := fmt.Errorf("wrapped: %w", ipopt.KindBadLength.At(0))
	err = ipopt.Linux{Security: &fieldChecker{err: wrapped}}.Validate(bad)
	assert.Equal(t, wrapped, err, "a wrapped Error at a lower offset wins")
	sec := &fieldChecker{err: plain}
	err = ipopt.Linux{Security: sec, ExtendedSecurity: &fieldChecker{err: wrapped}}.Validate(raField)
	assert.Equal(t, wrapped, err, "an Error at an octet beats one at none")
}
