package wire

import "net"

// headerEnd ends an HTTP response's header.
const headerEnd = "\r\n\r\n"

// Tap is the net.Conn gorilla dials through. During the handshake it
// gives gorilla the HTTP response up to the end of its header and keeps
// what follows, so gorilla's buffered reader holds nothing the Reader
// needs. After that it passes reads through (gorilla reads the body of a
// refused handshake), kept bytes first. Not safe for concurrent reads,
// like any net.Conn read side.
type Tap struct {
	net.Conn
	kept  []byte // read past the header end
	match int    // bytes of headerEnd matched so far
	past  bool   // the header end was delivered
}

// NewTap wraps c, a freshly dialed connection.
func NewTap(c net.Conn) *Tap { return &Tap{Conn: c} }

// Read reads the response header, then passes through.
func (t *Tap) Read(p []byte) (int, error) {
	if len(t.kept) > 0 {
		n := copy(p, t.kept)
		t.kept = t.kept[n:]
		return n, nil
	}
	n, err := t.Conn.Read(p)
	if t.past {
		return n, err
	}
	for i, b := range p[:n] {
		switch {
		case b == headerEnd[t.match]:
			t.match++
		case b == '\r':
			t.match = 1
		default:
			t.match = 0
		}
		if t.match == len(headerEnd) {
			t.past = true
			if i+1 < n {
				t.kept = append([]byte(nil), p[i+1:n]...)
			}
			return i + 1, nil // a read error shows again on the next read
		}
	}
	return n, err
}

// take returns the bytes read past the header and forgets them.
func (t *Tap) take() []byte {
	k := t.kept
	t.kept = nil
	return k
}
