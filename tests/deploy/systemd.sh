#!/usr/bin/env bash
# make test-deploy, deploy/systemd/mart.service: `systemd-analyze verify` in a root holding the
# binary and the user the unit names (as the install steps of deploy/README.md leave a host), and
# `systemd-analyze security` for its hardening score (0 = most exposure removed, 10 = none).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
cd "$HERE/../.."

EXPOSURE_BUDGET=1.7 # the score of the unit as shipped: it must not get worse

unit=deploy/systemd/mart.service
# verify checks that ExecStart's binary exists: take it out of the image just built.
root=$WORK/systemd-root
mkdir -p "$root/usr/local/bin" "$root/etc/systemd/system" "$root/usr/lib/systemd"
# The targets the unit names (network-online.target, multi-user.target...) come from this host.
cp -r /lib/systemd/system "$root/usr/lib/systemd/"
container=$(podman create "$IMAGE" 2>>"$WORK/podman.log")
podman cp "$container:/usr/local/bin/mart" "$root/usr/local/bin/mart"
podman rm "$container" >/dev/null 2>>"$WORK/podman.log"
cp "$unit" "$root/etc/systemd/system/"
if ! SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --root="$root" \
  "$root/etc/systemd/system/mart.service" >"$WORK/systemd-verify.txt" 2>&1; then
  cat "$WORK/systemd-verify.txt"
  fail "systemd-analyze verify $unit"
fi
if [ -s "$WORK/systemd-verify.txt" ]; then
  cat "$WORK/systemd-verify.txt"
  fail "systemd-analyze verify $unit warned (above)"
fi
log "systemd: systemd-analyze verify $unit: clean"

systemd-analyze security --offline=true --root="$root" "$root/etc/systemd/system/mart.service" \
  >"$WORK/systemd-security.txt" 2>&1 || true
score=$(grep -oP 'Overall exposure level for \S+: \K[0-9.]+' "$WORK/systemd-security.txt" || true)
[ -n "$score" ] || { cat "$WORK/systemd-security.txt"; fail "no score from systemd-analyze security"; }
log "systemd: systemd-analyze security: exposure $score (budget $EXPOSURE_BUDGET; 0 best, 10 worst)"
awk -v s="$score" -v b="$EXPOSURE_BUDGET" 'BEGIN { exit !(s <= b) }' ||
  { grep -E '✗' "$WORK/systemd-security.txt" | head -20; fail "exposure $score is over $EXPOSURE_BUDGET"; }
