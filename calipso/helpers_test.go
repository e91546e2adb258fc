package calipso_test

import (
	"testing"

	"github.com/iplabel/iplabel/cipso"
)

func label(t testing.TB, s string) *cipso.Label {
	t.Helper()
	l, err := cipso.ParseLabel(s)
	if err != nil {
		t.Fatal(err)
	}
	return &l
}
