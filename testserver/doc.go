// Package testserver is wsbench's embedded WebSocket server: an echo, JSON
// and broadcast peer with fault injection, used by the tests of other
// packages, by the runnable examples and by `wsbench serve`.
//
// It owns the HTTP endpoints (/ and /echo, /json, /broadcast, /stats), the
// life of every connection it upgrades (tracked by the Server, because
// http.Server and httptest close neither hijacked connections nor the
// goroutines serving them), the reply delay, the scheduled and runtime
// faults (close frames, TCP resets, refused upgrades, restarts, ignored
// pings), and the sequence checker that tells reconnect tests whether
// messages arrived in order, with gaps or backwards.
//
// It must not import other wsbench packages but the Engine.IO / Socket.IO
// packet codec of transport/socketio, listen anywhere but on the
// address it is given, print anything unless Config.Logf is set, or spend
// more than one goroutine and a few KiB on an idle connection (a
// Socket.IO session included): `wsbench serve` holds tens of thousands of
// them in one process. Every goroutine it starts is owned by the Server
// and awaited by Close.
//
// # Endpoints
//
//   - / and /echo: every message comes back unchanged, with its type.
//   - /json: a JSON object with an "id" gets
//     {"id":<id, byte for byte>,"type":"reply","ts":<unix ms when the
//     server received it>,"size":<bytes received>}; anything else gets
//     {"type":"error","error":"..."}.
//   - /broadcast: every message goes to every connection on /broadcast,
//     the sender included.
//   - /stats: a plain HTTP GET returning Stats as JSON.
//   - any other path: 404 with a text body naming these.
//
// Upgrades accept any origin, select the first subprotocol the client
// offers and negotiate permessage-deflate. On every WebSocket endpoint, a
// text message that is a JSON object with a numeric "seq" and a "client"
// (string or number) feeds the sequence check in Stats.Clients.
//
// Two options serve the tests of clients that come and go (mobile
// network flaps, apps sent to the background). Config.PingInterval makes
// the server ping every WebSocket connection and abort, with a TCP RST,
// one whose pong does not come within Config.PingTimeout, as a server
// that detects dead peers does. Config.Broadcast makes the server send
// every connection and every Socket.IO socket of "/" a numbered message,
// {"sender":"server","seq":N,"sent_at":ms}, periodically; N counts the
// ticks of the whole server, so a client can count what it missed while
// away.
//
// # Socket.IO
//
// With Config.SocketIO.Enabled, an Engine.IO v4 / Socket.IO v5 server
// (our own, written from the protocol specifications and the Node
// reference server's behaviour) answers at /socket.io/: the WebSocket and
// long-polling transports, the upgrade from one to the other, server
// pings, namespaces, rooms, acks and binary attachments. Its contract is
// that of the Node reference server in interop/socketio/server.js, so that
// one scenario runs against both. The namespaces "/", "/chat" and
// "/admin" (which needs the CONNECT payload {"token":"secret"}, else
// CONNECT_ERROR {"message":"not authorized","data":{"code":401}}) share
// these event handlers:
//
//   - echo(...args, ack): acks with the same arguments, binary included.
//   - echo-event(...args): emits "echo" with them to the sender.
//   - xor(bytes, ack): acks with every byte XOR 0xff, as a binary.
//   - join(room, ack?): joins room; acks with no arguments.
//   - broadcast(...args, ack?): emits "broadcast" with them to every
//     socket of the namespace, the sender included; acks with none.
//   - to-room(room, ...args, ack?): the same, to the room's sockets.
//   - kick(): disconnects every namespace of the client and closes its
//     engine connection, as socket.disconnect(true).
//   - push(n, intervalMs): emits "tick" {i, sentAt} n times (sentAt in
//     unix milliseconds).
//   - ask(...args): emits "question" with them, asking for an ack, then
//     "answered" with the ack's first argument, or {"error":...} after 5 s.
//
// Every new socket gets "welcome" {id, nsp, query, auth} right after its
// CONNECT ack. Another namespace gets CONNECT_ERROR "Invalid namespace".
// Faults apply to Socket.IO sessions too: see Faults and the Server's
// fault methods. SocketIOStats, in Stats, counts sessions, sockets,
// events and disconnect reasons.
//
// Start reading at server.go (New, Start, Close and connection tracking),
// then conn.go (one connection: its read loop and its ordered, optionally
// delayed, send queue), messages.go (what each endpoint replies),
// heartbeat.go (server pings), server_broadcast.go (the numbered
// broadcast), faults.go (runtime fault controls), restart.go, and
// schedule.go (the fault schedule as a pure function of time, plus the
// goroutine that runs it). stats.go holds the counters and the sequence
// checker.
//
// The Socket.IO server is in the sio_ files: sio_config.go (its options),
// sio_server.go (sessions and namespaces of one Server), sio_http.go
// (requests, handshakes, errors), sio_session.go (one Engine.IO session:
// its queue and how it ends), sio_writer.go, sio_polling.go,
// sio_websocket.go (the transports and the upgrade), sio_heartbeat.go,
// sio_receive.go (packets in), sio_socket.go and sio_namespace.go
// (Socket.IO sockets, namespaces, rooms), sio_handlers.go (the events
// above), sio_packets.go and sio_args.go (packets out, arguments), and
// sio_stats.go.
package testserver
