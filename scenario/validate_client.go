package scenario

import (
	"net/textproto"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// checkClientBlock runs every rule of a client block on c, the scenario's
// client block (prefix "client") or a profile's ("clients.profiles[0].client").
func (d *decoder) checkClientBlock(s *Scenario, c *Client, prefix string) {
	d.checkClient(c, prefix)
	d.checkSocketIOClient(c, prefix, s.Protocol)
	d.checkDelivery(c, prefix, s.Protocol)
	d.checkSources(s, c, prefix)
	if c.Network != nil {
		d.checkNetwork(c.Network, prefix)
	}
	if c.Background != nil {
		d.checkBackground(c.Background, prefix)
	}
}

func (d *decoder) checkClient(c *Client, prefix string) {
	d.checkReconnect(&c.Reconnect, prefix+".reconnect.")
	d.checkHeartbeat(&c.Heartbeat, prefix+".heartbeat.")
	d.checkQueue(c.Queue, prefix+".queue.")
	d.checkHeaders(c.Headers, prefix+".headers.")
	d.checkSubprotocols(c.Subprotocols, prefix+".subprotocols")
	d.checkTLS(&c.TLS, prefix+".tls.ca_file")
	if c.HandshakeTimeout <= 0 {
		d.problem(prefix+".handshake_timeout", "must be more than 0, e.g. 10s")
	}
	if c.WriteTimeout <= 0 {
		d.problem(prefix+".write_timeout", "must be more than 0, e.g. 10s")
	}
	if c.MaxMessageSize <= 0 {
		d.problem(prefix+".max_message_size", `must be more than 0, e.g. "16MiB"`)
	}
}

// checkReconnect checks the reconnect block whose keys are p+KEY.
func (d *decoder) checkReconnect(r *Reconnect, p string) {
	if r.InitialDelay <= 0 {
		d.problem(p+"initial_delay", "must be more than 0, e.g. 500ms")
	}
	if r.MaxDelay < r.InitialDelay {
		d.problem(p+"max_delay", "max_delay %s is less than initial_delay %s", r.MaxDelay, r.InitialDelay)
	}
	if r.Multiplier < 1 {
		d.problem(p+"multiplier", "must be 1 or more (1 = a constant delay), got %g", r.Multiplier)
	}
	if r.Jitter < 0 || r.Jitter > 1 {
		d.problem(p+"jitter", "must be from 0 to 1 (0.2 = ±20%%), got %g", r.Jitter)
	}
	if r.MaxAttempts < 0 {
		d.problem(p+"max_attempts", "must be 0 (forever) or more, got %d", r.MaxAttempts)
	}
}

var heartbeatModes = []string{HeartbeatPing, HeartbeatMessage, HeartbeatOff}

// checkHeartbeat checks the heartbeat block whose keys are p+KEY.
func (d *decoder) checkHeartbeat(h *Heartbeat, p string) {
	if !slices.Contains(heartbeatModes, h.Mode) {
		d.problem(p+"mode", "unknown mode %q%s; valid: %s", h.Mode, didYouMean(h.Mode, heartbeatModes), strings.Join(heartbeatModes, ", "))
		return
	}
	if h.Mode != HeartbeatOff {
		if h.Interval <= 0 {
			d.problem(p+"interval", "must be more than 0, e.g. 30s (or set mode: off)")
		}
		if h.Timeout <= 0 {
			d.problem(p+"timeout", "must be more than 0, e.g. 10s (or set mode: off)")
		}
	}
	if h.Mode != HeartbeatMessage {
		// Only where written: a profile that changes the mode may inherit
		// a payload it cannot remove.
		for _, k := range []string{"payload", "reply"} {
			if d.set[p+k] {
				d.problem(p+k, "%s is used only with mode: message (mode is %s)", k, h.Mode)
			}
		}
		return
	}
	if h.Payload == "" {
		d.problem(p+"payload", `mode message needs a payload, the message to send, e.g. payload: '{"type":"ping"}'`)
	}
	if h.Reply == "" {
		d.problem(p+"reply", `mode message needs a reply, a regular expression the answer matches, e.g. reply: '"type":"pong"'`)
		return
	}
	re, err := regexp.Compile(h.Reply)
	if err != nil {
		d.problem(p+"reply", "%s", regexpProblem(err))
		return
	}
	h.ReplyRE = re
}

var overflowPolicies = []string{OverflowDropOldest, OverflowDropNewest, OverflowBlock}

// checkQueue checks the queue block whose keys are p+KEY.
func (d *decoder) checkQueue(q Queue, p string) {
	if q.Max < 0 {
		d.problem(p+"max", "must be 0 (no queue) or more, got %d", q.Max)
	}
	if !slices.Contains(overflowPolicies, q.Overflow) {
		d.problem(p+"overflow", "unknown overflow policy %q%s; valid: %s", q.Overflow, didYouMean(q.Overflow, overflowPolicies), strings.Join(overflowPolicies, ", "))
	}
}

// reservedHeaders are set by the WebSocket handshake itself, by canonical
// name, with what to write instead.
var reservedHeaders = map[string]string{
	"Sec-Websocket-Key":        "the handshake sets it",
	"Sec-Websocket-Version":    "the handshake sets it",
	"Sec-Websocket-Accept":     "the server sends it",
	"Sec-Websocket-Extensions": "use compression: true for permessage-deflate",
	"Sec-Websocket-Protocol":   "use subprotocols: [name] instead",
	"Upgrade":                  "the handshake sets it",
	"Connection":               "the handshake sets it",
}

// checkHeaders checks the headers whose paths are p+NAME.
func (d *decoder) checkHeaders(h map[string]string, p string) {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	seen := map[string]string{}
	for _, name := range names {
		p := p + name
		canon := textproto.CanonicalMIMEHeaderKey(name)
		switch {
		case !isToken(name):
			d.problem(p, "%q is not a valid header name (letters, digits and !#$%%&'*+-.^_`|~)", name)
		case reservedHeaders[canon] != "":
			d.problem(p, "%s is set by the WebSocket handshake; %s", name, reservedHeaders[canon])
		case seen[canon] != "":
			d.problem(p, "header %s repeats %s (header names ignore case)", name, seen[canon])
		}
		seen[canon] = name
		if strings.ContainsFunc(h[name], func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }) {
			d.problem(p, "the value of header %s contains a control character (a newline?)", name)
		}
	}
}

func (d *decoder) checkSubprotocols(sp []string, path string) {
	for i, s := range sp {
		p := path + "[" + strconv.Itoa(i) + "]"
		if !isToken(s) {
			d.problem(p, "%q is not a valid subprotocol name (letters, digits and !#$%%&'*+-.^_`|~, no spaces)", s)
		} else if j := slices.Index(sp, s); j < i {
			d.problem(p, "%s is listed twice", s)
		}
	}
}

// isToken reports whether s is an HTTP token (RFC 9110 5.6.2), the syntax
// of header names and subprotocols.
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
		if !ok {
			return false
		}
	}
	return true
}

// didYouMean is " (did you mean "x"?)" when s is a likely typo of a valid value.
func didYouMean(s string, valid []string) string {
	if hint := suggest(s, valid); hint != "" {
		return ` (did you mean "` + hint + `"?)`
	}
	return ""
}

// regexpProblem words a regexp compile error without Go's prefix.
func regexpProblem(err error) string {
	return "invalid regular expression: " + strings.TrimPrefix(err.Error(), "error parsing regexp: ")
}
