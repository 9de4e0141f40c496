#!/usr/bin/env bash
# Idle clients: what each connected client with a heartbeat costs the
# wsbench process, against `wsbench serve` in another process. Measures
# peak RSS and goroutines at N clients and at 1 client; the difference
# divided by N-1 is the cost per client.
# Usage: bench/idle.sh [clients] [hold] [heartbeat]
#   defaults 10000, 60s and 10s (the ping interval); RAMP (default 20s)
#   sets the ramp before the hold. The issue's case, under the shared lock:
#   flock /tmp/wsbench-heavy.lock bash bench/idle.sh 19000 2m 30s
source "$(dirname "$0")/lib.sh"
CLIENTS=${1:-10000}
HOLD=${2:-60s}
export HEARTBEAT=${3:-10s}
start_server

# run N: runs the idle scenario with N clients, sampling the process's RSS
# once a second; prints "peak_rss_kib goroutines drops missed sent".
run() {
	TARGET="ws://$SERVER_ADDR/echo" CLIENTS=$1 RAMP=${RAMP:-20s} HOLD=$HOLD \
		"$OUT/wsbench" run bench/idle.yaml -q --out "$OUT/idle-$1.json" >"$OUT/idle-$1.txt" 2>&1 &
	local pid=$! peak=0 rss
	while kill -0 "$pid" 2>/dev/null; do
		rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
		[ "${rss:-0}" -gt "$peak" ] && peak=$rss
		sleep 1
	done
	wait "$pid" || { echo "wsbench run with $1 clients failed:"; cat "$OUT/idle-$1.txt"; exit 1; }
	echo "$peak $(json "$OUT/idle-$1.json" 'r["load_generator"]["goroutines"], r["connections"]["dropped"], r["heartbeat"]["missed"], r["heartbeat"]["sent"], r["clients"]["peak_connected"]' | tr -d '(),')"
}

read -r base_rss base_g _ _ _ _ < <(RAMP=1s run 1)
read -r rss g drops missed sent peak < <(run "$CLIENTS")
python3 - "$CLIENTS" "$base_rss" "$base_g" "$rss" "$g" "$drops" "$missed" "$sent" "$peak" "$HEARTBEAT" <<'PY'
import sys
n, brss, bg, rss, g, drops, missed, sent, peak = map(int, sys.argv[1:10])
print(f"clients {n} (peak connected {peak}); heartbeat every {sys.argv[10]}; drops {drops}; heartbeats sent {sent}, missed {missed}")
print(f"RSS: {brss} KiB at 1 client, {rss} KiB at {n}: {(rss - brss) / (n - 1):.1f} KiB per client")
print(f"goroutines: {bg} at 1 client, {g} at {n}: {(g - bg) / (n - 1):.2f} per client")
PY
