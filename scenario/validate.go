package scenario

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
)

// EmbeddedEndpoints are the endpoints of the embedded test server a target
// may name as embedded/<endpoint>: echo sends every message back, json
// answers JSON messages, broadcast sends every message to every client.
var EmbeddedEndpoints = []string{"echo", "json", "broadcast"}

// IsEmbedded reports whether the target is the embedded test server.
func (s *Scenario) IsEmbedded() bool {
	return s.Target == Embedded || strings.HasPrefix(s.Target, Embedded+"/")
}

// EmbeddedEndpoint is the embedded server endpoint the target names
// (DefaultEmbeddedEndpoint for plain "embedded"), or "" for a URL target.
func (s *Scenario) EmbeddedEndpoint() string {
	switch {
	case s.Target == Embedded:
		return DefaultEmbeddedEndpoint
	case s.IsEmbedded():
		return s.Target[len(Embedded)+1:]
	}
	return ""
}

// problem records a semantic problem with the value at path, located where
// the value (or, when absent, its nearest written parent) is. It stays quiet
// when the value, or one containing it, already failed to decode.
func (d *decoder) problem(path, format string, args ...any) {
	d.problemAt(path, path, format, args...)
}

// problemAt is problem located at the value at where (a path) instead.
//
// A profile's client inherits the values it does not write from the
// scenario's client block, which is checked first: a problem the profile's
// copy of such a value repeats is the block's, and is reported there alone.
func (d *decoder) problemAt(where, path, format string, args ...any) {
	if d.quiet(where) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if base := baseOf(where); base != "" && !d.set[where] {
		if d.quiet(base) || d.said[baseOf(path)+"\x00"+msg] {
			return
		}
	}
	d.said[path+"\x00"+msg] = true
	if flag, ok := d.origin[where]; ok {
		d.probs = append(d.probs, Problem{File: d.file, Path: path, Msg: msg + " (set by " + flag + ")"})
		return
	}
	d.addf(d.at(where), path, "%s", msg)
}

// quiet reports whether a problem with the value at path would only repeat
// one already reported: an unknown key that looked like a typo of it, or a
// value (it or one containing it) that could not be decoded.
func (d *decoder) quiet(path string) bool {
	if d.typo[path] && !d.set[path] {
		return true // "unknown key (did you mean ...?)" already says it
	}
	for p := path; ; p = parent(p) {
		if d.bad[p] {
			return true
		}
		if p == "" {
			return false
		}
	}
}

// typoUnder reports whether an unknown key in the mapping at path looked
// like a typo of one of keys: then "needs one of keys" would only repeat it.
func (d *decoder) typoUnder(path string, keys ...string) bool {
	for _, k := range keys {
		if d.typo[join(path, k)] {
			return true
		}
	}
	return false
}

// at is where the value at path is written, or its nearest written parent.
func (d *decoder) at(path string) Pos {
	for {
		if p, ok := d.pos[path]; ok {
			return p
		}
		if path == "" {
			return Pos{}
		}
		path = parent(path)
	}
}

// validate checks s after overrides and defaults.
func (d *decoder) validate(s *Scenario) {
	d.checkTarget(s.Target, s.Protocol)
	d.checkProtocol(s.Protocol)
	d.checkClients(s)
	d.checkSocketIO(s)
	d.checkClientBlock(s, &s.Client, "client")
	d.checkProfiles(s) // after the client block: see problemAt
	d.checkServer(s)
	if len(s.Steps) == 0 {
		d.problem("steps", "missing steps: add steps, e.g. steps: [connect, {send: hello}, close]")
	}
	d.maxClients = max(s.MaxClients(), 1)
	d.checkSteps(s.Steps, "steps")
	d.checkStepProtocol(s.Steps, "steps", s.Protocol)
	d.checkConnectFirst(s.Steps, "steps")
}

func (d *decoder) checkTarget(t, protocol string) {
	const write = "write target: ws://host:port/path, wss://host/path or embedded"
	if protocol == ProtocolSocketIO {
		d.checkSocketIOTarget(t)
		return
	}
	switch {
	case t == "":
		d.problem("target", "missing target: %s", write)
		return
	case t == Embedded:
		return
	case strings.HasPrefix(t, Embedded+"/"):
		ep := t[len(Embedded)+1:]
		if slices.Contains(EmbeddedEndpoints, ep) {
			return
		}
		valid := strings.Join(EmbeddedEndpoints, ", ")
		if hint := suggest(ep, EmbeddedEndpoints); hint != "" {
			d.problem("target", "unknown embedded endpoint %q (did you mean %q?); valid: %s", ep, hint, valid)
		} else {
			d.problem("target", "unknown embedded endpoint %q; valid: %s", ep, valid)
		}
		return
	}
	u := d.targetURL(t, write)
	if u == nil {
		return
	}
	switch u.Scheme {
	case "ws", "wss":
		if u.Hostname() == "" {
			d.problem("target", "target %q has no host; %s", t, write)
		}
	case "http", "https":
		ws := *u
		ws.Scheme = strings.Replace(u.Scheme, "http", "ws", 1)
		d.problem("target", "target %q uses %s://; write %s (WebSocket URLs start with ws:// or wss://)", t, u.Scheme, ws.String())
	default:
		if hint := suggest(t, []string{Embedded}); hint != "" {
			d.problem("target", "target %q is not a ws:// or wss:// URL (did you mean %q?)", t, hint)
			return
		}
		d.problem("target", "target %q is not a ws:// or wss:// URL; %s", t, write)
	}
}

// targetURL parses a target URL, reporting one that does not parse.
func (d *decoder) targetURL(t, write string) *url.URL {
	u, err := url.Parse(t)
	if err != nil {
		d.problem("target", "target is not a URL (%v); %s", err, write)
		return nil
	}
	return u
}

var protocols = []string{ProtocolWebSocket, ProtocolSocketIO}

func (d *decoder) checkProtocol(p string) {
	if !slices.Contains(protocols, p) {
		d.problem("protocol", "unknown protocol %q%s; valid: %s", p, didYouMean(p, protocols), strings.Join(protocols, ", "))
	}
}

// checkSocketIOTarget accepts what io(url) accepts: http(s):// and
// ws(s):// URLs, and the embedded server.
func (d *decoder) checkSocketIOTarget(t string) {
	const write = "write target: http://host:port (the namespace may follow as a path) or embedded"
	switch {
	case t == "":
		d.problem("target", "missing target: %s", write)
		return
	case t == Embedded:
		return
	case strings.HasPrefix(t, Embedded+"/"):
		d.problem("target", "the embedded Socket.IO server has no endpoints; write target: embedded")
		return
	}
	u := d.targetURL(t, write)
	if u == nil {
		return
	}
	switch u.Scheme {
	case "http", "https", "ws", "wss":
		if u.Hostname() == "" {
			d.problem("target", "target %q has no host; %s", t, write)
		}
	default:
		d.problem("target", "target %q is not an http(s):// or ws(s):// URL; %s", t, write)
	}
}

func (d *decoder) checkClients(s *Scenario) {
	c := s.Clients
	if c.Open() || d.set["clients.arrival_rate"] {
		d.checkOpen(s)
		return
	}
	for _, k := range []string{"max", "duration"} {
		if d.set["clients."+k] {
			d.problem("clients."+k, "clients.%s belongs to the open model: add arrival_rate (like arrival_rate: 100/s), or remove %s", k, k)
		}
	}
	hasCount := c.Count != 0 || d.set["clients.count"]
	hasStages := c.Stages != nil || d.set["clients.stages"]
	switch {
	case hasCount && hasStages:
		d.problem("clients", "write either count or stages, not both")
	case !hasCount && !hasStages:
		if d.typoUnder("clients", "count", "stages", "arrival_rate") {
			return
		}
		d.problem("clients", "missing clients: write clients: {count: 10}, clients: {stages: [{duration: 30s, target: 10}]} or clients: {arrival_rate: 10/s, duration: 1m, max: 100}")
	case hasCount:
		if c.Count <= 0 {
			d.problem("clients.count", "must be more than 0, got %d", c.Count)
		}
		if s.Duration <= 0 {
			hint := ""
			if d.origin["clients.count"] != "" {
				hint = " (or pass --duration)"
			}
			d.problem("duration", "clients.count needs a duration: add duration: 1m%s", hint)
		}
	default:
		d.checkStages(c.Stages)
		if d.set["duration"] {
			d.problem("duration", "the stages set the run length; remove duration")
		}
	}
}

// checkOpen validates the open model: clients arrive at a rate, constant
// for clients.duration or ramping through stages, at most max alive.
func (d *decoder) checkOpen(s *Scenario) {
	c := &s.Clients
	if d.set["clients.count"] {
		d.problem("clients.count", "count is the closed model; with arrival_rate, max caps the clients alive at once")
	}
	if d.set["duration"] {
		d.problem("duration", "with arrival_rate the run lasts clients.duration (or the stages); remove the top-level duration")
	}
	if c.Max <= 0 {
		d.problem("clients.max", "the open model needs max, the most clients alive at once (open files and memory are planned for it), like max: 1000; got %d", c.Max)
	}
	ok := true
	if d.set["clients.arrival_rate"] {
		c.PerSecond, ok = d.arrivalRate("clients.arrival_rate", c.ArrivalRate, len(c.Stages) > 0)
	}
	peak := c.PerSecond
	if c.Stages == nil && !d.set["clients.stages"] {
		if c.Duration <= 0 {
			hint := ""
			if d.origin["clients.duration"] != "" {
				hint = " (or pass --duration)"
			}
			d.problem("clients.duration", "a constant arrival_rate needs duration, how long clients arrive, like duration: 1m%s", hint)
		}
	} else {
		if d.set["clients.duration"] {
			d.problem("clients.duration", "the stages set how long clients arrive; remove duration")
		}
		if len(c.Stages) == 0 {
			d.problem("clients.stages", "no stages: add at least one, like - {duration: 30s, arrival_rate: 100/s}")
		}
		for i := range c.Stages {
			st := &c.Stages[i]
			p := fmt.Sprintf("clients.stages[%d]", i)
			if st.Duration <= 0 {
				d.problem(p+".duration", "a stage needs a duration more than 0, like 30s")
			}
			if d.set[p+".target"] {
				d.problem(p+".target", "target is the closed model's; with arrival_rate each stage ramps to its own arrival_rate")
			}
			if !d.set[p+".arrival_rate"] {
				d.problem(p, "missing arrival_rate: the rate this stage ramps to, like arrival_rate: 100/s")
				continue
			}
			var good bool
			st.PerSecond, good = d.arrivalRate(p+".arrival_rate", st.ArrivalRate, true)
			ok = ok && good
			peak = max(peak, st.PerSecond)
		}
	}
	if peak == 0 && ok && (len(c.Stages) > 0 || d.set["clients.arrival_rate"]) {
		d.problem("clients", "every arrival rate is 0, so no client would start")
	}
}

// arrivalRate parses a rate like "100/s" in clients per second; zero is
// allowed only where a ramp may start or end at rest. ok is false when
// a problem was recorded.
func (d *decoder) arrivalRate(path, r string, zeroOK bool) (x float64, ok bool) {
	x, err := ParsePerSecond(r)
	switch {
	case err != nil:
		d.problem(path, "%v", err)
		return 0, false
	case x == 0 && !zeroOK:
		d.problem(path, "a constant arrival rate must be more than 0, like 100/s")
		return 0, false
	}
	return x, true
}

func (d *decoder) checkStages(stages []Stage) {
	if len(stages) == 0 {
		d.problem("clients.stages", "no stages: add at least one, like - {duration: 30s, target: 10}")
		return
	}
	top := 0
	for i, st := range stages {
		p := fmt.Sprintf("clients.stages[%d]", i)
		if st.Duration <= 0 {
			d.problem(p+".duration", "a stage needs a duration more than 0, like 30s")
		}
		if st.Target < 0 {
			d.problem(p+".target", "must be 0 or more, got %d", st.Target)
		}
		top = max(top, st.Target)
	}
	if top == 0 {
		d.problem("clients.stages", "every stage target is 0, so no client would run")
	}
}
