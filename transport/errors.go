package transport

import (
	"errors"
	"fmt"
	"net/http"
)

// CloseError reports how a connection ended: a close frame from the peer
// with its code and reason, or code 1006 when the connection ended without
// one (RFC 6455 section 7.1.5).
type CloseError struct {
	Code   int
	Reason string
}

// Error says how the connection ended.
func (e *CloseError) Error() string {
	if e.Reason == "" {
		return fmt.Sprintf("connection closed with code %d", e.Code)
	}
	return fmt.Sprintf("connection closed with code %d (%s)", e.Code, e.Reason)
}

// CodeAbnormal is the close code for a connection that ended without a
// close frame; it is never sent on the wire.
const CodeAbnormal = 1006

// HandshakeError is an opening handshake the server answered with an HTTP
// status other than 101 Switching Protocols.
type HandshakeError struct {
	Status int
	Header http.Header
	// Body holds the first bytes of the response body (at most 1 KiB).
	Body []byte
}

// Error gives the HTTP status the upgrade got.
func (e *HandshakeError) Error() string {
	return fmt.Sprintf("handshake refused: HTTP %d %s", e.Status, http.StatusText(e.Status))
}

// ErrMessageTooBig is returned by ReadMessage when a message exceeds the
// dialer's maximum message size; the connection is then closed with 1009.
var ErrMessageTooBig = errors.New("message exceeds the maximum message size")

// ErrClosing is returned by a write after a close frame went out (the
// client's, or the reply to the server's): the connection is ending and
// the reader reports why.
var ErrClosing = errors.New("connection is closing")

// ErrMuted is what a muted connection (Cutter.Mute) returns for a data
// message it did not send: the network path is cut, so the message
// must wait for the next connection. It wraps ErrClosing: like a write
// after a close frame, it is nobody's failure.
var ErrMuted = fmt.Errorf("%w: the connection is muted", ErrClosing)

// ErrHandshakeTimeout is returned by Dial when the TCP connect, TLS and
// upgrade did not finish within the handshake timeout.
var ErrHandshakeTimeout = errors.New("handshake timed out")
