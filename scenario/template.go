package scenario

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
)

// Template is a message template compiled once when the scenario loads, so
// rendering on the hot path is appending bytes, not interpreting text. It
// accepts a small, fixed subset of Go template syntax:
//
//	{{.VU}}        the client slot number, 1-based
//	{{.Iter}}      how many times this slot has run the steps before, 0-based
//	{{.Seq}}       this slot's sequence number: it counts the messages
//	               whose template uses .Seq, 1 for the first, so they
//	               are numbered without gaps
//	{{.UnixMilli}} the wall clock in milliseconds since 1970
//	{{.UnixMicro}} the wall clock in microseconds since 1970 (for
//	               delivery latency, see Client.Delivery)
//	{{.Random N}}  N random characters (A-Z a-z 0-9 - _), or N random bytes
//	               in a binary template
//	{{"{{"}}       a literal "{{"
//
// A Template is immutable and safe for concurrent use.
type Template struct {
	Source string
	binary bool
	segs   []segment
}

type segKind uint8

const (
	segLiteral segKind = iota
	segVU
	segIter
	segSeq
	segUnixMilli
	segUnixMicro
	segRandom
)

type segment struct {
	kind segKind
	lit  []byte
	n    int
}

// maxRandom bounds {{.Random N}} so a typo cannot ask for gigabytes per message.
const maxRandom = 16 << 20

// templateFields lists the fields for error messages.
const templateFields = ".VU, .Iter, .Seq, .UnixMilli, .UnixMicro, .Random N"

// Vars are the values a template is rendered with. Rand must be set when the
// template uses .Random; each client owns its own source, so no lock is taken.
type Vars struct {
	VU   int
	Iter int
	Seq  uint64
	Rand *rand.Rand
}

// CompileTemplate parses src. In a binary template .Random yields raw bytes.
func CompileTemplate(src string, binary bool) (*Template, error) {
	t := &Template{Source: src, binary: binary}
	rest := src
	for rest != "" {
		open := strings.Index(rest, "{{")
		if open < 0 {
			t.addLiteral(rest)
			break
		}
		t.addLiteral(rest[:open])
		end := strings.Index(rest[open:], "}}")
		if end < 0 {
			return nil, fmt.Errorf("template: %q opens {{ without a closing }}", clip(rest[open:]))
		}
		action := rest[open : open+end+2]
		seg, err := parseAction(strings.TrimSpace(action[2 : len(action)-2]))
		if err != nil {
			return nil, fmt.Errorf("template: %s in %q", err, action)
		}
		if seg.kind == segLiteral {
			t.addLiteral(string(seg.lit))
		} else {
			t.segs = append(t.segs, seg)
		}
		rest = rest[open+end+2:]
	}
	return t, nil
}

func (t *Template) addLiteral(s string) {
	if s == "" {
		return
	}
	if n := len(t.segs); n > 0 && t.segs[n-1].kind == segLiteral {
		t.segs[n-1].lit = append(t.segs[n-1].lit, s...)
		return
	}
	t.segs = append(t.segs, segment{kind: segLiteral, lit: []byte(s)})
}

func parseAction(a string) (segment, error) {
	if len(a) >= 2 && a[0] == '"' {
		s, err := strconv.Unquote(a)
		if err != nil {
			return segment{}, fmt.Errorf("bad string literal %s", a)
		}
		return segment{kind: segLiteral, lit: []byte(s)}, nil
	}
	f := strings.Fields(a)
	if len(f) == 0 {
		return segment{}, fmt.Errorf("empty action; valid fields: %s", templateFields)
	}
	name, args := f[0], f[1:]
	kinds := map[string]segKind{".VU": segVU, ".Iter": segIter, ".Seq": segSeq, ".UnixMilli": segUnixMilli, ".UnixMicro": segUnixMicro, ".Random": segRandom}
	k, ok := kinds[name]
	if !ok {
		if hint := suggest(name, []string{".VU", ".Iter", ".Seq", ".UnixMilli", ".UnixMicro", ".Random"}); hint != "" {
			return segment{}, fmt.Errorf("unknown field %s (did you mean %s?)", name, hint)
		}
		return segment{}, fmt.Errorf("unknown field %s; valid fields: %s", name, templateFields)
	}
	if k != segRandom {
		if len(args) > 0 {
			return segment{}, fmt.Errorf("%s takes no argument", name)
		}
		return segment{kind: k}, nil
	}
	if len(args) != 1 {
		return segment{}, fmt.Errorf(".Random takes one length, as in {{.Random 64}}")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > maxRandom {
		return segment{}, fmt.Errorf(".Random length %q must be a whole number from 1 to %d", args[0], maxRandom)
	}
	return segment{kind: segRandom, n: n}, nil
}

// Binary reports whether t renders a binary message.
func (t *Template) Binary() bool { return t.binary }

// UsesSeq reports whether t renders .Seq: sending it takes the next
// sequence number.
func (t *Template) UsesSeq() bool {
	for i := range t.segs {
		if t.segs[i].kind == segSeq {
			return true
		}
	}
	return false
}

// Static reports whether t renders the same bytes every time.
func (t *Template) Static() bool {
	return len(t.segs) == 0 || (len(t.segs) == 1 && t.segs[0].kind == segLiteral)
}

// Append renders t with v onto dst and returns the extended slice. It does
// not allocate when dst has room.
func (t *Template) Append(dst []byte, v *Vars) []byte {
	for i := range t.segs {
		s := &t.segs[i]
		switch s.kind {
		case segLiteral:
			dst = append(dst, s.lit...)
		case segVU:
			dst = strconv.AppendInt(dst, int64(v.VU), 10)
		case segIter:
			dst = strconv.AppendInt(dst, int64(v.Iter), 10)
		case segSeq:
			dst = strconv.AppendUint(dst, v.Seq, 10)
		case segUnixMilli:
			dst = strconv.AppendInt(dst, time.Now().UnixMilli(), 10)
		case segUnixMicro:
			dst = strconv.AppendInt(dst, time.Now().UnixMicro(), 10)
		case segRandom:
			dst = appendRandom(dst, s.n, t.binary, v.Rand)
		}
	}
	return dst
}

// randomAlphabet has 64 JSON- and URL-safe characters, so six random bits
// pick one without bias.
const randomAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

func appendRandom(dst []byte, n int, binary bool, r *rand.Rand) []byte {
	for n > 0 {
		x := r.Uint64()
		if binary {
			for i := 0; i < 8 && n > 0; i++ {
				dst = append(dst, byte(x))
				x >>= 8
				n--
			}
			continue
		}
		for i := 0; i < 10 && n > 0; i++ {
			dst = append(dst, randomAlphabet[x&63])
			x >>= 6
			n--
		}
	}
	return dst
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "..."
	}
	return s
}
