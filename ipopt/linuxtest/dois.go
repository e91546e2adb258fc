package linuxtest

import (
	"regexp"
	"strconv"
)

// DOIs maps the DOI numbers a test asked [Namespace.ConfigureDOIs] for to
// the numbers it configured. A number that was free maps to itself.
type DOIs map[uint32]uint32

// Of returns the DOI configured for want (want itself if it was not
// asked for).
func (d DOIs) Of(want uint32) uint32 {
	if v, ok := d[want]; ok {
		return v
	}
	return want
}

var doiWord = regexp.MustCompile(`(doi:|protocol:cipsov4,|protocol:cipso,)([0-9]+)\b`)

// Rewrite returns line with every "doi:N" (and the DOI of a
// "protocol:cipsov4,N" mapping) replaced by d.Of(N), so that a
// configuration written for the wished-for numbers describes what was
// configured.
func (d DOIs) Rewrite(line string) string {
	return doiWord.ReplaceAllStringFunc(line, func(m string) string {
		sub := doiWord.FindStringSubmatch(m)
		n, err := strconv.ParseUint(sub[2], 10, 32)
		if err != nil {
			return m
		}
		return sub[1] + strconv.FormatUint(uint64(d.Of(uint32(n))), 10)
	})
}
