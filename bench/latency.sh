#!/usr/bin/env bash
# Latency overhead: a few clients each send RATE messages a second on a
# fixed timeline to an idle `wsbench serve` (/echo) in its own process and
# wait for each reply. bench/echoloop -rate (a bare gorilla write/read
# loop, percentiles in its own HdrHistogram) and wsbench running
# bench/latency.yaml take turns, round after round; the difference between
# their round-trip percentiles is what wsbench adds.
#
#   bench/latency.sh [rounds] [seconds] [clients] [rate per client]   default 3 20 4 100
#
# STAGGER=1 spreads echoloop's client timelines evenly (wsbench's start
# when each client's connection opens, so nearly together; so do
# echoloop's by default).
# Both record the round trip from the intended send time (rtt, corrected
# for coordinated omission) and from the actual write (rtt_uncorrected).
# Run it under the shared lock so no heavy run shares the CPU:
#   flock /tmp/wsbench-heavy.lock bench/latency.sh
OUT=${OUT:-bench/out/latency}
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
SECS=${2:-20}
CLIENTS=${3:-4}
RATE=${4:-100}
go build -o "$OUT/echoloop" ./bench/echoloop
start_server
URL="ws://$SERVER_ADDR/echo"
printf '%-9s %5s %8s %8s %8s %8s %10s %10s\n' run round samples p50_us p90_us p99_us p99.9_us raw_p99_us
row() { # name round file expr-prefix
	printf '%-9s %5s %8s %8s %8s %8s %10s %10s\n' "$1" "$2" $(json "$3" "' '.join(str(x) for x in ($4['rtt']['count'], $4['rtt']['p50_us'], $4['rtt']['p90_us'], $4['rtt']['p99_us'], $4['rtt']['p99_9_us'], $4['rtt_uncorrected']['p99_us']))")
}
for r in $(seq "$ROUNDS"); do
	"$OUT/echoloop" -url "$URL" -clients "$CLIENTS" -rate "$RATE" ${STAGGER:+-stagger} -duration "${SECS}s" >"$OUT/echoloop-$r.json"
	row echoloop "$r" "$OUT/echoloop-$r.json" r
	TARGET=$URL CLIENTS=$CLIENTS RATE=$RATE DURATION=${SECS}s \
		"$OUT/wsbench" run bench/latency.yaml -q --out "$OUT/wsbench-$r.json" >"$OUT/wsbench-$r.txt" 2>&1 ||
		{ cat "$OUT/wsbench-$r.txt"; exit 1; }
	row wsbench "$r" "$OUT/wsbench-$r.json" "r['latency']"
done
python3 - "$OUT" "$ROUNDS" <<'PY'
import json, sys
out, rounds = sys.argv[1], int(sys.argv[2])
e = [json.load(open(f"{out}/echoloop-{r}.json")) for r in range(1, rounds + 1)]
w = [json.load(open(f"{out}/wsbench-{r}.json"))["latency"] for r in range(1, rounds + 1)]
timeouts = sum(json.load(open(f"{out}/wsbench-{r}.json"))["expects"]["timed_out"] for r in range(1, rounds + 1))
print()
for hist in ("rtt", "rtt_uncorrected"):
    for q in ("p50_us", "p90_us", "p99_us", "p99_9_us"):
        d = [x[hist][q] - y[hist][q] for x, y in zip(w, e)]
        me = sum(y[hist][q] for y in e) / rounds
        mw = sum(x[hist][q] for x in w) / rounds
        print(f"{hist:15} {q[:-3]:6}: echoloop {me:7.0f} us, wsbench {mw:7.0f} us, added {mw - me:+6.0f} us (rounds {min(d):+d} to {max(d):+d})")
print(f"wsbench expect timeouts: {timeouts}")
PY
