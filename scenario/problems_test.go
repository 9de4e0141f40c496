package scenario

import (
	"errors"
	"strings"
	"testing"
)

// valid is the smallest valid scenario; bad cases change one thing.
const valid = `target: embedded
clients: {count: 5}
duration: 10s
steps: [connect]
`

func noEnv(string) (string, bool) { return "", false }

func TestBadScenarios(t *testing.T) {
	tests := []struct {
		name string
		yaml string
		want string // the full error text
	}{
		{
			name: "unknown top-level key, did you mean",
			yaml: "target: embedded\nclinets: {count: 5}\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:2:1: unknown key "clinets" (did you mean "clients"?)`,
		},
		{
			name: "unknown nested key, did you mean",
			yaml: valid + "client:\n  reconnect: {multiplyer: 2}\n",
			want: `bad.yaml:6:15: client.reconnect: unknown key "multiplyer" (did you mean "multiplier"?)`,
		},
		{
			name: "unknown key without a close match",
			yaml: valid + "client:\n  queue: {size: 10}\n",
			want: `bad.yaml:6:11: client.queue: unknown key "size"; valid keys here: max, overflow`,
		},
		{
			name: "string for a whole number",
			yaml: "target: embedded\nclients: {count: abc}\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:2:18: clients.count: expected a whole number, got "abc"`,
		},
		{
			name: "list for a mapping",
			yaml: valid + "client: [compression]\n",
			want: `bad.yaml:5:9: client: expected a mapping with keys headers, subprotocols, reconnect, heartbeat, queue, tls, compression, max_message_size, handshake_timeout, write_timeout, source_addresses, delivery, network, background; got a list`,
		},
		{
			name: "string for a list of steps",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps: connect\n",
			want: `bad.yaml:4:8: steps: expected a list of steps, like - connect or - send: hello; got "connect"`,
		},
		{
			name: "missing target",
			yaml: "clients: {count: 5}\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:1:1: target: missing target: write target: ws://host:port/path, wss://host/path or embedded`,
		},
		{
			name: "http target",
			yaml: "target: http://localhost:8080/ws\nclients: {count: 5}\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:1:9: target: target "http://localhost:8080/ws" uses http://; write ws://localhost:8080/ws (WebSocket URLs start with ws:// or wss://)`,
		},
		{
			name: "unknown embedded endpoint",
			yaml: "target: embedded/jsn\nclients: {count: 5}\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:1:9: target: unknown embedded endpoint "jsn" (did you mean "json"?); valid: echo, json, broadcast`,
		},
		{
			name: "negative duration",
			yaml: valid + "graceful_stop: -1s\n",
			want: `bad.yaml:5:16: graceful_stop: negative duration "-1s"; durations must be 0 or more`,
		},
		{
			name: "duration without a unit",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 30\nsteps: [connect]\n",
			want: `bad.yaml:3:11: duration: expected a duration like "5s", got 30: add a unit, e.g. "30s"`,
		},
		{
			name: "duration that is not one",
			yaml: valid + "client: {write_timeout: fast}\n",
			want: `bad.yaml:5:25: client.write_timeout: expected a duration like "5s", got "fast"`,
		},
		{
			name: "bad size",
			yaml: valid + "client: {max_message_size: 4kb}\n",
			want: `bad.yaml:5:28: client.max_message_size: expected a size like "4KiB", "1MB" or 4096, got "4kb" (units: B, KB, MB, GB, KiB, MiB, GiB)`,
		},
		{
			name: "stages and duration",
			yaml: "target: embedded\nclients:\n  stages: [{duration: 5s, target: 10}]\nduration: 10s\nsteps: [connect]\n",
			want: `bad.yaml:4:11: duration: the stages set the run length; remove duration`,
		},
		{
			name: "count without duration",
			yaml: "target: embedded\nclients: {count: 5}\nsteps: [connect]\n",
			want: `bad.yaml:1:1: duration: clients.count needs a duration: add duration: 1m`,
		},
		{
			name: "count and stages",
			yaml: "target: embedded\nclients: {count: 5, stages: [{duration: 5s, target: 1}]}\nsteps: [connect]\n",
			want: `bad.yaml:2:10: clients: write either count or stages, not both`,
		},
		{
			name: "unset environment variable",
			yaml: valid + "client:\n  headers: {Authorization: \"Bearer ${TOKEN}\"}\n",
			want: `bad.yaml:6:28: client.headers.Authorization: environment variable TOKEN is not set; export it or write ${TOKEN:-default}`,
		},
		{
			name: "bad regex",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - expect: {regex: '(a'}\n",
			want: "bad.yaml:6:21: steps[1].expect.regex: invalid regular expression: missing closing ): `(a`",
		},
		{
			name: "bad template field",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - send: 'n={{.Sq}}'\n",
			want: `bad.yaml:6:11: steps[1].send.text: template: unknown field .Sq (did you mean .Seq?) in "{{.Sq}}"`,
		},
		{
			name: "json_field on a text that is not JSON",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - send: {text: 'hello {{.Seq}}', expect: {json_field: id}}\n",
			want: `bad.yaml:6:57: steps[1].send.expect: expect.json_field "id": the sent text is not a JSON object with a top-level "id" field`,
		},
		{
			name: "json_field not in the sent object",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - loop:\n      steps:\n        - send: {text: '{\"seq\":{{.Seq}}}', expect: {json_field: id}}\n",
			want: `bad.yaml:8:65: steps[1].loop.steps[0].send.expect: expect.json_field "id": the sent text is not a JSON object with a top-level "id" field`,
		},
		{
			name: "json_field on a standalone expect",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - expect: {json_field: id}\n",
			want: `bad.yaml:6:26: steps[1].expect.json_field: json_field is only meaningful on a send (it pairs the reply with the sent message); use regex here`,
		},
		{
			name: "invalid base64",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - send: {base64: 'AA=B'}\n",
			want: `bad.yaml:6:20: steps[1].send.base64: not valid base64: illegal base64 data at input byte 2`,
		},
		{
			name: "two forms in one send",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - send: {text: a, base64: AA==}\n",
			want: `bad.yaml:6:11: steps[1].send: write exactly one of text, binary or base64; found text and base64`,
		},
		{
			name: "two keys in one step",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - {send: x, sleep: 1s}\n",
			want: `bad.yaml:6:5: steps[1]: one step per list item; found send and sleep`,
		},
		{
			name: "unknown step",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - conect\n",
			want: `bad.yaml:5:5: steps[0]: unknown step "conect" (did you mean "connect"?)`,
		},
		{
			name: "unknown step without a close match",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - publish: x\n",
			want: `bad.yaml:6:5: steps[1]: unknown step "publish"; valid steps: connect, close, send, expect, sleep, loop, emit, expect_event, offline, background`,
		},
		{
			name: "send before connect, inside a loop",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - sleep: 1s\n  - loop: {count: 2, steps: [{send: hi}, connect]}\n",
			want: `bad.yaml:6:30: steps[1].loop.steps[0]: send before any connect: add "- connect" before it`,
		},
		{
			name: "sleep min above max",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - sleep: {min: 2s, max: 1s}\n",
			want: `bad.yaml:5:12: steps[0].sleep: min 2s is more than max 1s`,
		},
		{
			name: "client close code",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - close: {code: 1006}\n",
			want: `bad.yaml:6:19: steps[1].close.code: a client may close with 1000 or 3000-4999, got 1006`,
		},
		{
			name: "loop without steps",
			yaml: "target: embedded\nclients: {count: 5}\nduration: 10s\nsteps:\n  - connect\n  - loop: {count: 3}\n",
			want: `bad.yaml:6:11: steps[1].loop.steps: a loop needs steps, e.g. steps: [{send: hello}, {sleep: 1s}]`,
		},
		{
			name: "bad overflow policy",
			yaml: valid + "client:\n  queue: {overflow: drop-old}\n",
			want: `bad.yaml:6:21: client.queue.overflow: unknown overflow policy "drop-old"; valid: drop-oldest, drop-newest, block`,
		},
		{
			name: "multiplier below 1",
			yaml: valid + "client:\n  reconnect: {multiplier: 0.5}\n",
			want: `bad.yaml:6:27: client.reconnect.multiplier: must be 1 or more (1 = a constant delay), got 0.5`,
		},
		{
			name: "jitter above 1",
			yaml: valid + "client:\n  reconnect: {jitter: 1.5}\n",
			want: `bad.yaml:6:23: client.reconnect.jitter: must be from 0 to 1 (0.2 = ±20%), got 1.5`,
		},
		{
			name: "heartbeat message without reply",
			yaml: valid + "client:\n  heartbeat: {mode: message, payload: ping}\n",
			want: `bad.yaml:6:14: client.heartbeat.reply: mode message needs a reply, a regular expression the answer matches, e.g. reply: '"type":"pong"'`,
		},
		{
			name: "reserved header",
			yaml: valid + "client:\n  headers: {sec-websocket-protocol: chat}\n",
			want: `bad.yaml:6:13: client.headers.sec-websocket-protocol: sec-websocket-protocol is set by the WebSocket handshake; use subprotocols: [name] instead`,
		},
		{
			name: "send with socketio",
			yaml: "target: embedded\nprotocol: socketio\nclients: {count: 1}\nduration: 1s\nsteps: [connect, {send: hi}]\n",
			want: `bad.yaml:5:18: steps[1]: send is a WebSocket step; with protocol socketio write - emit: {event: name, args: [...]}`,
		},
		{
			name: "emit with websocket",
			yaml: "target: embedded\nclients: {count: 1}\nduration: 1s\nsteps: [connect, {emit: hi}]\n",
			want: `bad.yaml:4:18: steps[1]: emit is a Socket.IO step; add protocol: socketio or use send/expect`,
		},
		{
			name: "socketio mistakes",
			yaml: `target: ftp://h
protocol: socketio
socketio: {path: io, transports: [websocket, polling], auth: [1]}
clients: {count: 1}
duration: 1s
client: {heartbeat: {interval: 5s}, subprotocols: [a]}
steps:
  - connect
  - emit: {event: connect, ack: {}, expect: {event: x, match: "("}}
  - expect_event: {namespace: chat}
  - emit: {event: e, args: [!json "{{.Seq"]}
`,
			want: `bad.yaml:1:9: target: target "ftp://h" is not an http(s):// or ws(s):// URL; write target: http://host:port (the namespace may follow as a path) or embedded
bad.yaml:3:18: socketio.path: must start with /, e.g. /socket.io/
bad.yaml:3:34: socketio.transports: an upgrade goes from polling to websocket: write [polling, websocket]
bad.yaml:3:62: socketio.auth: auth must be a mapping, e.g. auth: {token: secret}
bad.yaml:6:21: client.heartbeat: Socket.IO's heartbeat is the server's ping (pingInterval, pingTimeout); remove client.heartbeat (socketio.answer_pings: false makes clients stop answering)
bad.yaml:6:51: client.subprotocols: Socket.IO does not negotiate WebSocket subprotocols; remove it
bad.yaml:9:11: steps[1].emit: write ack or expect, not both: ack waits for the acknowledgement, expect for a reply event
bad.yaml:9:19: steps[1].emit.event: "connect" is reserved by Socket.IO; pick another event name
bad.yaml:9:63: steps[1].emit.expect.match: invalid regular expression: missing closing ): ` + "`(`" + `
bad.yaml:10:19: steps[2].expect_event.event: needs an event name, e.g. event: chat
bad.yaml:10:31: steps[2].expect_event.namespace: namespace "chat" must start with /, e.g. /chat
bad.yaml:11:28: steps[3].emit.args: template: "{{.Seq" opens {{ without a closing }}`,
		},
		{
			name: "server with a ws target",
			yaml: "target: ws://127.0.0.1:9000/chat\nclients: {count: 5}\nduration: 10s\nsteps: [connect]\nserver: {ignore_pings: true}\n",
			want: `bad.yaml:5:9: server: configures the embedded test server; remove it or set target: embedded`,
		},
		{
			name: "server close fraction",
			yaml: valid + "server: {close: {every: 4s, fraction: 5}}\n",
			want: `bad.yaml:5:39: server.close.fraction: must be more than 0 and at most 1 (0.05 = 5% of the connections), got 5`,
		},
		{
			name: "duplicate key",
			yaml: valid + "duration: 20s\n",
			want: `bad.yaml:5:1: duplicate key "duration" (first at line 3)`,
		},
		{
			name: "YAML syntax error",
			yaml: "target: embedded\nclients: {count: 5\nduration: 10s\n",
			want: `bad.yaml:2: YAML syntax error: did not find expected ',' or '}'`,
		},
		{
			name: "empty file",
			yaml: "# nothing yet\n",
			want: `bad.yaml: the file is empty; a scenario needs at least target, clients and steps`,
		},
		{
			name: "two documents",
			yaml: valid + "---\n" + valid,
			want: `bad.yaml:5:1: a second YAML document; a scenario file holds one (remove the ---)`,
		},
		{
			name: "several problems, in file order",
			yaml: `name: many
target: http://example.com/ws
clients:
  count: 0
client:
  reconnect: {multiplier: 0.5, jitter: 2}
  heartbeat: {mode: message, payload: ping, reply: "[", intervall: 5s}
  queue: {overflow: fifo}
steps:
  - send: {text: '{{.VU}}', expect: {json_field: id}}
  - sleep: 5
  - connect
  - {close: {}, connect: {}}
`,
			want: strings.Join([]string{
				`bad.yaml:1:1: duration: clients.count needs a duration: add duration: 1m`,
				`bad.yaml:2:9: target: target "http://example.com/ws" uses http://; write ws://example.com/ws (WebSocket URLs start with ws:// or wss://)`,
				`bad.yaml:4:10: clients.count: must be more than 0, got 0`,
				`bad.yaml:6:27: client.reconnect.multiplier: must be 1 or more (1 = a constant delay), got 0.5`,
				`bad.yaml:6:40: client.reconnect.jitter: must be from 0 to 1 (0.2 = ±20%), got 2`,
				`bad.yaml:7:52: client.heartbeat.reply: invalid regular expression: missing closing ]: ` + "`[`",
				`bad.yaml:7:57: client.heartbeat: unknown key "intervall" (did you mean "interval"?)`,
				`bad.yaml:8:21: client.queue.overflow: unknown overflow policy "fifo"; valid: drop-oldest, drop-newest, block`,
				`bad.yaml:10:5: steps[0]: send before any connect: add "- connect" before it`,
				`bad.yaml:10:50: steps[0].send.expect: expect.json_field "id": the sent text is not a JSON object with a top-level "id" field`,
				`bad.yaml:11:12: steps[1].sleep: expected a duration like "5s", got 5: add a unit, e.g. "5s"`,
				`bad.yaml:13:5: steps[3]: one step per list item; found close and connect`,
			}, "\n"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse("bad.yaml", []byte(tt.yaml), Overrides{LookupEnv: noEnv})
			if err == nil {
				t.Fatalf("Parse accepted the file: %+v", s)
			}
			var ps Problems
			if !errors.As(err, &ps) {
				t.Fatalf("error is %T, want Problems: %v", err, err)
			}
			if got := err.Error(); got != tt.want {
				t.Errorf("error:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
