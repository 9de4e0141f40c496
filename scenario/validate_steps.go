package scenario

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// checkSteps validates steps (at path) and the steps of their loops.
func (d *decoder) checkSteps(steps []Step, path string) {
	for i := range steps {
		st := &steps[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		switch st.Kind {
		case StepSend:
			d.checkSend(st.Send, p+".send")
		case StepExpect:
			d.checkExpect(st.Expect, p+".expect", nil)
		case StepEmit:
			d.checkEmit(st.Emit, p+".emit")
		case StepExpectEvent:
			d.checkEventExpect(st.ExpectEvent, p+".expect_event")
		case StepOffline, StepBackground:
			d.checkAway(st.Away, st.Kind, p+"."+string(st.Kind))
		case StepClose:
			if c := st.Close.Code; c != 1000 && (c < 3000 || c > 4999) {
				d.problem(p+".close.code", "a client may close with 1000 or 3000-4999, got %d", c)
			}
			if len(st.Close.Reason) > maxCloseReason {
				d.problem(p+".close.reason", "is %d bytes; a close reason has at most %d", len(st.Close.Reason), maxCloseReason)
			}
		case StepLoop:
			l := st.Loop
			if l.Count < 0 {
				d.problem(p+".loop.count", "must be 0 (no limit) or more, got %d", l.Count)
			}
			if len(l.Steps) == 0 {
				d.problem(p+".loop.steps", "a loop needs steps, e.g. steps: [{send: hello}, {sleep: 1s}]")
			}
			d.checkSteps(l.Steps, p+".loop.steps")
		}
	}
}

func (d *decoder) checkSend(s *Send, path string) {
	var forms []string
	for _, k := range []string{"text", "binary", "base64"} {
		if d.set[path+"."+k] {
			forms = append(forms, k)
		}
	}
	switch len(forms) {
	case 0:
		if !d.typoUnder(path, "text", "binary", "base64") {
			d.problem(path, "send needs one of text, binary or base64")
		}
	case 1:
	default:
		d.problem(path, "write exactly one of text, binary or base64; found %s", andList(forms))
	}
	if d.set[path+".base64"] {
		raw, err := base64.StdEncoding.DecodeString(s.Base64)
		if err != nil {
			d.problem(path+".base64", "not valid base64: %v", err)
		}
		s.Raw = raw
	}
	if s.Expect != nil {
		d.checkExpect(s.Expect, path+".expect", s)
	}
	switch {
	case d.set[path+".rate"] && d.set[path+".total_rate"]:
		d.problem(path, "write rate (per client) or total_rate (for all clients together), not both")
	case d.set[path+".rate"]:
		iv, err := ParseRate(s.Rate)
		if err != nil {
			d.problem(path+".rate", "%v", err)
		}
		s.Interval = iv
	case d.set[path+".total_rate"]:
		// Each of the peak population's clients takes an equal share.
		total, err := ParsePerSecond(s.TotalRate)
		if err == nil && total == 0 {
			err = fmt.Errorf("total_rate must be more than 0, like 1000/s")
		}
		if err != nil {
			d.problem(path+".total_rate", "%v", err)
			break
		}
		s.Interval = time.Duration(float64(d.maxClients) / total * float64(time.Second))
		if s.Interval < time.Microsecond {
			d.problem(path+".total_rate", "total_rate %q over %d clients is more than 1,000,000/s per client", s.TotalRate, d.maxClients)
		}
	}
}

// ParseRate reads a rate like "10/s" or "600/m" and returns the time
// between two events.
func ParseRate(r string) (time.Duration, error) {
	num, per, ok := strings.Cut(strings.TrimSpace(r), "/")
	x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	var unit time.Duration
	switch strings.TrimSpace(per) {
	case "s":
		unit = time.Second
	case "m", "min":
		unit = time.Minute
	}
	if !ok || err != nil || unit == 0 || !(x > 0) || math.IsInf(x, 0) {
		return 0, fmt.Errorf("write a rate like 10/s or 600/m, more than 0; got %q", r)
	}
	iv := time.Duration(float64(unit) / x)
	if iv < time.Microsecond {
		return 0, fmt.Errorf("rate %q is more than 1,000,000/s per client", r)
	}
	return iv, nil
}

// ParsePerSecond reads a rate like "100/s" or "600/m" as events per
// second; 0 is allowed ("0/s").
func ParsePerSecond(r string) (float64, error) {
	num, per, ok := strings.Cut(strings.TrimSpace(r), "/")
	x, err := strconv.ParseFloat(strings.TrimSpace(num), 64)
	var unit float64
	switch strings.TrimSpace(per) {
	case "s":
		unit = 1
	case "m", "min":
		unit = 60
	}
	if !ok || err != nil || unit == 0 || x < 0 || math.IsInf(x, 0) || math.IsNaN(x) {
		return 0, fmt.Errorf("write a rate like 100/s or 600/m; got %q", r)
	}
	return x / unit, nil
}

// checkExpect validates e at path; send is the send it belongs to, nil for
// a standalone expect.
func (d *decoder) checkExpect(e *Expect, path string, send *Send) {
	hasJSON, hasRegex := d.set[path+".json_field"], d.set[path+".regex"]
	switch {
	case send == nil && hasJSON:
		d.problem(path+".json_field", "json_field is only meaningful on a send (it pairs the reply with the sent message); use regex here")
	case hasJSON && hasRegex:
		d.problem(path, "write exactly one of json_field or regex")
	case d.typoUnder(path, "json_field", "regex") && !hasJSON && !hasRegex:
	case send == nil && !hasRegex:
		d.problem(path, `expect needs regex, e.g. expect: {regex: '"type":"welcome"'}`)
	case !hasJSON && !hasRegex:
		d.problem(path, "expect needs json_field or regex, e.g. expect: {json_field: id}")
	case hasJSON:
		d.checkJSONField(e.JSONField, send, path)
	}
	if hasRegex {
		if re, err := regexp.Compile(e.Regex); err != nil {
			d.problem(path+".regex", "%s", regexpProblem(err))
		} else {
			e.RE = re
		}
	}
	if e.Timeout <= 0 {
		d.problem(path+".timeout", "must be more than 0, e.g. 5s")
	}
}

// checkJSONField renders the send's text once with sample values and checks
// the reply can be paired by field: the text must be a JSON object with it.
func (d *decoder) checkJSONField(field string, send *Send, path string) {
	sendPath := parent(path)
	if send.Text == nil {
		if d.set[sendPath+".binary"] || d.set[sendPath+".base64"] {
			d.problem(path+".json_field", "json_field needs a text send (binary messages are not JSON); use regex")
		}
		return
	}
	if field == "" {
		d.problem(path+".json_field", "json_field needs the name of a top-level field, e.g. id")
		return
	}
	msg := send.Text.Append(nil, sampleVars())
	var obj map[string]json.RawMessage
	if json.Unmarshal(msg, &obj) != nil || obj[field] == nil {
		d.problemAt(path+".json_field", path, "expect.json_field %q: the sent text is not a JSON object with a top-level %q field", field, field)
	}
}

// sampleVars are the template values json_field checks render with.
func sampleVars() *Vars {
	return &Vars{VU: 1, Iter: 0, Seq: 1, Rand: rand.New(rand.NewPCG(1, 2))}
}

// checkConnectFirst reports sends and expects that would run before the
// first connect, following steps in order and into loops. It returns
// whether steps reach a connect.
func (d *decoder) checkConnectFirst(steps []Step, path string) bool {
	for i, st := range steps {
		p := fmt.Sprintf("%s[%d]", path, i)
		switch st.Kind {
		case StepConnect:
			return true
		case StepSend, StepExpect, StepEmit, StepExpectEvent:
			d.problem(p, "%s before any connect: add \"- connect\" before it", st.Kind)
		case StepLoop:
			if d.checkConnectFirst(st.Loop.Steps, p+".loop.steps") {
				return true
			}
		}
	}
	return false
}

// checkStepProtocol reports steps that belong to the other protocol.
func (d *decoder) checkStepProtocol(steps []Step, path, protocol string) {
	for i := range steps {
		st := &steps[i]
		p := fmt.Sprintf("%s[%d]", path, i)
		switch {
		case protocol == ProtocolSocketIO && st.Kind == StepSend:
			d.problem(p, "send is a WebSocket step; with protocol socketio write - emit: {event: name, args: [...]}")
		case protocol == ProtocolSocketIO && st.Kind == StepExpect:
			d.problem(p, "expect is a WebSocket step; with protocol socketio write - expect_event: {event: name}")
		case protocol != ProtocolSocketIO && (st.Kind == StepEmit || st.Kind == StepExpectEvent):
			d.problem(p, "%s is a Socket.IO step; add protocol: socketio or use send/expect", st.Kind)
		case st.Kind == StepLoop:
			d.checkStepProtocol(st.Loop.Steps, p+".loop.steps", protocol)
		}
	}
}
