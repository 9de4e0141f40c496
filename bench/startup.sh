#!/usr/bin/env bash
# Start-up: how long wsbench takes to reach CLIENTS connected clients when
# asked for them at CLIENTS/RAMP new clients a second (default 10,000 over
# 5 s: 2,000/s), against `wsbench serve` (/echo) in its own process.
# Runs bench/startup.yaml (a ramp to CLIENTS over RAMP, then a hold) ROUNDS
# times and reports, per round:
#   - from the result JSON's per-second series: the first second whose
#     `connected` reached CLIENTS (1 s resolution), and connected vs the
#     ramp's target at each second;
#   - from the server: its GET /stats `open` polled every 20 ms, the time
#     from the run's `start` to CLIENTS open connections (resolution ~20 ms);
#   - connect latency percentiles, failed connects.
#
#   bench/startup.sh [rounds] [clients] [ramp seconds]     default 3 10000 5
#
# Heavy: run it under the shared lock, flock /tmp/wsbench-heavy.lock bench/startup.sh
OUT=${OUT:-bench/out/startup}
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
CLIENTS=${2:-10000}
RAMP=${3:-5}
start_server
URL="ws://$SERVER_ADDR/echo"
for r in $(seq "$ROUNDS"); do
	# The poller stops when wsbench exits (it watches for the result file's writer, below).
	python3 - "http://$SERVER_ADDR/stats" "$OUT/open-$r.txt" "$OUT/running" <<'PY' &
import json, os, sys, time, urllib.request
url, out, flag = sys.argv[1:4]
open(flag, "w").close()
with open(out, "w") as f:
    while os.path.exists(flag):
        t = time.time()
        with urllib.request.urlopen(url, timeout=5) as r:
            f.write(f"{t:.3f} {json.load(r)['open']}\n")
        time.sleep(max(0, 0.02 - (time.time() - t)))
PY
	POLL=$!
	sleep 0.5
	TARGET=$URL CLIENTS=$CLIENTS RAMP=${RAMP}s HOLD=${HOLD:-10s} \
		"$OUT/wsbench" run bench/startup.yaml -q --out "$OUT/startup-$r.json" >"$OUT/startup-$r.txt" 2>&1 ||
		{ rm -f "$OUT/running"; cat "$OUT/startup-$r.txt"; exit 1; }
	rm -f "$OUT/running"
	wait "$POLL"
	python3 - "$OUT/startup-$r.json" "$OUT/open-$r.txt" "$r" "$CLIENTS" "$RAMP" <<'PY'
import json, sys
from datetime import datetime
res, polls, r, n, ramp = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5])
start = datetime.fromisoformat(res["start"].replace("Z", "+00:00")).timestamp()
series = res["series"]
first = next((p["t"] for p in series if p["connected"] >= n), None)
server = None
for line in open(polls):
    t, o = line.split()
    if int(o) >= n:
        server = float(t) - start
        break
c = res["latency"]["connect"]
lag = " ".join(f"{p['connected']}/{p['target']}" for p in series if p["t"] <= ramp + 2.5)
fmt = lambda x: "never" if x is None else f"{x:.2f} s"
print(f"round {r}: {n} connected after {fmt(server)} by the server's count, at the t={fmt(first)} series point "
      f"(asked: {ramp:g} s); peak {res['clients']['peak_connected']}, failed connects {res['connections']['failed']}, "
      f"connect p50 {c['p50_us'] / 1000:.1f} ms p99 {c['p99_us'] / 1000:.1f} ms, client CPU {res['load_generator']['cpu_seconds']:.1f} s")
print(f"  connected/target per second: {lag}")
PY
	[ "$r" -lt "$ROUNDS" ] && sleep 5
done
