package scenario

import (
	"reflect"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// stepNames are the step kinds in the order the docs list them.
var stepNames = []string{"connect", "close", "send", "expect", "sleep", "loop", "emit", "expect_event", "offline", "background"}

// stepExamples show each step's value in messages.
var stepExamples = map[string]string{
	"send":         `- send: "hello" or - send: {text: "hello", expect: {regex: hello}}`,
	"expect":       `- expect: {regex: "welcome", timeout: 5s}`,
	"sleep":        `- sleep: 1s or - sleep: {min: 200ms, max: 800ms}`,
	"loop":         `- loop: {count: 10, steps: [...]}`,
	"emit":         `- emit: {event: chat, args: [hello], ack: {timeout: 5s}}`,
	"expect_event": `- expect_event: {event: welcome, timeout: 5s}`,
	"offline":      `- offline: 5s or - offline: {for: {min: 2s, max: 10s}, mode: reset}`,
	"background":   `- background: 30s or - background: {for: 30s, close: false}`,
}

// step decodes one list item of steps: a bare name ("- connect") or a
// mapping with exactly one key naming the step ("- send: hello").
func (d *decoder) step(n *yaml.Node, path string, st *Step) {
	st.Pos = posOf(n)
	switch n.Kind {
	case yaml.ScalarNode:
		d.stepBody(n, nil, path, st)
	case yaml.MappingNode:
		ps := d.pairs(n, path)
		switch len(ps) {
		case 0:
			d.fail(n, path, "empty step; expected a step like - connect or - send: hello")
		case 1:
			d.stepBody(ps[0].key, ps[0].val, path, st)
		default:
			names := make([]string, len(ps))
			for i, p := range ps {
				names[i] = p.key.Value
			}
			d.fail(n, path, "one step per list item; found %s", andList(names))
		}
	default:
		d.fail(n, path, "expected a step like - connect or - send: hello; got %s", describe(n, ""))
	}
}

// stepBody decodes the step named by key with value val (nil for a bare
// name).
func (d *decoder) stepBody(key, val *yaml.Node, path string, st *Step) {
	name := key.Value
	if indexOf(stepNames, name) < 0 {
		if hint := suggest(name, stepNames); hint != "" {
			d.fail(key, path, "unknown step %q (did you mean %q?)", name, hint)
		} else {
			d.fail(key, path, "unknown step %q; valid steps: %s", name, strings.Join(stepNames, ", "))
		}
		return
	}
	st.Kind = StepKind(name)
	kp := join(path, name)
	d.pos[kp] = posOf(key)
	if val != nil {
		d.pos[kp] = posOf(val)
		if val.Kind == yaml.ScalarNode && val.ShortTag() == "!!null" {
			val = nil
		}
	}
	if val == nil {
		switch st.Kind {
		case StepConnect:
		case StepClose:
			st.Close = &Close{}
		default:
			d.fail(key, path, "%s needs a value, e.g. %s", name, stepExamples[name])
			st.Kind = "" // keeps Kind and its pointer field in step
		}
		return
	}
	d.set[kp] = true
	switch st.Kind {
	case StepConnect:
		d.fail(val, kp, `connect takes no options; write "- connect"`)
	case StepClose:
		st.Close = &Close{}
		d.decode(val, kp, reflect.ValueOf(st.Close).Elem())
	case StepSend:
		st.Send = &Send{}
		if val.Kind == yaml.ScalarNode { // - send: "text" is short for {text: "text"}
			d.set[kp+".text"] = true
			d.pos[kp+".text"] = posOf(val)
			d.decode(val, kp+".text", reflect.ValueOf(&st.Send.Text).Elem())
			return
		}
		d.decode(val, kp, reflect.ValueOf(st.Send).Elem())
	case StepExpect:
		st.Expect = &Expect{}
		d.decode(val, kp, reflect.ValueOf(st.Expect).Elem())
	case StepSleep:
		st.Sleep = &Sleep{}
		d.decode(val, kp, reflect.ValueOf(st.Sleep).Elem())
	case StepLoop:
		st.Loop = &Loop{}
		d.decode(val, kp, reflect.ValueOf(st.Loop).Elem())
	case StepEmit:
		st.Emit = &Emit{}
		if val.Kind == yaml.ScalarNode { // - emit: ping is short for {event: ping}
			d.set[kp+".event"] = true
			d.pos[kp+".event"] = posOf(val)
			d.decode(val, kp+".event", reflect.ValueOf(&st.Emit.Event).Elem())
			return
		}
		d.decode(val, kp, reflect.ValueOf(st.Emit).Elem())
	case StepExpectEvent:
		st.ExpectEvent = &EventExpect{}
		if val.Kind == yaml.ScalarNode { // - expect_event: welcome
			d.set[kp+".event"] = true
			d.pos[kp+".event"] = posOf(val)
			d.decode(val, kp+".event", reflect.ValueOf(&st.ExpectEvent.Event).Elem())
			return
		}
		d.decode(val, kp, reflect.ValueOf(st.ExpectEvent).Elem())
	case StepOffline, StepBackground:
		st.Away = &Away{}
		d.away(val, kp, st.Kind, st.Away)
	}
}

// sleep decodes a duration ("1s", a fixed time) or {min, max} (a uniformly
// random time) or {duration} (fixed). Used by the sleep step and by the
// embedded server's delay.
func (d *decoder) sleep(n *yaml.Node, path string, s *Sleep) {
	if n.Kind == yaml.ScalarNode {
		if x, ok := d.duration(n, path); ok {
			s.Min, s.Max = x, x
		}
		return
	}
	const want = `a duration like "1s" or {min: 200ms, max: 800ms}`
	if n.Kind != yaml.MappingNode {
		d.fail(n, path, "expected %s; got %s", want, describe(n, ""))
		return
	}
	keys := []string{"min", "max", "duration"}
	var vals [3]Duration
	var has [3]bool
	bad := false
	for _, p := range d.pairs(n, path) {
		i := indexOf(keys, p.key.Value)
		if i < 0 {
			d.unknownKey(p.key, path, keys)
			continue
		}
		kp := join(path, keys[i])
		d.decode(p.val, kp, reflect.ValueOf(&vals[i]).Elem())
		has[i] = d.set[kp]
		bad = bad || d.bad[kp]
	}
	switch {
	case bad:
	case has[2] && (has[0] || has[1]):
		d.fail(n, path, "write either duration or min and max, not both")
	case has[2]:
		s.Min, s.Max = vals[2], vals[2]
	case has[0] && has[1]:
		s.Min, s.Max = vals[0], vals[1]
		if s.Min > s.Max {
			d.fail(n, path, "min %s is more than max %s", s.Min, s.Max)
		}
	case has[0] || has[1]:
		d.fail(n, path, "write both min and max (or duration: 1s for a fixed time)")
	default:
		d.fail(n, path, "expected %s; got an empty mapping", want)
	}
}

// andList formats names as "a", "a and b" or "a, b and c".
func andList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}
