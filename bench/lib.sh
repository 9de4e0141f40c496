# Shared by the bench scripts: build, start a server in its own process.
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-bench/out}
mkdir -p "$OUT"
go build -o "$OUT/wsbench" .

# start_server starts `wsbench serve` on a free loopback port and sets
# SERVER_PID and SERVER_ADDR.
start_server() {
	"$OUT/wsbench" serve --addr 127.0.0.1:0 "$@" >"$OUT/server.log" 2>&1 &
	SERVER_PID=$!
	for _ in $(seq 100); do
		SERVER_ADDR=$(sed -n 's/.*listening on \(127[0-9.:]*\).*/\1/p' "$OUT/server.log")
		[ -n "$SERVER_ADDR" ] && break
		sleep 0.1
	done
	[ -n "$SERVER_ADDR" ] || { echo "server did not start:"; cat "$OUT/server.log"; exit 1; }
	trap 'kill $SERVER_PID 2>/dev/null || true' EXIT
}

# json FILE EXPR prints a Python expression evaluated on the JSON in FILE (as r).
json() { python3 -c "import json,sys; r=json.load(open(sys.argv[1])); print($2)" "$1"; }
