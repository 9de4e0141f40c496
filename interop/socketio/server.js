#!/usr/bin/env node
// Reference Socket.IO peer: the official Node `socket.io` 4.8.x server, run by
// wsbench's Go tests (internal/nodeio) to check our client against the real
// thing. It listens on 127.0.0.1 only and prints exactly one line,
// `LISTENING <port>`, on stdout when ready; everything else goes to stderr.
//
// Flags: --port N (0 = any free port), --ping-interval ms (25000),
// --ping-timeout ms (20000), --max-payload bytes (socket.io's default 1e6),
// --recovery (off by default), --broadcast-every ms (0 = off).
// Exit codes: 0 after SIGTERM/SIGINT, 2 for bad flags, 3 when the port is in
// use (the Go side retries on that one), 1 for any other listen error.
//
// --recovery turns on connection state recovery
// ({maxDisconnectionDuration: 120000, skipMiddlewares: true}): a client that
// reconnects within 2 minutes with its session id and last offset gets its
// old socket id back, socket.recovered, and the broadcasts it missed. With it
// on, socket.io appends the packet's offset (a string) as one more argument to
// every broadcast event (io.emit, nsp.emit, to-room), ticks included.
//
// --broadcast-every ms makes the server emit, every ms, to every socket of
// the main namespace "/": tick({sender: "server", seq: n, sent_at: <unix ms>})
// with n = 1, 2, 3, ... for the whole process, counting ticks whether anyone
// is connected or not, as the Go embedded server's Config.Broadcast does. The
// "push" handler's ticks ({i, sentAt}) share the event name.
//
// Besides socket.io's own path (/socket.io/) the same HTTP server answers
//   GET /stats     counters as JSON (shape documented at statsSnapshot)
//   GET /kick-all  server-side disconnect of every socket: {"kicked": n}
"use strict";

const http = require("node:http");
const { Server } = require("socket.io");

const usage =
  "usage: node server.js [--port N] [--ping-interval ms] [--ping-timeout ms] [--max-payload bytes]" +
  " [--recovery] [--broadcast-every ms]";

function parseFlags(argv) {
  const opts = {
    port: 0,
    pingInterval: 25000,
    pingTimeout: 20000,
    maxPayload: undefined,
    recovery: false,
    broadcastEvery: 0,
  };
  const names = {
    "--port": "port",
    "--ping-interval": "pingInterval",
    "--ping-timeout": "pingTimeout",
    "--max-payload": "maxPayload",
    "--broadcast-every": "broadcastEvery",
  };
  const switches = { "--recovery": "recovery" }; // take no value
  const problems = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf("=");
    if (eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    }
    if (switches[flag]) {
      if (value !== undefined) problems.push(`${flag} takes no value, got ${JSON.stringify(value)}`);
      opts[switches[flag]] = true;
      continue;
    }
    if (eq <= 0) value = argv[++i];
    const key = names[flag];
    if (!key) {
      problems.push(`unknown flag ${flag}`);
      continue;
    }
    const n = Number(value);
    if (value === undefined || value === "" || !Number.isInteger(n) || n < 0) {
      problems.push(`${flag} needs a whole number >= 0, got ${JSON.stringify(value)}`);
      continue;
    }
    opts[key] = n;
  }
  if (opts.port > 65535) problems.push(`--port ${opts.port} is above 65535`);
  if (problems.length > 0) {
    for (const p of problems) console.error(`server.js: ${p}`);
    console.error(usage);
    process.exit(2);
  }
  return opts;
}

const opts = parseFlags(process.argv.slice(2));

// Counters behind GET /stats.
const namespaces = ["/", "/chat", "/admin"];
const stats = {
  connectsTotal: Object.fromEntries(namespaces.map((n) => [n, 0])),
  disconnects: {},
  events: {},
  upgrades: 0,
  recovered: 0,
  broadcastSeq: 0,
};

function bump(obj, key) {
  obj[key] = (obj[key] || 0) + 1;
}

const httpServer = http.createServer((req, res) => {
  // engine.io intercepts its own path (/socket.io/) and hands every other
  // request to this listener.
  const url = new URL(req.url, "http://127.0.0.1");
  if (req.method === "GET" && url.pathname === "/stats") {
    return sendJSON(res, 200, statsSnapshot());
  }
  if (req.method === "GET" && url.pathname === "/kick-all") {
    return sendJSON(res, 200, { kicked: kickAll() });
  }
  sendJSON(res, 404, { error: `no route for ${req.method} ${url.pathname}` });
});

function sendJSON(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
  });
  res.end(text);
}

const serverOpts = {
  pingInterval: opts.pingInterval,
  pingTimeout: opts.pingTimeout,
  transports: ["polling", "websocket"],
  serveClient: false,
};
if (opts.maxPayload !== undefined) serverOpts.maxHttpBufferSize = opts.maxPayload;
if (opts.recovery) {
  serverOpts.connectionStateRecovery = { maxDisconnectionDuration: 120000, skipMiddlewares: true };
}
const io = new Server(httpServer, serverOpts);

// The server broadcast: one sequence for the process, so that a client can
// count the ticks it missed while away.
let broadcastTimer;
if (opts.broadcastEvery > 0) {
  broadcastTimer = setInterval(() => {
    stats.broadcastSeq++;
    io.emit("tick", { sender: "server", seq: stats.broadcastSeq, sent_at: Date.now() });
  }, opts.broadcastEvery);
}

// statsSnapshot is the body of GET /stats:
//   connections     {nsp: sockets connected now}
//   connects_total  {nsp: sockets ever connected}
//   disconnects     {server-side "disconnect" reason: count}
//   events          {event name received from clients: count}, all namespaces
//   engine_clients  engine.io connections open now
//   transports      {"websocket": n, "polling": n}: open engine.io connections
//                   by their current transport
//   upgrades        engine.io connections ever upgraded polling -> websocket
//   recovered       sockets connected with socket.recovered true (--recovery:
//                   the client's state was restored), all namespaces
//   broadcast_seq   seq of the last --broadcast-every tick, 0 before the first
function statsSnapshot() {
  const transports = { websocket: 0, polling: 0 };
  for (const client of Object.values(io.engine.clients)) {
    bump(transports, client.transport.name);
  }
  return {
    connections: Object.fromEntries(namespaces.map((n) => [n, io.of(n).sockets.size])),
    connects_total: stats.connectsTotal,
    disconnects: stats.disconnects,
    events: stats.events,
    engine_clients: io.engine.clientsCount,
    transports,
    upgrades: stats.upgrades,
    recovered: stats.recovered,
    broadcast_seq: stats.broadcastSeq,
  };
}

function kickAll() {
  let n = 0;
  for (const name of namespaces) {
    for (const socket of io.of(name).sockets.values()) {
      socket.disconnect(true);
      n++;
    }
  }
  return n;
}

io.engine.on("connection", (conn) => {
  conn.on("upgrade", () => stats.upgrades++);
});
io.engine.on("connection_error", (err) => {
  console.error(`engine.io connection_error: code=${err.code} ${err.message}`);
});

function withoutCallbacks(args) {
  return args.filter((a) => typeof a !== "function");
}

function lastCallback(args) {
  const last = args[args.length - 1];
  return typeof last === "function" ? last : undefined;
}

// onConnection registers the test handlers on one socket; the same function
// serves "/", "/chat" and "/admin".
function onConnection(socket) {
  const nsp = socket.nsp;
  bump(stats.connectsTotal, nsp.name);
  if (socket.recovered) stats.recovered++;
  const timers = new Set();

  socket.onAny((event) => bump(stats.events, event));
  socket.on("disconnect", (reason) => {
    bump(stats.disconnects, reason);
    for (const t of timers) clearInterval(t);
    timers.clear();
  });

  // echo(...args, ack): acks every non-callback argument back, binary included.
  socket.on("echo", (...args) => {
    const ack = lastCallback(args);
    if (ack) ack(...withoutCallbacks(args));
  });

  // echo-event(...args): emits "echo" with the same arguments.
  socket.on("echo-event", (...args) => {
    socket.emit("echo", ...withoutCallbacks(args));
  });

  // xor(buf, ack): acks a copy of buf with every byte XOR 0xff.
  socket.on("xor", (buf, ack) => {
    if (typeof ack !== "function") return;
    const src = Buffer.isBuffer(buf) ? buf : Buffer.from(buf ?? []);
    const out = Buffer.allocUnsafe(src.length);
    for (let i = 0; i < src.length; i++) out[i] = src[i] ^ 0xff;
    ack(out);
  });

  // join(room, ack?): joins room, then acks with no arguments.
  socket.on("join", (room, ack) => {
    socket.join(room);
    if (typeof ack === "function") ack();
  });

  // broadcast(...args): every socket of this namespace, sender included, gets
  // "broadcast" with args. A trailing callback is acked with no arguments
  // (socket.io cannot ask for acks from a plain broadcast).
  socket.on("broadcast", (...args) => {
    nsp.emit("broadcast", ...withoutCallbacks(args));
    const ack = lastCallback(args);
    if (ack) ack();
  });

  // to-room(room, ...args): "broadcast" with args to the room's sockets.
  socket.on("to-room", (room, ...args) => {
    nsp.to(room).emit("broadcast", ...withoutCallbacks(args));
    const ack = lastCallback(args);
    if (ack) ack();
  });

  // kick(): server-side disconnect; the client sees "io server disconnect".
  socket.on("kick", () => socket.disconnect(true));

  // ask(...args): asks the client "question" with args, then emits "answered"
  // with the client's first ack argument, or {error} after 5 s without one.
  socket.on("ask", async (...args) => {
    let answer;
    try {
      answer = await socket.timeout(5000).emitWithAck("question", ...withoutCallbacks(args));
    } catch (err) {
      answer = { error: err.message };
    }
    if (socket.connected) socket.emit("answered", answer);
  });

  // push(n, intervalMs): emits "tick" {i, sentAt} n times, i from 0, one
  // every intervalMs; stops early if the socket disconnects.
  socket.on("push", (n, intervalMs) => {
    const count = Number.isInteger(n) && n > 0 ? n : 0;
    const every = Number.isFinite(intervalMs) && intervalMs >= 0 ? intervalMs : 0;
    if (count === 0) return;
    let i = 0;
    const timer = setInterval(() => {
      socket.emit("tick", { i, sentAt: Date.now() });
      i++;
      if (i >= count) {
        clearInterval(timer);
        timers.delete(timer);
      }
    }, every);
    timers.add(timer);
  });

  socket.emit("welcome", {
    id: socket.id,
    nsp: nsp.name,
    query: socket.handshake.query,
    auth: socket.handshake.auth,
  });
}

io.of("/").on("connection", onConnection);
io.of("/chat").on("connection", onConnection);

const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.auth && socket.handshake.auth.token === "secret") return next();
  const err = new Error("not authorized");
  err.data = { code: 401 };
  next(err);
});
admin.on("connection", onConnection);

httpServer.on("error", (err) => {
  console.error(`server.js: listen on 127.0.0.1:${opts.port}: ${err.message}`);
  process.exit(err.code === "EADDRINUSE" ? 3 : 1);
});

httpServer.listen(opts.port, "127.0.0.1", () => {
  process.stdout.write(`LISTENING ${httpServer.address().port}\n`);
});

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  clearInterval(broadcastTimer);
  console.error(`server.js: ${signal}, closing`);
  // io.close sends every client a close frame at once, but then waits for
  // each peer to close its end; a test client that is not reading must not
  // hold up a restart, so exit shortly after whatever happens.
  setTimeout(() => process.exit(0), 200).unref();
  io.close(() => process.exit(0));
}
process.on("SIGTERM", () => shutdown("SIGTERM"));
process.on("SIGINT", () => shutdown("SIGINT"));
