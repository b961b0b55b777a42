#!/usr/bin/env bash
# The products read path benchmark: mart against the ceiling servers, on loopback.
#
#   bench/run.sh BUILD_DIR            (`make bench` runs: bench/run.sh build/release)
#
# 1. start-up to ready, median of 5: the fixed ceiling and mart, each with an empty data dir;
# 2. starts the fixed and SQLite-read ceilings and mart (a fresh data dir), seeds mart with 10,000
#    products through POST /api/v1/products (bench/seed_products.py), waits, reads the idle RSS;
# 3. wrk GET /api/v1/products/{random id} against each, rounds interleaved (noisy ones repeated),
#    medians;
# 4. one run of the insert ceiling (the write path, for later); 5. bench/report.py checks the
#    targets and replaces the "Products read path" section of docs/benchmarks.md.
# Raw output goes to bench/results/<time>/ (git-ignored). Takes 1.5 to 2 minutes.
#
# Environment (optional): BENCH_DURATION=5 (s per wrk run), BENCH_ROUNDS=3 (quiet rounds wanted),
# BENCH_EXTRA_ROUNDS=2 (most repeats of noisy rounds), BENCH_NOISY_PCT=10, BENCH_CONNECTIONS=64,
# BENCH_WRK_THREADS=2, BENCH_SERVER_THREADS=$(nproc), BENCH_STARTUP_RUNS=5, BENCH_IDLE_SECONDS=3,
# BENCH_INSERT=1 (0 skips the insert ceiling), BENCH_DOC=docs/benchmarks.md ('-' writes nothing),
# BENCH_STRICT=0 (1: exit 3 when a target fails, 4 when mart is missing).
# Without BUILD_DIR/app/mart the ceilings are still measured and mart's rows say "not built".
set -euo pipefail

if [[ $# -ne 1 ]]; then
  echo "usage: $0 BUILD_DIR" >&2
  exit 2
fi
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=$(cd "$1" && pwd)
BENCH="$ROOT/bench"
BIN="$BUILD_DIR/bench"
MART="$BUILD_DIR/app/mart"

DURATION=${BENCH_DURATION:-5}
ROUNDS=${BENCH_ROUNDS:-3}
EXTRA_ROUNDS=${BENCH_EXTRA_ROUNDS:-2}
NOISY_PCT=${BENCH_NOISY_PCT:-10}
CONNECTIONS=${BENCH_CONNECTIONS:-64}
WRK_THREADS=${BENCH_WRK_THREADS:-2}
SERVER_THREADS=${BENCH_SERVER_THREADS:-$(nproc)}
STARTUP_RUNS=${BENCH_STARTUP_RUNS:-5}
IDLE_SECONDS=${BENCH_IDLE_SECONDS:-3}
RUN_INSERT=${BENCH_INSERT:-1}
DOC=${BENCH_DOC:-$ROOT/docs/benchmarks.md}
STRICT=${BENCH_STRICT:-0}
PRODUCTS=10000
# A bench-only admin, given to the seeded mart (not to the start-up runs) once mart knows the
# setting (its --help names it), for when product mutations require a token: the seeder logs in.
ADMIN_ENV=(MART_ADMIN_EMAIL=bench-admin@example.com MART_ADMIN_PASSWORD=bench-admin-password)

RESULTS="$ROOT/bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
WORK=$(mktemp -d /tmp/mart-bench.XXXXXX)
mkdir -p "$RESULTS"
LOG_NAME=bench
# shellcheck source=bench/lib.sh
source "$BENCH/lib.sh"

# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  stop_servers
  rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

require_tools wrk curl python3 timeout
for program in bench_ceiling_fixed bench_ceiling_sqlite_read bench_ceiling_sqlite_insert \
  bench_startup_probe; do
  [[ -x "$BIN/$program" ]] || die "$BIN/$program is missing: build the bench targets first"
done
MART_PRESENT=false
if [[ -x "$MART" ]]; then
  MART_PRESENT=true
else
  log "warning: $MART is missing; measuring the ceilings only"
fi

# start_server NAME COMMAND...: runs it in the background, logs to RESULTS/NAME.log; sets PID.
start_server() {
  local name=$1
  shift
  "$@" >"$RESULTS/$name.log" 2>&1 &
  PID=$!
  SERVER_PIDS+=("$PID")
}

# CPU accounting, to tell a quiet run from one that shared the CPUs with something else:
# the machine's busy ticks minus the server's and wrk's own, as a percentage of all ticks of the
# run (machine_ticks and process_ticks: bench/lib.sh).
CLK_TCK=$(getconf CLK_TCK)

# run_wrk OUTPUT SERVER_PID PORT SCRIPT SECONDS [IDS_FILE]: one bounded wrk run; checks its
# BENCH_JSON line and writes OUTPUT.cpu: "other_pct server_pct wrk_pct" of the machine's ticks.
run_wrk() {
  local out=$1 pid=$2 port=$3 script=$4 seconds=$5 ids=${6:-} rc=0
  local busy_before total_before server_before busy_after total_after server_after
  read -r busy_before total_before < <(machine_ticks)
  server_before=$(process_ticks "$pid")
  local TIMEFORMAT='%U %S'
  { time BENCH_IDS_FILE=$ids BENCH_PRODUCTS=$PRODUCTS timeout --kill-after=5 $((seconds + 20)) \
    wrk -t"$WRK_THREADS" -c"$CONNECTIONS" -d"${seconds}s" --timeout 2s --latency \
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
    "$out.time" >"$out.cpu"
}

other_cpu_pct() { cut -d' ' -f1 "$1.cpu"; }
wrk_brief() {
  sed -n 's/^BENCH_JSON //p' "$1" | tr -d '{}"' | tr ',' '\n' |
    awk -F: '$1 ~ /^(rps|p50_us|p99_us|non2xx)$/ { printf "%s=%s ", $1, $2 }'
}

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# measure_startup NAME PATH COMMAND...: STARTUP_RUNS probes; "@DATA@" and "@PORT@" in COMMAND
# are replaced by a fresh empty data dir and a free port for each run.
measure_startup() {
  local name=$1 path=$2 i port data arg
  shift 2
  : >"$RESULTS/startup-$name.txt"
  for ((i = 1; i <= STARTUP_RUNS; i++)); do
    port=$(free_port)
    data="$WORK/startup-$name-$i"
    mkdir -p "$data"
    local command=()
    for arg in "$@"; do
      arg=${arg//@DATA@/$data}
      command+=("${arg//@PORT@/$port}")
    done
    timeout --kill-after=5 20 "$BIN/bench_startup_probe" --port "$port" --path "$path" \
      --timeout-ms 5000 --log "$RESULTS/startup-$name-$i.log" -- "${command[@]}" \
      >>"$RESULTS/startup-$name.txt" || die "start-up run $i of $name failed; see $RESULTS/startup-$name-$i.log"
  done
  log "start-up $name (ms): $(tr '\n' ' ' <"$RESULTS/startup-$name.txt")"
}

# Recorded only: the load average lags by minutes; the CPU accounting of each run (run_wrk) is
# what tells a quiet run from a noisy one.
LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
log "results in $RESULTS; load average $LOADAVG"

# 1. Start-up to ready.
measure_startup fixed /readyz "$BIN/bench_ceiling_fixed" --port @PORT@ --threads "$SERVER_THREADS"
if $MART_PRESENT; then
  measure_startup mart /readyz "$MART" --host 127.0.0.1 --port @PORT@ --data-dir @DATA@ \
    --io-threads "$SERVER_THREADS"
fi

# 2. The servers under test, seeded, then idle.
declare -A PORTS SERVER_PID IDS_FILE
PORTS[fixed]=$(free_port)
start_server fixed "$BIN/bench_ceiling_fixed" --port "${PORTS[fixed]}" --threads "$SERVER_THREADS"
SERVER_PID[fixed]=$PID
PORTS[sqlite_read]=$(free_port)
start_server sqlite_read "$BIN/bench_ceiling_sqlite_read" --port "${PORTS[sqlite_read]}" \
  --threads "$SERVER_THREADS" --db "$WORK/ceiling-read.db"
SERVER_PID[sqlite_read]=$PID
wait_ready "${SERVER_PID[fixed]}" "http://127.0.0.1:${PORTS[fixed]}/"
wait_ready "${SERVER_PID[sqlite_read]}" "http://127.0.0.1:${PORTS[sqlite_read]}/api/v1/products/$PRODUCTS"
SERVERS=(fixed sqlite_read)
SEED_NOTE="the ceiling creates its own rows at start"

if $MART_PRESENT; then
  PORTS[mart]=$(free_port)
  mkdir -p "$WORK/mart-data"
  admin_env=()
  mart_help=$("$MART" --help 2>&1 || true)
  if [[ $mart_help == *MART_ADMIN_EMAIL* ]]; then admin_env=("${ADMIN_ENV[@]}"); fi
  start_server mart env "${admin_env[@]}" "$MART" --host 127.0.0.1 --port "${PORTS[mart]}" \
    --data-dir "$WORK/mart-data" --io-threads "$SERVER_THREADS"
  SERVER_PID[mart]=$PID
  wait_ready "${SERVER_PID[mart]}" "http://127.0.0.1:${PORTS[mart]}/readyz"
  log "seeding mart with $PRODUCTS products through POST /api/v1/products"
  IDS_FILE[mart]="$RESULTS/mart-ids.txt"
  env "${admin_env[@]}" timeout --kill-after=5 150 python3 "$BENCH/seed_products.py" \
    --port "${PORTS[mart]}" --count "$PRODUCTS" --ids-out "${IDS_FILE[mart]}" --deadline 120 \
    >"$RESULTS/seed-mart.txt" 2>&1 || die "seeding mart failed: $(tail -n 3 "$RESULTS/seed-mart.txt")"
  log "$(cat "$RESULTS/seed-mart.txt")"
  SEED_NOTE="mart seeded through its API by bench/seed_products.py: $(cat "$RESULTS/seed-mart.txt")"
  SERVERS+=(mart)
fi

sleep "$IDLE_SECONDS"
for name in "${SERVERS[@]}"; do
  rss_kib "${SERVER_PID[$name]}" >"$RESULTS/rss-$name-idle.txt"
  log "idle RSS $name: $(cat "$RESULTS/rss-$name-idle.txt") KiB"
done

# 3. Load: a warm-up each, then rounds with the servers interleaved, in reverse order every
# other round (ABBA), so that a drift of the machine hits all of them alike. A round in which
# something else took more than NOISY_PCT % of the CPUs is noisy; noisy rounds are repeated, up to
# EXTRA_ROUNDS more, and the report takes its medians over the quiet rounds.
for name in "${SERVERS[@]}"; do
  run_wrk "$RESULTS/warmup-$name.txt" "${SERVER_PID[$name]}" "${PORTS[$name]}" \
    "$BENCH/lua/random_product.lua" 1 "${IDS_FILE[$name]:-}"
done
quiet_rounds=0
for ((round = 1; round <= ROUNDS + EXTRA_ROUNDS && quiet_rounds < ROUNDS; round++)); do
  order=("${SERVERS[@]}")
  if ((round % 2 == 0)); then
    order=()
    for ((i = ${#SERVERS[@]} - 1; i >= 0; i--)); do order+=("${SERVERS[$i]}"); done
  fi
  noisy=false
  for name in "${order[@]}"; do
    out="$RESULTS/wrk-$name-r$round.txt"
    run_wrk "$out" "${SERVER_PID[$name]}" "${PORTS[$name]}" "$BENCH/lua/random_product.lua" \
      "$DURATION" "${IDS_FILE[$name]:-}"
    kill -0 "${SERVER_PID[$name]}" 2>/dev/null || die "$name died under load; see $RESULTS/$name.log"
    other=$(other_cpu_pct "$out")
    if awk -v o="$other" -v m="$NOISY_PCT" 'BEGIN { exit !(o > m) }'; then noisy=true; fi
    log "round $round $name: $(wrk_brief "$out")other CPU ${other}%"
  done
  if $noisy; then
    log "round $round was noisy (something else used over ${NOISY_PCT}% of the CPUs)"
  else
    quiet_rounds=$((quiet_rounds + 1))
  fi
done
for name in "${SERVERS[@]}"; do
  rss_kib "${SERVER_PID[$name]}" >"$RESULTS/rss-$name-loaded.txt"
  stop_pid "${SERVER_PID[$name]}"
done

# 4. The write-path ceiling (not a target yet: the order-flow benchmark will compare with it).
if [[ $RUN_INSERT == 1 ]]; then
  port=$(free_port)
  start_server sqlite_insert "$BIN/bench_ceiling_sqlite_insert" --port "$port" \
    --threads "$SERVER_THREADS" --db "$WORK/ceiling-insert.db"
  wait_ready "$PID" "http://127.0.0.1:$port/" any
  run_wrk "$RESULTS/wrk-sqlite_insert-r1.txt" "$PID" "$port" "$BENCH/lua/create_product.lua" \
    "$DURATION"
  log "insert ceiling: $(wrk_brief "$RESULTS/wrk-sqlite_insert-r1.txt")"
  stop_pid "$PID"
fi

# 5. Report.
BUILD_TYPE=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt" 2>/dev/null || true)
REVISION=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo "no commit")
if [[ -n $(git -C "$ROOT" status --porcelain 2>/dev/null | head -n 1) ]]; then
  REVISION="$REVISION with uncommitted changes"
fi
REL_BUILD=${BUILD_DIR#"$ROOT"/}
export META_DATE META_MODEL META_MEMORY META_OS SEED_NOTE
META_DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ)
META_MODEL=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
META_MEMORY="$(awk '/^MemTotal:/ { printf "%.0f GiB RAM", $2 / 1048576 }' /proc/meminfo)"
# shellcheck disable=SC1091
META_OS=$(. /etc/os-release && echo "$PRETTY_NAME, Linux $(uname -r)")
python3 - "$RESULTS/meta.json" <<EOF
import json, os, sys
meta = {
    "date": os.environ["META_DATE"],
    "nproc": $(nproc),
    "cpu_model": os.environ["META_MODEL"] or "unknown",
    "memory": os.environ["META_MEMORY"],
    "os": os.environ["META_OS"],
    "loadavg": "$LOADAVG",
    "revision": "$REVISION",
    "build_dir": "$REL_BUILD",
    "build_type": "${BUILD_TYPE:-unknown build type}",
    "command": "bench/run.sh $REL_BUILD",
    "elapsed_s": $((SECONDS - STARTED_AT)),
    "wrk_command": "wrk -t$WRK_THREADS -c$CONNECTIONS -d${DURATION}s --timeout 2s --latency -s bench/lua/random_product.lua http://127.0.0.1:PORT/",
    "rounds": $ROUNDS,
    "noisy_pct": $NOISY_PCT,
    "extra_rounds": $EXTRA_ROUNDS,
    "duration_s": $DURATION,
    "connections": $CONNECTIONS,
    "products": $PRODUCTS,
    "seed": os.environ.get("SEED_NOTE", ""),
    "server_threads": $SERVER_THREADS,
    "idle_s": $IDLE_SECONDS,
    "startup_runs": $STARTUP_RUNS,
    "mart_present": $([[ $MART_PRESENT == true ]] && echo True || echo False),
}
json.dump(meta, open(sys.argv[1], "w"), indent=2)
EOF
status=0
python3 "$BENCH/report.py" "$RESULTS" --doc "$DOC" || status=$?
case $status in
  0) log "all targets PASS" ;;
  3) log "some targets FAIL (see the table above)" ;;
  4) log "targets not checked: mart was not measured" ;;
  *) die "bench/report.py failed ($status)" ;;
esac
if [[ $STRICT == 1 ]]; then exit "$status"; fi
exit 0
