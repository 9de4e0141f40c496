package scenario

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"reflect"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

var (
	argsType = reflect.TypeFor[*Args]()
	jsonType = reflect.TypeFor[*JSON]()
)

// rawJSONTag marks a string inserted into JSON as it is: !json '{{.Seq}}'
// makes a number from a template, !json '[1,2]' writes JSON by hand.
const rawJSONTag = "!json"

// args decodes an emit's arguments: a list, each item one argument (a
// single value is one argument). Strings are templates; !!binary values
// become attachments.
func (d *decoder) args(n *yaml.Node, path string, v reflect.Value) {
	items := []*yaml.Node{n}
	if n.Kind == yaml.SequenceNode {
		items = n.Content
	}
	a := &Args{}
	var src strings.Builder
	for i, it := range items {
		if i > 0 {
			src.WriteByte(',')
		}
		if !d.toJSON(it, path, &src, a, true) {
			return
		}
	}
	t, err := CompileTemplate(src.String(), false)
	if err != nil {
		d.fail(n, path, "%v", err)
		return
	}
	sample := append(append([]byte{'['}, t.Append(nil, sampleVars())...), ']')
	if !json.Valid(sample) {
		d.fail(n, path, "the arguments do not render to JSON (%s); check !json values", clip(string(sample)))
		return
	}
	a.JSON = t
	v.Set(reflect.ValueOf(a))
}

// jsonValue decodes any YAML value into JSON, without templates.
func (d *decoder) jsonValue(n *yaml.Node, path string, v reflect.Value) {
	var src strings.Builder
	if !d.toJSON(n, path, &src, nil, false) {
		return
	}
	v.Set(reflect.ValueOf(&JSON{Raw: []byte(src.String())}))
}

// toJSON writes n as JSON to w. With templates, strings keep their
// {{...}} actions for CompileTemplate and binary values become
// placeholders for attachments in a.
func (d *decoder) toJSON(n *yaml.Node, path string, w *strings.Builder, a *Args, templates bool) bool {
	if n = d.enter(n); n == nil {
		d.leave()
		return false
	}
	defer d.leave()
	switch n.Kind {
	case yaml.MappingNode:
		w.WriteByte('{')
		for i, p := range d.pairs(n, path) {
			if i > 0 {
				w.WriteByte(',')
			}
			w.Write(quoteJSON(p.key.Value))
			w.WriteByte(':')
			if !d.toJSON(p.val, join(path, p.key.Value), w, a, templates) {
				return false
			}
		}
		w.WriteByte('}')
		return true
	case yaml.SequenceNode:
		w.WriteByte('[')
		for i, it := range n.Content {
			if i > 0 {
				w.WriteByte(',')
			}
			if !d.toJSON(it, path, w, a, templates) {
				return false
			}
		}
		w.WriteByte(']')
		return true
	}
	switch n.Tag {
	case rawJSONTag:
		s, ok := d.text(n, path, "JSON text")
		if ok && !templates && !json.Valid([]byte(s)) {
			d.fail(n, path, "!json %q is not valid JSON", clip(s))
			return false
		}
		w.WriteString(s)
		return ok
	case "!!binary":
		if a == nil {
			d.fail(n, path, "binary values are only allowed in emit args")
			return false
		}
		raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(n.Value), ""))
		if err != nil {
			d.fail(n, path, "!!binary value is not valid base64: %v", err)
			return false
		}
		w.WriteString(`{"_placeholder":true,"num":` + strconv.Itoa(len(a.Attachments)) + `}`)
		a.Attachments = append(a.Attachments, raw)
		return true
	case "!!null":
		w.WriteString("null")
		return true
	case "!!bool":
		w.WriteString(strings.ToLower(n.Value))
		return true
	case "!!int":
		x, err := strconv.ParseInt(strings.ReplaceAll(n.Value, "_", ""), 0, 64)
		if err != nil {
			d.fail(n, path, "number %s does not fit 64 bits", n.Value)
			return false
		}
		w.WriteString(strconv.FormatInt(x, 10))
		return true
	case "!!float":
		x, err := strconv.ParseFloat(strings.ReplaceAll(n.Value, "_", ""), 64)
		if err != nil || math.IsInf(x, 0) || math.IsNaN(x) {
			d.fail(n, path, "%s is not a JSON number", n.Value)
			return false
		}
		w.WriteString(strconv.FormatFloat(x, 'g', -1, 64))
		return true
	case "!!str":
		s, ok := d.text(n, path, "a string")
		if !ok {
			return false
		}
		if templates {
			w.Write(quoteTemplate(s))
		} else {
			w.Write(quoteJSON(s))
		}
		return true
	}
	d.fail(n, path, "YAML tag %s cannot be sent as JSON; use a plain value, !!binary or !json", n.Tag)
	return false
}

func quoteJSON(s string) []byte {
	b, _ := json.Marshal(s) // a string always marshals
	return b
}

// quoteTemplate quotes s as a JSON string but leaves its {{...}} actions
// as they are, so CompileTemplate still sees them.
func quoteTemplate(s string) []byte {
	out := []byte{'"'}
	for s != "" {
		open := strings.Index(s, "{{")
		end := -1
		if open >= 0 {
			end = strings.Index(s[open:], "}}")
		}
		if open < 0 || end < 0 {
			q := quoteJSON(s)
			return append(append(out, q[1:len(q)-1]...), '"')
		}
		q := quoteJSON(s[:open])
		out = append(out, q[1:len(q)-1]...)
		out = append(out, s[open:open+end+2]...)
		s = s[open+end+2:]
	}
	return append(out, '"')
}
