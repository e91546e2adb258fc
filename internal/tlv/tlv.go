// Package tlv is the type-length-value walk that IPv4 options (RFC 791
// §3.1), CIPSO tags (CIPSO draft §3.4) and FIPS 188 network SID
// parameters share: a type octet, a length octet counting both, the value,
// items back to back until the slice ends. It backs ipopt.Iter,
// cipso.TagIter, fips188.PaddedTagIter and dsm.ParamIter, which turn its
// [State] into their own error kinds and offsets.
//
// A [Walker] is a small value kept on the caller's stack: it stores the
// walked slice and offsets only (no sub-slice and no error value, either
// of which would make escape analysis move a caller's stack buffer to the
// heap), and allocates nothing.
package tlv

// State is where a walk stands.
type State uint8

// The states of a walk. The failures leave [Walker.Off] at the item that
// could not be framed.
const (
	// Running: the walk can go on.
	Running State = iota
	// End: every octet has been consumed.
	End
	// Stopped: [Walker.NextOption] met an EOL (type 0), which ends the
	// walk; the octets after it are [Walker.Rest].
	Stopped
	// Truncated: the item's type octet is the last octet, with no length
	// octet after it.
	Truncated
	// BadLength: the item's length octet is below 2 or runs past the end.
	BadLength
)

// Walker walks the items of B from Off. The current item is B[Cur:Off];
// none is current before the first Next, after a framing error, or
// whenever Cur == Off.
//
// Start one with a composite literal, Walker{B: b, Off: start, Cur:
// start}, built in place inside the iterator's own literal. A Walker is
// too large to live in registers: one returned by a constructor is copied
// through stack temporaries, which made a whole walk of ipopt.Iter 5 to
// 9 ns slower (store-forwarding stalls; Go 1.26, amd64), and a Reset
// method storing B through a pointer makes a caller's stack buffer escape.
// Past the start, only the methods change the fields.
type Walker struct {
	// B is the walked octets.
	B []byte
	// Off is the first octet not consumed: the end of the current item,
	// or, after a framing error, the type octet of the item that failed.
	Off int
	// Cur is the start of the current item, which ends at Off.
	Cur int
	// State is where the walk stands.
	State State
}

// Frame frames the item at b[off] (0 <= off < len(b)) whose type octet
// has a length octet after it. It returns the length octet and Running;
// Truncated (and 0) when b ends after the type octet; BadLength (and the
// length octet) when the length is below 2 or runs past the end of b.
//
// Frame is the one framing rule of every walk in the module. It inlines,
// so a hand-written loop that reports its failures in its own order (a
// validator whose checks interleave with the framing, as Linux's do) uses
// it at no cost; Walker is the loop for everyone else.
func Frame(b []byte, off int) (n int, s State) {
	if off+1 >= len(b) {
		return 0, Truncated
	}
	n = int(b[off+1])
	if n < 2 || n > len(b)-off {
		return n, BadLength
	}
	return n, Running
}

// FrameOption is Frame for IPv4 options (RFC 791 §3.1): types 0 (EOL) and
// 1 (NOP) are a single octet with no length octet.
func FrameOption(b []byte, off int) (n int, s State) {
	if b[off] <= 1 {
		return 1, Running
	}
	return Frame(b, off)
}

// Next frames the next item, every item having a length octet, and
// reports whether there is one.
func (w *Walker) Next() bool {
	if w.State != Running {
		return false
	}
	if w.Off >= len(w.B) {
		w.State = End
		return false
	}
	off := w.Off
	n, s := Frame(w.B, off)
	if s != Running {
		return w.fail(s)
	}
	w.Cur, w.Off = off, off+n
	return true
}

// NextOption is Next for IPv4 options ([FrameOption]): an EOL is an item
// of its own that ends the walk ([Stopped]).
func (w *Walker) NextOption() bool {
	if w.State != Running {
		return false
	}
	if w.Off >= len(w.B) {
		w.State = End
		return false
	}
	off := w.Off
	n, s := FrameOption(w.B, off)
	if s != Running {
		return w.fail(s)
	}
	if w.B[off] == 0 {
		w.State = Stopped
	}
	w.Cur, w.Off = off, off+n
	return true
}

// SkipZeros moves a running walk past 0 octets, which some walks read as
// one-octet pads where a type is expected.
func (w *Walker) SkipZeros() {
	if w.State != Running {
		return
	}
	off := w.Off
	for off < len(w.B) && w.B[off] == 0 {
		off++
	}
	w.Off = off
}

func (w *Walker) fail(s State) bool {
	w.State = s
	w.Cur = w.Off
	return false
}

// Type is the current item's type octet, or 0 when there is none.
func (w *Walker) Type() byte {
	if w.Cur >= w.Off {
		return 0
	}
	return w.B[w.Cur]
}

// Item is the current item, capped at its end, or nil when there is none.
func (w *Walker) Item() []byte {
	c, e := w.Cur, w.Off
	if c >= e {
		return nil
	}
	return w.B[c:e:e]
}

// Rest is the octets not consumed.
func (w *Walker) Rest() []byte { return w.B[w.Off:] }
