#!/usr/bin/env bash
# Does the order flow cost more on a grown database? (issue #18, "no sag as data grows")
#
#   bench/orders/grown.sh BUILD_DIR
#
# The five-minute run (sag.sh) mixes two things that grow together: the data and the time in the
# run (the machine's phase, its page cache). This separates them:
# 1. set-up once (bench/orders/setup.py: 20 products, 64 customers), mart stopped, the data dir
#    kept as the pristine copy;
# 2. a copy of it grown by GROWN_SECONDS of closed-loop orders (wrk, place_order.lua);
# 3. GROWN_PAIRS pairs of closed-loop runs of GROWN_RUN seconds, alternating: mart started on a
#    fresh copy of the pristine dir and on the grown dir (which grows on), in the order fresh,
#    grown, then grown, fresh, and so on; a fresh copy is removed right after its run. Both arms
#    use the same customers' tokens and products, at the same time of the machine.
# Each run: mart's CPU time (/proc/PID/stat) from wrk's start until no event waits, over the
# orders placed (wrk's 201s); orders placed per second. Prints a markdown table and the means.
# Environment (optional): GROWN_SECONDS=300, GROWN_PAIRS=3, GROWN_RUN=20,
# GROWN_PERF=0 (N > 0: perf record -g of mart for N s in the middle of each measured run, into
# GROWN_RESULTS/perf-<arm><pair>.data), GROWN_RESULTS=BUILD_DIR/bench-grown-results/<time>,
# GROWN_TMPDIR=/tmp (the data dirs: the grown one takes about 4 KB per order).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/orders"
BUILD_DIR=$(cd "${1:?usage: bench/orders/grown.sh BUILD_DIR}" && pwd)
MART="$BUILD_DIR/app/mart"
GROW_SECONDS=${GROWN_SECONDS:-300}
PAIRS=${GROWN_PAIRS:-3}
RUN_SECONDS=${GROWN_RUN:-20}
PERF_SECONDS=${GROWN_PERF:-0}
RESULTS=${GROWN_RESULTS:-$BUILD_DIR/bench-grown-results/$(date -u +%Y%m%dT%H%M%SZ)}
LOG_NAME=grown
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
[[ -x $MART ]] || die "$MART is missing"
require_tools wrk curl python3 sqlite3
mkdir -p "$RESULTS"
WORK=$(mktemp -d "${GROWN_TMPDIR:-/tmp}/mart-bench-grown.XXXXXX")
export MART_ADMIN_EMAIL=bench-admin@example.com MART_ADMIN_PASSWORD=bench-admin-password
export MART_GATEWAY_REGISTRATIONS_PER_CLIENT=1000000
CLK_TCK=$(getconf CLK_TCK)
MART_PID=""
PORT=""

stop_mart() {
  [[ -n $MART_PID ]] || return 0
  stop_pid "$MART_PID"
  MART_PID=""
}
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_mart() {
  local dir=$1
  PORT=$(free_port)
  "$MART" --host 127.0.0.1 --port "$PORT" --data-dir "$dir" --io-threads 2 --log-level warn \
    --durability process >>"$RESULTS/mart.log" 2>&1 &
  MART_PID=$!
  SERVER_PIDS+=("$MART_PID")
  wait_ready "$MART_PID" "http://127.0.0.1:$PORT/readyz"
}

# load SECONDS NAME: closed-loop orders, then until nothing waits (120 s at most);
# prints "created cpu_ticks".
load() {
  local seconds=$1 name=$2 ticks_before ticks_after perf_pid=""
  ticks_before=$(process_ticks "$MART_PID")
  if ((PERF_SECONDS > 0 && PERF_SECONDS < seconds)) && [[ $name != grow ]] &&
    command -v perf >/dev/null; then
    # PERF_SECONDS in the middle of the load: -D is in milliseconds.
    local delay_ms=$(((seconds - PERF_SECONDS) * 500))
    perf record -F 497 -g -p "$MART_PID" -o "$RESULTS/perf-$name.data" -D "$delay_ms" \
      -- sleep "$(((delay_ms + PERF_SECONDS * 1000 + 999) / 1000))" \
      >"$RESULTS/perf-$name.txt" 2>&1 &
    perf_pid=$!
  fi
  ORDERS_WRK_THREADS=2 ORDERS_TOKENS_FILE="$WORK/tokens.txt" ORDERS_IDS_FILE="$WORK/ids.txt" \
    timeout --kill-after=5 $((seconds + 30)) wrk -t2 -c64 -d"${seconds}s" --timeout 5s \
    -s "$HERE/place_order.lua" "http://127.0.0.1:$PORT/" >"$RESULTS/wrk-$name.txt" 2>&1 ||
    die "wrk failed; see $RESULTS/wrk-$name.txt"
  wait_until_quiet "$PORT" "$(cat "$WORK/admin.txt")" 120 0.2 ||
    die "$name: events still waiting 120 s after the load"
  ticks_after=$(process_ticks "$MART_PID")
  if [[ -n $perf_pid ]] && ! wait "$perf_pid"; then
    log "perf record failed; see $RESULTS/perf-$name.txt"
  fi
  local created
  created=$(sed -n 's/^BENCH_JSON .*"created":\([0-9]*\).*/\1/p' "$RESULTS/wrk-$name.txt")
  [[ -n $created && $created -gt 0 ]] || die "no orders created; see $RESULTS/wrk-$name.txt"
  echo "$created $((ticks_after - ticks_before))"
}

log "results in $RESULTS; data in $WORK"
mkdir -p "$WORK/pristine"
start_mart "$WORK/pristine"
timeout --kill-after=5 120 python3 "$HERE/setup.py" --port "$PORT" --products 20 --customers 64 \
  --ids-out "$WORK/ids.txt" --tokens-out "$WORK/tokens.txt" --admin-token-out "$WORK/admin.txt" \
  >"$RESULTS/setup.txt" 2>&1 || die "set-up failed: $(tail -n 3 "$RESULTS/setup.txt")"
stop_mart
cp -a "$WORK/pristine" "$WORK/grown"
log "growing a copy by $GROW_SECONDS s of orders"
start_mart "$WORK/grown"
read -r grown_orders _ < <(load "$GROW_SECONDS" grow)
stop_mart
log "grown by $grown_orders orders ($(du -sh "$WORK/grown" | cut -f1)); $PAIRS pairs of $RUN_SECONDS s"

: >"$RESULTS/runs.txt"
for ((pair = 1; pair <= PAIRS; pair++)); do
  order=(fresh grown)
  ((pair % 2 == 0)) && order=(grown fresh)
  for arm in "${order[@]}"; do
    [[ $arm == fresh ]] && cp -a "$WORK/pristine" "$WORK/fresh"
    before=$(sqlite3 "file:$WORK/$arm/orders.db?mode=ro" 'SELECT COALESCE(MAX(id), 0) FROM orders')
    start_mart "$WORK/$arm"
    read -r created ticks < <(load "$RUN_SECONDS" "$arm$pair")
    stop_mart
    [[ $arm == fresh ]] && rm -rf "$WORK/fresh"
    echo "$arm $pair $before $created $ticks" >>"$RESULTS/runs.txt"
    log "$arm $pair: $created orders on $before, $ticks ticks"
  done
done
# The table and the means, from runs.txt: arm, pair, orders before, orders created, CPU ticks.
python3 - "$RESULTS/runs.txt" "$CLK_TCK" "$RUN_SECONDS" <<'PY' | tee "$RESULTS/table.md"
import statistics, sys
runs = [line.split() for line in open(sys.argv[1])]
hz, seconds = int(sys.argv[2]), int(sys.argv[3])
run = {(r[0], int(r[1])): (int(r[2]), int(r[3]), int(r[4])) for r in runs}
print("| pair | orders in the database, fresh / grown | orders placed per second, fresh | grown "
      "| mart CPU per order, fresh | grown |")
print("| ---: | ---: | ---: | ---: | ---: | ---: |")
for pair in sorted({p for _, p in run}):
    (fb, fc, ft), (gb, gc, gt) = run[("fresh", pair)], run[("grown", pair)]
    print(f"| {pair} | {fb:,} / {gb:,} | {fc / seconds:,.0f} | {gc / seconds:,.0f} "
          f"| {1e6 * ft / hz / fc:.0f} µs | {1e6 * gt / hz / gc:.0f} µs |")
print()
for arm in ("fresh", "grown"):
    rows = [r for r in runs if r[0] == arm]
    cost = [1e6 * int(r[4]) / hz / int(r[3]) for r in rows]
    rate = [int(r[3]) / seconds for r in rows]
    print(f"{arm}: mean {statistics.mean(rate):,.0f} orders/s, mean {statistics.mean(cost):.0f} µs "
          f"of mart's CPU per order")
PY
