package scenario

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
	yaml "go.yaml.in/yaml/v3"
)

var update = flag.Bool("update", false, "rewrite docs/scenario.schema.json from the generator")

const (
	schemaFile = "../docs/scenario.schema.json"
	// schemaComment is the first line of every shipped scenario.
	schemaComment = "# yaml-language-server: $schema=../docs/scenario.schema.json"
)

// compileSchema compiles the generated schema (checking it against the
// draft 2020-12 meta-schema) and returns the schema at ptr in it ("" for
// the whole file, "#/$defs/duration" for one definition).
func compileSchema(t *testing.T, ptr string) *jsonschema.Schema {
	t.Helper()
	data, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	const url = "https://wsbench.invalid/scenario.schema.json"
	if err := c.AddResource(url, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(url + ptr)
	if err != nil {
		t.Fatalf("compile %s: %v", ptr, err)
	}
	return sch
}

// yamlToJSON reads a YAML document as an editor's language server does:
// aliases and merge keys resolved, custom tags dropped, then as JSON.
func yamlToJSON(t *testing.T, src string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(src), &v); err != nil {
		t.Fatalf("YAML: %v\n%s", err, src)
	}
	data, err := json.Marshal(jsonCompatible(v))
	if err != nil {
		t.Fatal(err)
	}
	out, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jsonCompatible turns the maps with non-string keys yaml.v3 makes into
// maps with string keys.
func jsonCompatible(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = jsonCompatible(e)
		}
	case map[any]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[fmt.Sprint(k)] = jsonCompatible(e)
		}
		return m
	case []any:
		for i, e := range x {
			x[i] = jsonCompatible(e)
		}
	}
	return v
}

func TestSchemaDescribesEveryKey(t *testing.T) {
	if _, err := Schema(); err != nil {
		t.Fatal(err) // names every key without a description, and every stale one
	}
	// The check itself: a key left out, and a key no type has.
	docs := maps.Clone(keyDocs)
	delete(docs, "client.reconnect.jitter")
	docs["client.reconnect.jiter"] = keyDoc{desc: "a typo"}
	_, err := buildSchema(docs)
	if err == nil {
		t.Fatal("buildSchema accepted a table with a missing and a stale key")
	}
	for _, want := range []string{"client.reconnect.jitter has no description", "keyDocs describes client.reconnect.jiter"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestSchemaDefaultsAreTheDecoders(t *testing.T) {
	// A file that writes only what is required: Load fills the defaults,
	// which must be the ones the schema announces.
	s, err := Parse("d.yaml", []byte("target: embedded\nduration: 1s\nclients: {count: 1}\nsteps: [connect]\n"), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Client
	for path, got := range map[string]any{
		"protocol":                       s.Protocol,
		"graceful_stop":                  s.GracefulStop.String(),
		"client.reconnect.initial_delay": c.Reconnect.InitialDelay.String(),
		"client.reconnect.max_delay":     c.Reconnect.MaxDelay.String(),
		"client.reconnect.multiplier":    c.Reconnect.Multiplier,
		"client.reconnect.jitter":        c.Reconnect.Jitter,
		"client.reconnect.max_attempts":  c.Reconnect.MaxAttempts,
		"client.reconnect.enabled":       c.Reconnect.On(),
		"client.heartbeat.mode":          c.Heartbeat.Mode,
		"client.heartbeat.interval":      c.Heartbeat.Interval.String(),
		"client.heartbeat.timeout":       c.Heartbeat.Timeout.String(),
		"client.queue.max":               c.Queue.Max,
		"client.queue.overflow":          c.Queue.Overflow,
		"client.handshake_timeout":       c.HandshakeTimeout.String(),
		"client.write_timeout":           c.WriteTimeout.String(),
		"client.max_message_size":        sizeText(c.MaxMessageSize),
		"socketio.recovery":              s.SocketIO.Recovers(),
		"client.background.close":        (&Background{}).Closes(),
	} {
		if want := keyDocs[path].def; fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("%s: Load fills %v, the schema says %v", path, got, want)
		}
	}
	s, err = Parse("d.yaml", []byte(schemaBase+"client: {network: {offline_every: 1m, offline_for: 1s}}\nsteps: [connect]"), Overrides{LookupEnv: noEnv})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := s.Client.Network.Mode, keyDocs["client.network.mode"].def; got != want {
		t.Errorf("client.network.mode: Load fills %v, the schema says %v", got, want)
	}
	if sizeText(DefaultMaxMessageSize) != "16MiB" || sizeText(1500) != "1500B" || sizeText(4096) != "4KiB" {
		t.Errorf("sizeText: %s %s %s", sizeText(DefaultMaxMessageSize), sizeText(1500), sizeText(4096))
	}
}

// TestSchemaFile keeps docs/scenario.schema.json the generator's output:
// go test ./scenario -update rewrites it.
func TestSchemaFile(t *testing.T) {
	got, err := Schema()
	if err != nil {
		t.Fatal(err)
	}
	if *update {
		if err := os.WriteFile(schemaFile, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(schemaFile)
	if err != nil {
		t.Fatalf("%v (run go test ./scenario -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the generated schema; run go test ./scenario -update to refresh it", schemaFile)
	}
}

// TestShippedFilesMatchTheSchema: every scenario and starter passes the
// schema and Load, and every scenario names the schema on its first line.
func TestShippedFilesMatchTheSchema(t *testing.T) {
	sch := compileSchema(t, "")
	scenarios, _ := filepath.Glob("../scenarios/*.yaml")
	starters, _ := filepath.Glob("../cmd/starters/*.yaml")
	if len(scenarios) == 0 || len(starters) == 0 {
		t.Fatalf("found %d scenarios and %d starters", len(scenarios), len(starters))
	}
	// TestChatExample pins step lines in chat.yaml; the comment goes in
	// together with that test's line numbers.
	for _, path := range append(scenarios, starters...) {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(yamlToJSON(t, string(data))); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		if _, err := Parse(path, data, Overrides{LookupEnv: noEnv}); err != nil {
			t.Errorf("%s: %v", path, err)
		}
		first, _, _ := strings.Cut(string(data), "\n")
		if strings.HasPrefix(path, "../scenarios/") && first != schemaComment {
			t.Errorf("%s: first line is %q, want %q", path, first, schemaComment)
		}
	}
}

const schemaBase = "target: embedded\nduration: 1s\nclients: {count: 1}\n"

// TestSchemaAgreesWithLoad: documents Load accepts pass the schema, and
// documents both reject.
func TestSchemaAgreesWithLoad(t *testing.T) {
	sch := compileSchema(t, "")
	sio := "protocol: socketio\n" + schemaBase
	good := map[string]string{
		"bare steps":     schemaBase + "steps: [connect, close]",
		"send short":     schemaBase + "steps: [connect, {send: hello}]",
		"send expect":    schemaBase + "steps:\n  - connect\n  - send: {text: '{\"id\":\"{{.Seq}}\"}', expect: {json_field: id, timeout: 5s}}",
		"send binary":    schemaBase + "steps: [connect, {send: {binary: '{{.Random 8}}'}}, {send: {base64: AAEC}}]",
		"expect step":    schemaBase + "steps: [connect, {expect: {regex: hi}}]",
		"sleeps":         schemaBase + "steps: [connect, {sleep: 1s}, {sleep: 0}, {sleep: {min: 1ms, max: 2ms}}, {sleep: {duration: 1s}}]",
		"loops":          schemaBase + "steps: [connect, {loop: {count: 2, duration: 1s, steps: [{loop: {count: 1, steps: [{send: x}]}}]}}]",
		"close options":  schemaBase + "steps: [connect, {close: {code: 4000, reason: bye}}, {close: {}}]",
		"anchors":        schemaBase + "x-reply: &reply {json_field: id, timeout: 5s}\nsteps:\n  - connect\n  - send: {text: '{\"id\":1}', expect: *reply}\n  - send: {text: '{\"id\":1}', expect: {<<: *reply, timeout: 1s}}",
		"env numbers":    "target: embedded\nduration: ${D:-1s}\nclients: {count: \"${N:-3}\"}\nclient: {reconnect: {enabled: \"${R:-true}\", jitter: \"${J:-0.1}\"}}\nsteps: [connect]",
		"sizes":          schemaBase + "client: {max_message_size: 4KiB}\nsteps: [connect]",
		"client":         schemaBase + "client:\n  headers: {Authorization: Bearer x}\n  subprotocols: [a]\n  reconnect: {enabled: false, multiplier: 1.5, max_attempts: 3}\n  heartbeat: {mode: message, payload: ping, reply: pong, interval: 1s, timeout: 1s}\n  queue: {max: 0, overflow: block}\n  tls: {insecure_skip_verify: true, server_name: x}\n  compression: true\n  delivery: {sender: from, seq: seq, sent_at: at}\nsteps: [connect]",
		"server":         schemaBase + "server:\n  delay: {min: 1ms, max: 2ms}\n  close: {every: 1s, fraction: 0.5}\n  reset: {every: 1s, fraction: 1}\n  refuse: {status: 503, for: 1s}\n  restart: {after: 1s, down: 1s}\n  ignore_pings: true\nsteps: [connect]",
		"thresholds":     schemaBase + "steps: [connect]\nthresholds:\n  - rtt.p99 < 50ms\n  - drops.rate < 1%\n  - messages.received.rate >= 10/s\n  - queue.dropped == 0\n  - {expr: errors.count == 0, abort_on_fail: true, delay: 1s}",
		"socketio":       sio + "socketio: {path: /io/, namespace: /chat, auth: {token: x, n: 1}, query: {a: b}, transports: [polling, websocket], answer_pings: false}\nserver: {ping_interval: 1s, ping_timeout: 1s}\nsteps: [connect, {expect_event: welcome}, {emit: ping}]",
		"emit forms":     sio + "steps:\n  - connect\n  - emit: {event: echo, args: [\"hi\", 42], ack: {timeout: 5s}}\n  - emit: {event: up, args: [!!binary AAECAw==], ack: {}}\n  - emit: {event: e, namespace: /chat, args: {n: !json '{{.Seq}}'}, expect: {event: e, match: x, timeout: 1s}}\n  - expect_event: {event: tick, namespace: /, timeout: 1s}",
		"socket.io name": "protocol: socket.io\n" + schemaBase + "steps: [connect]",
		"network":        schemaBase + "client:\n  network: {offline_every: 2m, offline_for: {min: 1s, max: 3s}, mode: reset}\n  background: {every: {mean: 5m}, for: 30s, close: false}\nsteps: [connect]",
		"away steps":     schemaBase + "steps: [connect, {offline: 5s}, {offline: {for: {min: 1s, max: 2s}, mode: silent}}, {background: 1s}, {background: {for: {duration: 1s}, close: true}}]",
		"recovery":       sio + "socketio: {recovery: false}\nsteps: [connect]",
		// A profile completes a network the client block started: no key
		// of it is required there.
		"profiles": "target: embedded\nduration: 1s\nclient: {network: {offline_every: 1m, offline_for: 1s}, delivery: {sender: a, seq: b, sent_at: c}}\n" +
			"clients:\n  count: 2\n  profiles:\n    - {name: desktop, weight: 0.7}\n    - {name: mobile, weight: 0.3, client: {network: {mode: reset}, delivery: {seq: n}, headers: {A: b}}}\nsteps: [connect]",
	}
	for name, doc := range good {
		if _, err := Parse("good.yaml", []byte(doc), Overrides{LookupEnv: noEnv}); err != nil {
			t.Errorf("%s: Load: %v", name, err)
		}
		if err := sch.Validate(yamlToJSON(t, doc)); err != nil {
			t.Errorf("%s: schema: %v", name, err)
		}
	}
	bad := map[string]string{
		"unknown key":          schemaBase + "clinets: {}\nsteps: [connect]",
		"unknown nested key":   schemaBase + "client: {reconect: {}}\nsteps: [connect]",
		"x- below the top":     schemaBase + "client: {x-a: 1}\nsteps: [connect]",
		"protocol enum":        "protocol: mqtt\n" + schemaBase + "steps: [connect]",
		"heartbeat mode enum":  schemaBase + "client: {heartbeat: {mode: pong}}\nsteps: [connect]",
		"overflow enum":        schemaBase + "client: {queue: {overflow: drop}}\nsteps: [connect]",
		"transports order":     "protocol: socketio\n" + schemaBase + "socketio: {transports: [websocket, polling]}\nsteps: [connect]",
		"bare send":            schemaBase + "steps: [connect, send]",
		"two keys in a step":   schemaBase + "steps: [connect, {send: a, sleep: 1s}]",
		"connect with options": schemaBase + "steps: [{connect: {}}]",
		"unknown step":         schemaBase + "steps: [connect, {sned: a}]",
		"unknown send key":     schemaBase + "steps: [connect, {send: {txt: a}}]",
		"bare number duration": "target: embedded\nduration: 30\nclients: {count: 1}\nsteps: [connect]",
		"negative duration":    "target: embedded\nduration: -5s\nclients: {count: 1}\nsteps: [connect]",
		"size unit case":       schemaBase + "client: {max_message_size: 4kb}\nsteps: [connect]",
		"sleep min only":       schemaBase + "steps: [connect, {sleep: {min: 1s}}]",
		"sleep both forms":     schemaBase + "steps: [connect, {sleep: {duration: 1s, min: 1s, max: 2s}}]",
		"unknown metric":       schemaBase + "steps: [connect]\nthresholds: [rtt.p999 < 50ms]",
		"limit unit":           schemaBase + "steps: [connect]\nthresholds: [rtt.p99 < 50]",
		"threshold no expr":    schemaBase + "steps: [connect]\nthresholds: [{abort_on_fail: true}]",
		"stage no duration":    "target: embedded\nclients: {stages: [{target: 1}]}\nsteps: [connect]",
		"loop no steps":        schemaBase + "steps: [connect, {loop: {count: 1}}]",
		"no steps":             schemaBase,
		"wrong type":           schemaBase + "client: {compression: yes please}\nsteps: [connect]",
		"network mode enum":    schemaBase + "client: {network: {offline_every: 1m, offline_for: 1s, mode: quiet}}\nsteps: [connect]",
		"network without for":  schemaBase + "client: {network: {offline_every: 1m}}\nsteps: [connect]",
		"every as a list":      schemaBase + "client: {background: {every: [1m], for: 1s}}\nsteps: [connect]",
		"close on offline":     schemaBase + "steps: [connect, {offline: {for: 1s, close: true}}]",
		"mode on background":   schemaBase + "steps: [connect, {background: {for: 1s, mode: reset}}]",
		"offline min and max":  schemaBase + "steps: [connect, {offline: {min: 1s, max: 2s}}]",
		"bare offline":         schemaBase + "steps: [connect, offline]",
		"profile without name": "target: embedded\nduration: 1s\nclients: {count: 1, profiles: [{weight: 1}]}\nsteps: [connect]",
		"profile unknown key":  "target: embedded\nduration: 1s\nclients: {count: 1, profiles: [{name: a, weight: 1, client: {netwrok: {}}}]}\nsteps: [connect]",
	}
	for name, doc := range bad {
		if _, err := Parse("bad.yaml", []byte(doc), Overrides{LookupEnv: noEnv}); err == nil {
			t.Errorf("%s: Load accepted it", name)
		}
		if err := sch.Validate(yamlToJSON(t, doc)); err == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}
	// Stricter than Load, as the schema's description says.
	strict := map[string]string{
		"empty value":      schemaBase + "server:\nsteps: [connect]",
		"number as string": schemaBase + "name: 123\nsteps: [connect]",
		"quoted number":    "target: embedded\nduration: 1s\nclients: {count: \"3\"}\nsteps: [connect]",
	}
	for name, doc := range strict {
		if _, err := Parse("strict.yaml", []byte(doc), Overrides{LookupEnv: noEnv}); err != nil {
			t.Errorf("%s: Load: %v", name, err)
		}
		if err := sch.Validate(yamlToJSON(t, doc)); err == nil {
			t.Errorf("%s: the schema accepted it", name)
		}
	}
}

// scalar parses a YAML scalar for the decoder and for the schema.
func scalar(t *testing.T, lit string) (*yaml.Node, any) {
	t.Helper()
	var doc yaml.Node
	if err := yaml.Unmarshal([]byte(lit), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Content[0], yamlToJSON(t, lit)
}

// TestSchemaScalarsAgree checks the hand-written patterns against the
// decoder's own readers, value by value.
func TestSchemaScalarsAgree(t *testing.T) {
	d := newDecoder("x.yaml", noEnv)
	durSch := compileSchema(t, "#/$defs/duration")
	for _, lit := range []string{"5s", "1m30s", ".5s", "1.s", "+5s", "0", "0s", `"0"`, "0.0", "1µs", "1us", "1μs", "1h2m3.5s", `"${D:-5s}"`,
		"30", "-5s", `"5 s"`, `""`, "s", "1d", "0.5", "5S", "[1s]"} {
		n, v := scalar(t, lit)
		_, ok := d.duration(n, "x")
		if n.Kind != yaml.ScalarNode {
			ok = false
		}
		if got := durSch.Validate(v) == nil; got != ok {
			t.Errorf("duration %s: decoder ok %v, schema ok %v", lit, ok, got)
		}
	}
	sizeSch := compileSchema(t, "#/$defs/size")
	for _, lit := range []string{"4096", "0", "4KiB", "1.5MiB", `"1 MB"`, "2GiB", "512B", `"${S:-4KiB}"`,
		"4kb", "-1", "1.5", "KiB", `"4 KiB "`, "4K"} {
		n, v := scalar(t, lit)
		_, ok := d.size(n, "x")
		if got := sizeSch.Validate(v) == nil; got != ok {
			t.Errorf("size %s: decoder ok %v, schema ok %v", lit, ok, got)
		}
	}
	// Every metric with a limit of every kind: the schema accepts exactly
	// what ParseThreshold does.
	exprSch := compileSchema(t, "#/$defs/threshold_expr")
	for _, name := range MetricNames() {
		for _, limit := range []string{"50ms", "1m30s", "-1s", "0", "2.5", "1e3", "1000/s", "5 / m", "3/min", "1%", "99.9 %", "50", "1/h", "%", "ms", "50 ms"} {
			for _, op := range []string{"<", ">=", "!="} {
				expr := name + " " + op + " " + limit
				_, err := ParseThreshold(expr)
				if got := exprSch.Validate(expr) == nil; got != (err == nil) {
					t.Errorf("%q: ParseThreshold ok %v, schema ok %v", expr, err == nil, got)
				}
			}
		}
	}
}

// TestDocsMentionEveryKey: every key the schema describes appears in
// docs/scenario.md, in a table (`key`) or an example (key:), so a new key
// cannot ship with the schema alone.
func TestDocsMentionEveryKey(t *testing.T) {
	data, err := os.ReadFile("../docs/scenario.md")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	for path := range keyDocs {
		f := strings.FieldsFunc(path, func(r rune) bool { return r == '.' || r == '[' || r == ']' })
		key := f[len(f)-1]
		if !strings.Contains(doc, "`"+key+"`") && !strings.Contains(doc, key+":") {
			t.Errorf("docs/scenario.md never mentions %s (write `%s` or %s: there)", path, key, key)
		}
	}
}
