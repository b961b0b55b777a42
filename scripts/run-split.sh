#!/usr/bin/env bash
# Mart split into processes on this machine, talking through the mock Kafka broker:
#
#   scripts/run-split.sh [BUILD_DIR]          (default: build/release)
#
#   mart-kafka-mock                          loopback ports it picks, printed below
#   users-products           :8081  --modules users,products       (gets MART_ADMIN_EMAIL/PASSWORD)
#   orders-payments          :8082  --modules orders,payments
#   inventory-notifications  :8083  --modules inventory,notifications
#   gateway                  :8080  --modules none, forwarding each module to its process
#
# Every mart runs with --kafka-enabled true --kafka-brokers <the mock's bootstrap servers>, its own
# data dir ./data-split/<name> and log ./data-split/logs/<name>.log, on 127.0.0.1 only. Clients
# use the gateway, http://127.0.0.1:8080, as they would the monolith.
#
# It builds nothing: build first with
#   cmake --preset release && cmake --build build/release -j2 --target mart mart-kafka-mock
# Ctrl-C (or SIGTERM) stops every process it started, by PID; so does any of them exiting.
#
# Environment (optional):
#   MART_JWT_SECRET        shared by all processes (tokens of users-products are checked by all);
#                          default: ./data-split/jwt_secret, created with 64 random hex digits
#   MART_ADMIN_EMAIL, MART_ADMIN_PASSWORD   passed to users-products only (the admin account)
#   MART_KAFKA_TOPIC_PREFIX                 used by the marts and given to the mock as well
#   SPLIT_DATA_DIR=./data-split   SPLIT_BASE_PORT=8080 (gateway; the others are +1, +2, +3)
#   SPLIT_PARTITIONS=8            partitions of each topic in the mock
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD_DIR=${1:-$ROOT/build/release}
if [[ $# -gt 1 || "$BUILD_DIR" == -* ]]; then
  sed -n '2,26p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  exit 2
fi
MART="$BUILD_DIR/app/mart"
MOCK="$BUILD_DIR/tools/mart-kafka-mock"
for binary in "$MART" "$MOCK"; do
  if [[ ! -x "$binary" ]]; then
    echo "run-split: $binary is not built; build it with" >&2
    echo "  cmake --preset release && cmake --build build/release -j2 --target mart mart-kafka-mock" >&2
    exit 2
  fi
done

DATA=${SPLIT_DATA_DIR:-./data-split}
mkdir -p "$DATA/logs"
DATA=$(cd "$DATA" && pwd)
LOGS="$DATA/logs"
BASE_PORT=${SPLIT_BASE_PORT:-8080}
PARTITIONS=${SPLIT_PARTITIONS:-8}
HOST=127.0.0.1

# One secret for every process: users-products signs the tokens, every process verifies them.
if [[ -z "${MART_JWT_SECRET:-}" ]]; then
  if [[ ! -s "$DATA/jwt_secret" ]]; then
    (umask 077 && od -An -N32 -tx1 /dev/urandom | tr -d ' \n' >"$DATA/jwt_secret")
  fi
  MART_JWT_SECRET=$(<"$DATA/jwt_secret")
fi
if [[ ${#MART_JWT_SECRET} -lt 32 ]]; then
  echo "run-split: MART_JWT_SECRET must have at least 32 characters" >&2
  exit 2
fi
export MART_JWT_SECRET

PIDS=()
NAMES=()
STOPPING=0
STATUS=0 # 1 when a process exited on its own

# shellcheck disable=SC2317 # stop and stop_all run from the EXIT trap
# stop PID...: SIGTERM, up to 10 s to exit, then SIGKILL.
stop() {
  local pid t alive
  for pid in "$@"; do kill -TERM "$pid" 2>/dev/null || true; done
  for ((t = 0; t < 100; t++)); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || return 0
    sleep 0.1
  done
  for pid in "$@"; do
    if kill -0 "$pid" 2>/dev/null; then
      echo "run-split: pid $pid did not stop in 10 s; killing it" >&2
      kill -KILL "$pid" 2>/dev/null || true
    fi
  done
}

# shellcheck disable=SC2317
stop_all() {
  trap - INT TERM EXIT
  ((${#PIDS[@]})) || return 0
  echo "run-split: stopping"
  # The marts first (they may still be producing to Kafka), the broker (PIDS[0]) last.
  ((${#PIDS[@]} > 1)) && stop "${PIDS[@]:1}"
  stop "${PIDS[0]}"
  wait 2>/dev/null || true
  echo "run-split: stopped"
}
trap stop_all EXIT
trap 'STOPPING=1' INT TERM

# --- the broker ---------------------------------------------------------------------------------
rm -f "$DATA/kafka.bootstrap"
mock_args=(--partitions "$PARTITIONS" --bootstrap-file "$DATA/kafka.bootstrap")
[[ -n "${MART_KAFKA_TOPIC_PREFIX:-}" ]] && mock_args+=(--topic-prefix "$MART_KAFKA_TOPIC_PREFIX")
"$MOCK" "${mock_args[@]}" >"$LOGS/kafka-mock.out" 2>"$LOGS/kafka-mock.log" &
PIDS+=($!)
NAMES+=(kafka-mock)

BOOTSTRAP=
for ((i = 0; i < 100; i++)); do
  line=$(grep -m1 '^bootstrap=' "$LOGS/kafka-mock.out" 2>/dev/null || true)
  if [[ -n "$line" ]]; then
    BOOTSTRAP=${line#bootstrap=}
    break
  fi
  if ! kill -0 "${PIDS[0]}" 2>/dev/null; then break; fi
  sleep 0.1
done
if [[ -z "$BOOTSTRAP" ]]; then
  echo "run-split: mart-kafka-mock did not start; see $LOGS/kafka-mock.log" >&2
  exit 1
fi
if [[ ! "$BOOTSTRAP" =~ ^(127\.0\.0\.1:[0-9]+,?)+$ ]]; then
  echo "run-split: unexpected bootstrap servers '$BOOTSTRAP' (loopback only)" >&2
  exit 1
fi

# --- the marts ----------------------------------------------------------------------------------
# start_mart NAME PORT MODULES [FLAG...]: a mart on HOST:PORT with its own data dir and log.
start_mart() {
  local name=$1 port=$2 modules=$3
  shift 3
  local env_args=()
  # Only the process hosting users may be told about the admin account.
  [[ ",$modules," == *,users,* ]] || env_args+=(-u MART_ADMIN_EMAIL -u MART_ADMIN_PASSWORD)
  mkdir -p "$DATA/$name"
  env "${env_args[@]}" "$MART" --host "$HOST" --port "$port" --data-dir "$DATA/$name" \
    --modules "$modules" --kafka-enabled true --kafka-brokers "$BOOTSTRAP" "$@" \
    >"$LOGS/$name.log" 2>&1 &
  PIDS+=($!)
  NAMES+=("$name")
}

P_GATEWAY=$BASE_PORT
P_USERS=$((BASE_PORT + 1))
P_ORDERS=$((BASE_PORT + 2))
P_INVENTORY=$((BASE_PORT + 3))
# The module processes see every client through the gateway: they take the client's address
# from its X-Forwarded-For (and only from it), so sign-in throttling and rate limits are per
# client, not one limit shared by everyone.
behind_gateway=(--gateway-trusted-proxies "$HOST")
start_mart users-products "$P_USERS" users,products "${behind_gateway[@]}"
start_mart orders-payments "$P_ORDERS" orders,payments "${behind_gateway[@]}"
start_mart inventory-notifications "$P_INVENTORY" inventory,notifications "${behind_gateway[@]}"
start_mart gateway "$P_GATEWAY" none \
  --upstream "users=http://$HOST:$P_USERS" --upstream "products=http://$HOST:$P_USERS" \
  --upstream "orders=http://$HOST:$P_ORDERS" --upstream "payments=http://$HOST:$P_ORDERS" \
  --upstream "inventory=http://$HOST:$P_INVENTORY" \
  --upstream "notifications=http://$HOST:$P_INVENTORY"

# --- where everything is ------------------------------------------------------------------------
port_of() {
  case $1 in
    users-products) echo "$P_USERS" ;;
    orders-payments) echo "$P_ORDERS" ;;
    inventory-notifications) echo "$P_INVENTORY" ;;
    gateway) echo "$P_GATEWAY" ;;
  esac
}

healthy() { curl -fsS --max-time 1 "http://$HOST:$1/healthz" >/dev/null 2>&1; }

printf '%-24s %-8s %-28s %s\n' process pid listens log
printf '%-24s %-8s %-28s %s\n' kafka-mock "${PIDS[0]}" "$BOOTSTRAP" "$LOGS/kafka-mock.log"
for ((i = 1; i < ${#PIDS[@]}; i++)); do
  name=${NAMES[i]}
  port=$(port_of "$name")
  state="http://$HOST:$port"
  for ((t = 0; t < 50; t++)); do
    healthy "$port" && break
    kill -0 "${PIDS[i]}" 2>/dev/null || break
    ((STOPPING)) && break
    sleep 0.2
  done
  if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
    state="EXITED"
  elif ! healthy "$port"; then
    state="$state (not answering yet)"
  fi
  printf '%-24s %-8s %-28s %s\n' "$name" "${PIDS[i]}" "$state" "$LOGS/$name.log"
done
echo
echo "API: http://$HOST:$P_GATEWAY  (data in $DATA)"
echo "Broker outage: kill -USR1 ${PIDS[0]}; back: kill -USR2 ${PIDS[0]}.  Ctrl-C stops everything."

# --- run until Ctrl-C / TERM or until one of them exits ----------------------------------------
while ((!STOPPING)); do
  wait -n "${PIDS[@]}" 2>/dev/null || true
  ((STOPPING)) && break
  for ((i = 0; i < ${#PIDS[@]}; i++)); do
    if ! kill -0 "${PIDS[i]}" 2>/dev/null; then
      echo "run-split: ${NAMES[i]} (pid ${PIDS[i]}) exited; stopping the others" \
        "(its log: $LOGS/${NAMES[i]}.log)" >&2
      STOPPING=1
      STATUS=1
    fi
  done
done
exit "$STATUS"
