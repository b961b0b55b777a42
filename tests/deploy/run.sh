#!/usr/bin/env bash
# make test-deploy: every deployment file of deploy/ built and started for real, with podman and
# no image registry. Steps (each its own script here, runnable alone after setup):
#   setup    podman, runc, Compose, kubectl, the base images (setup.sh)
#   image    deploy/Dockerfile built and checked (image.sh)
#   compose  deploy/compose.yaml: mart and Prometheus (compose.sh)
#   split    deploy/compose.split.yaml with the mock broker (split.sh)
#   k8s      deploy/k8s rendered and validated offline (k8s.sh)
#   systemd  deploy/systemd/mart.service verified and scored (systemd.sh)
#   grafana  the dashboard's queries against the metrics mart exports (dashboard.py)
# Prints each step's time; a step that cannot run says why and fails the run: nothing is skipped
# silently. Leaves no container, network or volume; keeps the images, which make a second run fast.
set -euo pipefail
cd "$(dirname "$0")/../.."
export RUN_ID=martdeploy$$
WORK=$(mktemp -d /tmp/mart-test-deploy.XXXXXX)
export WORK
source tests/deploy/lib.sh

summary=()
run_step() {
  local name=$1 begun=$SECONDS
  shift
  log "== $name"
  if ! "$@"; then
    log "== $name FAILED after $((SECONDS - begun)) s (files in $WORK)"
    printf '  %s\n' "${summary[@]}"
    exit 1
  fi
  summary+=("$(printf '%-8s %4d s' "$name" $((SECONDS - begun)))")
}

total=$SECONDS
run_step setup tests/deploy/setup.sh
run_step image tests/deploy/image.sh
run_step compose tests/deploy/compose.sh
run_step split tests/deploy/split.sh
run_step k8s tests/deploy/k8s.sh
run_step systemd tests/deploy/systemd.sh
run_step grafana python3 tests/deploy/dashboard.py deploy/grafana/dashboards/mart.json \
  "$WORK"/metrics-*.txt

log "== all passed in $((SECONDS - total)) s"
printf '  %s\n' "${summary[@]}"
log "image $(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f MB", $1 / 1e6}')," \
  "systemd exposure $(grep -oP 'Overall exposure level for \S+: \K[0-9.]+' "$WORK/systemd-security.txt")"
rm -rf "$WORK"
