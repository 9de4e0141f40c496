// Package ws implements transport.Conn for plain WebSocket (RFC 6455) on
// gorilla/websocket, tuned for many idle connections: on ws:// (without
// compression) gorilla does the handshake and the writes while our own
// frame reader (transport/internal/wire) reads, so an idle connection
// holds no read or write buffer and, through transport.Poller, needs no
// goroutine.
//
// It must not retry, reconnect or record metrics. Start with NewDialer.
package ws
