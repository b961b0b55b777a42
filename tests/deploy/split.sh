#!/usr/bin/env bash
# make test-deploy, deploy/compose.split.yaml: split mode as written (three module processes and
# a gateway, each in its own container), with tests/deploy/compose.split.mock.yaml swapping the
# Kafka broker for the project's mock broker. An order placed through the gateway must be
# confirmed, which takes events between all three module containers through the broker. Leaves
# every process's /metrics in $WORK for the dashboard check.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE/../.."

project=${RUN_ID}split
export MART_IMAGE=$IMAGE MART_PORT MART_ADMIN_EMAIL=$ADMIN_EMAIL MART_ADMIN_PASSWORD=$ADMIN_PASSWORD
MART_PORT=$(free_port)
MART_JWT_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(32))')
export MART_JWT_SECRET
files=(-f deploy/compose.split.yaml -f tests/deploy/compose.split.mock.yaml)
compose() { docker-compose -p "$project" "${files[@]}" "$@"; }

teardown() {
  health_pump_stop
  compose down -v --remove-orphans -t 10 >>"$WORK/split.log" 2>&1 || true
  api_stop
}
trap teardown EXIT
api_start
health_pump_start "com.docker.compose.project=$project"

log "split: compose up (mock broker, three module processes, gateway)"
begun=$SECONDS
# Compose starts each service once its dependencies are healthy: broker, then the module
# processes, then the gateway.
if ! timeout 240 docker-compose -p "$project" "${files[@]}" up -d >>"$WORK/split.log" 2>&1; then
  tail -n 30 "$WORK/split.log"
  compose logs --tail 20 >"$WORK/split-containers.log" 2>&1 || true
  tail -n 60 "$WORK/split-containers.log"
  fail "split mode did not come up"
fi
wait_until 60 "the gateway ready" curl -sf "http://127.0.0.1:$MART_PORT/readyz"
log "split: up in $((SECONDS - begun)) s; running: $(running_services "$project")"

order=$(python3 tests/deploy/shop.py order "http://127.0.0.1:$MART_PORT" "$ADMIN_EMAIL" \
  "$ADMIN_PASSWORD") || { compose logs --tail 30 | tail -n 80; fail "no confirmed order in split mode"; }
log "split: order $(order_id "$order") confirmed through the gateway, notified"

for service in gateway users-products orders-payments inventory-notifications; do
  compose exec -T gateway curl -sf "http://$service:8080/metrics" \
    >"$WORK/metrics-split-$service.txt" || fail "cannot read $service's /metrics"
done
grep -q '^mart_kafka_broker_reachable.* 1$' "$WORK/metrics-split-orders-payments.txt" ||
  fail "orders-payments does not see the broker as reachable"

health_pump_stop
compose down -v --remove-orphans -t 10 >>"$WORK/split.log" 2>&1
check_nothing_left "$project"
log "split: down; no container, network or volume left"
