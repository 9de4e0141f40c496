// Package ws implements transport.Conn for plain WebSocket (RFC 6455) on
// gorilla/websocket, tuned for many idle connections: a small read buffer
// and pooled write buffers, so an idle connection holds no write buffer.
//
// It must not retry, reconnect or record metrics. Start with NewDialer.
package ws
