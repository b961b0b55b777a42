#!/usr/bin/env bash
# Latency at offered load (issue #18): what a shopper waits when requests arrive at a steady rate,
# measured open loop (bench_open_loop: each request's latency from the time it was due).
#
#   bench/latency/run.sh BUILD_DIR    (BUILD_DIR holds app/mart, bench/bench_open_loop)
#
# 1. starts mart as the order benchmark does (a fresh data dir, --io-threads 2, --log-level warn)
#    and bench/orders/setup.py makes 20 products and 64 logged-in customers;
# 2. the closed-loop maximum of POST /api/v1/orders (wrk -c64, bench/orders/place_order.lua) and
#    of GET /api/v1/products/{id} (wrk -c64, bench/lua/random_product.lua), in this run;
# 3. for each level (25, 50, 75, 90% of that maximum): bench_open_loop at that rate for
#    LATENCY_DURATION s after LATENCY_WARMUP s, 64 connections, one generator thread per 25,000/s;
#    for orders, once the flow is quiet, placed→confirmed of the orders placed in the measured
#    window (from orders.db);
# 4. prints a markdown table (and writes it, with the raw JSON, to the results directory).
# Takes about 7 minutes with the defaults.
#
# Environment (optional): LATENCY_DURATION=30, LATENCY_WARMUP=5, LATENCY_LEVELS="25 50 75 90",
# LATENCY_MAX_DURATION=20 (s of each closed-loop run), LATENCY_MART_ARGS="" (extra mart flags),
# LATENCY_RESULTS=BUILD_DIR/bench-latency-results/<time>, LATENCY_DOC=docs/benchmarks.md (where a
# full run writes its table, between the bench:latency markers; - for nowhere).
# For alternating runs of two builds or settings at the same offered load: LATENCY_POST_MAX=N
# and LATENCY_GET_MAX=N take these as the maxima (the closed-loop runs are skipped), and
# LATENCY_GET=0 skips the GET levels, LATENCY_POST=0 the POST levels.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=$(cd "${1:?usage: bench/latency/run.sh BUILD_DIR}" && pwd)
MART="$BUILD_DIR/app/mart"
GEN="$BUILD_DIR/bench/bench_open_loop"
DURATION=${LATENCY_DURATION:-30}
WARMUP=${LATENCY_WARMUP:-5}
LEVELS=${LATENCY_LEVELS:-25 50 75 90}
MAX_DURATION=${LATENCY_MAX_DURATION:-20}
MART_ARGS=${LATENCY_MART_ARGS:-}
RESULTS=${LATENCY_RESULTS:-$BUILD_DIR/bench-latency-results/$(date -u +%Y%m%dT%H%M%SZ)}
# Only a full run writes its table into docs/benchmarks.md (LATENCY_DOC=- never).
if [[ -n ${LATENCY_POST_MAX:-}${LATENCY_GET_MAX:-}${LATENCY_LEVELS:-} || ${LATENCY_GET:-1} == 0 ||
      ${LATENCY_POST:-1} == 0 ]]; then
  DOC=${LATENCY_DOC:--}
else
  DOC=${LATENCY_DOC:-$ROOT/docs/benchmarks.md}
fi
export MART_ADMIN_EMAIL=bench-admin@example.com MART_ADMIN_PASSWORD=bench-admin-password
export MART_GATEWAY_REGISTRATIONS_PER_CLIENT=1000000

for program in "$MART" "$GEN"; do
  [[ -x $program ]] || { echo "missing $program (cmake --build $BUILD_DIR --target mart bench_open_loop)" >&2; exit 2; }
done
LOG_NAME=latency
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
require_tools wrk curl python3
mkdir -p "$RESULTS"
WORK=$(mktemp -d /tmp/mart-bench-latency.XXXXXX)
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
# The generator's threads: one per 25,000 requests/s due (at 33 µs per request, one thread
# would be busy at about 30,000/s).
# A second thread where one suffices costs the shared CPUs a third more per request (more wake-ups)
# and shows in the latencies it measures: p99 2.2 against 1.2 ms at 17,800/s against a server
# that answers at once.
generator_threads() { echo $((($1 + 24999) / 25000)); }

PORT=$(free_port)
# shellcheck disable=SC2086  # MART_ARGS is a list of flags
"$MART" --host 127.0.0.1 --port "$PORT" --data-dir "$WORK/data" --io-threads 2 --log-level warn \
  $MART_ARGS >"$RESULTS/mart.log" 2>&1 &
MART_PID=$!
SERVER_PIDS+=("$MART_PID")
wait_ready "$MART_PID" "http://127.0.0.1:$PORT/readyz"
python3 "$ROOT/bench/orders/setup.py" --port "$PORT" --products 20 --customers 64 \
  --ids-out "$WORK/ids.txt" --tokens-out "$WORK/tokens.txt" \
  --admin-token-out "$WORK/admin-token.txt" >"$RESULTS/setup.txt" 2>&1
ADMIN_TOKEN=$(cat "$WORK/admin-token.txt")
log "mart ready, $(tail -n 1 "$RESULTS/setup.txt")"

# Until no module has events waiting (the flow is quiet), 120 s at most.
drain() {
  wait_until_quiet "$PORT" "$ADMIN_TOKEN" 120 || log "warning: the flow did not go quiet in 120 s"
}

# 2. The closed-loop maxima (or the ones given).
if [[ -n ${LATENCY_POST_MAX:-} ]]; then
  POST_MAX=$LATENCY_POST_MAX
else
  ORDERS_TOKENS_FILE="$WORK/tokens.txt" ORDERS_IDS_FILE="$WORK/ids.txt" ORDERS_WRK_THREADS=2 \
    wrk -t2 -c64 -d"${MAX_DURATION}s" --timeout 5s -s "$ROOT/bench/orders/place_order.lua" \
    "http://127.0.0.1:$PORT/" >"$RESULTS/wrk-post.txt" 2>&1
  POST_MAX=$(sed -n 's/^BENCH_JSON //p' "$RESULTS/wrk-post.txt" | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["rps"]))')
  drain
fi
if [[ -n ${LATENCY_GET_MAX:-} ]]; then
  GET_MAX=$LATENCY_GET_MAX
else
  BENCH_IDS_FILE="$WORK/ids.txt" wrk -t2 -c64 -d"${MAX_DURATION}s" --timeout 5s \
    -s "$ROOT/bench/lua/random_product.lua" "http://127.0.0.1:$PORT/" >"$RESULTS/wrk-get.txt" 2>&1
  GET_MAX=$(awk '/^Requests\/sec/ { printf "%d", $2 }' "$RESULTS/wrk-get.txt")
fi
log "maxima: POST /api/v1/orders $POST_MAX/s, GET /api/v1/products/{id} $GET_MAX/s${LATENCY_POST_MAX:+ (given)}"

max_order_id() {
  python3 - "$WORK/data/orders.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
print(db.execute("SELECT COALESCE(MAX(id), 0) FROM orders").fetchone()[0])
PY
}

# placed→confirmed (ms) of the orders above BASE placed at or after FROM_MS: p50 p99 p99.9 max.
flow_latency() {
  python3 - "$WORK/data/orders.db" "$1" "$2" <<'PY'
import datetime, json, sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
base, from_ms = int(sys.argv[2]), int(sys.argv[3])
def ms(text):
    t = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ")
    return int(t.replace(tzinfo=datetime.timezone.utc).timestamp() * 1000 + 0.5)
rows = [(ms(c), u) for c, u in db.execute(
    "SELECT created_at, updated_ms FROM orders WHERE id > ? AND status = 'confirmed'", (base,))]
flow = sorted(u - c for c, u in rows if c >= from_ms)
def pct(q):
    return flow[min(len(flow) - 1, int(q * len(flow)))] if flow else None
print(json.dumps({"orders": len(flow), "p50": pct(0.5), "p99": pct(0.99), "p99_9": pct(0.999),
                  "max": flow[-1] if flow else None}))
PY
}

# 3. The levels.
: >"$RESULTS/levels.jsonl"
POST_LEVELS=$LEVELS
[[ ${LATENCY_POST:-1} == 0 ]] && POST_LEVELS=
for level in $POST_LEVELS; do
  rate=$((POST_MAX * level / 100))
  base=$(max_order_id)
  from_ms=$(($(date +%s%3N) + 200 + WARMUP * 1000))
  post=$("$GEN" --port "$PORT" --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" \
    --connections 64 --threads "$(generator_threads "$rate")" --method POST --path /api/v1/orders --tokens "$WORK/tokens.txt" \
    --ids "$WORK/ids.txt" --expect 201 \
    --body '{"items":[{"product_id":{id},"quantity":1}],"payment_token":"tok_visa"}')
  drain
  flow=$(flow_latency "$base" "$from_ms")
  printf '{"what":"post","level":%s,"result":%s,"flow_ms":%s}\n' "$level" "$post" "$flow" >>"$RESULTS/levels.jsonl"
  log "POST at $level% ($rate/s): $post; placed→confirmed $flow"
done
GET_LEVELS=$LEVELS
[[ ${LATENCY_GET:-1} == 0 ]] && GET_LEVELS=
for level in $GET_LEVELS; do
  rate=$((GET_MAX * level / 100))
  get=$("$GEN" --port "$PORT" --rate "$rate" --duration "$DURATION" --warmup "$WARMUP" \
    --connections 64 --threads "$(generator_threads "$rate")" --path '/api/v1/products/{id}' --ids "$WORK/ids.txt" --expect 200)
  printf '{"what":"get","level":%s,"result":%s}\n' "$level" "$get" >>"$RESULTS/levels.jsonl"
  log "GET at $level% ($rate/s): $get"
done

# mart's metrics at the end (commit times, WAL catch-ups), and the size of each database and WAL.
curl -s "http://127.0.0.1:$PORT/metrics" >"$RESULTS/metrics.txt" || true
(cd "$WORK/data" && stat -c '%n %s' -- *.db *.db-wal 2>/dev/null) >"$RESULTS/data-files.txt" || true

# 4. The table.
python3 - "$RESULTS/levels.jsonl" "$POST_MAX" "$GET_MAX" "$DURATION" <<'PY' | tee "$RESULTS/table.md"
import json, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
post_max, get_max, duration = sys.argv[2], sys.argv[3], sys.argv[4]
ms = lambda us: f"{us / 1000:.2f}"
print(f"Closed-loop maxima in this run (wrk, 64 connections): POST /api/v1/orders {int(post_max):,}/s, "
      f"GET /api/v1/products/{{id}} {int(get_max):,}/s. Each level: {duration} s, 64 connections, "
      "one generator thread per 25,000 requests/s, "
      "latency from each request's due time (open loop).\n")
print("| request | load | rate/s | answered/s | p50 ms | p90 ms | p99 ms | p99.9 ms | max ms | not as expected | placed→confirmed p50 / p99 / p99.9 ms |")
print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |")
for row in rows:
    r, l = row["result"], row["result"]["latency_us"]
    flow = row.get("flow_ms")
    flow_text = f"{flow['p50']} / {flow['p99']} / {flow['p99_9']}" if flow and flow["orders"] else ""
    bad = r["unexpected_status"] + r["connection_errors"] + r["unfinished"]
    name = "POST /api/v1/orders" if row["what"] == "post" else "GET /api/v1/products/{id}"
    print(f"| {name} | {row['level']}% | {r['rate']:,.0f} | {r['answered_per_s']:,.0f} | {ms(l['p50'])} | "
          f"{ms(l['p90'])} | {ms(l['p99'])} | {ms(l['p99_9'])} | {ms(l['max'])} | {bad} | {flow_text} |")
PY
# A full run (every level, maxima measured) replaces the table between the bench:latency markers.
if [[ $DOC != - ]]; then
  python3 - "$ROOT/bench/orders" "$DOC" "$RESULTS/table.md" <<'PY'
import pathlib, sys
sys.path.insert(0, sys.argv[1])
from report import write_doc  # the order benchmark's: the same markers, another name
begin, end = "<!-- bench:latency:begin -->", "<!-- bench:latency:end -->"
table = pathlib.Path(sys.argv[3]).read_text().rstrip("\n")
write_doc(pathlib.Path(sys.argv[2]), f"{begin}\n{table}\n{end}\n", begin, end)
PY
  log "table written to ${DOC#"$ROOT"/}"
fi
log "results in $RESULTS"
