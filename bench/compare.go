package bench

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"golang.org/x/net/ipv4"
	"gvisor.dev/gvisor/pkg/tcpip/header"

	"github.com/iplabel/iplabel/cipso"
	"github.com/iplabel/iplabel/fips188/dsm"
	"github.com/iplabel/iplabel/ipopt"
)

// Bench is one implementation of one operation, set up for one case.
type Bench struct {
	// Run does the operation once on the case's bytes and keeps its
	// results (in memory the Bench owns, so the work cannot be optimised
	// away). It returns an error when the implementation refuses the
	// bytes.
	Run func() error
	// Check compares the results of the last Run with what the case
	// holds, from the fixture's own definition.
	Check func() error
}

// Impl is one library's way of doing an operation.
type Impl struct {
	Name string
	// Setup prepares a Bench for c: reusable state (layers, headers,
	// buffers) is made here, once, not in Run.
	Setup func(c *Case) Bench
}

// Op is one operation of the comparison and the libraries that can do it.
type Op struct {
	Name  string
	Doc   string
	Impls []Impl
}

// Ops are the operations, in benchmark order. See RESULTS.md for what
// each implementation does and does not do.
var Ops = []Op{
	{
		Name: "decode",
		Doc:  "header + options + label (iplabel: ParseHeader, the option walk, the CIPSO label view (cipso.FindLabelView) or the NSID decoder, payload slice); the peers parse the header and, where they can, the options",
		Impls: []Impl{
			{"iplabel", decodeIplabel},
			{"gopacket", decodeGopacket},
			{"xnet", decodeXnet},
			{"gvisor", decodeGvisor},
		},
	},
	{
		Name: "validate",
		Doc:  "accept or refuse the header (iplabel: ParseHeader, VerifyChecksum, Linux's option walk with cipso_v4_validate for a pass DOI 1 tags 1,2,5, or DSM's receiver rules for nsid); gopacket: DecodeFromBytes (its only checks, no checksum); gVisor: IsValid, IsChecksumValid and the option iterator's parameter problems",
		Impls: []Impl{
			{"iplabel", validateIplabel},
			{"gopacket", decodeGopacket},
			{"gvisor", validateGvisor},
		},
	},
	{
		Name: "insert",
		Doc:  "put the (pre-encoded) label option into the unlabelled datagram and fix IHL, total length and checksum, producing the whole labelled datagram",
		Impls: []Impl{
			{"iplabel", insertIplabel},
			{"gopacket", insertGopacket},
			{"xnet", insertXnet},
			{"gvisor", insertGvisor},
		},
	},
}

// Errors of the runners, allocated once.
var (
	errChecksum   = errors.New("bench: bad header checksum")
	errTruncated  = errors.New("bench: datagram shorter than its total length")
	errInvalid    = errors.New("bench: header refused")
	errParamProb  = errors.New("bench: option parameter problem")
	errNoLabel    = errors.New("bench: no label option found")
	errWrongLabel = errors.New("bench: wrong label decoded")
)

// payloadOf is the datagram's payload, after the header and up to the
// total length.
func payloadOf(pkt []byte, h ipopt.Header) ([]byte, error) {
	if int(h.TotalLen()) > len(pkt) {
		return nil, errTruncated
	}
	return pkt[len(h):h.TotalLen()], nil
}

func checkPayload(p []byte) error {
	if !bytes.Equal(p, udpPayload) {
		return fmt.Errorf("payload % x, want % x", p, udpPayload)
	}
	return nil
}

// decodeIplabel makes the label usable: for CIPSO a cipso.LabelView of
// the option's first tag (DOI, tag type, level, and the categories tested
// and iterated where they lie, all checked as Option.Label checks them);
// for the network SID the DSM label under dsm.Lenient. Check then asks the
// view for every category 0..65535, its iteration and its materialised
// Label, so the view the timed Run leaves must answer all of it.
func decodeIplabel(c *Case) Bench {
	pkt := c.Labeled
	var st struct {
		view    cipso.LabelView
		nsid    dsm.Label
		payload []byte
	}
	if c.NSID != nil {
		return Bench{
			Run: func() error {
				h, err := ipopt.ParseHeader(pkt)
				if err != nil {
					return err
				}
				if _, err := dsm.Lenient.DecodeOptions(h.Options(), &st.nsid); err != nil {
					return err
				}
				st.payload, err = payloadOf(pkt, h)
				return err
			},
			Check: func() error {
				if st.nsid != *c.NSID {
					return fmt.Errorf("decoded %v, want %v", st.nsid, *c.NSID)
				}
				return checkPayload(st.payload)
			},
		}
	}
	return Bench{
		Run: func() error {
			h, err := ipopt.ParseHeader(pkt)
			if err != nil {
				return err
			}
			var found bool
			st.view, found, err = cipso.FindLabelView(h.Options())
			if err != nil {
				return err
			}
			if !found {
				return errNoLabel
			}
			st.payload, err = payloadOf(pkt, h)
			return err
		},
		Check: func() error {
			if err := checkView(st.view, c.CIPSO); err != nil {
				return err
			}
			return checkPayload(st.payload)
		},
	}
}

// checkView compares a label view with the fixture's label: DOI 1 (every
// CIPSO fixture's), a label tag, the level, membership of every wire
// category, the order of iteration and the materialised label.
func checkView(v cipso.LabelView, want *cipso.Label) error {
	if v.DOI() != 1 || !v.TagType().MAC() || uint32(v.Level()) != want.Level {
		return fmt.Errorf("decoded doi %v tag %v level %d, want doi 1, a label tag, level %d", v.DOI(), v.TagType(), v.Level(), want.Level)
	}
	for cat := range uint32(cipso.MaxWireCategory + 2) {
		if v.Has(cat) != want.Cats.Has(cat) {
			return fmt.Errorf("category %d: decoded %v, want %v", cat, v.Has(cat), want.Cats.Has(cat))
		}
	}
	if got, exp := slices.Collect(v.All()), slices.Collect(want.Cats.All()); !slices.Equal(got, exp) {
		return fmt.Errorf("iteration %v, want %v", got, exp)
	}
	if l := v.Label(); !l.Equal(want) {
		return fmt.Errorf("materialised %v, want %v", l, *want)
	}
	return nil
}

// decodeGopacket decodes into a reused layers.IPv4 with no feedback, the
// fastest way gopacket offers (the DecodingLayer interface its package doc
// describes under "Fast Decoding With DecodingLayerParser", without the
// parser's dispatch). It serves as gopacket's validate too:
// DecodeFromBytes is where gopacket checks a header.
func decodeGopacket(c *Case) Bench {
	pkt := c.Labeled
	var ip layers.IPv4
	return Bench{
		Run: func() error { return ip.DecodeFromBytes(pkt, gopacket.NilDecodeFeedback) },
		Check: func() error {
			for _, o := range ip.Options {
				if o.OptionType == c.Option[0] {
					if int(o.OptionLength) != len(c.Option) || !bytes.Equal(o.OptionData, c.Option[2:]) {
						return errWrongLabel
					}
					return checkPayload(ip.Payload)
				}
			}
			return errNoLabel
		},
	}
}

// decodeXnet parses into a reused ipv4.Header: x/net copies the options
// out as bytes and does not look into them; the payload is sliced by
// hand.
func decodeXnet(c *Case) Bench {
	pkt := c.Labeled
	var h ipv4.Header
	var payload []byte
	return Bench{
		Run: func() error {
			if err := h.Parse(pkt); err != nil {
				return err
			}
			if h.TotalLen > len(pkt) {
				return errTruncated
			}
			payload = pkt[h.Len:h.TotalLen]
			return nil
		},
		Check: func() error {
			if !bytes.Contains(h.Options, c.Option) {
				return errNoLabel
			}
			return checkPayload(payload)
		},
	}
}

// gvisorWalk runs gVisor's option iterator over h's options up to the
// end of the list, keeping the contents of the last option of type want.
func gvisorWalk(h header.IPv4, want byte, found *[]byte) error {
	it := h.Options().MakeIterator()
	for {
		o, done, perr := it.Next()
		if perr != nil {
			return errParamProb
		}
		if done || o.Type() == header.IPv4OptionListEndType {
			return nil
		}
		if byte(o.Type()) == want {
			*found = o.Contents()
		}
	}
}

// decodeGvisor checks the header with IsValid and walks the options with
// gVisor's IPv4OptionIterator, which has no CIPSO decoder.
func decodeGvisor(c *Case) Bench {
	pkt := c.Labeled
	var found, payload []byte
	return Bench{
		Run: func() error {
			h := header.IPv4(pkt)
			if !h.IsValid(len(pkt)) {
				return errInvalid
			}
			if err := gvisorWalk(h, c.Option[0], &found); err != nil {
				return err
			}
			payload = h.Payload()
			return nil
		},
		Check: func() error {
			if !bytes.Equal(found, c.Option) {
				return errNoLabel
			}
			return checkPayload(payload)
		},
	}
}

func validateIplabel(c *Case) Bench {
	pkt := c.Labeled
	reg, err := cipso.ParseConfig(strings.NewReader(DOIConfig))
	if err != nil {
		panic(err)
	}
	walk := ipopt.Linux{CIPSO: cipso.NewLinux(reg)}
	recv := dsm.Receiver
	nsid := c.NSID != nil
	return Bench{
		Run: func() error {
			h, err := ipopt.ParseHeader(pkt)
			if err != nil {
				return err
			}
			if !h.VerifyChecksum() {
				return errChecksum
			}
			if nsid {
				return recv.Validate(h.Options())
			}
			return walk.Validate(h.Options())
		},
		Check: func() error { return nil },
	}
}

func validateGvisor(c *Case) Bench {
	pkt := c.Labeled
	var found []byte
	return Bench{
		Run: func() error {
			h := header.IPv4(pkt)
			if !h.IsValid(len(pkt)) {
				return errInvalid
			}
			if !h.IsChecksumValid() {
				return errChecksum
			}
			return gvisorWalk(h, c.Option[0], &found)
		},
		Check: func() error {
			if !bytes.Equal(found, c.Option) {
				return errNoLabel
			}
			return nil
		},
	}
}

// insertHeadroom is the room before the datagram for the header to grow
// into: the largest options field.
const insertHeadroom = ipopt.MaxOptionsLen

func checkInserted(out []byte, c *Case) error {
	if !bytes.Equal(out, c.Labeled) {
		return fmt.Errorf("inserted:\n% x\nwant\n% x", out, c.Labeled)
	}
	return nil
}

// insertIplabel copies the unlabelled datagram into a buffer with
// headroom and sets the label with ipopt.Packet: SetOption (labels go
// first), or InsertOption after the other options for the multi case,
// whose fixture has the label last.
func insertIplabel(c *Case) Bench {
	buf := make([]byte, insertHeadroom+len(c.Bare))
	bare, opt := c.Bare, c.Option
	last := ipopt.Header(bare).HeaderLen() > ipopt.BaseHeaderLen
	var out []byte
	return Bench{
		Run: func() error {
			copy(buf[insertHeadroom:], bare)
			p, err := ipopt.FromBytes(buf, insertHeadroom, len(bare))
			if err != nil {
				return err
			}
			if last {
				err = p.InsertOption(-1, opt)
			} else {
				err = p.SetOption(opt)
			}
			out = p.Network()
			return err
		},
		Check: func() error { return checkInserted(out, c) },
	}
}

// insertGopacket serializes the decoded datagram with the label added to
// its option list into a reused SerializeBuffer, fixing lengths and
// computing the checksum (SerializeLayers with FixLengths and
// ComputeChecksums, as gopacket's package doc shows under "Creating Packet
// Data").
func insertGopacket(c *Case) Bench {
	var ip layers.IPv4
	if err := ip.DecodeFromBytes(c.Bare, gopacket.NilDecodeFeedback); err != nil {
		panic(err)
	}
	opts := append([]layers.IPv4Option(nil), ip.Options...)
	opts = append(opts, layers.IPv4Option{OptionType: c.Option[0], OptionLength: c.Option[1], OptionData: c.Option[2:]})
	ls := []gopacket.SerializableLayer{&ip, gopacket.Payload(append([]byte(nil), ip.Payload...))}
	buf := gopacket.NewSerializeBuffer()
	so := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	return Bench{
		Run: func() error {
			ip.Options = opts
			return gopacket.SerializeLayers(buf, so, ls...)
		},
		Check: func() error { return checkInserted(buf.Bytes(), c) },
	}
}

// insertXnet sets the options of a parsed ipv4.Header, marshals it (x/net
// allocates the header) and appends the payload. x/net computes no
// checksum: the fixture's own RFC 1071 sum ([Checksum]) is used.
func insertXnet(c *Case) Bench {
	var h ipv4.Header
	if err := h.Parse(c.Bare); err != nil {
		panic(err)
	}
	opts := append(append([]byte(nil), h.Options...), c.Option...)
	payload := c.Bare[h.Len:]
	var out []byte
	return Bench{
		Run: func() error {
			h.Options = opts
			h.Len = ipv4.HeaderLen + len(opts)
			h.TotalLen = h.Len + len(payload)
			h.Checksum = 0
			b, err := h.Marshal()
			if err != nil {
				return err
			}
			binary.BigEndian.PutUint16(b[10:], Checksum(b))
			out = append(b, payload...)
			return nil
		},
		Check: func() error { return checkInserted(out, c) },
	}
}

// insertGvisor does what gVisor code outside the stack must do to add a
// CIPSO option (its option serializer is sealed: header.IPv4SerializableOption
// has only an unexported method, so no other package can add an option
// type to header.IPv4OptionsSerializer): copy
// the datagram behind headroom, move the header left, write the option
// octets after the existing ones, then SetHeaderLength, SetTotalLength
// and the checksum with CalculateChecksum.
func insertGvisor(c *Case) Bench {
	buf := make([]byte, insertHeadroom+len(c.Bare))
	bare, opt := c.Bare, c.Option
	oldHL := header.IPv4(bare).HeaderLength()
	n := (len(opt) + 3) &^ 3
	var out []byte
	return Bench{
		Run: func() error {
			copy(buf[insertHeadroom:], bare)
			start := insertHeadroom - n
			copy(buf[start:], buf[insertHeadroom:insertHeadroom+int(oldHL)])
			h := header.IPv4(buf[start:])
			clear(h[int(oldHL)+len(opt) : int(oldHL)+n])
			copy(h[oldHL:], opt)
			h.SetHeaderLength(oldHL + uint8(n))
			h.SetTotalLength(h.TotalLength() + uint16(n))
			h.SetChecksum(0)
			h.SetChecksum(^h.CalculateChecksum())
			out = h
			return nil
		},
		Check: func() error { return checkInserted(out, c) },
	}
}
