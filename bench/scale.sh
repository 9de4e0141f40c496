#!/usr/bin/env bash
# Past one process's open files: CLIENTS idle clients from --workers client
# processes against `wsbench serve --workers` processes sharing one port,
# over auto loopback source addresses. WebSocket clients run
# bench/scale.yaml (ping heartbeat); with --socketio, Socket.IO clients
# (websocket transport) run bench/scale-socketio.yaml against
# `serve --socketio` (Engine.IO heartbeat). Prints the connection figures
# of the merged result, the time until every client was connected, the
# CPU of the client and server processes, and the total RSS of the client
# processes per client, sampled once a second at its peak. Exits 1 when a
# connection dropped or a connect failed: the demo holds only with none.
# Usage: bench/scale.sh [--socketio] [clients] [client workers] [server workers] [hold]
#        (defaults 100000 6 7 60s; RAMP defaults to 180s)
# Heavy: on a shared machine run it under the lock,
#        flock /tmp/wsbench-heavy.lock bash bench/scale.sh ...
source "$(dirname "$0")/lib.sh"
MODE=websocket
if [ "${1:-}" = --socketio ]; then
	MODE=socketio
	shift
fi
CLIENTS=${1:-100000}
WORKERS=${2:-6}
SERVERS=${3:-7}
HOLD=${4:-60s}
RAMP=${RAMP:-180s}
if [ "$MODE" = socketio ]; then
	start_server --workers "$SERVERS" --socketio
	TARGET="http://$SERVER_ADDR"
	SCENARIO=bench/scale-socketio.yaml
else
	start_server --workers "$SERVERS"
	TARGET="ws://$SERVER_ADDR/echo"
	SCENARIO=bench/scale.yaml
fi
# cpu PIDS... prints the user+system CPU seconds the processes used so far.
TICK=$(getconf CLK_TCK)
cpu() { for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | awk -v tck="$TICK" '{ sub(/.*\) /, ""); s += $12 + $13 } END { printf "%.1f", s / tck }'; }
servers() { echo "$SERVER_PID" $(pgrep -P "$SERVER_PID"); }
server_cpu0=$(cpu $(servers))

TARGET=$TARGET CLIENTS=$CLIENTS RAMP=$RAMP HOLD=$HOLD \
	"$OUT/wsbench" run "$SCENARIO" --workers "$WORKERS" -q --out "$OUT/scale.json" >"$OUT/scale.txt" 2>&1 &
pid=$!
peak=0 sockets=0
while kill -0 "$pid" 2>/dev/null; do
	# The parent and its workers: every wsbench run process.
	rss=$( (ps -o rss= -p "$pid"; ps -o rss= --ppid "$pid") 2>/dev/null | awk '{s+=$1} END {print s+0}')
	[ "$rss" -gt "$peak" ] && peak=$rss
	# TCP sockets in use on the machine: both ends of each connection.
	n=$(awk '/^TCP:/ {print $3}' /proc/net/sockstat)
	[ "$n" -gt "$sockets" ] && sockets=$n
	sleep 1
done
server_cpu=$(awk -v a="$(cpu $(servers))" -v b="$server_cpu0" 'BEGIN {printf "%.1f", a - b}')
wait "$pid" || [ $? -eq 99 ] || { echo "the run failed:"; cat "$OUT/scale.txt"; exit 1; }
python3 - "$OUT/scale.json" "$MODE" "$CLIENTS" "$WORKERS" "$SERVERS" "$peak" "$sockets" "$server_cpu" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
mode, clients, workers, servers, rss_kib, sockets, server_cpu = sys.argv[2], *map(int, sys.argv[3:8]), float(sys.argv[8])
c, lg, s = r["connections"], r["load_generator"], r["series"]
# The merged series adds the workers up second by second on the clock, so
# its highest connected is clients connected at once (clients.peak_connected
# adds each worker's own peak: an upper bound).
peak = max((p["connected"] for p in s), default=0)
full = next((p["t"] for p in s if p["connected"] >= clients), None)
causes = ", ".join(f"{x['cause']} {x['count']}" for x in c.get("drop_causes", []) + c.get("fail_causes", [])) or "none"
hb = r["heartbeat"]
print(f"{mode}: {clients} clients from {workers} client workers, {servers} server workers, {r['duration_seconds']:.0f} s")
print(f"  peak connected {peak} at once (merged series; sum of workers' peaks {r['clients']['peak_connected']}), "
      f"peak TCP sockets on the machine {sockets}")
print(f"  all {clients} connected after " + (f"{full:.0f} s" if full is not None else "never"))
print(f"  connections opened {c['opened']}, failed {c['failed']}, dropped {c['dropped']} ({causes}); "
      f"heartbeats sent {hb['sent']}, missed {hb['missed']}")
con = r["latency"].get("connect", {})
if con:
    print(f"  connect time p50 {con['p50_us']/1000:.1f} ms, p99 {con['p99_us']/1000:.1f} ms, max {con['max_us']/1000:.1f} ms")
print(f"  CPU: client processes {lg['cpu_seconds']:.0f} s ({lg['avg_cpu']*100:.0f}% of {lg['cores']} cores on average), "
      f"server processes {server_cpu:.0f} s")
print(f"  client processes' peak RSS {rss_kib/1024:.0f} MiB in total: {rss_kib/clients:.1f} KiB per client")
sys.exit(0 if c["dropped"] == 0 and c["failed"] == 0 and peak >= clients else 1)
PY
