#!/usr/bin/env bash
# Past one process's open files: CLIENTS idle WebSocket clients from
# --workers client processes against `wsbench serve --workers` processes
# sharing one port, over auto loopback source addresses. Prints the merged
# summary's connection figures and the total RSS of the client processes
# per client, sampled once a second at its peak.
# Usage: bench/scale.sh [clients] [client workers] [server workers] [hold]
#        (defaults 100000 6 7 60s)
source "$(dirname "$0")/lib.sh"
CLIENTS=${1:-100000}
WORKERS=${2:-6}
SERVERS=${3:-7}
HOLD=${4:-60s}
start_server --workers "$SERVERS"
TARGET="ws://$SERVER_ADDR/echo" CLIENTS=$CLIENTS RAMP=${RAMP:-60s} HOLD=$HOLD \
	"$OUT/wsbench" run bench/scale.yaml --workers "$WORKERS" -q --out "$OUT/scale.json" >"$OUT/scale.txt" 2>&1 &
pid=$!
peak=0
while kill -0 "$pid" 2>/dev/null; do
	# The parent and its workers: every wsbench run process.
	rss=$( (ps -o rss= -p "$pid"; ps -o rss= --ppid "$pid") 2>/dev/null | awk '{s+=$1} END {print s+0}')
	[ "$rss" -gt "$peak" ] && peak=$rss
	sleep 1
done
wait "$pid" || { echo "the run failed:"; cat "$OUT/scale.txt"; exit 1; }
python3 - "$OUT/scale.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
c, h = r["connections"], r["heartbeat"]
print(f"clients {r['clients']['peak_target']}, peak connected {r['clients']['peak_connected']} (sum of the workers' peaks), "
      f"opened {c['opened']}, failed {c['failed']}, dropped {c['dropped']}, heartbeats sent {h['sent']} missed {h['missed']}")
PY
python3 -c "import sys; n, kib = int(sys.argv[1]), int(sys.argv[2]); print(f'client workers peak RSS {kib/1024:.0f} MiB in total: {kib/n:.1f} KiB per client')" "$CLIENTS" "$peak"
