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

// Reconnect.Enabled defaults to true: a nil Enabled means on (see Reconnect.On).

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

	c := &s.Client
	r := &c.Reconnect
	d.defDuration("client.reconnect.initial_delay", &r.InitialDelay, DefaultReconnectInitialDelay)
	d.defDuration("client.reconnect.max_delay", &r.MaxDelay, DefaultReconnectMaxDelay)
	if !d.set["client.reconnect.multiplier"] {
		r.Multiplier = DefaultReconnectMultiplier
	}
	if !d.set["client.reconnect.jitter"] {
		r.Jitter = DefaultReconnectJitter
	}
	if !d.set["client.reconnect.max_attempts"] {
		r.MaxAttempts = DefaultReconnectMaxAttempts
	}

	h := &c.Heartbeat
	if h.Mode == "" {
		h.Mode = DefaultHeartbeatMode
	}
	d.defDuration("client.heartbeat.interval", &h.Interval, DefaultHeartbeatInterval)
	d.defDuration("client.heartbeat.timeout", &h.Timeout, DefaultHeartbeatTimeout)

	if !d.set["client.queue.max"] {
		c.Queue.Max = DefaultQueueMax
	}
	if c.Queue.Overflow == "" {
		c.Queue.Overflow = DefaultQueueOverflow
	}
	d.defDuration("client.handshake_timeout", &c.HandshakeTimeout, DefaultHandshakeTimeout)
	d.defDuration("client.write_timeout", &c.WriteTimeout, DefaultWriteTimeout)
	if !d.set["client.max_message_size"] {
		c.MaxMessageSize = DefaultMaxMessageSize
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
		}
	})
}

func (d *decoder) defDuration(path string, dst *Duration, def time.Duration) {
	if !d.set[path] {
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
