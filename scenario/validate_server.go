package scenario

// maxCloseReason is the longest close reason: a close frame's payload is at
// most 125 bytes, two of them the code.
const maxCloseReason = 123

func (d *decoder) checkServer(s *Scenario) {
	sv := s.Server
	if sv == nil {
		return
	}
	if s.Target != "" && !s.IsEmbedded() {
		d.problem("server", "configures the embedded test server; remove it or set target: embedded")
	}
	if d.set["server.ping_timeout"] && !d.set["server.ping_interval"] && s.Protocol != ProtocolSocketIO {
		d.problem("server.ping_timeout", "needs server.ping_interval: the embedded WebSocket server pings only when it is set")
	}
	if b := sv.Broadcast; b != nil {
		d.checkEvery("server.broadcast", b.Every)
		if b.Event != "" && s.Protocol != ProtocolSocketIO {
			d.problem("server.broadcast.event", "names a Socket.IO event; it needs protocol: socketio")
		}
	}
	if d.set["server.ping_interval"] && sv.PingInterval <= 0 {
		d.problem("server.ping_interval", "must be more than 0, e.g. 25s")
	}
	if d.set["server.ping_timeout"] && sv.PingTimeout <= 0 {
		d.problem("server.ping_timeout", "must be more than 0, e.g. 20s")
	}
	if c := sv.Close; c != nil {
		d.checkEvery("server.close", c.Every)
		d.checkFraction("server.close", c.Fraction)
		if !closeCodeOnWire(c.Code) {
			d.problem("server.close.code", "code %d cannot be sent in a close frame; use 1000-1003, 1007-1014 or 3000-4999", c.Code)
		}
		if len(c.Reason) > maxCloseReason {
			d.problem("server.close.reason", "is %d bytes; a close reason has at most %d", len(c.Reason), maxCloseReason)
		}
	}
	if r := sv.Reset; r != nil {
		d.checkEvery("server.reset", r.Every)
		d.checkFraction("server.reset", r.Fraction)
	}
	if r := sv.Refuse; r != nil {
		if r.Status < 400 || r.Status > 599 {
			d.problem("server.refuse.status", "must be an HTTP error status from 400 to 599, e.g. 503; got %d", r.Status)
		}
		if r.For <= 0 {
			d.problem("server.refuse.for", "must be more than 0: how long to refuse, e.g. 5s")
		}
		if r.Every > 0 && r.Every <= r.For {
			d.problem("server.refuse.every", "every %s must be longer than for %s, or the server never accepts again", r.Every, r.For)
		}
	}
	if r := sv.Restart; r != nil {
		if r.Down <= 0 {
			d.problem("server.restart.down", "must be more than 0: how long the listener stays down, e.g. 2s")
		}
		if r.After <= 0 && r.Every <= 0 {
			d.problem("server.restart", "set after (one restart), every (repeated) or both, e.g. every: 30s")
		}
		if r.Every > 0 && r.Every <= r.Down {
			d.problem("server.restart.every", "every %s must be longer than down %s, or the server never comes back", r.Every, r.Down)
		}
	}
}

func (d *decoder) checkEvery(path string, every Duration) {
	if every <= 0 {
		d.problem(path+".every", "must be more than 0, e.g. 10s")
	}
}

func (d *decoder) checkFraction(path string, f float64) {
	if f <= 0 || f > 1 {
		d.problem(path+".fraction", "must be more than 0 and at most 1 (0.05 = 5%% of the connections), got %g", f)
	}
}

// closeCodeOnWire reports whether code may appear in a close frame (RFC 6455
// 7.4): 1004-1006 and 1015 are reserved, 1016-2999 unassigned.
func closeCodeOnWire(code int) bool {
	return code >= 1000 && code <= 1003 || code >= 1007 && code <= 1014 || code >= 3000 && code <= 4999
}
