// Package wire reads the server's side of a client WebSocket connection
// with our own framing code, under a gorilla/websocket connection that
// still does the opening handshake and every write.
//
// It exists for idle clients. gorilla's read path parks a goroutine ~2.8
// KiB deep in the stack for as long as the connection is open, so every
// idle connection costs a 4 KiB stack and a goroutine. Reader instead
// reads without blocking when asked to (TryReadMessage), and on Linux a
// poller of its own (one epoll instance, one goroutine for the process)
// calls a function when the socket becomes readable (WhenReadable): an
// idle connection then holds no goroutine, no stack and no read buffer.
//
// Tap makes that possible: it sits under gorilla during the handshake and
// hands gorilla the HTTP response and nothing after it, so the first
// frames, which may arrive in the same segment as the response, are the
// Reader's.
//
// Reader.Mute stops its pong and close replies, for a transport whose
// network path a client cuts; Reset (reset.go) ends a connection with a
// TCP reset rather than a FIN, on our read path and gorilla's alike.
//
// The package only reads plain (non-TLS), uncompressed connections; the
// transports keep gorilla's read path for the others. Start with Reader.
package wire
