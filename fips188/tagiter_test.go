package fips188

import (
	"errors"
	"slices"
	"testing"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/ipopt"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// walkTags returns the tags an iterator yields and its error.
func walkTags(next func() bool, tag func() cipso.Tag, err func() error) ([]cipso.Tag, error) {
	var out []cipso.Tag
	for next() {
		out = append(out, tag())
	}
	return out, err()
}

func sameTags(a, b []cipso.Tag) bool {
	return slices.EqualFunc(a, b, func(x, y cipso.Tag) bool {
		return x.Offset == y.Offset && x.Type == y.Type && slices.Equal(x.Bytes, y.Bytes)
	})
}

func sameErr(a, b error) bool {
	var ea, eb ipopt.Error
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return errors.As(a, &ea) && errors.As(b, &eb) && ea.Offset() == eb.Offset() && errors.Is(a, errors.Unwrap(eb))
}

// TestTagWalks checks the two walks Parse makes against cipso's: without
// pads, the tags and the error of cipso.TagIter; and, on an option the
// RejectTagZero reading accepts (so no tag-type position holds a 0), the
// padded walk of Option.Tags yields the same tags, which is why an Option
// needs no record of the profile that parsed it.
func TestTagWalks(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(7)
	params.MinSuccessfulTests = 3000
	props := gopter.NewProperties(params)
	accepted, failed := 0, 0
	genOpt := gen.SliceOfN(34, gen.UInt8Range(0, 8)).Map(func(v []uint8) []byte {
		b := []byte{0x86, 0, 0, 0, 0, 3}
		for i, x := range v[1:] {
			if i >= int(v[0])*4 {
				break
			}
			b = append(b, x)
		}
		b[1] = byte(len(b))
		return b
	})
	props.Property("the unpadded walk is cipso.TagIter's", prop.ForAll(
		func(b []byte) bool {
			o := cipso.Option(b)
			ci := o.Tags()
			want, werr := walkTags(ci.Next, ci.Tag, ci.Err)
			fi := newTagIter(o, false)
			got, gerr := walkTags(fi.Next, fi.Tag, fi.Err)
			if werr != nil {
				failed++
			}
			return sameTags(got, want) && sameErr(gerr, werr)
		}, genOpt))
	props.Property("on an option RejectTagZero accepts, the padded walk is the same", prop.ForAll(
		func(b []byte) bool {
			s, err := Profile{RejectTagZero: true}.Parse(b)
			if err != nil {
				return true
			}
			accepted++
			fi := newTagIter(s.CIPSO(), false)
			want, werr := walkTags(fi.Next, fi.Tag, fi.Err)
			pi := s.Tags()
			got, gerr := walkTags(pi.Next, pi.Tag, pi.Err)
			return werr == nil && gerr == nil && sameTags(got, want)
		}, genOpt))
	props.TestingRun(t)
	if accepted < 100 || failed < 100 {
		t.Errorf("%d generated options accepted, %d walks failed; the properties checked too little", accepted, failed)
	}
}
