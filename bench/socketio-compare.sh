#!/usr/bin/env bash
# Socket.IO ack throughput and acks per client-CPU-second: CLIENTS clients
# (websocket transport), each keeping one `echo` emit with a 32-byte
# string in flight and emitting the next on its ack, against the official
# Node socket.io 4.8 server (interop/socketio/server.js) in its own process.
# Three load generators take turns, round after round:
#   node       the official socket.io-client, interop/socketio/client-bench.js
#   wsbench    bench/socketio-ack.yaml
#   artillery  Artillery 2.x's socketio engine, bench/artillery/socketio-ack.yml
# Each one is measured by bench/cpuwindow.py over the same steady window
# (connects excluded): its process tree's CPU from /proc, and the echo
# events the server counted (GET /stats events.echo; one ack each).
#
#   bench/socketio-compare.sh [rounds] [window seconds] [clients]   default 3 10 100
#
# Needs `npm ci --prefix interop/socketio` and, unless ARTILLERY=0,
# `npm ci --prefix bench/artillery`.
# Heavy: run it under the shared lock, flock /tmp/wsbench-heavy.lock bench/socketio-compare.sh
OUT=${OUT:-bench/out/sio-compare}
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
SECS=${2:-10}
CLIENTS=${3:-100}
ARTILLERY=${ARTILLERY:-1}
[ -d interop/socketio/node_modules/socket.io ] || { echo "run npm ci --prefix interop/socketio first"; exit 1; }
if [ "$ARTILLERY" = 1 ] && [ ! -x bench/artillery/node_modules/.bin/artillery ]; then
	echo "Artillery is not installed: run npm ci --prefix bench/artillery (or ARTILLERY=0 to skip it)"
	exit 1
fi

node interop/socketio/server.js --port 0 >"$OUT/node-server.log" 2>&1 &
NODE_PID=$!
trap 'kill $NODE_PID 2>/dev/null || true' EXIT
port=""
for _ in $(seq 150); do
	port=$(sed -n 's/^LISTENING \([0-9]*\)$/\1/p' "$OUT/node-server.log")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || { echo "node server did not start:"; cat "$OUT/node-server.log"; exit 1; }
URL="http://127.0.0.1:$port"
RUN=$((SECS + 4)) # connect + settle (1 s) + window + tail

measure() { # name log-file command...
	local name=$1 log=$2
	shift 2
	python3 bench/cpuwindow.py --stats "$URL/stats" --count events.echo --ready-field connects_total./ --ready "$CLIENTS" \
		--settle 1 --window "$SECS" --log "$log" -- "$@" >"$OUT/$name-$r.json" ||
		{ echo "$name failed:"; tail -20 "$log"; exit 1; }
	printf '%-10s %6s %12.0f %14.2f %18.0f\n' "$name" "$r" "$(json "$OUT/$name-$r.json" 'r["messages_per_s"]')" \
		"$(json "$OUT/$name-$r.json" 'r["cpu_us_per_message"]')" "$(json "$OUT/$name-$r.json" 'r["messages_per_cpu_second"]')"
}

printf '%-10s %6s %12s %14s %18s\n' run round acks/s cpu_us/ack acks/cpu_second
for r in $(seq "$ROUNDS"); do
	measure node "$OUT/node-$r.log" node interop/socketio/client-bench.js --url "$URL" --clients "$CLIENTS" --duration $((SECS + 2))
	measure wsbench "$OUT/wsbench-$r.log" env TARGET="$URL" CLIENTS="$CLIENTS" DURATION="${RUN}s" \
		"$OUT/wsbench" run bench/socketio-ack.yaml -q --out "$OUT/wsbench-result-$r.json"
	if [ "$ARTILLERY" = 1 ]; then
		measure artillery "$OUT/artillery-$r.log" env CLIENTS="$CLIENTS" BENCH_SECONDS=$((RUN + 6)) ARTILLERY_DISABLE_TELEMETRY=true \
			bench/artillery/node_modules/.bin/artillery run --target "$URL" bench/artillery/socketio-ack.yml
	fi
done
python3 - "$OUT" "$ROUNDS" "$ARTILLERY" <<'PY'
import json, sys
out, rounds, art = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
load = lambda n: [json.load(open(f"{out}/{n}-{r}.json")) for r in range(1, rounds + 1)]
mean = lambda xs, k: sum(x[k] for x in xs) / len(xs)
n, w = load("node"), load("wsbench")
res = [json.load(open(f"{out}/wsbench-result-{r}.json")) for r in range(1, rounds + 1)]
def show(name, xs):
    print(f"{name:9}: {mean(xs, 'messages_per_s'):9.0f} acks/s  {mean(xs, 'cpu_us_per_message'):6.2f} us CPU/ack  {mean(xs, 'messages_per_cpu_second'):9.0f} acks per CPU-s")
def ratio(name, xs, ys):
    r = [x["messages_per_cpu_second"] / y["messages_per_cpu_second"] for x, y in zip(xs, ys)]
    print(f"wsbench / {name}: acks per CPU-second {mean(xs, 'messages_per_cpu_second') / mean(ys, 'messages_per_cpu_second'):.2f} "
          f"(rounds {min(r):.2f}-{max(r):.2f}), throughput {mean(xs, 'messages_per_s') / mean(ys, 'messages_per_s'):.2f}")
print()
show("node", n)
show("wsbench", w)
ratio("node", w, n)
if art:
    a = load("artillery")
    show("artillery", a)
    ratio("artillery", w, a)
print(f"wsbench ack timeouts: {sum(x['expects']['timed_out'] for x in res)}")
PY
