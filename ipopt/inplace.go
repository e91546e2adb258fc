package ipopt

import "encoding/binary"

var (
	errInPlaceRange = NewErrorKind(ErrNoRoom, "options", Limit)
	errInPlaceHdr   = NewErrorKind(ErrBadHeader, "ihl", Malformed)
)

// Overwrite writes b over the options field of h at offset off, changing
// no length: nothing moves, IHL and total length stay, and the header
// checksum is updated word by word with RFC 1624 Eqn. 3 rather than
// recomputed, so a checksum that was wrong stays wrong (a receiver still
// drops that packet) and one that was right stays right.
//
// It is the rewrite for packets whose length must not change, such as
// those a netfilter queue hands over at PREROUTING, where Linux has already
// set the transport offset. It fails, changing nothing, when b does not fit
// inside the options field (ErrNoRoom, class Limit) or h is shorter than
// its IHL says (ErrBadHeader). It does not check that the result frames
// cleanly. It does not allocate.
func (h Header) Overwrite(off int, b []byte) error {
	if len(h) < BaseHeaderLen || h.HeaderLen() < BaseHeaderLen || h.HeaderLen() > len(h) {
		return errInPlaceHdr.HeaderAt(hdrVersionIHL)
	}
	opts := h.HeaderLen() - BaseHeaderLen
	if off < 0 || len(b) > opts || off > opts-len(b) {
		return errInPlaceRange.At(max(min(off, opts), 0))
	}
	at := BaseHeaderLen + off
	sum := h.ChecksumField()
	for i := at &^ 1; i < at+len(b); i += 2 {
		// The 16-bit word at header offset i, before and after.
		var oldw, neww [2]byte
		for k := range 2 {
			oldw[k] = h[i+k]
			neww[k] = h[i+k]
			if j := i + k - at; j >= 0 && j < len(b) {
				neww[k] = b[j]
			}
		}
		sum = updateChecksum(sum, binary.BigEndian.Uint16(oldw[:]), binary.BigEndian.Uint16(neww[:]))
	}
	copy(h[at:], b)
	h.setChecksumField(sum)
	return nil
}

// NOPOption overwrites the first option of type t with NOP octets, as
// Linux's cipso_v4_skbuff_delattr did before 6.10 (RULES.md §5): the
// header keeps its length and the checksum is updated as [Header.Overwrite]
// does. It reports whether an option was found; the walk is [Find]'s, and
// the framing error that stopped it before an option of type t is
// returned (false, nothing changed). EOL and NOP are not options to
// remove (false).
func (h Header) NOPOption(t Type) (bool, error) {
	if t.SingleOctet() {
		return false, nil
	}
	if len(h) < BaseHeaderLen || h.HeaderLen() < BaseHeaderLen || h.HeaderLen() > len(h) {
		return false, errInPlaceHdr.HeaderAt(hdrVersionIHL)
	}
	o, ok, err := Find(h[BaseHeaderLen:h.HeaderLen()], t)
	if !ok {
		return false, err
	}
	var nops [MaxOptionsLen]byte
	for i := range o.Bytes {
		nops[i] = byte(NOP)
	}
	return true, h.Overwrite(o.Offset, nops[:len(o.Bytes)])
}
