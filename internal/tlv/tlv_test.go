package tlv

import (
	"bytes"
	"testing"
)

func TestFrame(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		off  int
		n    int
		s    State
	}{
		{"whole", []byte{7, 3, 9}, 0, 3, Running},
		{"bare", []byte{7, 2}, 0, 2, Running},
		{"inside", []byte{1, 1, 5, 2}, 2, 2, Running},
		{"last octet", []byte{7}, 0, 0, Truncated},
		{"last octet later", []byte{5, 2, 7}, 2, 0, Truncated},
		{"length 0", []byte{7, 0, 0}, 0, 0, BadLength},
		{"length 1", []byte{7, 1, 0}, 0, 1, BadLength},
		{"past the end", []byte{7, 4, 0}, 0, 4, BadLength},
		{"zero type framed", []byte{0, 2}, 0, 2, Running},
	} {
		n, s := Frame(tc.b, tc.off)
		if n != tc.n || s != tc.s {
			t.Errorf("%s: Frame(% x, %d) = %d, %d; want %d, %d", tc.name, tc.b, tc.off, n, s, tc.n, tc.s)
		}
	}
}

func TestFrameOption(t *testing.T) {
	for _, tc := range []struct {
		b []byte
		n int
		s State
	}{
		{[]byte{0}, 1, Running},
		{[]byte{1}, 1, Running},
		{[]byte{0, 9, 9}, 1, Running},
		{[]byte{0x94}, 0, Truncated},
		{[]byte{0x94, 1}, 1, BadLength},
		{[]byte{0x94, 4, 0, 0}, 4, Running},
	} {
		if n, s := FrameOption(tc.b, 0); n != tc.n || s != tc.s {
			t.Errorf("FrameOption(% x) = %d, %d; want %d, %d", tc.b, n, s, tc.n, tc.s)
		}
	}
}

func newWalker(b []byte, off int) Walker {
	return Walker{B: b, Off: off, Cur: off}
}

// step is one item a walk gives, or its end.
type step struct {
	cur, off int
	item     []byte
}

func walkAll(w Walker, next func(*Walker) bool, pads bool) ([]step, Walker) {
	var got []step
	for {
		if pads {
			w.SkipZeros()
		}
		if !next(&w) {
			return got, w
		}
		got = append(got, step{w.Cur, w.Off, w.Item()})
	}
}

func TestWalker(t *testing.T) {
	next := (*Walker).Next
	option := (*Walker).NextOption
	for _, tc := range []struct {
		name  string
		b     []byte
		start int
		next  func(*Walker) bool
		pads  bool
		steps []step
		state State
		off   int
	}{
		{name: "empty", next: next, state: End},
		{name: "start at end", b: []byte{1, 2}, start: 2, next: next, state: End, off: 2},
		{name: "two", b: []byte{5, 2, 7, 3, 0}, next: next,
			steps: []step{{0, 2, []byte{5, 2}}, {2, 5, []byte{7, 3, 0}}}, state: End, off: 5},
		{name: "from 6", b: []byte{0x86, 10, 0, 0, 0, 1, 1, 4, 0, 0}, start: 6, next: next,
			steps: []step{{6, 10, []byte{1, 4, 0, 0}}}, state: End, off: 10},
		{name: "truncated", b: []byte{5, 2, 7}, next: next,
			steps: []step{{0, 2, []byte{5, 2}}}, state: Truncated, off: 2},
		{name: "bad length", b: []byte{5, 2, 7, 1, 0}, next: next,
			steps: []step{{0, 2, []byte{5, 2}}}, state: BadLength, off: 2},
		{name: "zero is a type", b: []byte{0, 2, 0}, next: next,
			steps: []step{{0, 2, []byte{0, 2}}}, state: Truncated, off: 2},
		{name: "pads", b: []byte{0, 0, 5, 2, 0}, next: next, pads: true,
			steps: []step{{2, 4, []byte{5, 2}}}, state: End, off: 5},
		{name: "pads then truncated", b: []byte{0, 5}, next: next, pads: true,
			state: Truncated, off: 1},
		{name: "options", b: []byte{1, 0x94, 4, 0, 0, 0, 7, 7}, next: option,
			steps: []step{{0, 1, []byte{1}}, {1, 5, []byte{0x94, 4, 0, 0}}, {5, 6, []byte{0}}},
			state: Stopped, off: 6},
		{name: "options truncated", b: []byte{1, 0x44}, next: option,
			steps: []step{{0, 1, []byte{1}}}, state: Truncated, off: 1},
		{name: "options bad length", b: []byte{0x44, 41}, next: option,
			state: BadLength, off: 0},
		{name: "options end", b: []byte{1, 1}, next: option,
			steps: []step{{0, 1, []byte{1}}, {1, 2, []byte{1}}}, state: End, off: 2},
	} {
		w := newWalker(tc.b, tc.start)
		if w.Cur < w.Off || w.Item() != nil || w.Type() != 0 {
			t.Errorf("%s: an item before the first step", tc.name)
		}
		got, w := walkAll(w, tc.next, tc.pads)
		if len(got) != len(tc.steps) {
			t.Errorf("%s: %d items, want %d: %v", tc.name, len(got), len(tc.steps), got)
			continue
		}
		for i, g := range got {
			want := tc.steps[i]
			if g.cur != want.cur || g.off != want.off || !bytes.Equal(g.item, want.item) || cap(g.item) != len(g.item) {
				t.Errorf("%s: item %d = %v, want %v", tc.name, i, g, want)
			}
		}
		if w.State != tc.state || w.Off != tc.off {
			t.Errorf("%s: ends %d at %d, want %d at %d", tc.name, w.State, w.Off, tc.state, tc.off)
		}
		if w.State >= Truncated && (w.Cur != w.Off || w.Item() != nil) {
			t.Errorf("%s: an item after a framing error", tc.name)
		}
		if tc.next(&w) {
			t.Errorf("%s: Next after the end", tc.name)
		}
		if w.State != tc.state || w.Off != tc.off {
			t.Errorf("%s: the end is not sticky", tc.name)
		}
		if w.State == Stopped && !bytes.Equal(w.Rest(), tc.b[tc.off:]) {
			t.Errorf("%s: Rest = % x", tc.name, w.Rest())
		}
	}
}

// The last item stays current after a normal end, as the iterators
// document for their Option, Tag and Param.
func TestWalkerLastItemAfterEnd(t *testing.T) {
	w := newWalker([]byte{5, 2}, 0)
	for w.Next() {
	}
	if w.State != End || !bytes.Equal(w.Item(), []byte{5, 2}) || w.Type() != 5 {
		t.Fatalf("state %d item % x", w.State, w.Item())
	}
}

func TestWalkerAllocs(t *testing.T) {
	src := []byte{1, 0x94, 4, 0, 0, 0x86, 8, 0, 0, 0, 1, 1, 2, 0, 0, 0}
	n := testing.AllocsPerRun(100, func() {
		var buf [40]byte
		copy(buf[:], src)
		w := newWalker(buf[:len(src)], 0)
		for w.NextOption() {
			_ = w.Item()
		}
		w = newWalker(buf[:len(src)], 5)
		for w.SkipZeros(); w.Next(); w.SkipZeros() {
		}
	})
	if n != 0 {
		t.Errorf("%v allocations", n)
	}
}
