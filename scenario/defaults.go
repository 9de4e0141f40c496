package scenario

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// The defaults, all in one place. docs/scenario.md documents each one:
// change both together. A default fills a key that is absent; a key written
// with a zero value keeps it (and validation may reject it).
const (
	DefaultProtocol     = ProtocolWebSocket
	DefaultGracefulStop = 5 * time.Second

	DefaultReconnectInitialDelay = 500 * time.Millisecond
	DefaultReconnectMaxDelay     = 30 * time.Second
	DefaultReconnectMultiplier   = 2.0
	DefaultReconnectJitter       = 0.2
	DefaultReconnectMaxAttempts  = 0 // forever

	DefaultHeartbeatMode     = HeartbeatPing
	DefaultHeartbeatInterval = 30 * time.Second
	DefaultHeartbeatTimeout  = 10 * time.Second

	DefaultQueueMax      = 1000
	DefaultQueueOverflow = OverflowDropOldest

	// DefaultNetworkMode is client.network's mode, and an offline step's
	// when the client block has no network.
	DefaultNetworkMode = NetworkSilent
	// DefaultBackgroundClose is client.background's close (a nil Close
	// means it, see Background.Closes), and a background step's when the
	// client block has no background.
	DefaultBackgroundClose = true

	DefaultHandshakeTimeout = 10 * time.Second
	DefaultWriteTimeout     = 10 * time.Second
	DefaultMaxMessageSize   = Size(16 << 20) // 16MiB

	DefaultExpectTimeout = 10 * time.Second
	// DefaultCloseCode is the code of a close step (normal closure).
	DefaultCloseCode = 1000
	// DefaultServerCloseCode is the code of server.close (going away).
	DefaultServerCloseCode = 1001
	// DefaultEmbeddedEndpoint is what target: embedded serves.
	DefaultEmbeddedEndpoint = "echo"
)

// Reconnect.Enabled defaults to true: a nil Enabled means on (see
// Reconnect.On); so does SocketIO.Recovery (see SocketIO.Recovers).

// applyDefaults fills every absent key of s with its default.
func (d *decoder) applyDefaults(s *Scenario) {
	if s.Name == "" && d.file != "" {
		base := filepath.Base(d.file)
		s.Name = strings.TrimSuffix(base, filepath.Ext(base))
	}
	if s.Protocol == "" {
		s.Protocol = DefaultProtocol
	}
	d.defDuration("graceful_stop", &s.GracefulStop, DefaultGracefulStop)
	d.applySocketIODefaults(s)

	d.applyClientDefaults(&s.Client, "client", s.Protocol)
	for i := range s.Clients.Profiles {
		d.applyClientDefaults(&s.Clients.Profiles[i].Client, profilePath(i)+".client", s.Protocol)
	}

	if s.Server != nil && s.Server.Close != nil && !d.set["server.close.code"] {
		s.Server.Close.Code = DefaultServerCloseCode
	}
	walkSteps(s.Steps, "steps", func(st *Step, path string) {
		switch {
		case st.Send != nil && st.Send.Expect != nil:
			d.defDuration(path+".send.expect.timeout", &st.Send.Expect.Timeout, DefaultExpectTimeout)
		case st.Expect != nil:
			d.defDuration(path+".expect.timeout", &st.Expect.Timeout, DefaultExpectTimeout)
		case st.Close != nil && !d.set[path+".close.code"]:
			st.Close.Code = DefaultCloseCode
		case st.Away != nil:
			awayStepDefaults(st, &s.Client)
		}
	})
}

// applyClientDefaults fills the absent keys of the client block c at
// prefix ("client", or a profile's "clients.profiles[0].client", whose
// keys count as written when the scenario's client block writes them).
func (d *decoder) applyClientDefaults(c *Client, prefix, protocol string) {
	p := prefix + "."
	r := &c.Reconnect
	d.defDuration(p+"reconnect.initial_delay", &r.InitialDelay, DefaultReconnectInitialDelay)
	d.defDuration(p+"reconnect.max_delay", &r.MaxDelay, DefaultReconnectMaxDelay)
	if !d.written(p + "reconnect.multiplier") {
		r.Multiplier = DefaultReconnectMultiplier
	}
	if !d.written(p + "reconnect.jitter") {
		r.Jitter = DefaultReconnectJitter
	}
	if !d.written(p + "reconnect.max_attempts") {
		r.MaxAttempts = DefaultReconnectMaxAttempts
	}

	h := &c.Heartbeat
	if protocol == ProtocolSocketIO && !d.written(p+"heartbeat.mode") {
		h.Mode = HeartbeatOff // the server's Engine.IO ping is the heartbeat
	}
	if h.Mode == "" {
		h.Mode = DefaultHeartbeatMode
	}
	d.defDuration(p+"heartbeat.interval", &h.Interval, DefaultHeartbeatInterval)
	d.defDuration(p+"heartbeat.timeout", &h.Timeout, DefaultHeartbeatTimeout)

	if !d.written(p + "queue.max") {
		c.Queue.Max = DefaultQueueMax
	}
	if c.Queue.Overflow == "" {
		c.Queue.Overflow = DefaultQueueOverflow
	}
	d.defDuration(p+"handshake_timeout", &c.HandshakeTimeout, DefaultHandshakeTimeout)
	d.defDuration(p+"write_timeout", &c.WriteTimeout, DefaultWriteTimeout)
	if !d.written(p + "max_message_size") {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if n := c.Network; n != nil && n.Mode == "" {
		n.Mode = DefaultNetworkMode
	}
}

func (d *decoder) defDuration(path string, dst *Duration, def time.Duration) {
	if !d.written(path) {
		*dst = Duration(def)
	}
}

// walkSteps calls fn for every step, depth first in file order, with its path.
func walkSteps(steps []Step, path string, fn func(st *Step, path string)) {
	for i := range steps {
		p := path + "[" + strconv.Itoa(i) + "]"
		fn(&steps[i], p)
		if l := steps[i].Loop; l != nil {
			walkSteps(l.Steps, p+".loop.steps", fn)
		}
	}
}
