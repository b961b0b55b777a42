#!/usr/bin/env bash
# Validates bench_open_loop against bench_delay_server, a server whose latency is known:
#   1. every answer 5 ms after its request, at 2,000 requests/s: p50 must be 5–6 ms, p99 5–20 ms
#      (the two cores are shared: a scheduling delay shows, as it would for a server);
#   2. answers after 1 ms, but one stall of 1 s in a 10 s run at 1,000 requests/s: the requests
#      due in that second wait up to 1 s, so p99 must be 0.8–1.1 s (an open loop), while the
#      time from each send (what a closed loop measures) stays small for 99% of them;
#   3. answers without a length that end with the connection (--close 1), at 500 requests/s:
#      every one counted as answered, none as an error, each connection opened again;
#   4. requests of 256 KiB through a 4 KiB send buffer, at 20 requests/s: each goes out in
#      parts (the first send takes only some of it), and every one is answered. (Through so small
#      a buffer one takes about 0.2 s on loopback: the rate leaves the 8 connections room.)
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
check() {  # NAME VALUE LOW HIGH [UNIT, µs if left out]
  if (($2 >= $3 && $2 <= $4)); then verdict=ok; else verdict=FAILED; FAILED=1; fi
  printf '| %s | %s%s | %s–%s%s | %s |\n' "$1" "$2" "${5- µs}" "$3" "$4" "${5- µs}" "$verdict"
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

start_server --delay-ms 1 --close 1
THREE=$("$GEN" --port "$PORT" --rate 500 --duration 5 --warmup 1 --connections 16)
stop_server
check "answers ending with the connection, 500/s for 5 s: answered" "$(field "$THREE" answered)" 2490 2510 ""
check "the same: connection errors" "$(field "$THREE" connection_errors)" 0 0 ""
check "the same: p99 from the due time" "$(field "$THREE" latency_us.p99)" 1000 20000

head -c 262144 /dev/zero | tr '\0' 'x' >"$WORK/body"
start_server --delay-ms 1
FOUR=$("$GEN" --port "$PORT" --rate 20 --duration 3 --warmup 1 --connections 8 --method POST \
  --body "@$WORK/body" --send-buffer 4096)
stop_server
check "256 KiB requests, 4 KiB send buffer, 20/s for 3 s: answered" "$(field "$FOUR" answered)" 59 61 ""
check "the same: sent in parts (of those due in the run and its warm-up)" "$(field "$FOUR" partial_sends)" 79 81 ""
check "the same: p99 from the due time" "$(field "$FOUR" latency_us.p99)" 1000 1000000
check "the same: connection errors" "$(field "$FOUR" connection_errors)" 0 0 ""

echo
echo "open loop, 5 ms server: $ONE"
echo "open loop, 1 s stall:   $TWO"
echo "answers ending with the connection: $THREE"
echo "256 KiB requests in parts: $FOUR"
exit $FAILED
