#!/usr/bin/env bash
# Socket.IO client cost, against a server in another process.
#
#   bench/socketio.sh idle [clients] [hold] [node|embedded]
#       N idle Socket.IO clients (websocket transport, the server pings every
#       10 s): RSS and goroutines per client, drops. Default 10000 60s node.
#   bench/socketio.sh ack [clients] [seconds] [rounds]
#       Ack throughput against the Node server: wsbench's client and the
#       official Node socket.io-client (interop/socketio/client-bench.js)
#       take turns driving the same server with one echo ack in flight per
#       client; prints acks/s and client CPU per ack for each, and the
#       ratio. Default 100 10 3.
#
# Needs node and `npm ci --prefix interop/socketio`.
source "$(dirname "$0")/lib.sh"
MODE=${1:-idle}

# start_node starts the Node socket.io server and sets NODE_URL.
start_node() {
	node interop/socketio/server.js --port 0 "$@" >"$OUT/node.log" 2>&1 &
	NODE_PID=$!
	local port=""
	for _ in $(seq 150); do
		port=$(sed -n 's/^LISTENING \([0-9]*\)$/\1/p' "$OUT/node.log")
		[ -n "$port" ] && break
		sleep 0.1
	done
	[ -n "$port" ] || { echo "node server did not start (run npm ci --prefix interop/socketio):"; cat "$OUT/node.log"; exit 1; }
	NODE_URL="http://127.0.0.1:$port"
	trap 'kill $NODE_PID 2>/dev/null || true; kill ${SERVER_PID:-} 2>/dev/null || true' EXIT
}

idle() {
	local clients=${1:-10000} hold=${2:-60s} server=${3:-node} target
	if [ "$server" = node ]; then
		start_node --ping-interval 10000 --ping-timeout 5000
		target=$NODE_URL
	else
		start_server --socketio --ping-interval 10s --ping-timeout 5s
		target="http://$SERVER_ADDR"
	fi
	run() {
		TARGET=$target CLIENTS=$1 RAMP=${RAMP:-20s} HOLD=$hold \
			"$OUT/wsbench" run bench/socketio-idle.yaml -q --out "$OUT/sio-idle-$1.json" >"$OUT/sio-idle-$1.txt" 2>&1 &
		local pid=$! peak=0 rss
		while kill -0 "$pid" 2>/dev/null; do
			rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
			[ "${rss:-0}" -gt "$peak" ] && peak=$rss
			sleep 1
		done
		wait "$pid" || { echo "wsbench run with $1 clients failed:"; cat "$OUT/sio-idle-$1.txt"; exit 1; }
		echo "$peak $(json "$OUT/sio-idle-$1.json" 'r["load_generator"]["goroutines"], r["connections"]["dropped"], r["connections"]["failed"], r["heartbeat"]["sent"], r["clients"]["peak_connected"]' | tr -d '(),')"
	}
	read -r base_rss base_g _ _ _ _ < <(RAMP=1s run 1)
	read -r rss g drops failed pongs peak < <(run "$clients")
	python3 - "$server" "$clients" "$base_rss" "$base_g" "$rss" "$g" "$drops" "$failed" "$pongs" "$peak" <<'PY'
import sys
server = sys.argv[1]
n, brss, bg, rss, g, drops, failed, pongs, peak = map(int, sys.argv[2:])
print(f"server {server}; clients {n} (peak connected {peak}); drops {drops}; failed connects {failed}; pongs sent {pongs}")
print(f"RSS: {brss} KiB at 1 client, {rss} KiB at {n}: {(rss - brss) / (n - 1):.1f} KiB per client")
print(f"goroutines: {bg} at 1 client, {g} at {n}: {(g - bg) / (n - 1):.2f} per client")
PY
}

ack() {
	local clients=${1:-100} secs=${2:-10} rounds=${3:-3}
	start_node
	local tck
	tck=$(getconf CLK_TCK)
	for r in $(seq "$rounds"); do
		# wsbench's CPU is sampled from /proc over the same kind of window
		# as client-bench.js measures: from 2 s in (clients connected) to
		# 1 s before the end; acks in it come from the per-second series.
		TARGET=$NODE_URL CLIENTS=$clients DURATION=${secs}s \
			"$OUT/wsbench" run bench/socketio-ack.yaml -q --out "$OUT/sio-ack.json" >"$OUT/sio-ack.txt" 2>&1 &
		local pid=$! t0 t1
		sleep 2
		t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		sleep $((secs - 3))
		t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
		wait "$pid" || { cat "$OUT/sio-ack.txt"; exit 1; }
		node interop/socketio/client-bench.js --url "$NODE_URL" --clients "$clients" --duration "$secs" >"$OUT/sio-ack-node.json"
		python3 - "$OUT/sio-ack.json" "$OUT/sio-ack-node.json" "$r" "$t0" "$t1" "$tck" "$secs" <<'PY'
import json, sys
w = json.load(open(sys.argv[1]))
n = json.loads(open(sys.argv[2]).read().strip().splitlines()[-1])
r, t0, t1, tck, secs = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
acks = w["latency"]["ack"]["count"]
w_rate = acks / w["duration_seconds"]
# Acks inside the CPU window: series points ending in (2, secs-1].
win = sum(p["received"] for p in w["series"] if 2 < p["t"] <= secs - 1)
w_cpu = (t1 - t0) / tck * 1e6 / win
w_all = w["load_generator"]["cpu_seconds"] * 1e6 / acks
n_cpu = (n["cpu_user_us"] + n["cpu_system_us"]) / n["acks"]
print(f"round {r}: wsbench {w_rate:,.0f} acks/s, {w_cpu:.1f} us CPU/ack in the window ({w_all:.1f} over the whole run; p50 {w['latency']['ack']['p50_us']} us, timeouts {w['expects']['timed_out']}); "
      f"socket.io-client {n['acks_per_sec']:,.0f} acks/s, {n_cpu:.1f} us CPU/ack; "
      f"CPU per ack wsbench/node = {w_cpu / n_cpu:.2f}")
PY
	done
}

case "$MODE" in
idle) shift; idle "$@" ;;
ack) shift; ack "$@" ;;
*) echo "usage: bench/socketio.sh idle|ack [...]"; exit 2 ;;
esac
