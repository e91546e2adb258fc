package ipopt_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/iplabel/iplabel/ipopt"
)

func TestParseError(t *testing.T) {
	for _, tc := range []struct {
		e    ipopt.ParseError
		text string
	}{
		{ipopt.ParseError{Line: 3, Column: 7, Err: errTest, Msg: "no"}, "line 3, column 7: test: sentinel: no"},
		{ipopt.ParseError{Line: 1, Column: 1, Err: errTest}, "line 1, column 1: test: sentinel"},
		{ipopt.ParseError{Err: errTest, Msg: "DOI 0 is reserved"}, "test: sentinel: DOI 0 is reserved"},
		{ipopt.ParseError{}, ""},
	} {
		assert.Equal(t, tc.text, tc.e.Error())
		if tc.e.Err != nil {
			assert.ErrorIs(t, &tc.e, errTest)
		}
	}
}
