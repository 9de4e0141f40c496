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
// packet.go and reads them with Parse.
//
// Start with packet.go, then dial.go and conn.go.
package socketio
