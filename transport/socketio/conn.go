package socketio

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/wsbench/wsbench/transport"
)

// Conn is one Engine.IO connection with its Socket.IO namespaces
// connected, seen through transport.Conn: ReadMessage returns Socket.IO
// packets, WriteMessage sends them. Engine.IO (pings, pongs, noops, the
// packet prefix) stays inside.
//
// As for every transport.Conn, one goroutine at a time may read, and
// writes may come from any goroutine: they are serialised with each other
// and with the pongs the reader writes. Close, Abort, Mute, Reset,
// Details, Info and Attachments are safe to call concurrently with reads
// and writes (Attachments only from the reader). A Conn starts no
// goroutine of its own.
type Conn struct {
	link         link
	ignorePings  bool
	pingDeadline time.Duration
	disconnects  [][]byte // "1" (+ "/nsp,") per namespace, for Close
	details      Details
	info         transport.Info

	// Reader state, owned by the goroutine in ReadMessage (or Dial).
	err      error    // sticky: a connection that failed stays failed
	pending  []queued // packets that arrived during Dial
	atts     [][]byte // the current packet's attachments
	attStore [][]byte // their reused storage
	onPing   func()
	dialing  bool
	lastPing time.Time
	// pingTimer fires the link at the ping deadline while the connection
	// waits in the poller, where no blocked read sees the deadline pass.
	pingTimer *time.Timer
	// session and resume are what the reader updates with each event's
	// offset: the Session given to DialSession and its points for the
	// namespaces whose CONNECT the server answered with a pid. Set
	// during Dial; resume is empty without recovery.
	session *Session
	resume  []*resumePoint

	wmu     sync.Mutex // serialises writes, pongs included
	one     [1][]byte  // WriteMessage(Binary)'s attachment list, under wmu
	closing atomic.Bool
	aborted atomic.Bool
	failed  atomic.Bool // the reader ended: release the connection
	muted   atomic.Bool // see Mute
}

var (
	_ transport.Conn   = (*Conn)(nil)
	_ transport.Poller = (*Conn)(nil)
	_ transport.Cutter = (*Conn)(nil)
)

// queued is a packet that arrived during Dial, kept for ReadMessage.
type queued struct {
	pkt  []byte
	atts [][]byte
}

// Details describe how a connection was set up, for reports and tests.
// They are fixed once Dial returns.
type Details struct {
	// SID is the Engine.IO session id.
	SID string
	// Transport is the transport in use: "websocket" or "polling".
	Transport string
	// Handshake is the time from the start of Dial to the Engine.IO open
	// packet.
	Handshake time.Duration
	// NamespaceConnect is the time from the open packet to the last
	// namespace's CONNECT acknowledgement.
	NamespaceConnect time.Duration
	// Upgraded reports that the connection moved from polling to
	// WebSocket.
	Upgraded bool
	// Upgrade is the time from the start of the upgrade (WebSocket dial
	// and probe) until the upgrade packet was sent.
	Upgrade time.Duration
	// UpgradeErr is why an attempted upgrade failed; the connection then
	// stayed on polling. Nil when none was attempted or it worked.
	UpgradeErr error
	// PingInterval and PingTimeout are the server's, from the handshake.
	PingInterval, PingTimeout time.Duration
	// MaxPayload is the server's limit for one polling POST, in bytes.
	MaxPayload int64
	// Namespaces are the connected namespaces with their socket ids, in
	// connect order. Shared: do not modify.
	Namespaces []Namespace
	// RecoveryOffered reports that the server acknowledged the first
	// namespace's CONNECT (Options.Namespaces[0], "/" by default) with a
	// private session id: it has connection state recovery on, and a
	// DialSession with the same Session can resume this connection.
	RecoveryOffered bool
	// RecoveryAttempted reports that the first namespace's CONNECT carried
	// a private session id from the Session given to DialSession, asking
	// the server to resume an earlier connection.
	RecoveryAttempted bool
	// Recovered reports that the server answered that CONNECT with the
	// private session id it carried: it restored the earlier connection's
	// state (socket id, rooms) and replays the events missed since the
	// offset sent, which ReadMessage returns first. False with
	// RecoveryAttempted means the session had expired or the offset was
	// unknown, and the server started a new one.
	Recovered bool
}

// Namespace is a connected namespace and the socket id the server gave
// it.
type Namespace struct {
	Name, SID string
}

// Details describe the connection's setup.
func (c *Conn) Details() Details { return c.details }

// Info describes the WebSocket handshake, zero on polling.
func (c *Conn) Info() transport.Info { return c.info }

// SetPingHandler sets a function the reader calls for every server ping
// (after answering it unless Options.IgnorePings), so a caller can count
// heartbeats. Set it before the first ReadMessage.
func (c *Conn) SetPingHandler(f func()) { c.onPing = f }

// SetPongHandler does nothing: the Socket.IO server pings, the client
// only answers.
func (c *Conn) SetPongHandler(func()) {}

// errClientPing is Ping's error.
var errClientPing = fmt.Errorf("socketio: Engine.IO v4 clients do not ping, the server does: %w", errors.ErrUnsupported)

// Ping is not supported: in Engine.IO v4 the server sends the pings and
// the reader answers them. It returns an error wrapping
// errors.ErrUnsupported.
func (c *Conn) Ping([]byte) error { return errClientPing }

// Attachments returns the binary attachments of the BINARY_EVENT or
// BINARY_ACK that ReadMessage returned last, in order; nil for other
// packets. They are valid until the next ReadMessage.
func (c *Conn) Attachments() [][]byte { return c.atts }

// ReadMessage returns the next EVENT, ACK, BINARY_EVENT or BINARY_ACK
// packet, without the Engine.IO '4' prefix (e.g. `2/chat,["msg",1]`), as
// a transport.Text message in buf's storage. Engine.IO packets are
// handled inside: pings are answered, noops skipped.
//
// The connection has ended when it returns an error: every later call
// returns the same one, writes return transport.ErrClosing, and the
// network connection is closed (after a write in flight ends). The
// errors:
//   - *DisconnectError when the server disconnected a namespace;
//   - an error wrapping ErrPingTimeout when the server stopped pinging;
//   - an error wrapping ErrParse for a packet that breaks the protocol,
//     including a CONNECT or CONNECT_ERROR after Dial (the server cannot
//     send one unasked; accepting it would hide the bug);
//   - *transport.CloseError for a WebSocket close frame, an Engine.IO
//     close packet from the server (code 1000, reason "engine.io close"),
//     or, on polling, the client's own Close (its code and reason);
//   - transport.ErrMessageTooBig for a message or polling payload over
//     Options.MaxMessageSize, or a binary packet announcing more than
//     1024 attachments;
//   - after Abort, an error wrapping net.ErrClosed.
//
// Reason maps any of them to Socket.IO's disconnect reason.
func (c *Conn) ReadMessage(buf []byte) (transport.MessageType, []byte, error) {
	if c.err != nil {
		return 0, nil, c.err
	}
	t, pkt, _, err := c.read(buf, false)
	return t, pkt, err
}

// TryReadMessage is ReadMessage that returns ok false instead of waiting
// when no packet has begun to arrive (after answering any pings that
// had), on a WebSocket that can be polled.
func (c *Conn) TryReadMessage(buf []byte) (transport.MessageType, []byte, bool, error) {
	return c.read(buf, true)
}

// WhenReadable calls f once, on a new goroutine, when TryReadMessage may
// make progress: a packet arrived, the connection ended or was aborted,
// or the ping deadline passed. It reports false on polling, on wss:// and
// where there is no poller; read with ReadMessage then.
func (c *Conn) WhenReadable(f func()) bool {
	if c.err != nil {
		return false
	}
	deadline := c.lastPing.Add(c.pingDeadline)
	if c.pingTimer == nil {
		c.pingTimer = time.AfterFunc(time.Until(deadline), c.link.fire)
	} else {
		c.pingTimer.Reset(time.Until(deadline))
	}
	// Once armed, f may run at once on another goroutine that reads and
	// writes c: nothing of c is touched after this.
	if !c.link.whenReadable(f) {
		c.pingTimer.Stop()
		return false
	}
	if time.Until(deadline) <= 0 {
		c.link.fire() // the timer may have fired before f was armed
	}
	return true
}

func (c *Conn) read(buf []byte, try bool) (transport.MessageType, []byte, bool, error) {
	if c.err != nil {
		return 0, nil, false, c.err
	}
	if len(c.pending) > 0 {
		q := c.pending[0]
		c.pending[0] = queued{}
		c.pending = c.pending[1:]
		c.atts = q.atts
		if len(c.resume) > 0 {
			if p, err := Parse(q.pkt); err == nil {
				c.noteOffset(&p)
			}
		}
		return transport.Text, append(buf[:0], q.pkt...), true, nil
	}
	pkt, p, ok, err := c.next(buf, try)
	if err == nil && !ok {
		return 0, nil, false, nil
	}
	if err == nil {
		switch p.Type {
		case Event, Ack, BinaryEvent, BinaryAck:
			if len(c.resume) > 0 {
				c.noteOffset(&p)
			}
			return transport.Text, pkt, true, nil
		case Disconnect:
			err = &DisconnectError{Namespace: p.NamespaceName(), Reason: ReasonIOServerDisconnect}
		default:
			err = fmt.Errorf("%w: %s for %s after Dial", ErrParse, p.Type, p.NamespaceName())
		}
	}
	c.fail(err)
	return 0, nil, false, err
}

// fail ends the connection after a read error: the error sticks, writes
// now return transport.ErrClosing (the reader has already said why the
// connection ended), and the network connection is released, so the
// server sees the end even before the caller aborts. A write in flight is
// not cut short (its POST may well have reached the server, whose answer
// ended the read): the writer releases the connection when it is done.
func (c *Conn) fail(err error) {
	c.err = err
	if c.pingTimer != nil {
		c.pingTimer.Stop()
	}
	c.atts = nil
	c.closing.Store(true)
	c.failed.Store(true)
	if c.wmu.TryLock() {
		c.release()
		c.wmu.Unlock()
	}
}

// unlockWrites ends a write: it releases the write lock, and the network
// connection when the reader failed meanwhile (see fail).
func (c *Conn) unlockWrites() {
	c.wmu.Unlock()
	if c.failed.Load() {
		c.release()
	}
}

// next reads the next Socket.IO packet into buf's storage, handling
// Engine.IO packets on the way and collecting a binary packet's
// attachments. The packet is returned without its '4'. With try, ok is
// false when no packet has begun to arrive.
func (c *Conn) next(buf []byte, try bool) ([]byte, Packet, bool, error) {
	for {
		var pkt []byte
		var binary bool
		ok := true
		var err error
		if try {
			pkt, binary, ok, err = c.link.tryRead(buf)
		} else {
			pkt, binary, err = c.link.read(buf)
		}
		if err != nil {
			return nil, Packet{}, false, c.readErr(err)
		}
		if !ok {
			return nil, Packet{}, false, nil
		}
		buf = pkt[:0]
		if binary {
			return nil, Packet{}, false, fmt.Errorf("%w: binary attachment without a binary packet announcing it", ErrParse)
		}
		if len(pkt) == 0 {
			return nil, Packet{}, false, fmt.Errorf("%w: empty Engine.IO packet", ErrParse)
		}
		switch pkt[0] {
		case EngineMessage:
			n := copy(pkt, pkt[1:]) // keep the packet at the start of buf's storage
			pkt = pkt[:n]
			p, err := Parse(pkt)
			if err != nil {
				return nil, p, false, err
			}
			c.atts = nil
			if p.Type == BinaryEvent || p.Type == BinaryAck {
				if err := c.readAttachments(p.Attachments); err != nil {
					return nil, p, false, err
				}
			}
			return pkt, p, true, nil
		case EnginePing:
			if err := c.ping(pkt[1:]); err != nil {
				return nil, Packet{}, false, err
			}
		case EngineNoop, EnginePong:
			// A noop flushes a long-poll; a pong is never due (the
			// client does not ping) and harmless.
		case EngineClose:
			return nil, Packet{}, false, c.readErr(&transport.CloseError{Code: 1000, Reason: "engine.io close"})
		default:
			return nil, Packet{}, false, fmt.Errorf("%w: unexpected Engine.IO packet %q", ErrParse, clip(pkt))
		}
	}
}

// readAttachments reads the n binary packets that follow a binary
// Socket.IO packet into c.atts, answering pings in between.
func (c *Conn) readAttachments(n int) error {
	if n > maxAttachments {
		return fmt.Errorf("socketio: a binary packet announces %d attachments, more than %d: %w", n, maxAttachments, transport.ErrMessageTooBig)
	}
	for len(c.attStore) < n {
		c.attStore = append(c.attStore, nil)
	}
	for i := 0; i < n; {
		b, binary, err := c.link.read(c.attStore[i])
		if err != nil {
			return c.readErr(err)
		}
		c.attStore[i] = b[:0]
		if binary {
			c.attStore[i] = b
			i++
			continue
		}
		switch {
		case len(b) > 0 && b[0] == EnginePing:
			if err := c.ping(b[1:]); err != nil {
				return err
			}
		case len(b) > 0 && b[0] == EngineNoop:
		case len(b) > 0 && b[0] == EngineClose:
			return c.readErr(&transport.CloseError{Code: 1000, Reason: "engine.io close"})
		default:
			return fmt.Errorf("%w: %q while %d more attachments were due", ErrParse, clip(b), n-i)
		}
	}
	c.atts = c.attStore[:n]
	return nil
}

// ping handles a server ping: pushes the ping deadline out, answers it,
// and tells the caller's handler. A muted connection does none of that:
// the ping is lost on the cut path, so the ping timeout passes as if it
// never came.
func (c *Conn) ping(data []byte) error {
	if c.muted.Load() {
		return nil
	}
	c.lastPing = time.Now()
	if !c.dialing {
		c.link.setReadDeadline(c.lastPing.Add(c.pingDeadline))
	}
	if !c.ignorePings {
		c.wmu.Lock()
		var err error
		if !c.closing.Load() {
			err = c.link.send(EnginePong, data, nil)
		}
		c.wmu.Unlock()
		if err != nil && !errors.Is(err, transport.ErrClosing) {
			return c.readErr(fmt.Errorf("socketio: answer ping: %w", err))
		}
	}
	if c.onPing != nil {
		c.onPing()
	}
	return nil
}

// readErr classifies a read error: a missed ping deadline becomes
// ErrPingTimeout (during Dial the Dial's deadline applies instead), and
// anything after the client's own Close or Abort is marked as such.
func (c *Conn) readErr(err error) error {
	if !c.dialing && isTimeout(err) && !c.aborted.Load() {
		err = fmt.Errorf("socketio: %w (%v)", ErrPingTimeout, c.pingDeadline)
	}
	if c.aborted.Load() || c.closing.Load() {
		return &localCloseError{err}
	}
	return err
}

// isTimeout reports whether err is a deadline passing. gorilla hides the
// net error's os.ErrDeadlineExceeded behind its own net.Error, so both are
// checked.
func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// WriteMessage sends one Socket.IO packet (transport.Text, given without
// the Engine.IO '4', which it adds) or one binary attachment
// (transport.Binary), as one WebSocket frame or one POST. A binary
// packet's attachments must follow it with nothing in between: use
// WritePacket when other goroutines write too. After Close it returns
// transport.ErrClosing.
func (c *Conn) WriteMessage(t transport.MessageType, data []byte) error {
	if c.muted.Load() {
		return transport.ErrMuted
	}
	c.wmu.Lock()
	defer c.unlockWrites()
	if c.closing.Load() {
		return transport.ErrClosing
	}
	if t == transport.Binary {
		c.one[0] = data
		err := c.link.send(0, nil, c.one[:])
		c.one[0] = nil
		return err
	}
	return c.link.send(EngineMessage, data, nil)
}

// WritePacket sends a binary Socket.IO packet (without the '4') and its
// attachments as one unit: no pong or other write comes between them.
// Over polling they go in one POST.
func (c *Conn) WritePacket(pkt []byte, attachments [][]byte) error {
	if c.muted.Load() {
		return transport.ErrMuted
	}
	c.wmu.Lock()
	defer c.unlockWrites()
	if c.closing.Load() {
		return transport.ErrClosing
	}
	return c.link.send(EngineMessage, pkt, attachments)
}

// Close disconnects every namespace (DISCONNECT packets, so the server
// reports "client namespace disconnect") and then ends the engine
// connection: a WebSocket close frame with code and reason, or a POSTed
// close packet on polling. It does not wait for the server: ReadMessage
// ends when the server reacts (a *transport.CloseError; on polling, the
// pending long-poll is answered by the server or cancelled after a short
// grace). Later writes return transport.ErrClosing; closing twice is
// harmless.
func (c *Conn) Close(code int, reason string) error {
	if c.muted.Load() {
		return nil
	}
	c.wmu.Lock()
	defer c.unlockWrites()
	if c.closing.Swap(true) {
		return nil
	}
	return c.link.end(c.disconnects, code, reason)
}

// Abort closes the connection at once: the TCP connection, or every
// in-flight polling request. A blocked ReadMessage returns an error
// wrapping net.ErrClosed. It is safe to call more than once.
func (c *Conn) Abort() error {
	c.aborted.Store(true)
	c.link.abort()
	return nil
}
