// Package ws implements transport.Conn for plain WebSocket (RFC 6455) on
// gorilla/websocket, tuned for many idle connections: on ws:// (without
// compression) gorilla does the handshake and the writes while our own
// frame reader (transport/internal/wire) reads, so an idle connection
// holds no read or write buffer and, through transport.Poller, needs no
// goroutine.
//
// Connections implement transport.Cutter: Mute silences our reader's and
// gorilla's replies and every write, Reset closes the TCP connection with
// SO_LINGER 0 (under TLS too, without a close_notify).
//
// It must not retry, reconnect or record metrics. Start with NewDialer.
package ws
