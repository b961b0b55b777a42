# Shared by the steps of `make test-deploy` (sourced): logging, free ports, waiting, podman's
# Docker-compatible API for Compose, and the health-check pump.

RUN_ID=${RUN_ID:-martdeploy$$}
IMAGE=${MART_TEST_IMAGE:-localhost/mart:test-deploy}
ADMIN_EMAIL=admin@example.com
ADMIN_PASSWORD=deploy-test-password
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=${WORK:-$(mktemp -d /tmp/mart-test-deploy.XXXXXX)}

log() { printf '[test-deploy %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }
fail() {
  log "FAIL: $*"
  exit 1
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_until SECONDS WHAT COMMAND...: runs COMMAND every half second until it succeeds.
wait_until() {
  local seconds=$1 what=$2
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || fail "$what: not within $seconds s"
    sleep 0.5
  done
}

# Podman runs health checks from systemd timers; without systemd (a container host, CI) nothing
# runs them, and Compose's `condition: service_healthy` would wait forever. The pump runs every
# health check of the containers carrying LABEL every 2 s, as the timers would.
health_pump_start() {
  local label=$1
  (
    while true; do
      for c in $(podman ps -q --filter "label=$label" 2>/dev/null); do
        podman healthcheck run "$c" >/dev/null 2>&1 || true
      done
      sleep 2
    done
  ) &
  HEALTH_PUMP_PID=$!
}
health_pump_stop() { stop_background HEALTH_PUMP_PID; }

# stop_background VAR: stops the background process whose PID variable VAR holds, and clears it.
stop_background() {
  local pid=${!1:-}
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    printf -v "$1" '%s' ''
  fi
}

is_healthy() {
  [ "$(podman inspect --format '{{.State.Health.Status}}' "$1" 2>/dev/null)" = healthy ]
}

# The "id" of the order JSON shop.py printed.
order_id() {
  python3 -c 'import json, sys; print(json.loads(sys.argv[1])["id"])' "$1"
}

# Podman's Docker API on a socket of this run, for docker-compose.
api_start() {
  export DOCKER_HOST=unix://$WORK/podman.sock
  podman system service --time=0 "$DOCKER_HOST" >"$WORK/podman-service.log" 2>&1 &
  API_PID=$!
  wait_until 20 "podman's API service" curl -sf --unix-socket "$WORK/podman.sock" http://d/_ping
}
api_stop() { stop_background API_PID; }

# The services of Compose project $1 that have a running container, sorted, on one line.
running_services() {
  podman ps --filter "label=com.docker.compose.project=$1" \
    --format '{{index .Labels "com.docker.compose.service"}}' | sort | paste -sd ' '
}

# Fails if anything of Compose project $1 is left: containers, networks, volumes.
check_nothing_left() {
  local project=$1 left
  left=$(
    podman ps -a -q --filter "label=com.docker.compose.project=$project"
    podman network ls -q --filter "label=com.docker.compose.project=$project"
    podman volume ls -q --filter "label=com.docker.compose.project=$project"
  )
  [ -z "$left" ] || fail "project $project left behind: $left"
}
