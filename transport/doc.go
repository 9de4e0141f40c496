// Package transport is the wire under a virtual client: one small Conn
// interface and the errors a client needs to classify why a connection
// failed or ended. Implementations live in subpackages (ws for plain
// WebSocket over gorilla/websocket).
//
// It owns framing and handshakes only. It must not record metrics, retry,
// reconnect or interpret messages: that is the client's job. It imports
// nothing else of wsbench.
//
// Start with Conn and Dialer in conn.go, then errors.go. internal/wire is
// the frame reader and poller the ws and socketio transports share.
package transport
