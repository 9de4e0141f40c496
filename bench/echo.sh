#!/usr/bin/env bash
# Echo throughput and messages per client-CPU-second: 100 clients, each
# sending as soon as the previous reply came back, against one
# `wsbench serve` (/echo) in its own process. Three load generators take
# turns, round after round, so drift affects all of them:
#   ceiling    bench/echoloop: a minimal gorilla/websocket write/read loop
#   wsbench    bench/echo.yaml
#   artillery  Artillery 2.x's websocket engine, bench/artillery/echo.yml
# Each one is measured by bench/cpuwindow.py over the same steady window
# (connects excluded): its process tree's CPU from /proc, and the replies
# the server counted (GET /stats messages_out).
#
#   bench/echo.sh [rounds] [window seconds] [clients]     default 3 20 100
#
# ARTILLERY=0 skips Artillery (it needs `npm ci --prefix bench/artillery`).
# Heavy: run it under the shared lock, flock /tmp/wsbench-heavy.lock bench/echo.sh
OUT=${OUT:-bench/out/echo}
source "$(dirname "$0")/lib.sh"
ROUNDS=${1:-3}
SECS=${2:-20}
CLIENTS=${3:-100}
ARTILLERY=${ARTILLERY:-1}
if [ "$ARTILLERY" = 1 ] && [ ! -x bench/artillery/node_modules/.bin/artillery ]; then
	echo "Artillery is not installed: run npm ci --prefix bench/artillery (or ARTILLERY=0 to skip it)"
	exit 1
fi
go build -o "$OUT/echoloop" ./bench/echoloop
start_server
URL="ws://$SERVER_ADDR/echo"
STATS="http://$SERVER_ADDR/stats"
RUN=$((SECS + 4)) # connect (< 1 s) + settle (1 s) + window + tail

measure() { # name log-file command...
	local name=$1 log=$2
	shift 2
	python3 bench/cpuwindow.py --stats "$STATS" --count messages_out --ready-field accepted --ready "$CLIENTS" \
		--settle 1 --window "$SECS" --log "$log" -- "$@" >"$OUT/$name-$r.json" ||
		{ echo "$name failed:"; tail -20 "$log"; exit 1; }
	printf '%-10s %6s %12.0f %14.2f %18.0f\n' "$name" "$r" "$(json "$OUT/$name-$r.json" 'r["messages_per_s"]')" \
		"$(json "$OUT/$name-$r.json" 'r["cpu_us_per_message"]')" "$(json "$OUT/$name-$r.json" 'r["messages_per_cpu_second"]')"
}

printf '%-10s %6s %12s %14s %18s\n' run round msgs/s cpu_us/msg msgs/cpu_second
for r in $(seq "$ROUNDS"); do
	measure ceiling "$OUT/ceiling-$r.log" "$OUT/echoloop" -url "$URL" -clients "$CLIENTS" -duration "${RUN}s"
	measure wsbench "$OUT/wsbench-$r.log" env TARGET="$URL" DURATION="${RUN}s" \
		"$OUT/wsbench" run bench/echo.yaml -q --clients "$CLIENTS" --out "$OUT/wsbench-result-$r.json"
	if [ "$ARTILLERY" = 1 ]; then
		measure artillery "$OUT/artillery-$r.log" env CLIENTS="$CLIENTS" BENCH_SECONDS=$((RUN + 6)) ARTILLERY_DISABLE_TELEMETRY=true \
			bench/artillery/node_modules/.bin/artillery run --target "$URL" bench/artillery/echo.yml
	fi
done
python3 - "$OUT" "$ROUNDS" "$ARTILLERY" <<'PY'
import json, sys
out, rounds, art = sys.argv[1], int(sys.argv[2]), sys.argv[3] == "1"
load = lambda n: [json.load(open(f"{out}/{n}-{r}.json")) for r in range(1, rounds + 1)]
mean = lambda xs, k: sum(x[k] for x in xs) / len(xs)
c, w = load("ceiling"), load("wsbench")
res = [json.load(open(f"{out}/wsbench-result-{r}.json")) for r in range(1, rounds + 1)]
print()
print(f"ceiling  : {mean(c, 'messages_per_s'):9.0f} msg/s  {mean(c, 'cpu_us_per_message'):6.2f} us CPU/msg  {mean(c, 'messages_per_cpu_second'):9.0f} msg per CPU-s")
print(f"wsbench  : {mean(w, 'messages_per_s'):9.0f} msg/s  {mean(w, 'cpu_us_per_message'):6.2f} us CPU/msg  {mean(w, 'messages_per_cpu_second'):9.0f} msg per CPU-s")
tr = [x["messages_per_s"] / y["messages_per_s"] for x, y in zip(w, c)]
er = [x["messages_per_cpu_second"] / y["messages_per_cpu_second"] for x, y in zip(w, c)]
print(f"wsbench / ceiling: throughput {mean(w, 'messages_per_s') / mean(c, 'messages_per_s'):.2f} (rounds {min(tr):.2f}-{max(tr):.2f}), "
      f"messages per CPU-second {mean(w, 'messages_per_cpu_second') / mean(c, 'messages_per_cpu_second'):.2f} (rounds {min(er):.2f}-{max(er):.2f})")
if art:
    a = load("artillery")
    print(f"artillery: {mean(a, 'messages_per_s'):9.0f} msg/s  {mean(a, 'cpu_us_per_message'):6.2f} us CPU/msg  {mean(a, 'messages_per_cpu_second'):9.0f} msg per CPU-s")
    ar = [x["messages_per_cpu_second"] / y["messages_per_cpu_second"] for x, y in zip(w, a)]
    print(f"wsbench / artillery: messages per CPU-second {mean(w, 'messages_per_cpu_second') / mean(a, 'messages_per_cpu_second'):.1f} "
          f"(rounds {min(ar):.1f}-{max(ar):.1f}), throughput {mean(w, 'messages_per_s') / mean(a, 'messages_per_s'):.1f}")
print(f"wsbench expect timeouts: {sum(x['expects']['timed_out'] for x in res)}")
PY
