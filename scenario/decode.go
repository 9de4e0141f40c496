package scenario

import (
	"fmt"
	"reflect"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// Limits that keep a hostile file from making loading slow: YAML aliases
// can make a small file expand exponentially ("billion laughs") or refer to
// themselves.
const (
	maxNodes = 100_000
	maxDepth = 64
)

// decoder walks a yaml.Node tree into the scenario types by their yaml
// tags. It never stops at the first problem: it records each one and goes
// on with the next value. It also records where every value was written, so
// the validation that follows can report file:line:col too.
type decoder struct {
	file   string
	lookup func(string) (string, bool)
	probs  Problems

	pos    map[string]Pos    // path -> where its value (a map entry: its key) is written
	set    map[string]bool   // path -> written with a non-null value
	bad    map[string]bool   // path -> its value could not be decoded
	origin map[string]string // path -> the command-line flag that set it
	typo   map[string]bool   // path -> absent, but an unknown key looked like a typo of it
	said   map[string]bool   // path + "\x00" + message -> validation reported it

	// profileClients are the client mappings of clients.profiles, decoded
	// only once the scenario's client block is, since they are laid over it.
	profileClients map[*Profile]*yaml.Node

	nodes, depth int
	tooBig       bool

	// maxClients is the validated population's peak, for total_rate.
	maxClients int
}

func newDecoder(file string, lookup func(string) (string, bool)) *decoder {
	return &decoder{
		file:   file,
		lookup: lookup,
		pos:    map[string]Pos{},
		set:    map[string]bool{},
		bad:    map[string]bool{},
		origin: map[string]string{},
		typo:   map[string]bool{},
		said:   map[string]bool{},

		profileClients: map[*Profile]*yaml.Node{},
	}
}

func posOf(n *yaml.Node) Pos { return Pos{Line: n.Line, Col: n.Column} }

// addf records a problem at p.
func (d *decoder) addf(p Pos, path, format string, args ...any) {
	d.probs = append(d.probs, Problem{File: d.file, Pos: p, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// fail records a problem with the value n at path and marks path bad, so
// validation does not pile more problems onto the same value.
func (d *decoder) fail(n *yaml.Node, path, format string, args ...any) {
	d.bad[path] = true
	d.addf(posOf(n), path, format, args...)
}

// enter follows aliases and counts n against the size and depth limits;
// it returns nil when the walk must stop. Every enter needs a leave.
func (d *decoder) enter(n *yaml.Node) *yaml.Node {
	d.depth++
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	d.nodes++
	if d.nodes > maxNodes || d.depth > maxDepth {
		if !d.tooBig {
			d.tooBig = true
			d.addf(posOf(n), "", "the file nests or repeats values too much (more than %d levels or %d values; check aliases)", maxDepth, maxNodes)
		}
		return nil
	}
	return n
}

func (d *decoder) leave() { d.depth-- }

var (
	durationType  = reflect.TypeFor[Duration]()
	sizeType      = reflect.TypeFor[Size]()
	templateType  = reflect.TypeFor[*Template]()
	stepType      = reflect.TypeFor[Step]()
	sleepType     = reflect.TypeFor[Sleep]()
	thresholdType = reflect.TypeFor[Threshold]()
	everyType     = reflect.TypeFor[Every]()
	clientType    = reflect.TypeFor[Client]()
	profileType   = reflect.TypeFor[Profile]()
)

// decode stores the value of n into v, which is addressable.
func (d *decoder) decode(n *yaml.Node, path string, v reflect.Value) {
	if n = d.enter(n); n == nil {
		d.leave()
		return
	}
	defer d.leave()
	d.pos[path] = posOf(n)
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // written as empty or null: same as absent
	}
	d.set[path] = true

	switch v.Type() {
	case durationType:
		if x, ok := d.duration(n, path); ok {
			v.SetInt(int64(x))
		}
		return
	case sizeType:
		if x, ok := d.size(n, path); ok {
			v.SetInt(int64(x))
		}
		return
	case templateType:
		d.template(n, path, v)
		return
	case argsType:
		d.args(n, path, v)
		return
	case jsonType:
		d.jsonValue(n, path, v)
		return
	case thresholdType:
		d.threshold(n, path, v.Addr().Interface().(*Threshold))
		return
	case stepType:
		d.step(n, path, v.Addr().Interface().(*Step))
		return
	case sleepType:
		d.sleep(n, path, v.Addr().Interface().(*Sleep))
		return
	case everyType:
		d.every(n, path, v.Addr().Interface().(*Every))
		return
	case profileType:
		d.profile(n, path, v.Addr().Interface().(*Profile))
		return
	}

	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		d.nodes-- // the pointer and its target are one value
		d.decode(n, path, v.Elem())
	case reflect.Struct:
		d.structure(n, path, v)
	case reflect.Slice:
		d.list(n, path, v)
	case reflect.Map:
		d.mapping(n, path, v)
	default:
		d.scalar(n, path, v)
	}
}

// extensionPrefix starts top-level keys that wsbench ignores, a place to
// define YAML anchors (x-reply: &reply {json_field: id}) as in Compose files.
const extensionPrefix = "x-"

// field is one yaml key of a struct.
type field struct {
	key   string
	index int
}

func fieldsOf(t reflect.Type) []field {
	var fs []field
	for i := range t.NumField() {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			fs = append(fs, field{tag, i})
		}
	}
	return fs
}

func keysOf(fs []field) []string {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	return keys
}

func (d *decoder) structure(n *yaml.Node, path string, v reflect.Value) {
	fs := fieldsOf(v.Type())
	keys := keysOf(fs)
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping with keys %s; got %s", strings.Join(keys, ", "), describe(n, n.Value))
		return
	}
	for _, p := range d.pairs(n, path) {
		i := indexOf(keys, p.key.Value)
		switch {
		case i >= 0:
			d.decode(p.val, join(path, p.key.Value), v.Field(fs[i].index))
		case path == "" && strings.HasPrefix(p.key.Value, extensionPrefix):
			// a place for YAML anchors; ignored
		default:
			d.unknownKey(p.key, path, keys)
		}
	}
}

func indexOf(keys []string, k string) int {
	for i, x := range keys {
		if x == k {
			return i
		}
	}
	return -1
}

// unknownKey reports key k, not one of valid, at the mapping at path.
func (d *decoder) unknownKey(k *yaml.Node, path string, valid []string) {
	if hint := suggest(k.Value, valid); hint != "" {
		d.typo[join(path, hint)] = true
		d.addf(posOf(k), path, "unknown key %q (did you mean %q?)", k.Value, hint)
		return
	}
	d.addf(posOf(k), path, "unknown key %q; valid keys here: %s", k.Value, strings.Join(valid, ", "))
}

func (d *decoder) list(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.SequenceNode {
		d.fail(n, path, "expected a list of %s; got %s", listNoun(v.Type().Elem()), describe(n, n.Value))
		return
	}
	s := reflect.MakeSlice(v.Type(), len(n.Content), len(n.Content))
	for i, item := range n.Content {
		ip := fmt.Sprintf("%s[%d]", path, i)
		if item.Kind == yaml.ScalarNode && item.ShortTag() == "!!null" {
			d.fail(item, ip, "empty list item; expected one of the %s", listNoun(v.Type().Elem()))
			continue
		}
		d.decode(item, ip, s.Index(i))
	}
	v.Set(s)
}

func listNoun(t reflect.Type) string {
	switch t {
	case stepType:
		return "steps, like - connect or - send: hello"
	case reflect.TypeFor[Stage]():
		return "stages, like - {duration: 30s, target: 10}"
	case thresholdType:
		return "thresholds, like - rtt.p99 < 50ms"
	case profileType:
		return "profiles, like - {name: mobile, weight: 30, client: {network: {offline_every: 2m, offline_for: 10s}}}"
	}
	return "strings, like [a, b]"
}

func (d *decoder) mapping(n *yaml.Node, path string, v reflect.Value) {
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected a mapping of names to values, like {Authorization: \"Bearer x\"}; got %s", describe(n, n.Value))
		return
	}
	// A map already holding entries is a profile's copy of the client
	// block's: the profile's entries are laid over it, name by name.
	m := v
	if m.IsNil() {
		m = reflect.MakeMap(v.Type())
	}
	for _, p := range d.pairs(n, path) {
		ep := join(path, p.key.Value)
		val := reflect.New(v.Type().Elem()).Elem()
		d.decode(p.val, ep, val)
		d.pos[ep] = posOf(p.key)
		m.SetMapIndex(reflect.ValueOf(p.key.Value), val)
	}
	v.Set(m)
}

// pair is one key: value entry of a mapping.
type pair struct{ key, val *yaml.Node }

// pairs returns the entries of mapping n in order, reporting duplicate keys
// and expanding YAML merge keys (<<: *base); keys written in n win over
// merged ones.
func (d *decoder) pairs(n *yaml.Node, path string) []pair {
	var own, merged []pair
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.AliasNode && k.Alias != nil {
			k = k.Alias
		}
		switch {
		case k.Kind != yaml.ScalarNode:
			d.addf(posOf(k), path, "a key must be a plain name; got %s", describe(k, ""))
		case k.ShortTag() == "!!merge":
			merged = append(merged, d.merge(v, path)...)
		case seen[k.Value] != nil:
			d.addf(posOf(k), path, "duplicate key %q (first at line %d)", k.Value, seen[k.Value].Line)
		default:
			seen[k.Value] = k
			own = append(own, pair{k, v})
		}
	}
	for _, p := range merged {
		if seen[p.key.Value] == nil {
			seen[p.key.Value] = p.key
			own = append(own, p)
		}
	}
	return own
}

// merge returns the entries a merge key brings in: a mapping, or a list of
// mappings where earlier ones win.
func (d *decoder) merge(v *yaml.Node, path string) []pair {
	if v = d.enter(v); v == nil {
		d.leave()
		return nil
	}
	defer d.leave()
	switch v.Kind {
	case yaml.MappingNode:
		return d.pairs(v, path)
	case yaml.SequenceNode:
		var all []pair
		for _, m := range v.Content {
			all = append(all, d.merge(m, path)...)
		}
		return all
	}
	d.addf(posOf(v), path, "<< merges a mapping or a list of mappings; got %s", describe(v, v.Value))
	return nil
}

// join appends key to path.
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parent is the path of the value that contains path's value.
func parent(path string) string {
	i := strings.LastIndexAny(path, ".[")
	if i < 0 {
		return ""
	}
	return path[:i]
}

// lastKey is the final key of path ("binary" for "steps[0].send.binary").
func lastKey(path string) string {
	return path[strings.LastIndexByte(path, '.')+1:]
}

// describe names what n is for a "got ..." message; text is the scalar's
// value after environment expansion.
func describe(n *yaml.Node, text string) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.ShortTag() == "!!str" {
			return fmt.Sprintf("%q", clip(text))
		}
		return clip(text)
	}
	return "nothing"
}
