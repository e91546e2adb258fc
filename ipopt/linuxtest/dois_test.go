package linuxtest

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestDOIsRewrite(t *testing.T) {
	d := DOIs{16: 16, 17: 4242, 5: 77}
	for _, c := range []struct{ in, want string }{
		{"cipsov4 add pass doi:16 tags:1,2,5", "cipsov4 add pass doi:16 tags:1,2,5"},
		{"cipsov4 add local doi:17", "cipsov4 add local doi:4242"},
		{"cipsov4 add trans doi:5 tags:1 levels:5=5 categories:17=17", "cipsov4 add trans doi:77 tags:1 levels:5=5 categories:17=17"},
		{"map add domain:x protocol:cipsov4,17", "map add domain:x protocol:cipsov4,4242"},
		{"map add domain:x protocol:cipso,5", "map add domain:x protocol:cipso,77"},
		{"cipsov4 add pass doi:170 tags:1", "cipsov4 add pass doi:170 tags:1"},
		{"cipsov4 add pass doi:99999999999 tags:1", "cipsov4 add pass doi:99999999999 tags:1"},
	} {
		assert.Equal(t, c.want, d.Rewrite(c.in), c.in)
	}
	assert.Equal(t, uint32(4242), d.Of(17))
	assert.Equal(t, uint32(9), d.Of(9), "not asked for: itself")
}
