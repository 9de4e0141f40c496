package scenario

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
)

// Socket.IO transports.
const (
	TransportWebSocket = "websocket"
	TransportPolling   = "polling"
)

// SocketIO configures protocol socketio: the Engine.IO path, the main
// namespace, the CONNECT auth payload, extra handshake query parameters
// and the transports: [websocket], [polling], or [polling, websocket]
// (start on long-polling and upgrade, as browsers do).
type SocketIO struct {
	Path      string `yaml:"path"`
	Namespace string `yaml:"namespace"`
	// Auth is sent with every namespace CONNECT (socket.handshake.auth).
	Auth       *JSON             `yaml:"auth"`
	Query      map[string]string `yaml:"query"`
	Transports []string          `yaml:"transports"`
	// AnswerPings false makes clients stop answering the server's pings, to
	// test the server's pingTimeout (a frozen client). Nil means true.
	AnswerPings *bool `yaml:"answer_pings"`
	// Recovery makes a client resume its session after a drop, as
	// socket.io-client does when the server enables
	// connectionStateRecovery: it keeps the session id and the offset of
	// the last event, sends them on reconnect, and the server replays the
	// events missed meanwhile. Nil means true; it does nothing against a
	// server that does not offer recovery.
	Recovery *bool `yaml:"recovery"`
}

// Recovers reports whether clients ask to resume their session after a
// drop (Recovery, default true).
func (s SocketIO) Recovers() bool { return s.Recovery == nil || *s.Recovery }

// Namespaces lists every namespace a client connects, the main one first,
// then those its steps name, each once.
func (s *Scenario) Namespaces() []string {
	out := []string{s.SocketIO.Namespace}
	walkSteps(s.Steps, "", func(st *Step, _ string) {
		var ns string
		switch {
		case st.Emit != nil:
			ns = st.Emit.Namespace
		case st.ExpectEvent != nil:
			ns = st.ExpectEvent.Namespace
		default:
			return
		}
		for _, x := range out {
			if x == ns {
				return
			}
		}
		out = append(out, ns)
	})
	return out
}

// JSON is a YAML value sent as JSON (auth payloads). Raw is its encoding.
type JSON struct {
	Raw []byte
}

// Emit sends a Socket.IO event with Args to Namespace. With Ack it waits
// for the server's acknowledgement (ack latency); with Expect it waits for
// a reply event (event round trip).
type Emit struct {
	Event     string       `yaml:"event"`
	Namespace string       `yaml:"namespace"`
	Args      *Args        `yaml:"args"`
	Ack       *AckWait     `yaml:"ack"`
	Expect    *EventExpect `yaml:"expect"`
}

// AckWait waits for an emit's acknowledgement.
type AckWait struct {
	Timeout Duration `yaml:"timeout"`
}

// EventExpect waits for a Socket.IO event named Event in Namespace whose
// JSON array (name first, then the arguments) matches Match when set.
// Timeout counts from the emit (or from the step, for expect_event).
type EventExpect struct {
	Event     string   `yaml:"event"`
	Namespace string   `yaml:"namespace"`
	Match     string   `yaml:"match"`
	Timeout   Duration `yaml:"timeout"`
	// RE is Match compiled, nil when Match is empty.
	RE *regexp.Regexp `yaml:"-"`
}

// Args are an emit's arguments: JSON rendered from a template per emit,
// with binary arguments (YAML !!binary) sent as attachments.
type Args struct {
	// JSON renders the arguments separated by commas, without brackets.
	JSON *Template
	// Attachments are the binary arguments in placeholder order.
	Attachments [][]byte
}

// Socket.IO defaults; docs/scenario.md documents each.
const (
	DefaultSocketIOPath      = "/socket.io/"
	DefaultSocketIONamespace = "/"
)

// DefaultSocketIOTransports is what transports defaults to.
var DefaultSocketIOTransports = []string{TransportWebSocket}

// applySocketIODefaults fills the socketio block and the Socket.IO steps.
// The client blocks' heartbeat (off: the server's Engine.IO ping is the
// heartbeat) is applyClientDefaults'.
func (d *decoder) applySocketIODefaults(s *Scenario) {
	if s.Protocol == "socket.io" {
		s.Protocol = ProtocolSocketIO
	}
	if s.Protocol != ProtocolSocketIO {
		return
	}
	sio := &s.SocketIO
	if sio.Path == "" {
		sio.Path = DefaultSocketIOPath
	}
	if sio.Namespace == "" {
		sio.Namespace = DefaultSocketIONamespace
		if u, err := url.Parse(s.Target); err == nil && u.Host != "" && u.Path != "" && u.Path != "/" {
			sio.Namespace = u.Path // as io("http://host/chat") does
		}
	}
	if len(sio.Transports) == 0 && !d.set["socketio.transports"] {
		sio.Transports = DefaultSocketIOTransports
	}
	walkSteps(s.Steps, "steps", func(st *Step, path string) {
		switch {
		case st.Emit != nil:
			e := st.Emit
			if e.Namespace == "" {
				e.Namespace = sio.Namespace
			}
			if e.Ack != nil {
				d.defDuration(path+".emit.ack.timeout", &e.Ack.Timeout, DefaultExpectTimeout)
			}
			if e.Expect != nil {
				if e.Expect.Namespace == "" {
					e.Expect.Namespace = e.Namespace
				}
				d.defDuration(path+".emit.expect.timeout", &e.Expect.Timeout, DefaultExpectTimeout)
			}
		case st.ExpectEvent != nil:
			if st.ExpectEvent.Namespace == "" {
				st.ExpectEvent.Namespace = sio.Namespace
			}
			d.defDuration(path+".expect_event.timeout", &st.ExpectEvent.Timeout, DefaultExpectTimeout)
		}
	})
}

// reservedEvents are names Socket.IO keeps for itself; emitting one is an
// error in the reference client.
var reservedEvents = []string{"connect", "connect_error", "disconnect", "disconnecting", "newListener", "removeListener"}

// checkSocketIO validates the socketio block, which only protocol socketio
// may have; checkSocketIOClient checks the client blocks.
func (d *decoder) checkSocketIO(s *Scenario) {
	sio := &s.SocketIO
	if s.Protocol != ProtocolSocketIO {
		if d.set["socketio"] {
			d.problem("socketio", "the socketio block needs protocol: socketio")
		}
		return
	}
	if !strings.HasPrefix(sio.Path, "/") {
		d.problem("socketio.path", "must start with /, e.g. /socket.io/")
	}
	d.checkNamespace(sio.Namespace, "socketio.namespace")
	if u, err := url.Parse(s.Target); err == nil && u.Host != "" && u.Path != "" && u.Path != "/" && d.set["socketio.namespace"] && u.Path != sio.Namespace {
		d.problem("target", "the target's path %s names a namespace but socketio.namespace is %s; keep one", u.Path, sio.Namespace)
	}
	switch strings.Join(sio.Transports, ",") {
	case "websocket", "polling", "polling,websocket":
	case "websocket,polling":
		d.problem("socketio.transports", "an upgrade goes from polling to websocket: write [polling, websocket]")
	default:
		d.problem("socketio.transports", "write [websocket], [polling] or [polling, websocket] (start on polling, then upgrade); got %v", sio.Transports)
	}
	if sio.Auth != nil && (len(sio.Auth.Raw) == 0 || sio.Auth.Raw[0] != '{') {
		d.problem("socketio.auth", "auth must be a mapping, e.g. auth: {token: secret}")
	}
}

// checkSocketIOClient reports the WebSocket-only options of the client
// block c at prefix, for protocol socketio.
func (d *decoder) checkSocketIOClient(c *Client, prefix, protocol string) {
	if protocol != ProtocolSocketIO {
		return
	}
	if d.set[prefix+".heartbeat"] {
		d.problem(prefix+".heartbeat", "Socket.IO's heartbeat is the server's ping (pingInterval, pingTimeout); remove %s.heartbeat (socketio.answer_pings: false makes clients stop answering)", prefix)
	}
	if len(c.Subprotocols) > 0 {
		d.problem(prefix+".subprotocols", "Socket.IO does not negotiate WebSocket subprotocols; remove it")
	}
	if c.Compression {
		d.problem(prefix+".compression", "not supported with protocol socketio yet; remove it")
	}
}

// checkDelivery validates the delivery of the client block c at prefix.
func (d *decoder) checkDelivery(c *Client, prefix, protocol string) {
	dl := c.Delivery
	if dl == nil {
		return
	}
	p := prefix + ".delivery."
	for _, f := range []struct{ key, val string }{{"sender", dl.Sender}, {"seq", dl.Seq}, {"sent_at", dl.SentAt}} {
		if f.val == "" {
			d.problem(p+f.key, "needs the name of a top-level JSON field, e.g. %s", map[string]string{"sender": "from", "seq": "seq", "sent_at": "sent_at"}[f.key])
		}
	}
	if dl.Event != "" && protocol != ProtocolSocketIO {
		d.problem(p+"event", "event names a Socket.IO event; remove it for protocol %s", protocol)
	}
}

// checkEmit validates an emit step at path.
func (d *decoder) checkEmit(e *Emit, path string) {
	d.checkEventName(e.Event, path+".event")
	d.checkNamespace(e.Namespace, path+".namespace")
	if e.Ack != nil && e.Expect != nil {
		d.problem(path, "write ack or expect, not both: ack waits for the acknowledgement, expect for a reply event")
	}
	if e.Ack != nil && e.Ack.Timeout <= 0 {
		d.problem(path+".ack.timeout", "must be more than 0, e.g. 5s")
	}
	if e.Expect != nil {
		d.checkEventExpect(e.Expect, path+".expect")
	}
}

// checkEventExpect validates an expect_event step, or an emit's expect.
func (d *decoder) checkEventExpect(e *EventExpect, path string) {
	d.checkEventName(e.Event, path+".event")
	d.checkNamespace(e.Namespace, path+".namespace")
	if e.Match != "" {
		if re, err := regexp.Compile(e.Match); err != nil {
			d.problem(path+".match", "%s", regexpProblem(err))
		} else {
			e.RE = re
		}
	}
	if e.Timeout <= 0 {
		d.problem(path+".timeout", "must be more than 0, e.g. 5s")
	}
}

func (d *decoder) checkNamespace(ns, path string) {
	if ns != "" && !strings.HasPrefix(ns, "/") { // "" only without protocol socketio, reported there
		d.problem(path, "namespace %q must start with /, e.g. /chat", ns)
	}
}

func (d *decoder) checkEventName(name, path string) {
	switch {
	case name == "":
		d.problem(path, "needs an event name, e.g. event: chat")
	case slices.Contains(reservedEvents, name):
		d.problem(path, "%q is reserved by Socket.IO; pick another event name", name)
	}
}
