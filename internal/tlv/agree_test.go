package tlv_test

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/internal/tlv"
	"github.com/iplabel/iplabel/ipopt"
)

// item is one item of a walk: its offset and octets.
type item struct {
	off int
	b   []byte
}

// result is a whole walk: its items, then how it ended (a tlv.State) and
// the offset it ended at.
type result struct {
	items []item
	state tlv.State
	off   int
}

func (r result) String() string { return fmt.Sprintf("%v state %d at %d", r.items, r.state, r.off) }

func equal(a, b result) bool {
	if len(a.items) != len(b.items) || a.state != b.state || a.off != b.off {
		return false
	}
	for i := range a.items {
		if a.items[i].off != b.items[i].off || !bytes.Equal(a.items[i].b, b.items[i].b) {
			return false
		}
	}
	return true
}

func newWalker(b []byte, off int) tlv.Walker {
	return tlv.Walker{B: b, Off: off, Cur: off}
}

// model is the walk written from its definition, one item at a time:
// option mode makes 0 and 1 single octets and stops at 0; pads skips 0
// octets where a type is expected.
func model(b []byte, off int, option, pads bool) result {
	var r result
	for {
		for pads && off < len(b) && b[off] == 0 {
			off++
		}
		if off == len(b) {
			r.state, r.off = tlv.End, off
			return r
		}
		if option && b[off] <= 1 {
			r.items = append(r.items, item{off, b[off : off+1]})
			off++
			if b[off-1] == 0 {
				r.state, r.off = tlv.Stopped, off
				return r
			}
			continue
		}
		if off+1 == len(b) {
			r.state, r.off = tlv.Truncated, off
			return r
		}
		n := int(b[off+1])
		if n < 2 || off+n > len(b) {
			r.state, r.off = tlv.BadLength, off
			return r
		}
		r.items = append(r.items, item{off, b[off : off+n]})
		off += n
	}
}

func walker(b []byte, off int, option, pads bool) result {
	var r result
	w := newWalker(b, off)
	for {
		if pads {
			w.SkipZeros()
		}
		ok := w.Next
		if option {
			ok = w.NextOption
		}
		if !ok() {
			break
		}
		r.items = append(r.items, item{w.Cur, w.Item()})
	}
	r.state, r.off = w.State, w.Off
	return r
}

// kindState maps an iterator's error to the walk's state: the kinds the
// iterators report, with the offset they put it at (the type octet, or
// the length octet after it).
func kindState(err error, at int, off int) (tlv.State, int) {
	var e ipopt.Error
	if !errors.As(err, &e) {
		return 0, -1
	}
	switch {
	case errors.Is(err, ipopt.ErrTruncated):
		return tlv.Truncated, e.Offset() - at
	case errors.Is(err, ipopt.ErrBadLength), errors.Is(err, cipso.ErrBadTagLength):
		return tlv.BadLength, e.Offset() - at - off
	}
	return 0, -1
}

func optionIter(b []byte) result {
	var r result
	it := ipopt.NewIter(b)
	for it.Next() {
		o := it.Option()
		if o.Offset != it.Start() || o.Type != it.Type() {
			return result{off: -2}
		}
		r.items = append(r.items, item{o.Offset, o.Bytes})
	}
	if !afterWalk(r, it.Err(), it.Option().Bytes, true) {
		return result{off: -4}
	}
	switch {
	case it.Err() != nil:
		r.state, r.off = kindState(it.Err(), 0, 0)
	case it.EOL():
		r.state, r.off = tlv.Stopped, it.Offset()
		if !bytes.Equal(it.Tail(), b[it.Offset():]) {
			return result{off: -3}
		}
	default:
		r.state, r.off = tlv.End, it.Offset()
	}
	return r
}

func cipsoTags(o cipso.Option) result {
	var r result
	it := o.Tags()
	for it.Next() {
		t := it.Tag()
		r.items = append(r.items, item{t.Offset, t.Bytes})
	}
	if !afterWalk(r, it.Err(), it.Tag().Bytes, true) {
		return result{off: -4}
	}
	if it.Err() != nil {
		r.state, r.off = kindState(it.Err(), 0, 1)
	} else {
		r.state, r.off = tlv.End, len(o)
	}
	return r
}

func fipsTags(o cipso.Option) result {
	var r result
	it := fips188.NewPaddedTagIter(o)
	for it.Next() {
		t := it.Tag()
		r.items = append(r.items, item{t.Offset, t.Bytes})
	}
	if !afterWalk(r, it.Err(), it.Tag().Bytes, false) {
		return result{off: -4}
	}
	if it.Err() != nil {
		r.state, r.off = kindState(it.Err(), 0, 1)
	} else {
		r.state, r.off = tlv.End, len(o)
	}
	return r
}

func params(b []byte) result {
	var r result
	it := dsm.NewParamIter(b)
	for it.Next() {
		p := it.Param()
		r.items = append(r.items, item{p.Offset, p.Bytes})
	}
	if !afterWalk(r, it.Err(), it.Param().Bytes, true) {
		return result{off: -4}
	}
	if it.Err() != nil {
		r.state, r.off = kindState(it.Err(), 0, 1)
	} else {
		r.state, r.off = tlv.End, len(b)
	}
	return r
}

// afterWalk checks what an iterator holds once its walk is over: nothing
// after a framing error; after the end, the last item when keepsLast (the
// option, cipso tag and parameter iterators) and nothing otherwise
// (fips188.PaddedTagIter).
func afterWalk(r result, err error, last []byte, keepsLast bool) bool {
	if err != nil || !keepsLast || len(r.items) == 0 {
		return last == nil
	}
	return bytes.Equal(last, r.items[len(r.items)-1].b)
}

// agree checks the walker against the model and each iterator against
// the walker, on b as an options field, a CIPSO option and a parameter
// list.
func agree(b []byte) error {
	for _, option := range []bool{false, true} {
		for _, pads := range []bool{false, true} {
			for _, start := range []int{0, min(len(b), cipso.HeaderLen)} {
				if m, w := model(b, start, option, pads), walker(b, start, option, pads); !equal(m, w) {
					return fmt.Errorf("option %v pads %v from %d: model %v, walker %v", option, pads, start, m, w)
				}
			}
		}
	}
	if w, it := walker(b, 0, true, false), optionIter(b); !equal(w, it) {
		return fmt.Errorf("ipopt.Iter %v, walker %v", it, w)
	}
	if err := checkFind(b); err != nil {
		return err
	}
	tagStart := min(len(b), cipso.HeaderLen)
	if w, it := walker(b, tagStart, false, false), cipsoTags(cipso.Option(b)); !equal(w, it) {
		return fmt.Errorf("cipso.TagIter %v, walker %v", it, w)
	}
	if w, it := walker(b, tagStart, false, true), fipsTags(cipso.Option(b)); !equal(w, it) {
		return fmt.Errorf("fips188.PaddedTagIter %v, walker %v", it, w)
	}
	if w, it := walker(b, 0, false, false), params(b); !equal(w, it) {
		return fmt.Errorf("dsm.ParamIter %v, walker %v", it, w)
	}
	return nil
}

// checkFind checks ipopt.Find, which writes the walk out, against the
// walker for every type in b.
func checkFind(b []byte) error {
	for _, t := range b {
		var want ipopt.Option
		found := false
		w := newWalker(b, 0)
		for w.NextOption() {
			if w.Type() == t {
				want, found = ipopt.Option{Offset: w.Cur, Type: ipopt.Type(t), Bytes: w.Item()}, true
				break
			}
		}
		got, ok, _ := ipopt.Find(b, ipopt.Type(t))
		if ok != found || got.Offset != want.Offset || got.Type != want.Type || !bytes.Equal(got.Bytes, want.Bytes) {
			return fmt.Errorf("Find(%d) = %v, %v; walker %v, %v", t, got, ok, want, found)
		}
	}
	return nil
}

// genField makes fields that reach every branch: mostly small octets
// (types 0 and 1, short lengths) and some large ones.
func genField() gopter.Gen {
	octet := gen.Frequency(map[int]gopter.Gen{
		6: gen.UInt8Range(0, 8),
		1: gen.UInt8(),
	})
	return gen.SliceOf(octet).Map(func(b []uint8) []byte { return b })
}

// Property: the walker gives what its definition gives, and ipopt.Iter,
// ipopt.Find, cipso.TagIter, fips188.PaddedTagIter and dsm.ParamIter give
// what the walker gives, items, end and failure alike.
func TestPropWalkerAgrees(t *testing.T) {
	params := gopter.DefaultTestParametersWithSeed(13)
	params.MinSuccessfulTests = 5000
	params.MaxSize = 48
	props := gopter.NewProperties(params)
	props.Property("walker = model = iterators", prop.ForAll(func(b []byte) (bool, error) {
		err := agree(b)
		return err == nil, err
	}, genField()))
	props.TestingRun(t)
}

func FuzzWalker(f *testing.F) {
	for _, s := range [][]byte{
		{},
		{1, 0x94, 4, 0, 0, 0, 7},
		{0x86, 10, 0, 0, 0, 1, 1, 4, 0, 3},
		{0x86, 12, 0, 0, 0, 1, 0, 0, 7, 4, 1, 6},
		{0x44, 1},
		{5},
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if err := agree(b); err != nil {
			t.Fatal(err)
		}
	})
}

// The iterators built on the walker allocate nothing on a stack buffer,
// errors.Is on their errors included.
func TestIteratorsAllocNothing(t *testing.T) {
	src := []byte{1, 0x86, 14, 0, 0, 0, 1, 0, 1, 4, 0, 0, 7, 4, 1, 6, 0, 0}
	n := testing.AllocsPerRun(200, func() {
		var buf [40]byte
		copy(buf[:], src)
		b := buf[:len(src)]
		it := ipopt.NewIter(b)
		for it.Next() {
			_ = it.Option()
		}
		if errors.Is(it.Err(), ipopt.ErrTruncated) {
			panic("framing")
		}
		o := cipso.Option(b[1:15])
		tags := o.Tags()
		for tags.Next() {
			_ = tags.Tag()
		}
		if errors.Is(tags.Err(), ipopt.ErrTruncated) {
			_ = tags.Tag()
		}
		ft := fips188.NewPaddedTagIter(o)
		for ft.Next() {
			_ = ft.Tag()
		}
		_ = errors.Is(ft.Err(), ipopt.ErrTruncated)
		p := dsm.NewParamIter(b[13:17])
		for p.Next() {
			_ = p.Param()
		}
		_ = errors.Is(p.Err(), ipopt.ErrBadLength)
		_, _, _ = ipopt.Find(b, ipopt.CIPSO)
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}
