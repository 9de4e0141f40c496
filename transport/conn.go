package transport

import "context"

// MessageType is the kind of a data message, with RFC 6455 opcode values.
type MessageType int

// Message types.
const (
	Text   MessageType = 1
	Binary MessageType = 2
)

// Conn is one open connection.
//
// ReadMessage may be called by one goroutine at a time, and WriteMessage by
// one goroutine at a time; Ping, Close and Abort may be called from any
// goroutine, concurrently with the others.
type Conn interface {
	// ReadMessage blocks for the next data message and returns it in buf's
	// storage, grown when it is too small, so a reader that passes the
	// returned slice back does not allocate per message. The data is valid
	// until the next call.
	ReadMessage(buf []byte) (MessageType, []byte, error)
	// WriteMessage sends one data message.
	WriteMessage(t MessageType, data []byte) error
	// Ping sends a ping frame.
	Ping(data []byte) error
	// SetPongHandler sets the function called, from the goroutine inside
	// ReadMessage, for every pong received. Set it before reading.
	SetPongHandler(func())
	// Close sends a close frame with code and reason; the peer's reply ends
	// ReadMessage with a *CloseError. It does not wait.
	Close(code int, reason string) error
	// Abort closes the network connection at once, without a close frame.
	Abort() error
	// Info describes what the handshake negotiated.
	Info() Info
}

// Info is what the opening handshake negotiated.
type Info struct {
	Subprotocol string
	Extensions  string
}

// Dialer opens connections. It is safe for concurrent use.
type Dialer interface {
	// Dial connects to url and completes the opening handshake, within the
	// dialer's handshake timeout and ctx.
	Dial(ctx context.Context, url string) (Conn, error)
}

// Poller is implemented by connections that can wait for the next
// message without a goroutine: an idle client then costs no goroutine and
// no stack. The goroutine that would call ReadMessage uses these instead.
type Poller interface {
	// TryReadMessage is ReadMessage that returns ok false instead of
	// waiting when no message has begun to arrive. A message that has
	// begun is read to its end.
	TryReadMessage(buf []byte) (t MessageType, data []byte, ok bool, err error)
	// WhenReadable calls f once, on a new goroutine, when TryReadMessage
	// may make progress: data arrived, the connection ended, a deadline
	// of the connection's own passed, or Abort was called (before or
	// after). It reports false, and never calls f, when this connection
	// cannot be polled; read it with ReadMessage then.
	WhenReadable(f func()) bool
}

// Cutter is implemented by connections whose network path can be cut, as
// a client's network going away cuts it (wsbench's client.network).
//
// Mute and Reset may be called from any goroutine, concurrently with the
// reader and the writers; both are permanent.
type Cutter interface {
	// Mute makes the connection silent from now on, as when the network
	// path is cut without either end being told: nothing more is written
	// (a data message's write returns ErrMuted, so the caller keeps the
	// message for the next connection; pings, pongs, close frames and
	// close replies report success and send nothing), the peer's pings are neither
	// answered nor taken as a sign of life, and what arrives is still read
	// and returned, so the caller sees the peer close the connection.
	// A muted connection whose reader fails (a Socket.IO client's ping
	// timeout) keeps its network connection open until Abort or Reset,
	// so the peer learns nothing from it.
	Mute()
	// Reset closes the network connection at once with a TCP reset (RST,
	// SO_LINGER 0): no close frame, no FIN. It works like Abort otherwise
	// (a blocked read ends with an error wrapping net.ErrClosed; on a
	// polled connection the armed WhenReadable callback fires).
	Reset() error
}
