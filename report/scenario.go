package report

import (
	"fmt"

	"github.com/wsbench/wsbench/scenario"
	"github.com/wsbench/wsbench/trace"
)

// Redacted replaces secret values in reports.
const Redacted = "[redacted]"

func scenarioInfo(sc *scenario.Scenario, resolved string, seed int64) ScenarioInfo {
	c := &sc.Client
	info := ScenarioInfo{
		Name:                sc.Name,
		File:                sc.File,
		Target:              RedactURL(sc.Target),
		URL:                 RedactURL(resolved),
		Protocol:            sc.Protocol,
		Count:               sc.Clients.Count,
		GracefulStopSeconds: sc.GracefulStop.D().Seconds(),
		Seed:                seed,
		Subprotocols:        c.Subprotocols,
		Compression:         c.Compression,
		InsecureSkipVerify:  c.TLS.InsecureSkipVerify,
		MaxMessageSize:      int64(c.MaxMessageSize),
	}
	for _, st := range sc.Clients.Stages {
		info.Stages = append(info.Stages, StageInfo{DurationSeconds: st.Duration.D().Seconds(), Target: st.Target, ArrivalRate: st.ArrivalRate})
	}
	if sc.Clients.Open() {
		info.ArrivalRate, info.Max = sc.Clients.ArrivalRate, sc.Clients.Max
	}
	if len(c.Headers) > 0 {
		info.Headers = map[string]string{}
		for k := range c.Headers {
			info.Headers[k] = Redacted
		}
	}
	r := c.Reconnect
	if r.On() {
		attempts := "forever"
		if r.MaxAttempts > 0 {
			attempts = fmt.Sprintf("at most %d attempts", r.MaxAttempts)
		}
		info.Reconnect = fmt.Sprintf("backoff %s x%g up to %s, jitter ±%g%%, %s",
			r.InitialDelay, r.Multiplier, r.MaxDelay, r.Jitter*100, attempts)
	} else {
		info.Reconnect = "off"
	}
	if sc.Protocol == scenario.ProtocolSocketIO {
		info.Heartbeat = "Engine.IO ping from the server"
		if a := sc.SocketIO.AnswerPings; a != nil && !*a {
			info.Heartbeat += ", not answered (answer_pings: false)"
		}
	} else {
		info.Heartbeat = heartbeatText(c.Heartbeat)
		// A profile that beats otherwise says so, so the line is not
		// taken for every client's.
		for _, p := range sc.Clients.Profiles {
			if t := heartbeatText(p.Client.Heartbeat); t != info.Heartbeat {
				info.Heartbeat += fmt.Sprintf("; profile %s: %s", p.Name, t)
			}
		}
	}
	if sc.Protocol == scenario.ProtocolSocketIO {
		sio := &sc.SocketIO
		info.SocketIO = &SocketIOInfo{Path: sio.Path, Namespaces: sc.Namespaces(), Transports: sio.Transports, Auth: sio.Auth != nil}
	}
	if d := c.Delivery; d != nil {
		info.Delivery = fmt.Sprintf("sender %s, seq %s, sent_at %s", d.Sender, d.Seq, d.SentAt)
		if d.Event != "" {
			info.Delivery += ", event " + d.Event
		}
	}
	if c.Queue.Max == 0 {
		info.Queue = "off"
	} else {
		info.Queue = fmt.Sprintf("max %d, %s", c.Queue.Max, c.Queue.Overflow)
	}
	return info
}

// RedactURL hides the password and secret-looking query values of u
// (the rules of package trace, shared by every output).
func RedactURL(u string) string { return trace.RedactURL(u) }

// heartbeatText describes a WebSocket client's heartbeat.
func heartbeatText(h scenario.Heartbeat) string {
	if h.Mode == scenario.HeartbeatOff || h.Mode == "" {
		return "off"
	}
	return fmt.Sprintf("%s every %s, timeout %s", h.Mode, h.Interval, h.Timeout)
}
