package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/google/gopacket/layers"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/iplabel/iplabel/cipso"
)

// FuzzOptionsJSON: for any options field, decode's and validate's lines
// are valid JSON of the contract's shape, and nothing panics.
func FuzzOptionsJSON(f *testing.F) {
	for _, c := range checklist {
		b, err := parseHexField(nil, c.hex)
		if err == nil {
			f.Add(b)
		}
	}
	reg, err := loadConfig(sampleConfig)
	if err != nil {
		f.Fatal(err)
	}
	vs := []*validator{newValidator(reg, false, true, true), newValidator(reg, true, false, true)}
	f.Fuzz(func(t *testing.T, opts []byte) {
		if len(opts) > 40 {
			opts = opts[:40]
		}
		var d struct {
			Options []map[string]any `json:"options"`
			Error   *struct {
				Offset  *int    `json:"offset"`
				Message *string `json:"message"`
			} `json:"error"`
		}
		line := appendDecodeJSON(nil, opts)
		if err := json.Unmarshal(line, &d); err != nil {
			t.Fatalf("decode JSON %s: %v", line, err)
		}
		if d.Options == nil || d.Error != nil && (d.Error.Offset == nil || d.Error.Message == nil) {
			t.Fatalf("decode JSON shape: %s", line)
		}
		for _, v := range vs {
			var r map[string]any
			line := appendVerdictJSON(nil, v.validate(opts))
			if err := json.Unmarshal(line, &r); err != nil {
				t.Fatalf("validate JSON %s: %v", line, err)
			}
			if ok, _ := r["ok"].(bool); !ok {
				// The pointer is a number, or null when Linux sends none.
				p, present := r["pointer"]
				if _, num := p.(float64); !present || !num && p != nil || r["error"] == nil {
					t.Fatalf("validate JSON shape: %s", line)
				}
			}
		}
	})
}

// FuzzHexField: the hex reader never panics, never returns more than 40
// octets or a length that is not a multiple of 4, and reads back what
// hexOf writes.
func FuzzHexField(f *testing.F) {
	for _, s := range []string{"-", "86 0a 00", "0x86:0a", "zz", "0x", "860a0000000101040005"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		b, err := parseHexField(nil, s)
		if err != nil {
			return
		}
		if len(b) > 40 || len(b)%4 != 0 {
			t.Fatalf("%q: %d octets", s, len(b))
		}
		b2, err := parseHexField(nil, hexOf(b))
		if err != nil || !bytes.Equal(b, b2) {
			t.Fatalf("%q: round trip %x -> %x, %v", s, b, b2, err)
		}
	})
}

// FuzzCapture: any file given to dump ends with exit status 0, or 2 and
// one line on stderr; dump never panics, whatever pcapgo does with it.
func FuzzCapture(f *testing.F) {
	sample := sampleCapture(f)
	f.Add(sample)
	f.Add(sample[:100])
	f.Add(pcapngOf(f, []layers.LinkType{layers.LinkTypeEthernet}, ngPacket{0, sampleFrames(f)[0]}))
	f.Add(gzipped(f, sample[:200]))
	f.Fuzz(func(t *testing.T, data []byte) {
		var out, errb bytes.Buffer
		code := run([]string{"dump", "--json", "-"}, bytes.NewReader(data), &out, &errb)
		switch code {
		case exitOK:
			if withoutHint(errb.String()) != "" {
				t.Fatalf("exit 0 with stderr %q", errb.String())
			}
		case exitError:
			if n := strings.Count(errb.String(), "\n"); n != 1 {
				t.Fatalf("stderr of %d lines: %q", n, errb.String())
			}
		default:
			t.Fatalf("exit status %d", code)
		}
		for _, l := range lines(out.String()) {
			if !json.Valid([]byte(l)) {
				t.Fatalf("not JSON: %s", l)
			}
		}
	})
}

// TestEncodeDecodeProperty: for any level and categories, what encode
// prints (Linux's tag choice for tags 1,2,5) decodes to the same level
// and categories.
func TestEncodeDecodeProperty(t *testing.T) {
	params := gopter.DefaultTestParameters()
	params.MinSuccessfulTests = 300
	p := gopter.NewProperties(params)
	p.Property("encode then decode", prop.ForAll(
		func(level uint8, cats []uint16, optfmt bool) bool {
			var s cipso.CatSet
			var list []string
			for _, c := range cats {
				_ = s.Add(uint32(c))
				list = append(list, itoa(int(c)))
			}
			args := []string{"encode", "--doi", "16", "--level", itoa(int(level))}
			if len(list) > 0 {
				args = append(args, "--categories", strings.Join(list, ","))
			}
			if optfmt {
				args = append(args, "--optfmt")
			}
			var out bytes.Buffer
			if run(args, nil, &out, io.Discard) != exitOK {
				// Only labels no tag of 1, 2, 5 can carry may fail: a
				// category above 239 (bitmap), more than 15 (enumerated)
				// and ranges over 30 octets (cipso_v4_map_cat_*_hton in
				// net/ipv4/cipso_ipv4.c).
				m, _ := s.Max()
				rng := 0
				for range s.Ranges() {
					rng += 4
				}
				if s.Has(0) {
					rng -= 2
				}
				return m >= 240 && s.Len() > 15 && rng > 30
			}
			var d struct {
				Options []struct {
					Cipso struct {
						Tags []struct {
							Type       int     `json:"type"`
							Level      int     `json:"level"`
							Categories []int   `json:"categories"`
							Ranges     [][]int `json:"ranges"`
						} `json:"tags"`
					} `json:"cipso"`
				} `json:"options"`
			}
			var dec bytes.Buffer
			run([]string{"decode", strings.TrimSpace(out.String())}, nil, &dec, io.Discard)
			if json.Unmarshal(dec.Bytes(), &d) != nil || len(d.Options) == 0 || len(d.Options[0].Cipso.Tags) != 1 {
				return false
			}
			tg := d.Options[0].Cipso.Tags[0]
			var got cipso.CatSet
			for _, c := range tg.Categories {
				_ = got.Add(uint32(c))
			}
			for _, r := range tg.Ranges {
				_ = got.AddRange(uint32(r[1]), uint32(r[0]))
			}
			return tg.Level == int(level) && got.Equal(&s)
		},
		gen.UInt8(),
		gen.SliceOfN(20, gen.OneGenOf(gen.UInt16Range(0, 300), gen.UInt16Range(0, 65534))),
		gen.Bool(),
	))
	p.TestingRun(t)
}

func itoa(v int) string { return string(appendInt(nil, v)) }
