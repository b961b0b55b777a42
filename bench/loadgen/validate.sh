#!/usr/bin/env bash
# Validates bench_open_loop against bench_delay_server, a server whose latency is known:
#   1. every answer 5 ms after its request, at 2,000 requests/s: p50 must be 5–6 ms, p99 5–20 ms
#      (the two cores are shared: a scheduling delay shows, as it would for a server);
#   2. answers after 1 ms, but one stall of 1 s in a 10 s run at 1,000 requests/s: the requests
#      due in that second wait up to 1 s, so p99 must be 0.8–1.1 s (an open loop), while the
#      time from each send (what a closed loop measures) stays small for 99% of them.
#
#   bench/loadgen/validate.sh BUILD_DIR     (exit 1 when a check fails)
set -euo pipefail
BUILD_DIR=${1:?usage: bench/loadgen/validate.sh BUILD_DIR}
GEN="$BUILD_DIR/bench/bench_open_loop"
SERVER="$BUILD_DIR/bench/bench_delay_server"
for program in "$GEN" "$SERVER"; do
  [[ -x $program ]] || { echo "missing $program: cmake --build $BUILD_DIR --target $(basename "$program")" >&2; exit 2; }
done
WORK=$(mktemp -d)
SERVER_PID=
cleanup() {
  [[ -n $SERVER_PID ]] && kill "$SERVER_PID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

start_server() {
  "$SERVER" "$@" >"$WORK/port" &
  SERVER_PID=$!
  for _ in $(seq 50); do [[ -s $WORK/port ]] && break; sleep 0.05; done
  PORT=$(cat "$WORK/port")
}
stop_server() {
  kill "$SERVER_PID" 2>/dev/null || true
  wait "$SERVER_PID" 2>/dev/null || true
  SERVER_PID=
}
field() {  # JSON FIELD.PATH
  python3 -c 'import json,sys; v=json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v=v[k]
print(v)' "$1" "$2"
}
FAILED=0
check() {  # NAME VALUE LOW HIGH
  if (($2 >= $3 && $2 <= $4)); then verdict=ok; else verdict=FAILED; FAILED=1; fi
  printf '| %s | %s µs | %s–%s µs | %s |\n' "$1" "$2" "$3" "$4" "$verdict"
}

echo "| check | measured | expected | verdict |"
echo "| --- | ---: | --- | --- |"
start_server --delay-ms 5
ONE=$("$GEN" --port "$PORT" --rate 2000 --duration 5 --warmup 1 --connections 32)
stop_server
check "5 ms server, 2,000/s: p50" "$(field "$ONE" latency_us.p50)" 5000 6000
check "5 ms server, 2,000/s: p99" "$(field "$ONE" latency_us.p99)" 5000 20000

start_server --delay-ms 1 --stall-at-s 3 --stall-ms 1000
TWO=$("$GEN" --port "$PORT" --rate 1000 --duration 10 --warmup 1 --connections 32)
stop_server
check "1 s stall in 10 s, 1,000/s: p99 from the due time" "$(field "$TWO" latency_us.p99)" 800000 1100000
check "the same: p99 from the send" "$(field "$TWO" service_us.p99)" 0 100000

echo
echo "open loop, 5 ms server: $ONE"
echo "open loop, 1 s stall:   $TWO"
exit $FAILED
