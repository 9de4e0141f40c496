// Package probe troubleshoots one connection to a WebSocket or Socket.IO
// server: Run opens it step by step and reports a timeline of what
// happened (DNS answers, the TCP connect, the TLS handshake and
// certificate, the HTTP upgrade request and response, the first message,
// ping round trips) and, with Options.Hold, keeps it open and reports how
// and when it ended (a close frame with its code explained, a TCP reset,
// an EOF without a close frame, or silent death found by the heartbeat).
// FindIdleTimeout (idle.go, idle_conn.go) measures how long an idle
// connection survives behind proxies and load balancers, with several
// connections at once, and confirms that a heartbeat below it keeps one
// open. `wsbench probe` (and --find-idle-timeout) is its command line.
//
// What it owns: the timeline (Event, one line per step, timed from the
// start), the Result (what a program needs: timings, the certificate,
// the failure with a plain-language reason and fix, the ending), and
// their text and JSON-lines encoders. A connection that does not open is
// a Result with a Failure, not an error.
//
// What it must not do: print secrets. Authorization, Proxy-Authorization,
// Cookie and Set-Cookie values, headers whose names look secret
// (X-Api-Key, X-Auth-Token), token-like query values and JWT-looking
// values anywhere are replaced by "xxxxx" in every line; the URL goes
// through RedactURL. It must not retry or measure load: one
// connection, once; the load tester is package runner.
//
// Where to start: Run in probe.go; websocket.go drives a WebSocket probe
// (connect.go for DNS and TCP, tls.go for the handshake and certificate
// checks, checks.go for the first message and pings, hold.go for the
// hold and the ending); socketio.go the Socket.IO one; render.go the
// encoders. Certificates are verified by the probe after the handshake,
// not by crypto/tls, so that a rejected certificate can still be shown
// and explained; nothing is sent over a connection whose certificate was
// rejected.
package probe
