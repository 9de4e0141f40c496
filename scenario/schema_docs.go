package scenario

import (
	"fmt"
	"strings"
	"time"
)

// dur is a default duration as it is written.
func dur(d time.Duration) string { return d.String() }

// sizeText is a default size as it is written: "16MiB".
func sizeText(s Size) string {
	for _, u := range []string{"GiB", "MiB", "KiB"} {
		if n := Size(sizeUnits[u]); s >= n && s%n == 0 {
			return fmt.Sprintf("%d%s", s/n, u)
		}
	}
	return fmt.Sprintf("%dB", s)
}

// The embedded Socket.IO server's ping defaults live in package testserver,
// which this package does not import (every user of scenario would link the
// server); cmd's schema test checks that these copies are the server's.
const (
	schemaServerPingInterval = 25 * time.Second
	schemaServerPingTimeout  = 20 * time.Second
)

// keyDocs describes every key, by its path in a file: list items are
// written [] ("clients.stages[].target"). A type reached in several places
// (an expect on a send and the expect step; a random time in
// client.network.offline_for, client.background.for, the sleep and away
// steps and server.delay) is described at the first place the walk
// reaches it: the client block first, then the fields in their
// declaration order, the steps in the order of stepNames.
var keyDocs = map[string]keyDoc{
	"name":          {desc: "Shown in reports. Default: the file name without its extension."},
	"target":        {desc: "Where to connect: ws://host:port/path or wss://host/path; with protocol socketio http://host:port or https://host (a path names the main namespace); embedded, the built-in test server; or embedded/ENDPOINT, one of " + strings.Join(EmbeddedEndpoints, ", ") + " (default " + DefaultEmbeddedEndpoint + "). Required unless --target gives one."},
	"protocol":      {desc: "The wire protocol: websocket, or socketio (Socket.IO v5 over Engine.IO v4; socket.io is accepted too).", def: DefaultProtocol, enum: []any{ProtocolWebSocket, ProtocolSocketIO, "socket.io"}},
	"duration":      {desc: "The run length with clients.count: required there, not allowed with clients.stages (the stages set the run length) or with clients.arrival_rate (clients.duration does)."},
	"graceful_stop": {desc: "At the end of the run, how long clients still running get to finish in-flight expects and close normally; 0 closes at once.", def: dur(DefaultGracefulStop)},
	"seed":          {desc: "Makes random payloads, sleeps, jitter and the network and background schedules reproducible; 0 picks a random seed. --seed overrides it.", def: 0},

	"clients":                       {desc: "The population. Closed model: write count or stages (with target), and the runner keeps the target number of clients alive. Open model: write arrival_rate with duration, or stages with arrival_rate, and max; each arriving client runs the steps once and leaves. Required unless --clients gives one."},
	"clients.count":                 {desc: "A constant number of clients, more than 0; needs a top-level duration."},
	"clients.stages":                {desc: "Linear ramps. Closed model: each stage moves the client target from the previous stage's target (0 before the first) to its own. Open model: each moves the arrival rate from the previous stage's (clients.arrival_rate, default 0/s, before the first) to its own. The run lasts the sum of the stage durations."},
	"clients.stages[].duration":     {desc: "How long this ramp takes; more than 0.", req: true},
	"clients.stages[].target":       {desc: "Closed model: the number of clients at the end of this stage; 0 or more.", def: 0},
	"clients.stages[].arrival_rate": {desc: "Open model: the arrival rate at the end of this stage, like 500/s or 600/m; 0/s ramps down to no arrivals."},
	"clients.arrival_rate":          {desc: "Open model: clients started per second or minute, like 500/s or 600/m, on an exact schedule; each runs the steps once and leaves. Constant for clients.duration, or with stages the rate the first stage ramps from (default 0/s)."},
	"clients.duration":              {desc: "Open model: how long clients arrive at a constant arrival_rate (the run length); not with stages."},
	"clients.max":                   {desc: "Open model: the most clients alive at once, more than 0 (required; the open-files check plans for it). An arrival that finds max alive does not start and counts in arrivals.missed."},
	"clients.profiles":              {desc: "Mix kinds of client in one population: each client slot takes a profile in proportion to the weights (of the first n slots, every profile has its share rounded up or down, for every n) and runs with the client block the profile lays over the scenario's. Results are also reported per profile. Steps are the same for all."},
	"clients.profiles[].name":       {desc: "Names the profile in results: letters, digits, _, . and -; unique.", req: true},
	"clients.profiles[].weight":     {desc: "The profile's share of the clients relative to the other profiles' weights (70 and 30, or 0.7 and 0.3); more than 0.", req: true},
	"clients.profiles[].client":     {desc: "Client keys laid over the scenario's client block for this profile: the keys written here replace the block's, mappings merge key by key (headers name by name), lists replace. Defaults then apply as to the block."},

	"client":                              {desc: "Behaviour every virtual client shares. Every key is optional."},
	"client.headers":                      {desc: "HTTP headers sent with the WebSocket handshake (Socket.IO: with the upgrade and every polling request), name: value. Reports never show the values."},
	"client.subprotocols":                 {desc: "Offered in Sec-WebSocket-Protocol, in order; each an HTTP token, once. Not with protocol socketio."},
	"client.reconnect":                    {desc: "Reconnect with exponential backoff: attempt n (from 0, reset after every open) waits min(initial_delay * multiplier^n, max_delay), spread by ±jitter."},
	"client.reconnect.enabled":            {desc: "false: a dropped connection is not reopened; the client ends failed and a fresh one takes its slot initial_delay later.", def: true},
	"client.reconnect.initial_delay":      {desc: "The wait before the first attempt; more than 0.", def: dur(DefaultReconnectInitialDelay)},
	"client.reconnect.max_delay":          {desc: "The longest wait; at least initial_delay.", def: dur(DefaultReconnectMaxDelay)},
	"client.reconnect.multiplier":         {desc: "How much the wait grows per attempt; 1 or more (1 = a constant delay).", def: DefaultReconnectMultiplier},
	"client.reconnect.jitter":             {desc: "Spreads each wait by ± this fraction, from 0 to 1.", def: DefaultReconnectJitter},
	"client.reconnect.max_attempts":       {desc: "Failed attempts in a row before the client gives up and ends failed; 0 tries forever.", def: DefaultReconnectMaxAttempts},
	"client.heartbeat":                    {desc: "Detects dead connections: every interval a ping (or payload), and no answer within timeout closes and reconnects the connection. Not with protocol socketio: there the server's Engine.IO ping is the heartbeat."},
	"client.heartbeat.mode":               {desc: "ping: WebSocket ping frames; message: send payload and wait for a message matching reply; off: no heartbeat. The default is off with protocol socketio.", def: DefaultHeartbeatMode, enum: []any{HeartbeatPing, HeartbeatMessage, HeartbeatOff}},
	"client.heartbeat.interval":           {desc: "Time between pings; more than 0 unless mode is off.", def: dur(DefaultHeartbeatInterval)},
	"client.heartbeat.timeout":            {desc: "How long to wait for the pong or the reply; more than 0 unless mode is off.", def: dur(DefaultHeartbeatTimeout)},
	"client.heartbeat.payload":            {desc: "The text message sent as the ping in mode message: required there, not allowed with the other modes."},
	"client.heartbeat.reply":              {desc: "A regular expression (RE2) the reply to payload matches, in mode message: required there, not allowed with the other modes."},
	"client.queue":                        {desc: "The offline queue: sends issued while the client is not open wait here and are flushed in order once it is open again."},
	"client.queue.max":                    {desc: "The most messages queued; 0 is no queue (such sends are dropped and counted).", def: DefaultQueueMax},
	"client.queue.overflow":               {desc: "When the queue is full: drop-oldest discards the oldest queued message, drop-newest the new one, block makes the send step wait for room.", def: DefaultQueueOverflow, enum: []any{OverflowDropOldest, OverflowDropNewest, OverflowBlock}},
	"client.tls":                          {desc: "TLS for wss:// targets (and, with Socket.IO, https://)."},
	"client.tls.insecure_skip_verify":     {desc: "Do not verify the server certificate; wsbench prints a warning.", def: false},
	"client.tls.ca_file":                  {desc: "A PEM file of CA certificates to trust for the target, relative to the scenario file's directory."},
	"client.tls.server_name":              {desc: "The name to verify the server certificate against and send as SNI. Default: the target's host."},
	"client.compression":                  {desc: "Offer permessage-deflate (RFC 7692). Not with protocol socketio.", def: false},
	"client.max_message_size":             {desc: "The largest message a client accepts (Socket.IO: a packet); a larger one closes the connection with 1009. More than 0.", def: sizeText(DefaultMaxMessageSize)},
	"client.handshake_timeout":            {desc: "How long the opening handshake (TCP, TLS, HTTP upgrade; Socket.IO: the whole connect) may take; more than 0.", def: dur(DefaultHandshakeTimeout)},
	"client.write_timeout":                {desc: "How long one write may take; one that cannot finish (the server stopped reading) counts as a write error and a drop. More than 0.", def: dur(DefaultWriteTimeout)},
	"client.source_addresses":             {desc: "Local IP addresses (or CIDR ranges like 127.0.0.0/28, or auto for a loopback target) that connections are spread over, round robin, so more than one address's ~28k ephemeral ports reach one server address."},
	"client.delivery":                     {desc: "Tracks fan-out: every received message (Socket.IO: an event's first argument) that is a JSON object with the sender, seq and sent_at fields gives delivery latency, lost, duplicated and out-of-order counts."},
	"client.delivery.sender":              {desc: "The top-level JSON field that identifies the sender.", req: true},
	"client.delivery.seq":                 {desc: "The top-level JSON field with the sender's sequence number (write it with {{.Seq}}).", req: true},
	"client.delivery.sent_at":             {desc: "The top-level JSON field with the sender's clock at send, unix milliseconds or microseconds ({{.UnixMilli}}, {{.UnixMicro}}).", req: true},
	"client.delivery.event":               {desc: "Socket.IO only: track only events with this name."},
	"client.network":                      {desc: "Take the client's network away and back at random, as a phone in a tunnel: offline periods start an exponentially random time apart (mean offline_every) and last offline_for. While offline the client does not reconnect and its sends wait in the offline queue; when the network returns it reconnects at once, without backoff, and flushes the queue. The schedule comes from seed and the client slot."},
	"client.network.offline_every":        {desc: "The mean time between offline periods (from the client's start, then from the end of each period): a duration, or {mean}; more than 0.", req: true},
	"client.network.offline_every.mean":   {desc: "The mean time; more than 0.", req: true},
	"client.network.offline_for":          {desc: "How long each offline period lasts: a duration, {min, max} (uniformly random) or {duration}; more than 0.", req: true},
	"client.network.offline_for.min":      {desc: "The shortest time: the time is uniformly random in [min, max]. Write min and max, or duration."},
	"client.network.offline_for.max":      {desc: "The longest time; not less than min."},
	"client.network.offline_for.duration": {desc: "A fixed time, instead of min and max."},
	"client.network.mode":                 {desc: "How the connection looks to the server while the network is gone: silent, nothing at all (no FIN, no close frame, pings unanswered), so only a heartbeat can tell; reset, a TCP reset.", def: DefaultNetworkMode, enum: []any{NetworkSilent, NetworkReset}},
	"client.background":                   {desc: "Send the app to the background and back at random, an exponentially random time apart (mean every), for a time for. Coming back reconnects at once and flushes the offline queue."},
	"client.background.every":             {desc: "The mean time between trips to the background: a duration, or {mean}; more than 0.", req: true},
	"client.background.for":               {desc: "How long the app stays in the background: a duration, {min, max} or {duration}; more than 0.", req: true},
	"client.background.close":             {desc: "true: going to the background closes the connection with 1001 going away (not counted as a drop); false: the connection stays open and only the app's own sends wait in the queue until it comes back.", def: DefaultBackgroundClose},
	"socketio":                            {desc: "Socket.IO options; only with protocol socketio."},
	"socketio.path":                       {desc: "The server's Engine.IO path (its path option); starts with /.", def: DefaultSocketIOPath},
	"socketio.namespace":                  {desc: "The main namespace, starting with /; steps may name others. Default: /, or the target URL's path.", def: DefaultSocketIONamespace},
	"socketio.auth":                       {desc: "Sent with every namespace CONNECT (the server's socket.handshake.auth): any YAML mapping, sent as JSON."},
	"socketio.query":                      {desc: "Extra query parameters on the handshake (socket.handshake.query)."},
	"socketio.transports":                 {desc: "[websocket]; [polling], HTTP long-polling only; or [polling, websocket]: start on long-polling and upgrade, as browsers do.", def: DefaultSocketIOTransports, enum: []any{[]string{TransportWebSocket}, []string{TransportPolling}, []string{TransportPolling, TransportWebSocket}}},
	"socketio.answer_pings":               {desc: "false makes clients stop answering the server's pings, to test that the server's pingTimeout drops a frozen client.", def: true},
	"socketio.recovery":                   {desc: "Resume the session after a drop, as socket.io-client does with a server that enables connectionStateRecovery: the reconnect sends the session id and the last event's offset, and the server replays the events missed (recovery.attempts, recovery.recovered, deliveries.replayed). No effect against a server without recovery.", def: true},
	"server":                              {desc: "Fault injection for the embedded test server; only with target embedded (or embedded/ENDPOINT)."},
	"server.delay":                        {desc: "Wait before each reply: a duration, {min, max} (a random time) or {duration}."},
	"server.close":                        {desc: "Every every, close fraction of the open connections with a close frame."},
	"server.close.every":                  {desc: "How often; more than 0.", req: true},
	"server.close.fraction":               {desc: "The share of the open connections closed each time: more than 0, at most 1 (at least one connection while any is open).", req: true},
	"server.close.code":                   {desc: "The close code: 1000-1003, 1007-1014 or 3000-4999.", def: DefaultServerCloseCode},
	"server.close.reason":                 {desc: "The close reason, at most 123 bytes."},
	"server.reset":                        {desc: "Every every, abort fraction of the open connections with a TCP reset and no close frame."},
	"server.reset.every":                  {desc: "How often; more than 0.", req: true},
	"server.reset.fraction":               {desc: "The share of the open connections reset each time: more than 0, at most 1.", req: true},
	"server.refuse":                       {desc: "Answer upgrade requests (Socket.IO: handshakes) with HTTP status for a while."},
	"server.refuse.status":                {desc: "The HTTP status, from 400 to 599.", req: true},
	"server.refuse.after":                 {desc: "When refusing starts, after the server starts.", def: dur(0)},
	"server.refuse.for":                   {desc: "How long refusing lasts; more than 0.", req: true},
	"server.refuse.every":                 {desc: "Refuse again this often (longer than for); 0 refuses once.", def: dur(0)},
	"server.restart":                      {desc: "Drop every connection and keep the listener down for down, first after after, then every every; set after, every or both."},
	"server.restart.after":                {desc: "The first restart, after the server starts."},
	"server.restart.every":                {desc: "Restart again this often; longer than down."},
	"server.restart.down":                 {desc: "How long the listener stays down; more than 0.", req: true},
	"server.ignore_pings":                 {desc: "Never answer ping frames, so mode ping heartbeats time out; with Socket.IO, stop sending pings, so clients drop with ping_timeout.", def: false},
	"server.ping_interval":                {desc: "The embedded server's heartbeat: Socket.IO's pingInterval (default " + schemaServerPingInterval.String() + "); WebSocket: a ping frame every interval (default none)."},
	"server.ping_timeout":                 {desc: "Socket.IO's pingTimeout (default " + schemaServerPingTimeout.String() + "); WebSocket: how long a pong may take before the connection is reset (default the interval)."},
	"server.broadcast":                    {desc: "Send every connection {\"sender\":\"server\",\"seq\":N,\"sent_at\":unix ms} every every (Socket.IO: as event event), N counting 1, 2, 3... for the whole server."},
	"server.broadcast.every":              {desc: "How often; more than 0.", req: true},
	"server.broadcast.event":              {desc: "Socket.IO only: the event name.", def: "tick"},
	"steps":                               {desc: "What every client does, top to bottom: a list of steps, not empty. A send, expect, emit or expect_event needs a connect before it.", req: true},
	"steps[].connect":                     {desc: "Open the connection (handshake with the client's headers, subprotocols, compression and TLS). Takes no options."},
	"steps[].close":                       {desc: "Close the connection with a close frame: - close, or - close: {code, reason}."},
	"steps[].close.code":                  {desc: "The close code: 1000 or 3000-4999.", def: DefaultCloseCode},
	"steps[].close.reason":                {desc: "The close reason, at most 123 bytes."},
	"steps[].send":                        {desc: "Send one message (WebSocket): - send: TEXT is short for {text: TEXT}. Write one of text, binary or base64."},
	"steps[].send.text":                   {desc: "A text message: a template."},
	"steps[].send.binary":                 {desc: "A binary message: a template in which {{.Random N}} is N raw bytes."},
	"steps[].send.base64":                 {desc: "A binary message with fixed content, base64 (standard alphabet, padded)."},
	"steps[].send.expect":                 {desc: "Wait for the reply to this message; the time to it is the rtt histogram."},
	"steps[].send.total_rate":             {desc: "Pace this send like rate, but for all clients together, like 1000/s: each client sends at total_rate divided by the peak population (clients.count, the highest stage target, or the open model's max). Not with rate."},
	"steps[].send.rate":                   {desc: "Pace this send per client on an intended timeline, like 10/s or 600/m; the reply's latency counts from the intended time (coordinated omission corrected), rtt_uncorrected from the actual send."},
	"steps[].send.expect.json_field":      {desc: "The reply is the message whose top-level JSON field of this name equals the sent message's (a send with text only). Write json_field or regex."},
	"steps[].send.expect.regex":           {desc: "The reply is the next message this regular expression (RE2) matches. Write json_field or regex."},
	"steps[].send.expect.timeout":         {desc: "How long to wait, counted from the original send; more than 0.", def: dur(DefaultExpectTimeout)},
	"steps[].expect":                      {desc: "Wait for a message the server pushes: {regex, timeout} (json_field needs a send)."},
	"steps[].sleep":                       {desc: "Pause: a duration, {min, max} (uniformly random) or {duration}."},
	"steps[].loop":                        {desc: "Repeat steps count times or for duration, whichever ends first; with neither, until the client is stopped."},
	"steps[].loop.count":                  {desc: "At most this many passes; 0 sets no limit.", def: 0},
	"steps[].loop.duration":               {desc: "No new pass after this long; a pass that started runs to its end."},
	"steps[].loop.steps":                  {desc: "The steps to repeat, not empty; loops may nest.", req: true},
	"steps[].emit":                        {desc: "Socket.IO: emit an event; - emit: NAME is short for {event: NAME}. Write ack or expect, not both."},
	"steps[].emit.event":                  {desc: "The event name; not one Socket.IO reserves (" + strings.Join(reservedEvents, ", ") + ").", req: true},
	"steps[].emit.namespace":              {desc: "The namespace to emit to. Default: socketio.namespace."},
	"steps[].emit.args":                   {desc: "The arguments: a list, each item any YAML value sent as JSON; a single value that is not a list is one argument."},
	"steps[].emit.ack":                    {desc: "Ask for an acknowledgement and wait for it: {timeout: 5s}, or {} for the default; the time to it is the ack histogram."},
	"steps[].emit.ack.timeout":            {desc: "How long to wait for the acknowledgement, from the emit; more than 0.", def: dur(DefaultExpectTimeout)},
	"steps[].emit.expect":                 {desc: "Wait for a reply event; the time to it is the rtt histogram."},
	"steps[].emit.expect.event":           {desc: "The event name.", req: true},
	"steps[].emit.expect.namespace":       {desc: "The namespace the event arrives in. Default: the emit's namespace (for expect_event, socketio.namespace)."},
	"steps[].emit.expect.match":           {desc: "A regular expression (RE2) the event's JSON array, name first (e.g. [\"tick\",{\"i\":3}]), must match."},
	"steps[].emit.expect.timeout":         {desc: "How long to wait, from the emit (for expect_event, from the step); more than 0.", def: dur(DefaultExpectTimeout)},
	"steps[].expect_event":                {desc: "Socket.IO: wait for an event the server pushes; - expect_event: NAME is short for {event: NAME}."},
	"steps[].offline":                     {desc: "Take the network away now, for for, and go on with the next step at once (add a sleep to wait): - offline: DURATION is short for {for: DURATION}."},
	"steps[].offline.for":                 {desc: "How long the network is gone: a duration, {min, max} or {duration}; more than 0.", req: true},
	"steps[].offline.mode":                {desc: "silent or reset, as client.network.mode. Default: the scenario's client.network.mode, else silent.", enum: []any{NetworkSilent, NetworkReset}},
	"steps[].background":                  {desc: "Send the app to the background now, for for, and go on with the next step at once (add a sleep to wait): - background: DURATION is short for {for: DURATION}."},
	"steps[].background.for":              {desc: "How long the app stays in the background: a duration, {min, max} or {duration}; more than 0.", req: true},
	"steps[].background.close":            {desc: "As client.background.close. Default: the scenario's client.background.close, else true."},
	"thresholds":                          {desc: "Pass/fail conditions on the result: METRIC OP LIMIT (docs/metrics.md). A failed one makes wsbench run exit with 99."},
	"thresholds[].expr":                   {desc: "The condition, METRIC OP LIMIT, e.g. rtt.p99 < 50ms.", req: true},
	"thresholds[].abort_on_fail":          {desc: "Stop the run early when the condition fails at a check made once a second (end_reason aborted, exit 99).", def: false},
	"thresholds[].delay":                  {desc: "With abort_on_fail, no check before this much of the run has passed.", def: dur(0)},
}
