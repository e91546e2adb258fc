package lines

import (
	"errors"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/iplabel/iplabel/ipopt"
)

var errLong = errors.New("too long")

func collect(t *testing.T, in string, max int) ([]string, error) {
	t.Helper()
	var got []string
	err := Each(strings.NewReader(in), max, errLong, func(n int, s string) error {
		assert.Equal(t, len(got)+1, n, "line numbers count from 1")
		got = append(got, s)
		return nil
	})
	return got, err
}

func TestEach(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"a", []string{"a"}},
		{"a\n", []string{"a"}},
		{"a\nb", []string{"a", "b"}},
		{"a\r\n\nb\n", []string{"a\r", "", "b"}},
		{strings.Repeat("x", 8) + "\n", []string{strings.Repeat("x", 8)}},
		{strings.Repeat("x", 8) + "\r\n", []string{strings.Repeat("x", 8) + "\r"}},
	}
	for _, tc := range tests {
		got, err := collect(t, tc.in, 8)
		require.NoError(t, err, "%q", tc.in)
		assert.Equal(t, tc.want, got, "%q", tc.in)
	}
}

// TestEachTooLong: a line over max octets is an error at its own line and
// column max+1, whether or not it ends within the buffer.
func TestEachTooLong(t *testing.T) {
	for _, in := range []string{"a\n" + strings.Repeat("x", 9) + "\n", "a\n" + strings.Repeat("x", 100)} {
		got, err := collect(t, in, 8)
		var pe *ipopt.ParseError
		require.ErrorAs(t, err, &pe, "%q", in)
		assert.Equal(t, 2, pe.Line)
		assert.Equal(t, 9, pe.Column)
		assert.ErrorIs(t, err, errLong)
		assert.Equal(t, []string{"a"}, got, "nothing of the long line is passed on")
	}
}

// TestEachErrors: f's error and a read error end the reading, as they are.
func TestEachErrors(t *testing.T) {
	stop := errors.New("stop")
	n := 0
	err := Each(strings.NewReader("a\nb\nc\n"), 8, errLong, func(int, string) error {
		if n++; n == 2 {
			return stop
		}
		return nil
	})
	assert.Same(t, stop, err)
	assert.Equal(t, 2, n)

	broken := errors.New("broken")
	err = Each(iotest.ErrReader(broken), 8, errLong, func(int, string) error { return nil })
	assert.Same(t, broken, err)
}
