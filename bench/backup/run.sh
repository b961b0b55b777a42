#!/usr/bin/env bash
# The backup benchmark (issue #17): how long writes pause while `mart backup` takes its
# consistent cut of a running mart holding N orders, with orders still flowing; the backup's size
# and time; and how long `mart check` and `mart restore` (which checks) take on that data.
#
#   bench/backup/run.sh BUILD_DIR        (BUILD_DIR holds app/mart)
#
# 1. starts mart (a fresh data dir, --io-threads 2, --log-level warn) and runs
#    bench/orders/setup.py (20 products, 64 logged-in customers, one probe order);
# 2. fills it to BACKUP_ORDERS orders with the order benchmark's load generator (wrk -c64 with
#    bench/orders/place_order.lua, in chunks until orders.db holds enough), then waits until no
#    order is pending or reserved;
# 3. a baseline: wrk -c$BACKUP_LOAD_CONNECTIONS for BACKUP_LOAD_SECONDS (POST latency, max);
# 4. the same load again, with `mart backup --to DIR` started a third of the way in: the write
#    pause it prints, its time, and the max POST latency of that run against the baseline's;
# 5. `mart check` on the running mart, then `mart restore` of the backup into an empty data dir
#    (its checksums, copy and check), each timed; sizes of the data dir and of the backup.
# Prints a summary and writes BACKUP_RESULTS/summary.json. Everything made goes to a temporary
# directory under BACKUP_TMPDIR (a disk-backed file system), removed at the end.
#
# Environment (optional): BACKUP_ORDERS=1000000, BACKUP_LOAD_CONNECTIONS=16,
# BACKUP_LOAD_SECONDS=15, BACKUP_TMPDIR=/tmp, BACKUP_RESULTS=BUILD_DIR/bench-backup-results/<time>.
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
ORDERS_BENCH="$ROOT/bench/orders"
BUILD_DIR=$(cd "$1" && pwd)
MART="$BUILD_DIR/app/mart"
ORDERS=${BACKUP_ORDERS:-1000000}
LOAD_CONNECTIONS=${BACKUP_LOAD_CONNECTIONS:-16}
LOAD_SECONDS=${BACKUP_LOAD_SECONDS:-15}
RESULTS=${BACKUP_RESULTS:-$BUILD_DIR/bench-backup-results/$(date -u +%Y%m%dT%H%M%SZ)}
export MART_ADMIN_EMAIL=bench-admin@example.com MART_ADMIN_PASSWORD=bench-admin-password
export MART_GATEWAY_REGISTRATIONS_PER_CLIENT=1000000
export ORDERS_WRK_THREADS=2

mkdir -p "$RESULTS"
WORK=$(mktemp -d "${BACKUP_TMPDIR:-/tmp}/mart-bench-backup.XXXXXX")
DATA="$WORK/data"
LOG_NAME=backup
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_tools wrk curl python3 sqlite3 awk
# Read-only: the benchmark's own queries must not take a write lock.
orders_where() { sqlite3 -readonly "$DATA/orders.db" "PRAGMA busy_timeout = 5000; SELECT COUNT(*) FROM orders $1" | tail -n 1; }
# wrk's max latency of a run, in ms (its "Latency" line: avg, stdev, max, +/- stdev).
wrk_max_ms() {
  awk '/^    Latency/ { v = $4; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
        f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.1f", v * f }' "$1"
}
wrk_p99_ms() {
  awk '/^ +99%/ { v = $2; u = v; gsub(/[0-9.]/, "", u); sub(/[a-z]+$/, "", v);
        f = (u == "us") ? 0.001 : (u == "s") ? 1000 : (u == "m") ? 60000 : 1; printf "%.1f", v * f }' "$1"
}
wrk_requests() { awk '/requests in/ { print $1 }' "$1"; }
load() { # load NAME SECONDS CONNECTIONS
  ORDERS_TOKENS_FILE="$WORK/tokens.txt" ORDERS_IDS_FILE="$RESULTS/product-ids.txt" \
    wrk -t2 -c"$3" -d"$2s" --timeout 10s --latency -s "$ORDERS_BENCH/place_order.lua" \
    "http://127.0.0.1:$PORT/" >"$RESULTS/wrk-$1.txt" 2>&1
}

# 1. mart and its set-up.
mkdir -p "$DATA"
PORT=$(free_port)
"$MART" --host 127.0.0.1 --port "$PORT" --data-dir "$DATA" --io-threads 2 --log-level warn \
  >"$RESULTS/mart.log" 2>&1 &
MART_PID=$!
SERVER_PIDS+=("$MART_PID")
wait_ready "$MART_PID" "http://127.0.0.1:$PORT/readyz"
python3 "$ORDERS_BENCH/setup.py" --port "$PORT" --products 20 --customers 64 \
  --ids-out "$RESULTS/product-ids.txt" --tokens-out "$WORK/tokens.txt" \
  --admin-token-out "$WORK/admin-token.txt" >"$RESULTS/setup.txt" 2>&1 ||
  die "set-up failed: $(tail -n 3 "$RESULTS/setup.txt")"
log "mart ready; filling to $ORDERS orders"

# 2. Fill, in chunks sized by the rate so far.
FILL_START=$SECONDS
chunk=10
while :; do
  have=$(orders_where "")
  ((have >= ORDERS)) && break
  before=$have
  t0=$(now_ms)
  load fill "$chunk" 64
  rate=$(((($(orders_where "") - before) * 1000) / ($(now_ms) - t0 + 1)))
  ((rate > 0)) || die "no order was placed in $chunk s; see $RESULTS/wrk-fill.txt"
  left=$((ORDERS - $(orders_where "")))
  chunk=$((left / rate + 1))
  ((chunk > 60)) && chunk=60
  log "$(orders_where "") orders ($rate/s)"
done
while (($(orders_where "WHERE status = 'pending' OR status = 'reserved'") > 0)); do sleep 0.5; done
FILL_SECONDS=$((SECONDS - FILL_START))
FILLED=$(orders_where "")
log "$FILLED orders in $FILL_SECONDS s, flow quiet"
DATA_BYTES=$(du -sb "$DATA" | awk '{ print $1 }')

# 3. Baseline latency, then 4. the same load with a backup in it.
load baseline "$LOAD_SECONDS" "$LOAD_CONNECTIONS"
load during "$LOAD_SECONDS" "$LOAD_CONNECTIONS" &
WRK_PID=$!
sleep $((LOAD_SECONDS / 3))
t0=$(now_ms)
"$MART" backup --to "$WORK/backup" --data-dir "$DATA" >"$RESULTS/backup.txt" 2>&1 ||
  die "backup failed: $(cat "$RESULTS/backup.txt")"
BACKUP_MS=$(($(now_ms) - t0))
wait "$WRK_PID"
PAUSE_MS=$(sed -n 's/.*write pause \([0-9.]*\) ms.*/\1/p' "$RESULTS/backup.txt")
BACKUP_BYTES=$(du -sb "$WORK/backup" | awk '{ print $1 }')
log "backup: $(cat "$RESULTS/backup.txt")"

# 5. Check on the running mart (quiet again first), and a restore (which checks) elsewhere.
while (($(orders_where "WHERE status = 'pending' OR status = 'reserved'") > 0)); do sleep 0.5; done
t0=$(now_ms)
CHECK_EXIT=0
"$MART" check --data-dir "$DATA" >"$RESULTS/check.txt" 2>&1 || CHECK_EXIT=$?
CHECK_MS=$(($(now_ms) - t0))
t0=$(now_ms)
RESTORE_EXIT=0
"$MART" restore --from "$WORK/backup" --data-dir "$WORK/restored" >"$RESULTS/restore.txt" 2>&1 ||
  RESTORE_EXIT=$?
RESTORE_MS=$(($(now_ms) - t0))
log "check: exit $CHECK_EXIT in $CHECK_MS ms; restore: exit $RESTORE_EXIT in $RESTORE_MS ms"

cat >"$RESULTS/summary.json" <<JSON
{"orders": $FILLED, "fill_seconds": $FILL_SECONDS, "data_bytes": $DATA_BYTES,
 "write_pause_ms": $PAUSE_MS, "backup_ms": $BACKUP_MS, "backup_bytes": $BACKUP_BYTES,
 "load_connections": $LOAD_CONNECTIONS, "load_seconds": $LOAD_SECONDS,
 "baseline_requests": $(wrk_requests "$RESULTS/wrk-baseline.txt"),
 "baseline_post_p99_ms": $(wrk_p99_ms "$RESULTS/wrk-baseline.txt"),
 "baseline_post_max_ms": $(wrk_max_ms "$RESULTS/wrk-baseline.txt"),
 "during_requests": $(wrk_requests "$RESULTS/wrk-during.txt"),
 "during_post_p99_ms": $(wrk_p99_ms "$RESULTS/wrk-during.txt"),
 "during_post_max_ms": $(wrk_max_ms "$RESULTS/wrk-during.txt"),
 "check_exit": $CHECK_EXIT, "check_ms": $CHECK_MS,
 "restore_exit": $RESTORE_EXIT, "restore_ms": $RESTORE_MS}
JSON
cat "$RESULTS/summary.json"
log "results in $RESULTS"
((CHECK_EXIT == 0 && RESTORE_EXIT == 0)) || die "check or restore found a breach; see $RESULTS"
