package scenario

import (
	"regexp"
	"time"
)

// Scenario is a validated scenario file with defaults applied. Load returns
// it; nothing else should build one by hand except tests.
//
// The yaml tags name the keys users write; docs/scenario.md documents each.
type Scenario struct {
	// File is the path the scenario was loaded from (not a YAML key).
	File string `yaml:"-"`

	Name     string   `yaml:"name"`
	Target   string   `yaml:"target"`
	Protocol string   `yaml:"protocol"`
	Duration Duration `yaml:"duration"`
	// GracefulStop is how long clients still running at the end of the run
	// get to finish in-flight expects and close normally.
	GracefulStop Duration `yaml:"graceful_stop"`
	// Seed makes random payloads and jitter reproducible; 0 picks one at random.
	Seed    int64   `yaml:"seed"`
	Clients Clients `yaml:"clients"`
	Client  Client  `yaml:"client"`
	// SocketIO configures protocol socketio.
	SocketIO SocketIO `yaml:"socketio"`
	// Server configures the embedded test server; only valid with target embedded.
	Server *Server `yaml:"server"`
	Steps  []Step  `yaml:"steps"`
	// Thresholds gate the run: any that fails makes wsbench exit with 99.
	Thresholds []Threshold `yaml:"thresholds"`
}

// Protocols the scenario may name.
const (
	ProtocolWebSocket = "websocket"
	ProtocolSocketIO  = "socketio"
)

// Embedded is the target value that starts the in-process test server.
const Embedded = "embedded"

// Clients is the population, in one of two models. Closed: a constant
// count for Scenario.Duration, or linear ramps between stage targets (the
// runner keeps the target number of clients alive). Open: clients arrive
// at ArrivalRate (or at rates ramping through stages), each runs the steps
// once and leaves, and at most Max are alive at once.
type Clients struct {
	Count  int     `yaml:"count"`
	Stages []Stage `yaml:"stages"`
	// ArrivalRate is the open model's arrival rate ("500/s"): constant for
	// Duration, or the rate the first stage ramps from.
	ArrivalRate string `yaml:"arrival_rate"`
	// Duration is how long clients arrive at a constant ArrivalRate.
	Duration Duration `yaml:"duration"`
	// Max is the most clients alive at once in the open model; an arrival
	// that finds Max alive does not start (it is counted as missed).
	Max int `yaml:"max"`
	// PerSecond is ArrivalRate in clients per second.
	PerSecond float64 `yaml:"-"`
	// Profiles mixes kinds of client in one population: each client slot
	// takes one profile, in proportion to the weights, and runs with the
	// profile's client block (the scenario's client block with the
	// profile's keys laid over it). Results are also reported per profile.
	// ProfileOf and ClientFor say which profile and client block a slot
	// takes.
	Profiles []Profile `yaml:"profiles"`
}

// Profile is one kind of client in a population mix.
type Profile struct {
	Name string `yaml:"name"`
	// Weight is the profile's share of the clients, relative to the other
	// profiles' weights (70 and 30, or 0.7 and 0.3).
	Weight float64 `yaml:"weight"`
	// Client is the scenario's client block with the keys this profile
	// writes under client laid over it, defaults filled and checked like
	// the block; it shares no maps, slices or pointers with the block.
	Client Client `yaml:"client"`
}

// Open reports whether the population is the open model (arrival rates).
func (c Clients) Open() bool {
	if c.ArrivalRate != "" {
		return true
	}
	for _, st := range c.Stages {
		if st.ArrivalRate != "" {
			return true
		}
	}
	return false
}

// Stage ramps the client target (closed model) linearly from the previous
// stage's target (0 for the first) to Target over Duration; or, in the
// open model, the arrival rate from the previous stage's (the clients'
// arrival_rate for the first) to ArrivalRate.
type Stage struct {
	Duration    Duration `yaml:"duration"`
	Target      int      `yaml:"target"`
	ArrivalRate string   `yaml:"arrival_rate"`
	// PerSecond is ArrivalRate in clients per second.
	PerSecond float64 `yaml:"-"`
}

// Client is the behaviour every virtual client shares.
type Client struct {
	Headers      map[string]string `yaml:"headers"`
	Subprotocols []string          `yaml:"subprotocols"`
	Reconnect    Reconnect         `yaml:"reconnect"`
	Heartbeat    Heartbeat         `yaml:"heartbeat"`
	Queue        Queue             `yaml:"queue"`
	TLS          TLS               `yaml:"tls"`
	// Compression offers permessage-deflate (RFC 7692).
	Compression bool `yaml:"compression"`
	// MaxMessageSize is the largest message a client accepts; a larger one
	// closes the connection with 1009 (message too big).
	MaxMessageSize   Size     `yaml:"max_message_size"`
	HandshakeTimeout Duration `yaml:"handshake_timeout"`
	// WriteTimeout bounds one write; a write that cannot finish in time
	// (the server stopped reading) counts as a write error and a drop.
	WriteTimeout Duration `yaml:"write_timeout"`
	// SourceAddresses are local IP addresses (or CIDR ranges, or "auto")
	// that connections are spread over, round robin, so that more than one
	// source address's ephemeral ports (~28k) reach one server address.
	SourceAddresses []string `yaml:"source_addresses"`
	// Delivery, when set, tracks every received message (WebSocket) or
	// event (Socket.IO) that carries a sender, a sequence number and a
	// send time: delivery latency, lost, duplicated, out of order.
	Delivery *Delivery `yaml:"delivery"`
	// Network, when set, makes the client's network go away and come back
	// at random: an app on a phone in a tunnel or changing networks.
	Network *Network `yaml:"network"`
	// Background, when set, sends the app to the background and back at
	// random.
	Background *Background `yaml:"background"`
}

// Network modes: how a connection looks to the server when the client's
// network goes away.
const (
	// NetworkSilent: traffic stops in both directions, with no FIN and no
	// close frame; only a heartbeat can tell.
	NetworkSilent = "silent"
	// NetworkReset: the connection is reset (TCP RST).
	NetworkReset = "reset"
)

// Network is a client's network flapping. Offline periods begin at
// random, an exponentially distributed OfflineEvery apart (from the
// client's start or the end of the previous one), and last a uniformly
// random OfflineFor. While offline the client knows it (as an app's
// connectivity monitor does): it does not try to reconnect and its sends
// wait in the offline queue; when the network returns it reconnects at
// once, without backoff, and flushes the queue.
type Network struct {
	OfflineEvery Every  `yaml:"offline_every"`
	OfflineFor   Sleep  `yaml:"offline_for"`
	Mode         string `yaml:"mode"`
}

// Every is the mean of exponentially distributed times between events.
type Every struct {
	Mean Duration `yaml:"mean"`
}

// Background is an app going to the background and coming back, at random
// times drawn like Network's. Going to the background closes the
// connection with 1001 "going away" when Close (the default); with Close
// false the connection stays open and only the app's own sends wait in
// the queue. Coming back reconnects at once and flushes the queue.
type Background struct {
	Every Every `yaml:"every"`
	For   Sleep `yaml:"for"`
	// Close is nil when the key is absent (default true).
	Close *bool `yaml:"close"`
}

// Closes reports whether going to the background closes the connection.
func (b *Background) Closes() bool { return b.Close == nil || *b.Close }

// Delivery names the top-level JSON fields of a received message (or of a
// Socket.IO event's first argument) that identify its sender, the sender's
// sequence number and the sender's clock at send (unix milliseconds or
// microseconds, told apart by size). Event restricts tracking to one
// Socket.IO event name.
type Delivery struct {
	Sender string `yaml:"sender"`
	Seq    string `yaml:"seq"`
	SentAt string `yaml:"sent_at"`
	Event  string `yaml:"event"`
}

// Reconnect is the exponential backoff policy: attempt n (0-based) waits
// min(InitialDelay*Multiplier^n, MaxDelay), spread by ±Jitter.
type Reconnect struct {
	// Enabled is nil when the key is absent (default true).
	Enabled      *bool    `yaml:"enabled"`
	InitialDelay Duration `yaml:"initial_delay"`
	MaxDelay     Duration `yaml:"max_delay"`
	Multiplier   float64  `yaml:"multiplier"`
	Jitter       float64  `yaml:"jitter"`
	// MaxAttempts bounds the attempts after a drop or a failed connect; 0 = forever.
	MaxAttempts int `yaml:"max_attempts"`
}

// On reports whether reconnecting is enabled.
func (r Reconnect) On() bool { return r.Enabled == nil || *r.Enabled }

// Heartbeat modes.
const (
	HeartbeatPing    = "ping"
	HeartbeatMessage = "message"
	HeartbeatOff     = "off"
)

// Heartbeat keeps a connection verified: every Interval a ping frame (mode
// ping) or Payload (mode message) is sent; no pong or message matching Reply
// within Timeout declares the connection dead.
type Heartbeat struct {
	Mode     string   `yaml:"mode"`
	Interval Duration `yaml:"interval"`
	Timeout  Duration `yaml:"timeout"`
	Payload  string   `yaml:"payload"`
	// Reply is a regular expression a reply to Payload matches (mode message).
	Reply string `yaml:"reply"`
	// ReplyRE is Reply compiled.
	ReplyRE *regexp.Regexp `yaml:"-"`
}

// Queue overflow policies.
const (
	OverflowDropOldest = "drop-oldest"
	OverflowDropNewest = "drop-newest"
	OverflowBlock      = "block"
)

// Queue bounds the offline queue: sends issued while the client is not open
// wait here and are flushed in order after reconnect. Max 0 disables it
// (such sends are dropped and counted).
type Queue struct {
	Max      int    `yaml:"max"`
	Overflow string `yaml:"overflow"`
}

// TLS configures wss:// targets. Verification is on unless
// InsecureSkipVerify is set, which wsbench prints.
type TLS struct {
	InsecureSkipVerify bool   `yaml:"insecure_skip_verify"`
	CAFile             string `yaml:"ca_file"`
	ServerName         string `yaml:"server_name"`
}

// Server is the fault injection of the embedded test server (target embedded).
type Server struct {
	Delay   *Sleep        `yaml:"delay"`
	Close   *ServerClose  `yaml:"close"`
	Reset   *ServerReset  `yaml:"reset"`
	Refuse  *ServerRefuse `yaml:"refuse"`
	Restart *Restart      `yaml:"restart"`
	// IgnorePings stops the server answering ping frames (Socket.IO: stops
	// it sending pings).
	IgnorePings bool `yaml:"ignore_pings"`
	// PingInterval and PingTimeout are the embedded server's heartbeat.
	// Socket.IO: its pingInterval and pingTimeout; absent means 25s and
	// 20s. WebSocket: a ping frame every PingInterval, and a connection
	// whose pong does not come within PingTimeout (absent: PingInterval)
	// is reset; absent means no heartbeat.
	PingInterval Duration `yaml:"ping_interval"`
	PingTimeout  Duration `yaml:"ping_timeout"`
	// Broadcast makes the server send every connection a numbered message
	// at a fixed interval, so each receiver can count what it missed.
	Broadcast *ServerBroadcast `yaml:"broadcast"`
}

// ServerBroadcast sends {"sender":"server","seq":N,"sent_at":UNIX_MS}
// every Every to every connection (WebSocket), or emits it as event Event
// (Socket.IO, main namespace; default tick). N counts 1, 2, 3... for the
// whole server.
type ServerBroadcast struct {
	Every Duration `yaml:"every"`
	Event string   `yaml:"event"`
}

// ServerClose closes Fraction of the open connections every Every with a
// close frame carrying Code and Reason.
type ServerClose struct {
	Every    Duration `yaml:"every"`
	Fraction float64  `yaml:"fraction"`
	Code     int      `yaml:"code"`
	Reason   string   `yaml:"reason"`
}

// ServerReset aborts Fraction of the open connections every Every with a
// TCP reset and no close frame.
type ServerReset struct {
	Every    Duration `yaml:"every"`
	Fraction float64  `yaml:"fraction"`
}

// ServerRefuse answers upgrades with HTTP Status for For, starting After
// the server starts, repeating every Every when set.
type ServerRefuse struct {
	Status int      `yaml:"status"`
	After  Duration `yaml:"after"`
	For    Duration `yaml:"for"`
	Every  Duration `yaml:"every"`
}

// Restart drops every connection and keeps the listener down for Down,
// first After the start, then every Every when set.
type Restart struct {
	After Duration `yaml:"after"`
	Every Duration `yaml:"every"`
	Down  Duration `yaml:"down"`
}

// StepKind names a step.
type StepKind string

// Step kinds.
const (
	StepConnect StepKind = "connect"
	StepClose   StepKind = "close"
	StepSend    StepKind = "send"
	StepExpect  StepKind = "expect"
	StepSleep   StepKind = "sleep"
	StepLoop    StepKind = "loop"
	// Socket.IO steps.
	StepEmit        StepKind = "emit"
	StepExpectEvent StepKind = "expect_event"
	// App and network steps: they begin the period and return at once,
	// so the steps after them run while the client is away.
	StepOffline    StepKind = "offline"
	StepBackground StepKind = "background"
)

// Step is one instruction of a virtual client; exactly one of the pointer
// fields matching Kind is set (none for connect).
type Step struct {
	Kind   StepKind
	Pos    Pos
	Send   *Send
	Expect *Expect
	Sleep  *Sleep
	Loop   *Loop
	Close  *Close
	Emit   *Emit
	// ExpectEvent is the expect_event step.
	ExpectEvent *EventExpect
	// Away is the offline or background step.
	Away *Away
}

// Away takes the client offline (step offline) or to the background (step
// background) for For. Load fills Mode on offline steps (from the
// scenario's client.network mode, else silent) and Close on background
// steps (from the scenario's client.background close, else true); the
// other stays zero. Profiles do not change them.
type Away struct {
	For   Sleep  `yaml:"for"`
	Mode  string `yaml:"mode"`
	Close *bool  `yaml:"close"`
}

// Send sends one message: Text (a text frame), Binary (a binary frame whose
// template's Random fields are raw bytes) or Base64 (fixed binary content).
// With Expect the step waits for the matching reply.
type Send struct {
	Text   *Template `yaml:"text"`
	Binary *Template `yaml:"binary"`
	Base64 string    `yaml:"base64"`
	Expect *Expect   `yaml:"expect"`
	// Rate paces this send, per client, on an intended timeline ("10/s"):
	// each time the step runs it waits for its next intended time, and
	// the reply's latency counts from that time (coordinated omission
	// corrected), the uncorrected figure beside it.
	Rate string `yaml:"rate"`
	// TotalRate paces this send like Rate, at a rate for the whole
	// population ("1000/s"): each client sends at TotalRate divided by
	// the peak number of clients (MaxClients).
	TotalRate string `yaml:"total_rate"`
	// Raw is Base64 decoded.
	Raw []byte `yaml:"-"`
	// Interval is Rate (or TotalRate's share) as the time between one
	// client's intended sends.
	Interval time.Duration `yaml:"-"`
}

// Expect waits for a message: one whose top-level JSON field JSONField equals
// that of the sent message, or one matching Regex. Timeout counts from the
// original send, even when the message waited in the offline queue.
type Expect struct {
	JSONField string   `yaml:"json_field"`
	Regex     string   `yaml:"regex"`
	Timeout   Duration `yaml:"timeout"`
	// RE is Regex compiled.
	RE *regexp.Regexp `yaml:"-"`
}

// Sleep pauses for a uniformly random time in [Min, Max]; Min == Max is a
// fixed sleep. Also used for the embedded server's reply delay.
type Sleep struct {
	Min Duration `yaml:"min"`
	Max Duration `yaml:"max"`
}

// Loop repeats Steps Count times, or for Duration, whichever ends first;
// with neither it repeats until the client is stopped.
type Loop struct {
	Count    int      `yaml:"count"`
	Duration Duration `yaml:"duration"`
	Steps    []Step   `yaml:"steps"`
}

// Close closes the connection with a close frame carrying Code and Reason.
type Close struct {
	Code   int    `yaml:"code"`
	Reason string `yaml:"reason"`
}

// Pos is a position in a scenario file, 1-based.
type Pos struct {
	Line, Col int
}

// Duration is a time.Duration written as a Go duration string ("250ms").
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// String formats d like time.Duration.
func (d Duration) String() string { return time.Duration(d).String() }

// Size is a byte count written as an integer or with a unit ("4KiB", "1MB").
type Size int64
