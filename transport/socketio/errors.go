package socketio

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/wsbench/wsbench/transport"
)

// Socket.IO's own names for why a socket disconnected, as the reference
// client reports them in its "disconnect" event. Reason maps errors to
// them so reports read the same as a Node client's.
const (
	ReasonIOServerDisconnect = "io server disconnect"
	ReasonIOClientDisconnect = "io client disconnect"
	ReasonPingTimeout        = "ping timeout"
	ReasonTransportClose     = "transport close"
	ReasonTransportError     = "transport error"
	ReasonParseError         = "parse error"
)

// ErrPingTimeout is wrapped by the error ReadMessage returns when the
// server sent no ping within pingInterval+pingTimeout of the previous one
// (or of the open packet): the server, or the path to it, is gone.
var ErrPingTimeout = errors.New("no ping from the server within pingInterval+pingTimeout")

// ConnectError is a namespace CONNECT the server refused with a
// CONNECT_ERROR packet, typically from an authentication middleware. Dial
// returns it, so a refused namespace is told apart from a transport
// failure and the middleware's data is kept for the report.
type ConnectError struct {
	// Namespace is the refused namespace, "/" for the main one.
	Namespace string
	// Message is the error message the server sent.
	Message string
	// Data is the extra data the middleware attached (Node: err.data),
	// nil when there was none.
	Data json.RawMessage
}

// Error names the namespace and the server's message.
func (e *ConnectError) Error() string {
	if len(e.Data) == 0 {
		return fmt.Sprintf("socket.io: namespace %s refused: %s", e.Namespace, e.Message)
	}
	return fmt.Sprintf("socket.io: namespace %s refused: %s %s", e.Namespace, e.Message, e.Data)
}

// DisconnectError is returned by ReadMessage when the server disconnected a
// namespace (a DISCONNECT packet, e.g. Node's socket.disconnect()). One
// Conn stands for all its namespaces, so losing one ends it: the caller
// closes or aborts the Conn.
type DisconnectError struct {
	// Namespace is the disconnected namespace, "/" for the main one.
	Namespace string
	// Reason is one of the Reason constants (ReasonIOServerDisconnect).
	Reason string
}

// Error names the namespace and the reason.
func (e *DisconnectError) Error() string {
	return fmt.Sprintf("socket.io: namespace %s disconnected: %s", e.Namespace, e.Reason)
}

// localCloseError wraps a read error that followed the client's own Close
// or Abort, so Reason reports "io client disconnect" while errors.Is and
// errors.As still see the underlying error (net.ErrClosed, CloseError).
type localCloseError struct{ err error }

func (e *localCloseError) Error() string { return e.err.Error() }
func (e *localCloseError) Unwrap() error { return e.err }

// Reason maps an error from Dial or ReadMessage to the disconnect reason
// a Socket.IO client would report, so a run's results can be compared
// with the reference client's. The mapping:
//
//   - a DisconnectError: its Reason ("io server disconnect");
//   - any error after the client's own Close or Abort: "io client disconnect";
//   - ErrPingTimeout: "ping timeout";
//   - ErrParse: "parse error";
//   - a ConnectError: "io server disconnect", since the server refused;
//   - a transport.CloseError (close frame, engine close packet, or a TCP
//     close without a close frame), io.EOF: "transport close";
//   - anything else (resets, timeouts, refused handshakes): "transport error".
//
// It returns "" for nil.
func Reason(err error) string {
	var de *DisconnectError
	var lc *localCloseError
	var ce *ConnectError
	var cl *transport.CloseError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &de):
		return de.Reason
	case errors.As(err, &lc):
		return ReasonIOClientDisconnect
	case errors.Is(err, ErrPingTimeout):
		return ReasonPingTimeout
	case errors.Is(err, ErrParse):
		return ReasonParseError
	case errors.As(err, &ce):
		return ReasonIOServerDisconnect
	case errors.As(err, &cl), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return ReasonTransportClose
	}
	return ReasonTransportError
}
