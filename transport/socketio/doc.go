// Package socketio is wsbench's own Engine.IO v4 / Socket.IO v5 client,
// written from the public engine.io-protocol and socket.io-protocol
// specifications. It dials over WebSocket, HTTP long-polling, or polling
// upgraded to WebSocket, connects one or more namespaces over that one
// engine connection, answers the server's pings, and hands Socket.IO
// packets to the caller through the transport.Conn interface, so the
// virtual client drives it exactly as it drives a plain WebSocket.
//
// It owns the wire: packet encoding (packet.go, engine.go), handshakes and
// transports. Like every transport it must not record metrics, retry or
// reconnect: a dead connection is reported to the caller, who decides.
// The caller builds Socket.IO packets with the Append functions in
// packet.go and reads them with Parse; Reason names why a connection
// ended in Socket.IO's own words.
//
// It keeps the costs of a load generator low: no goroutine of its own per
// connection (the caller's reader answers pings and runs the polling
// long-poll; writers POST on their own goroutine), read and write buffers
// lent from pools only while in use, and no allocation when reading over
// ws://, where our own frame reader (transport/internal/wire) reads and
// the connection can wait for data without a goroutine
// (transport.Poller). It keeps the ordering guarantees a
// measuring tool needs: every namespace is connected before Dial returns,
// events sent meanwhile are kept, DISCONNECT packets go out before the
// close, and the polling writes never wait for the long-poll.
//
// It supports Socket.IO 4.6+ connection state recovery: DialSession
// takes a Session, which keeps per namespace the private session id
// (pid) the server gave and the offset of the last event received (the
// server appends one to every event while recovery is on). The next
// DialSession sends both in the CONNECT; a server that still has the
// session answers with the same pid and first replays what was missed,
// and Details says whether recovery was offered, attempted and done.
// Reconnecting is still the caller's: the Session only carries what a
// reconnect needs.
//
// Conn implements transport.Cutter, so a client can lose its network:
// after Mute nothing is sent (no pong, no write, no close, and on
// polling no new request) and server pings no longer count, so the read
// ends with ErrPingTimeout as a real client's would, while the network
// connection stays open until Abort or Reset; Reset ends a WebSocket
// with a TCP reset.
//
// Start with packet.go, then dial.go and conn.go; link.go introduces the
// two transports (wslink.go, polling.go) and upgrade.go moves between
// them; session.go holds recovery, cut.go Mute and Reset.
package socketio
