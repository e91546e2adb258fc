package ipopt_test

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand"

	"github.com/iplabel/iplabel/internal/testutil"
	"github.com/iplabel/iplabel/ipopt"
)

// This file holds a list-based model of the Packet option rewrites, used
// by the gopter property and the fuzz target. The model keeps the content
// of the options field as a list of options and applies each operation to
// the list; the implementation moves bytes. They must agree on the result
// octet for octet, and on which error a refused operation gives.

// opKind is a rewrite operation.
type opKind uint8

const (
	opInsert opKind = iota
	opReplace
	opRemove
	opSet
	numOps
)

type rewriteOp struct {
	kind opKind
	typ  ipopt.Type // Replace, Remove
	opt  []byte     // Insert, Replace, Set
	at   int        // Insert
}

func (o rewriteOp) String() string {
	switch o.kind {
	case opInsert:
		return fmt.Sprintf("Insert(%d, % x)", o.at, o.opt)
	case opReplace:
		return fmt.Sprintf("Replace(%v, % x)", o.typ, o.opt)
	case opRemove:
		return fmt.Sprintf("Remove(%v)", o.typ)
	}
	return fmt.Sprintf("Set(% x)", o.opt)
}

func (o rewriteOp) apply(p *ipopt.Packet) error {
	switch o.kind {
	case opInsert:
		return p.InsertOption(o.at, o.opt)
	case opReplace:
		return p.ReplaceOption(o.typ, o.opt)
	case opRemove:
		return p.RemoveOption(o.typ)
	}
	return p.SetOption(o.opt)
}

// optModel is the content of an options field: its options, in order,
// with no NOP at the end (trailing NOPs are padding).
type optModel struct {
	opts [][]byte
}

// modelOf reads a field's content, or returns its framing error.
func modelOf(field []byte) (optModel, error) {
	var m optModel
	it := ipopt.NewIter(field)
	for it.Next() {
		if o := it.Option(); o.Type != ipopt.EOL {
			m.opts = append(m.opts, o.Bytes)
		}
	}
	if err := it.Err(); err != nil {
		return m, err
	}
	return m.trimmed(), nil
}

func (m optModel) trimmed() optModel {
	n := len(m.opts)
	for n > 0 && len(m.opts[n-1]) == 1 {
		n--
	}
	return optModel{opts: m.opts[:n:n]}
}

func (m optModel) contentLen() int {
	n := 0
	for _, o := range m.opts {
		n += len(o)
	}
	return n
}

// field is the content padded with EOL to a multiple of 4.
func (m optModel) field() []byte {
	var b []byte
	for _, o := range m.opts {
		b = append(b, o...)
	}
	return testutil.PadEOL(b)
}

func (m optModel) offsets() []int {
	offs := make([]int, len(m.opts)+1)
	for i, o := range m.opts {
		offs[i+1] = offs[i] + len(o)
	}
	return offs
}

func (m optModel) find(t ipopt.Type) int {
	for i, o := range m.opts {
		if ipopt.Type(o[0]) == t {
			return i
		}
	}
	return -1
}

// twice says whether the content holds two options of type t where t is
// a type a datagram carries once (RFC 791 routes, RR, TS; CIPSO; the RFC
// 1108 BSO). Of other types a rewrite takes the first.
func (m optModel) twice(t ipopt.Type) bool {
	switch t {
	case ipopt.LSRR, ipopt.SSRR, ipopt.RR, ipopt.TS, ipopt.CIPSO, ipopt.SEC:
	default:
		return false
	}
	n := 0
	for _, o := range m.opts {
		if ipopt.Type(o[0]) == t {
			n++
		}
	}
	return n > 1
}

// with replaces opts[i:j] by ins (nil for none).
func (m optModel) with(i, j int, ins []byte) optModel {
	out := make([][]byte, 0, len(m.opts)+1)
	out = append(out, m.opts[:i]...)
	if ins != nil {
		out = append(out, append([]byte(nil), ins...))
	}
	out = append(out, m.opts[j:]...)
	return optModel{opts: out}
}

// oneOption says whether opt is what a rewrite accepts: one whole option,
// not EOL (RFC 791 framing).
func oneOption(opt []byte) bool {
	switch {
	case len(opt) == 0 || opt[0] == 0:
		return false
	case opt[0] == 1:
		return len(opt) == 1
	}
	return len(opt) >= 2 && int(opt[1]) == len(opt)
}

// predict applies op to m and says what the rewrite should give: the new
// model, or the sentinel of the error it should fail with.
func (m optModel) predict(op rewriteOp) (optModel, error) {
	var next optModel
	switch op.kind {
	case opInsert:
		offs := m.offsets()
		i := -1
		if op.at == -1 {
			i = len(m.opts)
		}
		for k, off := range offs {
			if off == op.at {
				i = k
			}
		}
		if i < 0 {
			return m, ipopt.ErrBadValue
		}
		if !oneOption(op.opt) {
			return m, errBadOpt
		}
		next = m.with(i, i, op.opt)
	case opReplace, opRemove:
		i := m.find(op.typ)
		if i < 0 {
			return m, ipopt.ErrNotFound
		}
		if op.kind == opRemove {
			next = m.with(i, i+1, nil)
			break
		}
		if m.twice(op.typ) {
			return m, ipopt.ErrDuplicate
		}
		if !oneOption(op.opt) {
			return m, errBadOpt
		}
		next = m.with(i, i+1, op.opt)
	case opSet:
		if len(op.opt) == 0 {
			return m, errBadOpt
		}
		i := m.find(ipopt.Type(op.opt[0]))
		if m.twice(ipopt.Type(op.opt[0])) {
			return m, ipopt.ErrDuplicate
		}
		if !oneOption(op.opt) {
			return m, errBadOpt
		}
		if i < 0 {
			next = m.with(0, 0, op.opt)
		} else {
			next = m.with(i, i+1, op.opt)
		}
	}
	if next.contentLen() > ipopt.MaxOptionsLen {
		return m, ipopt.ErrHeaderTooLong
	}
	return next, nil
}

// errBadOpt stands for any of the errors an ill-formed opt argument gives.
var errBadOpt = errors.New("model: opt is not one option")

func matchesPredicted(err, want error) bool {
	if want == errBadOpt {
		return errors.Is(err, ipopt.ErrTruncated) || errors.Is(err, ipopt.ErrBadLength) || errors.Is(err, ipopt.ErrBadValue)
	}
	return errors.Is(err, want)
}

// rewriteScenario is a datagram in a buffer and operations to run on it.
type rewriteScenario struct {
	field              []byte // the initial options field, len%4 == 0
	payload            []byte
	headroom, tailroom int
	ops                []rewriteOp
}

func (s rewriteScenario) String() string {
	return fmt.Sprintf("field % x, payload %d, headroom %d, tailroom %d, ops %v",
		s.field, len(s.payload), s.headroom, s.tailroom, s.ops)
}

// run executes the scenario and checks the implementation against the
// model after every operation. It returns a description of the first
// disagreement, or "".
func (s rewriteScenario) run() string {
	d := datagram(s.field, s.payload)
	buf := make([]byte, s.headroom+len(d)+s.tailroom)
	for i := range buf {
		buf[i] = 0xFF
	}
	copy(buf[s.headroom:], d)
	p, err := ipopt.FromBytes(buf, s.headroom, len(d))
	if err != nil {
		return "FromBytes: " + err.Error()
	}
	base := append([]byte(nil), d[:20]...)
	m, framing := modelOf(s.field)
	payloadAt := s.headroom + len(d) - len(s.payload)
	for n, op := range s.ops {
		snapBuf, snapP := append([]byte(nil), buf...), p
		h0, _ := p.Header()
		oldLen := len(h0.Options())
		err := op.apply(&p)
		want, wantErr := m, framing
		if framing == nil {
			want, wantErr = m.predict(op)
			if wantErr == nil {
				delta := len(want.field()) - oldLen
				if delta > 0 && delta > snapP.Headroom() && delta > snapP.Tailroom() {
					wantErr = ipopt.ErrNoRoom
				}
			}
		}
		if wantErr != nil {
			if err == nil {
				return fmt.Sprintf("op %d %v: no error, want %v", n, op, wantErr)
			}
			if framing != nil && !errors.Is(err, framing) || framing == nil && !matchesPredicted(err, wantErr) {
				return fmt.Sprintf("op %d %v: error %v, want %v", n, op, err, wantErr)
			}
			var e ipopt.Error
			if !errors.As(err, &e) {
				return fmt.Sprintf("op %d %v: %T is not ipopt.Error", n, op, err)
			}
			if !bytes.Equal(buf, snapBuf) || stateOf(&p) != stateOf(&snapP) {
				return fmt.Sprintf("op %d %v: failed but changed the packet", n, op)
			}
			continue
		}
		if err != nil {
			return fmt.Sprintf("op %d %v: unexpected error %v", n, op, err)
		}
		h, err := p.Header()
		if err != nil {
			return fmt.Sprintf("op %d %v: header: %v", n, op, err)
		}
		wantField := want.field()
		switch {
		case !bytes.Equal(h.Options(), wantField):
			return fmt.Sprintf("op %d %v: options % x, want % x", n, op, h.Options(), wantField)
		case h.HeaderLen() != len(h) || len(h) != 20+len(wantField):
			return fmt.Sprintf("op %d %v: IHL*4 %d, header %d", n, op, h.HeaderLen(), len(h))
		case int(h.TotalLen()) != len(h)+len(s.payload):
			return fmt.Sprintf("op %d %v: total length %d", n, op, h.TotalLen())
		case !h.VerifyChecksum():
			return fmt.Sprintf("op %d %v: checksum", n, op)
		case !bytes.Equal(p.Network()[len(h):], s.payload):
			return fmt.Sprintf("op %d %v: payload changed", n, op)
		case !bytes.Equal(h[1:2], base[1:2]) || !bytes.Equal(h[4:10], base[4:10]) || !bytes.Equal(h[12:20], base[12:20]):
			return fmt.Sprintf("op %d %v: base header fields changed", n, op)
		case p.Len() != len(h)+len(s.payload):
			return fmt.Sprintf("op %d %v: window %d", n, op, p.Len())
		}
		delta := len(wantField) - oldLen
		if delta > 0 && delta > snapP.Headroom() {
			payloadAt += delta // the payload moved into the tailroom
		}
		if at := p.Headroom() + p.NetworkOffset() + len(h); at != payloadAt {
			return fmt.Sprintf("op %d %v: payload at %d, want %d", n, op, at, payloadAt)
		}
		// Octets outside the window are never written.
		for i := range buf {
			if (i < p.Headroom() || i >= p.Headroom()+p.Len()) && buf[i] != snapBuf[i] &&
				(i < snapP.Headroom() || i >= snapP.Headroom()+snapP.Len()) {
				return fmt.Sprintf("op %d %v: octet %d outside both windows written", n, op, i)
			}
		}
		m = want.trimmed()
	}
	return ""
}

// Option material: types that collide often, so that replace and remove
// find something, and that include copied and non-copied options.
var modelTypes = []ipopt.Type{ipopt.NOP, ipopt.RR, ipopt.TS, ipopt.SEC, ipopt.ESEC, ipopt.CIPSO, ipopt.RA, ipopt.SID, 25}

func randOption(r *rand.Rand) []byte {
	t := modelTypes[r.Intn(len(modelTypes))]
	if t == ipopt.NOP {
		return []byte{1}
	}
	o := make([]byte, 2+r.Intn(11))
	o[0], o[1] = byte(t), byte(len(o))
	for i := 2; i < len(o); i++ {
		o[i] = byte(r.Intn(256))
	}
	return o
}

// randScenario makes a scenario: a well-framed field of up to 40 octets
// (with or without EOL, with junk after it), a payload, head and tailroom
// of 0..44, and 1..8 operations.
func randScenario(r *rand.Rand) rewriteScenario {
	var field []byte
	for range r.Intn(8) {
		o := randOption(r)
		if len(field)+len(o) > 40 {
			break
		}
		field = append(field, o...)
	}
	switch {
	case len(field)%4 == 0 && r.Intn(2) == 0:
	case len(field) < 40 && r.Intn(3) > 0:
		field = append(field, 0)
		for len(field)%4 != 0 {
			field = append(field, byte(r.Intn(256)))
		}
	default:
		for len(field)%4 != 0 {
			field = append(field, 1)
		}
	}
	s := rewriteScenario{
		field:    field,
		payload:  make([]byte, r.Intn(48)),
		headroom: r.Intn(45),
		tailroom: r.Intn(45),
	}
	r.Read(s.payload)
	for range 1 + r.Intn(8) {
		op := rewriteOp{kind: opKind(r.Intn(int(numOps))), typ: modelTypes[r.Intn(len(modelTypes))], opt: randOption(r)}
		switch r.Intn(8) {
		case 0:
			op.at = -1
		case 1:
			op.at = r.Intn(44) - 2 // mostly not a boundary
		default:
			op.at = 0
			if m, err := modelOf(field); err == nil {
				offs := m.offsets()
				op.at = offs[r.Intn(len(offs))]
			}
		}
		if r.Intn(20) == 0 {
			op.opt = op.opt[:len(op.opt)-1] // ill-formed: length disagrees
		}
		s.ops = append(s.ops, op)
	}
	return s
}

type pktState struct{ headroom, length, network, buflen int }

func stateOf(p *ipopt.Packet) pktState {
	return pktState{p.Headroom(), p.Len(), p.NetworkOffset(), len(p.Buffer())}
}
