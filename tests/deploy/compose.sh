#!/usr/bin/env bash
# make test-deploy, deploy/compose.yaml: mart and a Prometheus built from Debian's package,
# brought up by Compose (Debian's docker-compose against podman's API). An order is placed through
# the published port; Prometheus must have scraped mart (mart_* series through its own API) and
# loaded every alert rule. Leaves mart's /metrics in $WORK for the dashboard check.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE/../.."

project=${RUN_ID}mono
export MART_IMAGE=$IMAGE PROMETHEUS_IMAGE=localhost/mart-prometheus:test-deploy
export MART_PORT MART_ADMIN_EMAIL=$ADMIN_EMAIL MART_ADMIN_PASSWORD=$ADMIN_PASSWORD
export PROMETHEUS_PORT GRAFANA_PORT
MART_PORT=$(free_port)
PROMETHEUS_PORT=$(free_port)
GRAFANA_PORT=$(free_port)
compose() { docker-compose -p "$project" -f deploy/compose.yaml "$@"; }

teardown() {
  health_pump_stop
  compose down -v --remove-orphans -t 10 >>"$WORK/compose.log" 2>&1 || true
  api_stop
}
trap teardown EXIT
api_start

log "compose: building the Prometheus image from Debian's package"
begun=$SECONDS
compose build prometheus >>"$WORK/compose.log" 2>&1 ||
  { tail -n 30 "$WORK/compose.log"; fail "the Prometheus image did not build"; }
log "compose: Prometheus image built in $((SECONDS - begun)) s"

health_pump_start "com.docker.compose.project=$project"
compose up -d >>"$WORK/compose.log" 2>&1 || { tail -n 30 "$WORK/compose.log"; fail "compose up"; }
services=$(running_services "$project")
[ "$services" = "mart prometheus" ] || fail "compose started [$services], not mart and prometheus"
wait_until 60 "mart ready through its published port" \
  curl -sf "http://127.0.0.1:$MART_PORT/readyz"
log "compose: up (mart on 127.0.0.1:$MART_PORT, Prometheus on 127.0.0.1:$PROMETHEUS_PORT)"

order=$(python3 tests/deploy/shop.py order "http://127.0.0.1:$MART_PORT" "$ADMIN_EMAIL" \
  "$ADMIN_PASSWORD")
log "compose: order $(order_id "$order") confirmed"
curl -sf "http://127.0.0.1:$MART_PORT/metrics" >"$WORK/metrics-monolith.txt"

prometheus=http://127.0.0.1:$PROMETHEUS_PORT
# The orders the shopper placed, as Prometheus scraped them from mart.
scraped_order() {
  curl -sf "$prometheus/api/v1/query" \
    --data-urlencode 'query=sum(mart_http_requests_total{job="mart",route=~".*orders.*"})' |
    python3 -c 'import json, sys
r = json.load(sys.stdin)["data"]["result"]
sys.exit(0 if r and float(r[0]["value"][1]) > 0 else 1)'
}
wait_until 60 "Prometheus scraping mart's orders requests" scraped_order
series=$(curl -sf "$prometheus/api/v1/label/__name__/values" |
  python3 -c 'import json, sys; print(sum(1 for n in json.load(sys.stdin)["data"] if n.startswith("mart_")))')
up=$(curl -sf "$prometheus/api/v1/query" --data-urlencode 'query=up{job="mart"}' |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["data"]["result"][0]["value"][1])')
[ "$up" = 1 ] || fail "Prometheus sees mart as down (up = $up)"
log "compose: Prometheus scraped mart: up = 1, $series mart_* metric names"

expected=$(grep -cE '^\s*- alert:' deploy/prometheus/alerts.yml)
curl -sf "$prometheus/api/v1/rules" | python3 -c '
import json, sys
groups = json.load(sys.stdin)["data"]["groups"]
rules = [r for g in groups for r in g["rules"] if r["type"] == "alerting"]
bad = [r["name"] for r in rules if r.get("health") not in ("ok", "unknown")]
print(len(rules), " ".join(bad))
sys.exit(0 if len(rules) == int(sys.argv[1]) and not bad else 1)' "$expected" >"$WORK/rules.txt" ||
  fail "Prometheus loaded $(cat "$WORK/rules.txt") alert rules, expected $expected healthy"
log "compose: Prometheus loaded all $expected alert rules"

health_pump_stop
compose down -v --remove-orphans -t 10 >>"$WORK/compose.log" 2>&1
check_nothing_left "$project"
log "compose: down; no container, network or volume left"
