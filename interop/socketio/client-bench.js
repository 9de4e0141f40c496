#!/usr/bin/env node
// Load driver built on the official `socket.io-client`, for a side-by-side
// benchmark with wsbench's own Socket.IO client against the same server
// (server.js). Each client keeps exactly one `echo` in flight: on its ack it
// emits the next one at once.
//
// Flags: --url http://127.0.0.1:PORT (required), --clients N (100),
// --duration seconds (10), --payload bytes (32), --transports list (websocket;
// comma-separated, e.g. polling,websocket).
//
// Prints one JSON line on stdout when done:
//   {"clients","acks","seconds","acks_per_sec","cpu_user_us","cpu_system_us",
//    "rss_bytes","connect_failures","disconnects","payload_bytes","transports"}
// acks, seconds and the CPU figures cover the measuring window only: it opens
// once every client has connected or failed. disconnects counts clients lost
// during the window.
"use strict";

const { io } = require("socket.io-client");

const usage =
  "usage: node client-bench.js --url http://127.0.0.1:PORT [--clients N] [--duration s] [--payload bytes] [--transports websocket]";

function parseFlags(argv) {
  const opts = { url: "", clients: 100, duration: 10, payload: 32, transports: ["websocket"] };
  const problems = [];
  for (let i = 0; i < argv.length; i++) {
    let flag = argv[i];
    let value;
    const eq = flag.indexOf("=");
    if (eq > 0) {
      value = flag.slice(eq + 1);
      flag = flag.slice(0, eq);
    } else {
      value = argv[++i];
    }
    if (value === undefined || value === "") {
      problems.push(`${flag} needs a value`);
      continue;
    }
    switch (flag) {
      case "--url":
        opts.url = value;
        break;
      case "--clients":
      case "--payload": {
        const n = Number(value);
        if (!Number.isInteger(n) || n < (flag === "--clients" ? 1 : 0)) {
          problems.push(`${flag} needs a whole number${flag === "--clients" ? " >= 1" : " >= 0"}, got ${value}`);
        } else {
          opts[flag.slice(2)] = n;
        }
        break;
      }
      case "--duration": {
        const n = Number(value);
        if (!Number.isFinite(n) || n <= 0) problems.push(`--duration needs seconds > 0, got ${value}`);
        else opts.duration = n;
        break;
      }
      case "--transports": {
        const list = value.split(",").map((s) => s.trim()).filter(Boolean);
        const bad = list.filter((t) => t !== "websocket" && t !== "polling");
        if (list.length === 0 || bad.length > 0) {
          problems.push(`--transports takes websocket and/or polling, got ${value}`);
        } else {
          opts.transports = list;
        }
        break;
      }
      default:
        problems.push(`unknown flag ${flag}`);
    }
  }
  if (opts.url === "") problems.push("--url is required");
  if (problems.length > 0) {
    for (const p of problems) console.error(`client-bench.js: ${p}`);
    console.error(usage);
    process.exit(2);
  }
  return opts;
}

const opts = parseFlags(process.argv.slice(2));
const payload = "x".repeat(opts.payload);

const sockets = [];
let connected = 0;
let connectFailures = 0;
let measuring = false;
let acks = 0;
let disconnects = 0;

function settled() {
  return connected + connectFailures === opts.clients;
}

function loop(socket) {
  socket.emit("echo", payload, () => {
    if (!measuring) return;
    acks++;
    loop(socket);
  });
}

function start() {
  measuring = true;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (const s of sockets) if (s.connected) loop(s);
  // With no client connected there is nothing to measure: report at once.
  const windowMs = connected > 0 ? opts.duration * 1000 : 0;
  setTimeout(() => {
    measuring = false;
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const result = {
      clients: opts.clients,
      acks,
      seconds,
      acks_per_sec: seconds > 0 ? acks / seconds : 0,
      cpu_user_us: cpu.user,
      cpu_system_us: cpu.system,
      rss_bytes: process.memoryUsage().rss,
      connect_failures: connectFailures,
      disconnects,
      payload_bytes: opts.payload,
      transports: opts.transports,
    };
    for (const s of sockets) s.close();
    process.stdout.write(JSON.stringify(result) + "\n", () => process.exit(0));
  }, windowMs);
}

for (let i = 0; i < opts.clients; i++) {
  // forceNew: without it io() shares one Manager, so one connection, per URL.
  const socket = io(opts.url, {
    forceNew: true,
    reconnection: false,
    transports: opts.transports,
  });
  sockets.push(socket);
  let done = false;
  socket.once("connect", () => {
    done = true;
    connected++;
    if (settled()) start();
  });
  socket.once("connect_error", (err) => {
    if (done) return;
    done = true;
    connectFailures++;
    if (connectFailures === 1) console.error(`client-bench.js: connect_error: ${err.message}`);
    if (settled()) start();
  });
  socket.on("disconnect", () => {
    if (measuring) disconnects++;
  });
}
