#!/usr/bin/env bash
# Echo throughput: 100 wsbench clients sending as fast as replies come,
# side by side with bench/echoloop (a minimal gorilla write/read loop, the
# ceiling), against the same `wsbench serve` in another process. Rounds
# alternate so drift affects both. Usage: bench/echo.sh [rounds] [seconds]
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-2}
SECS=${2:-20}
go build -o "$OUT/echoloop" ./bench/echoloop
start_server
URL="ws://$SERVER_ADDR/echo"
printf '%-10s %12s %14s\n' run msgs/s cpu_us/msg
for r in $(seq "$ROUNDS"); do
	"$OUT/echoloop" -url "$URL" -clients 100 -duration "${SECS}s" >"$OUT/ceiling-$r.json"
	printf '%-10s %12.0f %14.2f\n' "ceiling" "$(json "$OUT/ceiling-$r.json" 'r["messages_per_s"]')" \
		"$(json "$OUT/ceiling-$r.json" 'r["cpu_us_per_message"]')"
	TARGET=$URL DURATION=${SECS}s "$OUT/wsbench" run bench/echo.yaml -q --out "$OUT/wsbench-$r.json" >"$OUT/wsbench-$r.txt" 2>&1 || { cat "$OUT/wsbench-$r.txt"; exit 1; }
	printf '%-10s %12.0f %14.2f\n' "wsbench" \
		"$(json "$OUT/wsbench-$r.json" 'r["messages"]["received"]/r["duration_seconds"]')" \
		"$(json "$OUT/wsbench-$r.json" 'r["load_generator"]["cpu_seconds"]*1e6/r["messages"]["received"]')"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
c = [json.load(open(f"{out}/ceiling-{r}.json")) for r in range(1, rounds + 1)]
w = [json.load(open(f"{out}/wsbench-{r}.json")) for r in range(1, rounds + 1)]
crate = sum(x["messages_per_s"] for x in c) / rounds
wrate = sum(x["messages"]["received"] / x["duration_seconds"] for x in w) / rounds
ccpu = sum(x["cpu_us_per_message"] for x in c) / rounds
wcpu = sum(x["load_generator"]["cpu_seconds"] * 1e6 / x["messages"]["received"] for x in w) / rounds
timeouts = sum(x["expects"]["timed_out"] for x in w)
print(f"wsbench/ceiling throughput ratio: {wrate / crate:.2f}  (ceiling {crate:.0f} msg/s, wsbench {wrate:.0f} msg/s)")
print(f"client CPU per message: ceiling {ccpu:.2f} µs, wsbench {wcpu:.2f} µs (x{wcpu / ccpu:.2f})")
print(f"wsbench expect timeouts: {timeouts}")
PY
