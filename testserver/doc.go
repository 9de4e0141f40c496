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
// It must not import other wsbench packages, listen anywhere but on the
// address it is given, print anything unless Config.Logf is set, or spend
// more than one goroutine and a few KiB on an idle connection: `wsbench
// serve` holds tens of thousands of them in one process. Every goroutine it
// starts is owned by the Server and awaited by Close.
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
// Start reading at server.go (New, Start, Close and connection tracking),
// then conn.go (one connection: its read loop and its ordered, optionally
// delayed, send queue), messages.go (what each endpoint replies),
// faults.go (runtime fault controls), restart.go, and schedule.go (the
// fault schedule as a pure function of time, plus the goroutine that runs
// it). stats.go holds the counters and the sequence checker.
package testserver
