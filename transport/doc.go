// Package transport is the wire under a virtual client: one small Conn
// interface and the errors a client needs to classify why a connection
// failed or ended. Implementations live in subpackages (ws for plain
// WebSocket over gorilla/websocket, socketio for Socket.IO).
//
// Two optional interfaces extend Conn. Poller lets an idle connection
// wait without a goroutine. Cutter lets a client simulate its network
// going away: Mute cuts the path silently (nothing more is sent, what
// arrives is still read, so the peer's own timeouts decide), and Reset
// ends the connection with a TCP reset, as a server sees a client whose
// NAT or proxy dropped it. Which of the two happens, and when, is the
// client's decision.
//
// It owns framing and handshakes only. It must not record metrics, retry,
// reconnect or interpret messages: that is the client's job. It imports
// nothing else of wsbench.
//
// Start with Conn and Dialer in conn.go (Poller and Cutter follow them),
// then errors.go. internal/wire is
// the frame reader and poller the ws and socketio transports share.
package transport
