#!/usr/bin/env bash
# The order-flow benchmark: orders placed and completed (confirmed, with their notifications
# written) per second under 64 concurrent clients, and the p50/p99 of POST /api/v1/orders; in the
# same run, the ceiling of a bare Beast server doing one SQLite insert per request.
#
#   bench/orders/run.sh BUILD_DIR        (BUILD_DIR holds app/mart and bench/bench_ceiling_sqlite_insert)
#
# 1. starts mart (a fresh data dir, --io-threads 2, --log-level warn, an admin from the
#    environment); bench/orders/setup.py creates 20 products with 10,000,000 units each and 64
#    logged-in customers through the API, and places one probe order;
# 2. wrk -t2 -c64 -d30s --latency -s bench/orders/place_order.lua: every request places an order
#    of one random product as one of the customers; meanwhile the admin events status is sampled
#    every second, per-thread CPU of mart is read from /proc at the start and end, and (when
#    ORDERS_COUNT_COMMITS=1) an LD_PRELOAD shim (commit_counter.c) counts mart's commits per
#    thread and database;
# 3. after wrk: polls GET /api/v1/admin/events/status every 0.5 s until no module has events
#    waiting (120 s at most), then reads the databases read-only (report.py collect) and the
#    peak RSS (VmHWM), and stops mart;
# 4. the insert ceiling under the same wrk load (bench/lua/create_product.lua), then
#    bench/orders/inbox_keys.py: WAL pages per delivery commit with random vs time-ordered event ids;
# 5. report.py render writes the section between <!-- bench:orders:begin/end --> of
#    docs/benchmarks.md (other sections are left alone).
# Takes about 1.5 to 3 minutes (the drain of the backlog decides). Raw files go to
# BUILD_DIR/bench-orders-results/<time>/ (inside the git-ignored build directory).
#
# Environment (optional): ORDERS_DURATION=30 (s of load), ORDERS_CONNECTIONS=64,
# ORDERS_WRK_THREADS=2, ORDERS_IO_THREADS=2, ORDERS_PRODUCTS=20, ORDERS_CUSTOMERS=64,
# ORDERS_DRAIN_MAX=120 (s), ORDERS_CEILING=1 (0 skips the ceiling), ORDERS_KEYS=1 (0 skips
# inbox_keys.py), ORDERS_COUNT_COMMITS=1,
# ORDERS_PERF=0 (N > 0: perf record -g of mart for N s in the middle of the load, into the raw
# files; perturbs the run a little), ORDERS_MART_ARGS="" (extra mart flags, for experiments, e.g.
# "--bus-batch-time-budget-ms 50"), ORDERS_SQLITE_PRAGMAS="" (what-if experiments: pragmas
# commit_counter.so runs on every connection mart opens, e.g. "PRAGMA mmap_size=268435456"; needs
# ORDERS_COUNT_COMMITS=1), ORDERS_DOC=docs/benchmarks.md ('-' writes nothing),
# ORDERS_PRELOAD="" (what-if: a library mart runs with, e.g. another malloc's .so),
# ORDERS_STREAMS=0 (console event streams read by curl during the load, issue #16),
# ORDERS_STALLED_STREAMS=0 (console event streams that never read, stalled_stream.py),
# ORDERS_DURABILITY=process (or DURABILITY=...; power: mart's `durability = power`, synchronous=FULL,
# an fsync per commit; process: synchronous=NORMAL, the default),
# ORDERS_MEMORY_LIMIT_MIB="" (N: mart runs in a memory cgroup of its own limited to N MiB, page
# cache included, as a container's limit would; needs a writable cgroup v1 memory hierarchy; what
# the cgroup came to goes to memory-cgroup.txt),
# ORDERS_TMPDIR=/tmp (where the data dir is made: a disk-backed file system for durable commits;
# /dev/shm only for what-if experiments), ORDERS_RESULTS=dir, ORDERS_STRICT=0 (1: exit 3 when a target fails).
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
HERE="$ROOT/bench/orders"
BUILD_DIR=$(cd "$1" && pwd)
MART="$BUILD_DIR/app/mart"
CEILING="$BUILD_DIR/bench/bench_ceiling_sqlite_insert"

DURATION=${ORDERS_DURATION:-30}
CONNECTIONS=${ORDERS_CONNECTIONS:-64}
WRK_THREADS=${ORDERS_WRK_THREADS:-2}
IO_THREADS=${ORDERS_IO_THREADS:-2}
PRODUCTS=${ORDERS_PRODUCTS:-20}
CUSTOMERS=${ORDERS_CUSTOMERS:-64}
DRAIN_MAX=${ORDERS_DRAIN_MAX:-120}
RUN_CEILING=${ORDERS_CEILING:-1}
RUN_KEYS=${ORDERS_KEYS:-1}
COUNT_COMMITS=${ORDERS_COUNT_COMMITS:-1}
PERF_SECONDS=${ORDERS_PERF:-0}
MART_ARGS=${ORDERS_MART_ARGS:-}
SQLITE_PRAGMAS=${ORDERS_SQLITE_PRAGMAS:-}
PRELOAD=${ORDERS_PRELOAD:-}
DOC=${ORDERS_DOC:-$ROOT/docs/benchmarks.md}
STRICT=${ORDERS_STRICT:-0}
STREAMS=${ORDERS_STREAMS:-0}
STALLED_STREAMS=${ORDERS_STALLED_STREAMS:-0}
MEMORY_LIMIT_MIB=${ORDERS_MEMORY_LIMIT_MIB:-}
DURABILITY=${ORDERS_DURABILITY:-${DURABILITY:-process}}
RESULTS=${ORDERS_RESULTS:-$BUILD_DIR/bench-orders-results/$(date -u +%Y%m%dT%H%M%SZ)}
export MART_ADMIN_EMAIL=bench-admin@example.com MART_ADMIN_PASSWORD=bench-admin-password
# The set-up registers every customer from this one address: lift the per-client registration
# throttle for it (a binary from before the throttle does not know the setting).
# (The help is read whole first: grep -q ending the pipe early would fail it under pipefail.)
MART_HELP=$("$MART" --help 2>/dev/null || true)
if grep -q MART_GATEWAY_REGISTRATIONS_PER_CLIENT <<<"$MART_HELP"; then
  export MART_GATEWAY_REGISTRATIONS_PER_CLIENT=1000000
fi

mkdir -p "$RESULTS"
WORK=$(mktemp -d "${ORDERS_TMPDIR:-/tmp}/mart-bench-orders.XXXXXX")
LOG_NAME=orders
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
HELPER_PIDS=()
STREAM_PIDS=()
MART_CGROUP=""

stop_helpers() {
  local pid
  for pid in "${HELPER_PIDS[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  HELPER_PIDS=()
}

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  local pid
  for pid in "${STREAM_PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  stop_helpers
  stop_servers
  [[ -z $MART_CGROUP ]] || rmdir "$MART_CGROUP" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_tools wrk curl python3 timeout awk
[[ -x $MART ]] || die "$MART is missing: cmake --build $BUILD_DIR --target mart"
[[ $DURABILITY == process || $DURABILITY == power ]] ||
  die "ORDERS_DURABILITY must be process or power, not '$DURABILITY'"
if "$MART" --help 2>/dev/null | grep -q MART_DURABILITY; then
  MART_ARGS="--durability $DURABILITY${MART_ARGS:+ $MART_ARGS}"
elif [[ $DURABILITY == power ]]; then
  die "$MART has no durability setting (built before it): only ORDERS_DURABILITY=process"
fi
if [[ $RUN_CEILING == 1 && ! -x $CEILING ]]; then
  die "$CEILING is missing: cmake --build $BUILD_DIR --target bench_ceiling_sqlite_insert"
fi

CLK_TCK=$(getconf CLK_TCK)
# tid utime stime of every thread of PID (mart's thread names have no spaces).
thread_ticks() { cat /proc/"$1"/task/*/stat 2>/dev/null | awk '{ print $1, $14, $15 }'; }
# tid name of every thread of PID (mart names them: bus-orders, write-orders, http-io-1, ...).
thread_names() {
  local task
  for task in /proc/"$1"/task/*; do
    printf '%s %s\n' "${task##*/}" "$(tr -d ' ' <"$task/comm" 2>/dev/null)"
  done
}
# tid run_ns runqueue_wait_ns of every thread of PID (/proc/PID/task/TID/schedstat): the rest
# of the wall time the thread was blocked (a mutex, a condition variable, I/O) or idle.
thread_sched() {
  local task
  for task in /proc/"$1"/task/*; do
    awk -v tid="${task##*/}" '{ print tid, $1, $2 }' "$task/schedstat" 2>/dev/null || true
  done
}
# tid rchar wchar syscr syscw write_bytes of every thread of PID (file and socket I/O alike).
thread_io() {
  local task
  for task in /proc/"$1"/task/*; do
    awk -v tid="${task##*/}" '{ v[$1] = $2 }
      END { print tid, v["rchar:"], v["wchar:"], v["syscr:"], v["syscw:"], v["write_bytes:"] }' \
      "$task/io" 2>/dev/null || true
  done
}

# run_wrk NAME PID PORT SCRIPT: one bounded wrk run into RESULTS/wrk-NAME.txt; writes
# RESULTS/wrk-NAME.cpu: "other_pct server_pct wrk_pct" of the machine's CPU time during it.
run_wrk() {
  local name=$1 pid=$2 port=$3 script=$4 rc=0 out="$RESULTS/wrk-$1.txt"
  local busy_before total_before server_before busy_after total_after server_after
  read -r busy_before total_before < <(machine_ticks)
  server_before=$(process_ticks "$pid")
  local TIMEFORMAT='%U %S'
  { time ORDERS_WRK_THREADS=$WRK_THREADS ORDERS_TOKENS_FILE="$WORK/tokens.txt" \
    ORDERS_IDS_FILE="$RESULTS/product-ids.txt" timeout --kill-after=5 $((DURATION + 30)) \
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency \
    -s "$script" "http://127.0.0.1:$port/" >"$out" 2>&1 || rc=$?; } 2>"$out.time"
  read -r busy_after total_after < <(machine_ticks)
  server_after=$(process_ticks "$pid")
  ((rc == 0)) || die "wrk failed ($rc); see $out"
  grep -q '^BENCH_JSON ' "$out" || die "wrk printed no summary; see $out"
  awk -v busy=$((busy_after - busy_before)) -v total=$((total_after - total_before)) \
    -v server=$((server_after - server_before)) -v hz="$CLK_TCK" '
    { wrk = ($1 + $2) * hz; if (total <= 0) total = 1
      other = busy - server - wrk; if (other < 0) other = 0
      printf "%.1f %.1f %.1f\n", 100 * other / total, 100 * server / total, 100 * wrk / total }' \
    "$out.time" >"$RESULTS/wrk-$name.cpu"
}

wrk_brief() {
  sed -n 's/^BENCH_JSON //p' "$1" | tr -d '{}"' | tr ',' '\n' |
    awk -F: '$1 ~ /^(rps|p50_us|p99_us|non2xx|created|non201)$/ { printf "%s=%s ", $1, $2 }'
}

ADMIN_TOKEN=""
mart_events_status() { events_status "$MART_PORT" "$ADMIN_TOKEN"; }

LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $RESULTS; load average $LOADAVG; durability $DURABILITY"

# 1. mart and its set-up.
COUNTER_SO=""
if [[ $COUNT_COMMITS == 1 ]]; then
  if command -v cc >/dev/null; then
    COUNTER_SO="$WORK/commit_counter.so"
    cc -O2 -shared -fPIC -o "$COUNTER_SO" "$HERE/commit_counter.c" -ldl -lsqlite3 ||
      die "could not build commit_counter.so"
  else
    log "warning: no C compiler: commits are not counted"
    COUNT_COMMITS=0
  fi
fi
DATA="$WORK/data"
mkdir -p "$DATA"
MART_PORT=$(free_port)
mart_env=()
if [[ -n $COUNTER_SO ]]; then
  mart_env=(LD_PRELOAD="$COUNTER_SO${PRELOAD:+ $PRELOAD}"
    ORDERS_COMMIT_COUNTS="$RESULTS/commit-counters.bin" ORDERS_SQLITE_PRAGMAS="$SQLITE_PRAGMAS")
elif [[ -n $PRELOAD ]]; then
  mart_env=(LD_PRELOAD="$PRELOAD")
fi
if [[ -n $MEMORY_LIMIT_MIB ]]; then
  MART_CGROUP=$(memory_cgroup "mart-bench-$$" "$MEMORY_LIMIT_MIB")
  log "mart runs in a memory cgroup limited to $MEMORY_LIMIT_MIB MiB"
fi
in_cgroup "$MART_CGROUP"
# shellcheck disable=SC2086  # MART_ARGS is a list of flags
"${IN_CGROUP[@]}" env "${mart_env[@]}" "$MART" --host 127.0.0.1 --port "$MART_PORT" --data-dir "$DATA" \
  --io-threads "$IO_THREADS" --log-level warn $MART_ARGS >"$RESULTS/mart.log" 2>&1 &
MART_PID=$!
SERVER_PIDS+=("$MART_PID")
wait_ready "$MART_PID" "http://127.0.0.1:$MART_PORT/readyz"
ls /proc/"$MART_PID"/task >"$RESULTS/tasks.txt"
log "mart ready (pid $MART_PID, $(wc -l <"$RESULTS/tasks.txt") threads); setting up"
timeout --kill-after=5 120 python3 "$HERE/setup.py" --port "$MART_PORT" --products "$PRODUCTS" \
  --customers "$CUSTOMERS" --ids-out "$RESULTS/product-ids.txt" \
  --tokens-out "$WORK/tokens.txt" --admin-token-out "$WORK/admin-token.txt" \
  >"$RESULTS/setup.txt" 2>&1 || die "set-up failed: $(tail -n 3 "$RESULTS/setup.txt")"
SETUP_NOTE=$(tail -n 1 "$RESULTS/setup.txt")
log "$SETUP_NOTE"
ADMIN_TOKEN=$(cat "$WORK/admin-token.txt")
BEFORE=$(python3 "$HERE/report.py" counts "$DATA")
echo "$BEFORE" >"$RESULTS/counts-before.json"

# 2. Load, with the samplers alongside.
: >"$RESULTS/status.log"
# Runs in a subshell; on SIGTERM it stops its own child (sleep or top) by pid, then exits.
sampler() {
  local i=0 child=""
  trap '[[ -n $child ]] && kill -TERM "$child" 2>/dev/null; exit 0' TERM
  while :; do
    printf '%s %s\n' "$(now_ms)" "$(mart_events_status)" >>"$RESULTS/status.log"
    if ((i == 10)); then
      top -H -b -n 2 -d 2 -p "$MART_PID" >"$RESULTS/top.txt" 2>&1 &
    else
      sleep 1 &
    fi
    child=$!
    wait "$child" || true
    child=""
    i=$((i + 1))
  done
}
thread_ticks "$MART_PID" >"$RESULTS/threads-start.txt"
thread_names "$MART_PID" >"$RESULTS/threads-names.txt"
thread_io "$MART_PID" >"$RESULTS/io-start.txt"
thread_sched "$MART_PID" >"$RESULTS/sched-start.txt"
[[ -n $COUNTER_SO ]] && python3 "$HERE/report.py" commits "$RESULTS/commit-counters.bin" >"$RESULTS/commits-start.txt"
WRK_START_MS=$(now_ms)
sampler &
HELPER_PIDS+=($!)
# mart's CPU, system calls and bytes written every 5 s, with a machine-speed probe, for
# minutes.py --per-minute: only in runs of whole minutes (the probe takes a little CPU).
if ((DURATION >= 120)); then
  python3 "$HERE/proc_sampler.py" "$MART_PID" "$RESULTS/proc-samples.txt" 5 &
  HELPER_PIDS+=($!)
fi
if ((PERF_SECONDS > 0)) && command -v perf >/dev/null; then
  perf record -F 497 -g -p "$MART_PID" -o "$RESULTS/perf.data" -D 8000 -- sleep $((PERF_SECONDS + 8)) \
    >"$RESULTS/perf-record.txt" 2>&1 &
  HELPER_PIDS+=($!)
fi
# Console streams open during the load (issue #16): each curl reads every event for the load and
# 10 s after it (the drain), then says how many bytes it got and why it ended (a reader that falls
# behind is dropped by the server: curl then ends early, on its own). curl, not a script: the
# readers share the two cores with mart, so they must cost as little as a reader can.
for ((i = 0; i < STREAMS; i++)); do
  curl -sN --max-time $((DURATION + 10)) -o /dev/null \
    -w '{"bytes": %{size_download}, "seconds": %{time_total}, "exit": %{exitcode}}\n' \
    -H "Authorization: Bearer $ADMIN_TOKEN" \
    "http://127.0.0.1:$MART_PORT/api/v1/admin/events/stream" >"$RESULTS/stream-$i.json" 2>&1 &
  STREAM_PIDS+=($!)
done
for ((i = 0; i < STALLED_STREAMS; i++)); do
  timeout $((DURATION + 30)) python3 "$HERE/stalled_stream.py" --port "$MART_PORT" \
    --token-file "$WORK/admin-token.txt" --seconds $((DURATION - 2)) >"$RESULTS/stalled-$i.json" 2>&1 &
  HELPER_PIDS+=($!)
done
((STREAMS + STALLED_STREAMS > 0)) && log "console streams open: $STREAMS reading, $STALLED_STREAMS stalled"
log "load: $DURATION s of POST /api/v1/orders, $CONNECTIONS connections"
run_wrk orders "$MART_PID" "$MART_PORT" "$HERE/place_order.lua"
WRK_END_MS=$(now_ms)
thread_ticks "$MART_PID" >"$RESULTS/threads-end.txt"
thread_names "$MART_PID" >>"$RESULTS/threads-names.txt"  # threads started during the load
thread_sched "$MART_PID" >"$RESULTS/sched-end.txt"
[[ -n $COUNTER_SO ]] && python3 "$HERE/report.py" commits "$RESULTS/commit-counters.bin" >"$RESULTS/commits-end.txt"
mart_events_status >"$RESULTS/status-at-wrk-end.json"
kill -0 "$MART_PID" 2>/dev/null || die "mart died under load; see $RESULTS/mart.log"
log "orders: $(wrk_brief "$RESULTS/wrk-orders.txt"); waiting at wrk's end: $(waiting_total <"$RESULTS/status-at-wrk-end.json")"

# 3. The backlog: until nothing waits anywhere.
DRAIN_TIMED_OUT=false
drain_deadline=$((SECONDS + DRAIN_MAX))
while :; do
  waiting=$(mart_events_status | tee "$RESULTS/status-last.json" | waiting_total)
  printf '%s %s\n' "$(now_ms)" "$(cat "$RESULTS/status-last.json")" >>"$RESULTS/status.log"
  [[ $waiting == 0 ]] && break
  if ((SECONDS >= drain_deadline)); then
    DRAIN_TIMED_OUT=true
    log "warning: still $waiting events waiting after $DRAIN_MAX s"
    break
  fi
  sleep 0.5
done
QUIET_MS=$(now_ms)
for pid in "${STREAM_PIDS[@]}"; do wait "$pid" || true; done
stop_helpers
[[ -n $COUNTER_SO ]] && python3 "$HERE/report.py" commits "$RESULTS/commit-counters.bin" >"$RESULTS/commits-quiet.txt"
thread_ticks "$MART_PID" >"$RESULTS/threads-quiet.txt"
thread_io "$MART_PID" >"$RESULTS/io-quiet.txt"
log "flow quiet $(((QUIET_MS - WRK_END_MS) / 1000)) s after wrk ended"
VMHWM=$(awk '/^VmHWM:/ { print $2 }' "/proc/$MART_PID/status")
# The size of each database and WAL file once the flow is quiet (what grows as data grows).
(cd "$DATA" && stat -c '%n %s' -- *.db *.db-wal 2>/dev/null) >"$RESULTS/data-files.txt" || true
if ((PERF_SECONDS > 0)) && [[ -f $RESULTS/perf.data ]]; then
  perf report -i "$RESULTS/perf.data" --no-children --sort pid --stdio -g none >"$RESULTS/perf-threads.txt" 2>/dev/null || true
  perf report -i "$RESULTS/perf.data" --no-children --sort pid,dso,sym --stdio -g none \
    --percent-limit 0.5 >"$RESULTS/perf-symbols.txt" 2>/dev/null || true
fi

REVISION=$(build_revision "$BUILD_DIR")
REL_BUILD=${BUILD_DIR#"$ROOT"/}
REL_RESULTS=${RESULTS#"$ROOT"/}
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
export META_SETUP=$SETUP_NOTE META_MART_ARGS=$MART_ARGS META_RESULTS=$REL_RESULTS
export META_SQLITE_PRAGMAS=$SQLITE_PRAGMAS
export META_MODEL META_MEMORY META_OS
META_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
META_MEMORY="$(awk '/^MemTotal:/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
# shellcheck disable=SC1091
META_OS=$(. /etc/os-release && echo "$PRETTY_NAME, Linux $(uname -r)")
write_meta() {
  python3 - "$RESULTS/meta.json" <<EOF
import json, os, sys
cpu = lambda path: dict(zip(("other_pct", "server_pct", "wrk_pct"),
                            map(float, open(path).read().split()))) if os.path.exists(path) else {}
meta = {
    "date": "$(date -u +%Y-%m-%dT%H:%M:%SZ)",
    "nproc": $(nproc),
    "cpu_model": os.environ["META_MODEL"] or "unknown",
    "memory": os.environ["META_MEMORY"],
    "os": os.environ["META_OS"],
    "loadavg": "$LOADAVG",
    "revision": "$REVISION",
    "build_dir": "$REL_BUILD",
    "build_type": "${BUILD_TYPE:-unknown build type}",
    "binary_built": "$(date -u -r "$MART" +%Y-%m-%dT%H:%M:%SZ)",
    "command": "bench/orders/run.sh $REL_BUILD",
    "results_rel": os.environ["META_RESULTS"],
    "elapsed_s": $((SECONDS - STARTED_AT)),
    "io_threads": $IO_THREADS,
    "durability": "$DURABILITY",
    "mart_args": os.environ["META_MART_ARGS"],
    "data_fs": "$(df -T "$WORK" | awk 'NR == 2 { print $2 " (" $1 ")" }')",
    "sqlite_pragmas": os.environ["META_SQLITE_PRAGMAS"],
    "count_commits": $([[ -n $COUNTER_SO ]] && echo True || echo False),
    "setup": os.environ["META_SETUP"],
    "products": $PRODUCTS,
    "customers": $CUSTOMERS,
    "wrk_command": "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --timeout 5s --latency -s bench/orders/place_order.lua http://127.0.0.1:PORT/",
    "ceiling_wrk_command": "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --timeout 5s --latency -s bench/lua/create_product.lua",
    "drain_max_s": $DRAIN_MAX,
    "clk_tck": $CLK_TCK,
    "before": json.loads('$BEFORE'),
    "wrk_start_ms": $WRK_START_MS,
    "wrk_end_ms": $WRK_END_MS,
    "drain_ms": $((QUIET_MS - WRK_END_MS)),
    "drain_timed_out": $([[ $DRAIN_TIMED_OUT == true ]] && echo True || echo False),
    "vmhwm_kib": $VMHWM,
    "cpu": cpu("$RESULTS/wrk-orders.cpu"),
    "ceiling_cpu": cpu("$RESULTS/wrk-ceiling.cpu"),
}
json.dump(meta, open(sys.argv[1], "w"), indent=1)
EOF
}
write_meta
python3 "$HERE/report.py" collect "$RESULTS" "$DATA" >"$RESULTS/collect.txt" 2>&1 ||
  die "reading the databases failed: $(tail -n 3 "$RESULTS/collect.txt")"
log "$(cat "$RESULTS/collect.txt"); peak RSS $((VMHWM / 1024)) MiB"
stop_pid "$MART_PID"
if [[ -n $MART_CGROUP ]]; then
  memory_cgroup_report "$MART_CGROUP" >"$RESULTS/memory-cgroup.txt"
  log "memory cgroup: $(awk '/^== memory.(max_usage_in_bytes|peak)$/ { getline; printf "peak %d MiB ", $1 / 1048576 }
    /^== memory.failcnt$/ { getline; printf "limit reached %d times", $1 }' "$RESULTS/memory-cgroup.txt")"
fi

# 4. The insert ceiling, same load.
if [[ $RUN_CEILING == 1 ]]; then
  CEILING_PORT=$(free_port)
  "$CEILING" --port "$CEILING_PORT" --threads "$IO_THREADS" --db "$WORK/ceiling.db" \
    >"$RESULTS/ceiling.log" 2>&1 &
  CEILING_PID=$!
  SERVER_PIDS+=("$CEILING_PID")
  wait_ready "$CEILING_PID" "http://127.0.0.1:$CEILING_PORT/" any
  log "ceiling: $DURATION s of POST /api/v1/products against bench_ceiling_sqlite_insert"
  run_wrk ceiling "$CEILING_PID" "$CEILING_PORT" "$ROOT/bench/lua/create_product.lua"
  log "ceiling: $(wrk_brief "$RESULTS/wrk-ceiling.txt")"
  stop_pid "$CEILING_PID"
fi

# 4b. What random event ids cost the inbox (bench/orders/inbox_keys.py, about 10 s, on the same
# file system as mart's data).
if [[ $RUN_KEYS == 1 ]]; then
  timeout --kill-after=5 60 python3 "$HERE/inbox_keys.py" --dir "$WORK" >"$RESULTS/inbox-keys.txt" 2>&1 ||
    log "warning: inbox_keys.py failed: $(tail -n 1 "$RESULTS/inbox-keys.txt")"
  log "inbox keys: $(tr '\n' ' ' <"$RESULTS/inbox-keys.txt")"
fi

# 5. Report.
write_meta
status=0
doc_arg=()
[[ $DOC != - ]] && doc_arg=(--doc "$DOC")
python3 "$HERE/report.py" render "$RESULTS" "${doc_arg[@]}" >"$RESULTS/section.md" || status=$?
cat "$RESULTS/section.md"
case $status in
  0) log "all targets PASS" ;;
  3) log "some targets FAIL (see the table above)" ;;
  *) die "bench/orders/report.py render failed ($status)" ;;
esac
if [[ $STRICT == 1 ]]; then exit "$status"; fi
exit 0
