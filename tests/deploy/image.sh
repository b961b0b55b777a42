#!/usr/bin/env bash
# make test-deploy, the image: builds deploy/Dockerfile (the real multi-stage build) and checks
# what an operator relies on: its size, no compiler, a non-root process, a HEALTHCHECK that turns
# healthy, an order that survives a restart on the data volume, and a SIGTERM stop that ends with
# status 0 within the grace period.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE/../.."

SIZE_TARGET_MB=60
STOP_GRACE_S=10 # compose files' stop_grace_period; mart itself gives requests 5 s

# This host's own extra CA certificates (a TLS-inspecting proxy's), for the build's npm ci.
extra_ca=$(cat /usr/local/share/ca-certificates/*.crt 2>/dev/null || true)
log "image: podman build -f deploy/Dockerfile -t $IMAGE (log: $WORK/image-build.log)" \
  "${extra_ca:+with the extra CA certificates of this host}"
started=$SECONDS
# Docker format: the OCI image format has no HEALTHCHECK.
if ! podman build --layers --format docker -f deploy/Dockerfile -t "$IMAGE" --build-arg "JOBS=$(nproc)" \
  --build-arg "EXTRA_CA_CERTS=$extra_ca" . >"$WORK/image-build.log" 2>&1; then
  tail -n 40 "$WORK/image-build.log"
  fail "the image did not build"
fi
log "image: built in $((SECONDS - started)) s"

size_mb=$(podman image inspect --format '{{.Size}}' "$IMAGE" | awk '{printf "%.1f", $1 / 1e6}')
log "image: size $size_mb MB (target <= $SIZE_TARGET_MB MB)"
awk -v s="$size_mb" -v t="$SIZE_TARGET_MB" 'BEGIN { exit !(s <= t) }' ||
  fail "the image is $size_mb MB, over the $SIZE_TARGET_MB MB target"

# No compiler, linker or assembler anywhere in the image's files (not only on PATH).
container=$RUN_ID-files
podman create --name "$container" "$IMAGE" >/dev/null 2>>"$WORK/podman.log"
podman export "$container" | tar -t >"$WORK/image-files.txt"
podman rm "$container" >/dev/null 2>>"$WORK/podman.log"
if grep -E '(^|/)(gcc|g\+\+|cc|c\+\+|cc1|cc1plus|clang[^/]*|ld|ld\.bfd|ld\.gold|as|collect2)$' \
  "$WORK/image-files.txt"; then
  fail "the image holds a compiler tool (above)"
fi
[ "$(podman image inspect --format '{{.Config.User}}' "$IMAGE")" = 10001:10001 ] ||
  fail "the image's user is not 10001:10001"
podman image inspect --format '{{.HealthCheck.Test}}' "$IMAGE" | grep -q readyz ||
  fail "the image has no HEALTHCHECK on /readyz"
log "image: $(wc -l <"$WORK/image-files.txt") files, no compiler, user 10001:10001, HEALTHCHECK on /readyz"

container=$RUN_ID-mart
volume=$RUN_ID-data
port=$(free_port)
cleanup_image_test() {
  health_pump_stop
  podman rm -f -t 0 "$container" >/dev/null 2>&1 || true
  podman volume rm -f "$volume" >/dev/null 2>&1 || true
}
trap cleanup_image_test EXIT
health_pump_start "mart.test-deploy=$RUN_ID"

start_and_wait_healthy() {
  local begun=$SECONDS
  wait_until 60 "the container's health check" is_healthy "$container"
  log "image: healthy $((SECONDS - begun)) s after start"
}

podman run -d --name "$container" --label "mart.test-deploy=$RUN_ID" \
  -p "127.0.0.1:$port:8080" -v "$volume:/var/lib/mart" \
  -e "MART_ADMIN_EMAIL=$ADMIN_EMAIL" -e "MART_ADMIN_PASSWORD=$ADMIN_PASSWORD" "$IMAGE" \
  >/dev/null 2>>"$WORK/podman.log" # podman complains that no systemd runs its health timers
start_and_wait_healthy

pid=$(podman inspect --format '{{.State.Pid}}' "$container")
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$pid/status")
[ "$uid" = 10001 ] || fail "mart runs as uid $uid, not 10001"
log "image: mart runs as uid $uid"

order=$(python3 tests/deploy/shop.py order "http://127.0.0.1:$port" "$ADMIN_EMAIL" "$ADMIN_PASSWORD")
order_id=$(order_id "$order")
log "image: order $order_id confirmed through the published port"

begun=$SECONDS
podman stop -t "$STOP_GRACE_S" "$container" >/dev/null 2>>"$WORK/podman.log"
took=$((SECONDS - begun))
status=$(podman inspect --format '{{.State.ExitCode}}' "$container")
[ "$status" = 0 ] || fail "after SIGTERM mart exited with status $status, not 0"
[ "$took" -lt "$STOP_GRACE_S" ] || fail "the stop took $took s, not under the $STOP_GRACE_S s grace"
log "image: SIGTERM stop: status 0 in $took s (grace $STOP_GRACE_S s)"

podman start "$container" >/dev/null 2>>"$WORK/podman.log"
start_and_wait_healthy
again=$(python3 tests/deploy/shop.py read "http://127.0.0.1:$port" "$ADMIN_EMAIL" "$ADMIN_PASSWORD" \
  "$order_id")
python3 - "$order" "$again" <<'PY' || fail "the order changed across the restart"
import json, sys
before, after = json.loads(sys.argv[1]), json.loads(sys.argv[2])
keys = ("id", "status", "items", "total_cents")
sys.exit(0 if all(before[k] == after[k] for k in keys) else 1)
PY
log "image: order $order_id read back after the restart, from the volume"

podman exec "$container" mart check >"$WORK/image-check.txt" 2>&1 ||
  { cat "$WORK/image-check.txt"; fail "mart check in the container found a breach"; }
log "image: mart check in the container: $(tail -n 1 "$WORK/image-check.txt")"
