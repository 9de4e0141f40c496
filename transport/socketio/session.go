package socketio

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// Session is what a client keeps between its connections so that the
// next one can resume where the last one broke off: Socket.IO 4.6+
// connection state recovery (the server's connectionStateRecovery
// option). Per namespace it holds the private session id (pid) the
// server gave at the last CONNECT and the offset of the last event
// received since, which the server appends to every event it emits
// while recovery is on.
//
// Pass it to DialSession. The Conn that dial returns updates the offsets
// as ReadMessage returns events; the next DialSession sends the pid and
// offset, and the server, if it still has the session, answers with the
// same pid (Details.Recovered) and first replays the events missed in
// between, which ReadMessage then returns.
//
// Its zero value is an empty session, ready to use. It is safe for
// concurrent use, but meant for one connection at a time: a Conn still
// reading while the next dial runs keeps updating offsets only until that
// dial's CONNECT is acknowledged. It must not be copied after first use.
type Session struct {
	mu     sync.Mutex
	points []*resumePoint // one per namespace that has a pid
}

// resumePoint is one namespace's recovery state. A connect replaces it
// with a fresh one, so a reader of an earlier connection, holding the
// old pointer, can no longer touch what the next dial will send.
type resumePoint struct {
	nsp string
	pid string
	// offset is the last offset as the JSON string it arrived as, quotes
	// and escapes included, so that it is stored without decoding and
	// sent back as it came; nil when none arrived. Its storage is reused
	// from event to event.
	offset []byte
}

// nspName gives a namespace its canonical form, "/" or "/chat".
func nspName(nsp string) string {
	if !strings.HasPrefix(nsp, "/") {
		return "/" + nsp
	}
	return nsp
}

// PID returns the private session id the server gave namespace nsp ("/"
// or "/chat") at the last connect, "" when it gave none.
func (s *Session) PID(nsp string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.find(nspName(nsp)); p != nil {
		return p.pid
	}
	return ""
}

// Offset returns the offset of the last event received on namespace nsp
// ("/" or "/chat") while it had a pid, "" when there is none.
func (s *Session) Offset(nsp string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.find(nspName(nsp))
	if p == nil || p.offset == nil {
		return ""
	}
	var off string
	if json.Unmarshal(p.offset, &off) != nil {
		return ""
	}
	return off
}

// find returns nsp's point, nil when it has none; s.mu is held.
func (s *Session) find(nsp string) *resumePoint {
	for _, p := range s.points {
		if p.nsp == nsp {
			return p
		}
	}
	return nil
}

// resume returns what a CONNECT for nsp carries to resume: its pid, and
// its last offset when one arrived and is a valid JSON string (a broken
// server's event could leave anything there; sending it back would only
// make the CONNECT unreadable). pid is "" when there is nothing to
// resume.
func (s *Session) resume(nsp string) (pid string, offset []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.find(nsp)
	if p == nil {
		return "", nil
	}
	if len(p.offset) > 1 && p.offset[0] == '"' && json.Valid(p.offset) {
		offset = slices.Clone(p.offset)
	}
	return p.pid, offset
}

// connected records the pid the server acknowledged nsp's CONNECT with,
// and returns the point the new connection updates, nil when the server
// gave no pid (recovery is off): the namespace then has nothing to
// resume. The last offset is kept across a new pid, as the reference
// client keeps it: offsets are positions in the namespace's packet log
// on the server, not in one session's.
func (s *Session) connected(nsp, pid string) *resumePoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	i := slices.IndexFunc(s.points, func(p *resumePoint) bool { return p.nsp == nsp })
	if pid == "" {
		if i >= 0 {
			s.points = slices.Delete(s.points, i, i+1)
		}
		return nil
	}
	p := &resumePoint{nsp: nsp, pid: pid}
	if i >= 0 {
		p.offset = slices.Clone(s.points[i].offset)
		s.points[i] = p
	} else {
		s.points = append(s.points, p)
	}
	return p
}

// note stores off, an offset as its JSON string, as p's last offset.
func (s *Session) note(p *resumePoint, off []byte) {
	s.mu.Lock()
	p.offset = append(p.offset[:0], off...)
	s.mu.Unlock()
}

// noteOffset keeps the offset an event carries as its last argument for
// the next DialSession, when the event's namespace has a pid. Events
// asking for an acknowledgement carry none (the server does not store
// them for replay), and the reference client, which appends the ack
// callback to the arguments, does not take their last one either. It
// runs as ReadMessage returns the event, as the reference client takes
// the offset when it hands the event to the application.
func (c *Conn) noteOffset(p *Packet) {
	if p.ID >= 0 || (p.Type != Event && p.Type != BinaryEvent) {
		return
	}
	for _, r := range c.resume {
		if p.In(r.nsp) {
			if off, ok := lastStringArg(p.Data); ok {
				c.session.note(r, off)
			}
			return
		}
	}
}

// appendResumeData appends the CONNECT payload of a namespace being
// resumed: a JSON object with "pid" and, when there is one, "offset",
// followed by the members of the auth object (authMembers, its content
// without braces), so that the auth's own "pid" or "offset" would win, as
// with the reference client's Object.assign({pid, offset}, auth).
func appendResumeData(dst []byte, pid string, offset, authMembers []byte) []byte {
	dst = append(dst, `{"pid":`...)
	dst = AppendString(dst, pid)
	if len(offset) > 0 {
		dst = append(dst, `,"offset":`...)
		dst = append(dst, offset...)
	}
	if len(authMembers) > 0 {
		dst = append(dst, ',')
		dst = append(dst, authMembers...)
	}
	return append(dst, '}')
}

// lastStringArg returns the last element of an event's JSON array when
// it is a string and not the event name itself, as the JSON string it
// is (quotes and escapes included): the offset a server with recovery on
// appends to each event. It scans back from the end and does not
// allocate. Only strings end in a quote, and inside one every quote is
// escaped (an odd run of backslashes before it), so the first quote
// before the last one with an even run is where the string opens.
func lastStringArg(data []byte) ([]byte, bool) {
	i := skipSpaceBack(data, len(data)-1)
	if i < 0 || data[i] != ']' {
		return nil, false
	}
	i = skipSpaceBack(data, i-1)
	if i < 1 || data[i] != '"' {
		return nil, false
	}
	end := i
	for i--; i >= 0; i-- {
		if data[i] != '"' {
			continue
		}
		n := 0
		for j := i - 1; j >= 0 && data[j] == '\\'; j-- {
			n++
		}
		if n%2 == 0 {
			break
		}
	}
	if i < 0 {
		return nil, false
	}
	start := i
	// A comma before it: an argument. A bracket: the event name alone,
	// which the reference client would take for an offset, though no
	// server sends one that way.
	if i = skipSpaceBack(data, i-1); i < 0 || data[i] != ',' {
		return nil, false
	}
	return data[start : end+1], true
}

// skipSpaceBack returns the index of the last byte at or before i that
// is not JSON whitespace, -1 when there is none.
func skipSpaceBack(b []byte, i int) int {
	for i >= 0 && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i--
	}
	return i
}
